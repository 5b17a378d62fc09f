"""Compound requests of the customer-service desk: several orders in one conversation,
variants described by their attributes, totals the agent must compute, goals that depend on
what the agent finds ("if the blue one is out of stock, refund me instead") and customers who
misstate a fact (their membership tier, how many orders they have).

Each template resolves its condition against the world: the intent is the branch that holds,
and ``Intent.condition`` keeps the condition as the customer states it.
"""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from utility_gym.core.tasks import (
    Fact,
    Intent,
    NoTask,
    PlanStep,
    Script,
    TaskDraft,
    TaskTemplate,
    ToolCall,
    memo,
    memo_rows,
)
from utility_gym.core.world import row_dicts
from utility_gym.envs.customer_service.constants import COMPENSATION, DELAY_DAYS
from utility_gym.envs.customer_service.records import order_row_id
from utility_gym.envs.customer_service.tasks import (
    CITIES,
    STREETS,
    _anything_else,
    _choose,
    _draft,
    _greeting,
    _item_phrase,
    _items,
    _money,
    _orders,
    _returnable,
    _verify,
)

CONFIRM = "Shall I go ahead with these changes? Please reply yes to confirm."


def _customers(db: sqlite3.Connection, having: str) -> list[str]:
    rows = db.execute(
        f"SELECT customer_id FROM orders GROUP BY customer_id HAVING {having} ORDER BY customer_id"
    ).fetchall()
    return [r[0] for r in rows]


def _by_status(db: sqlite3.Connection, cid: str, *statuses: str) -> list[dict]:
    marks = ", ".join("?" for _ in statuses)
    return _orders(
        db, f"o.customer_id = ? AND o.status IN ({marks})", (cid, *statuses), everyone=True
    )


def _names(db: sqlite3.Connection, orders: list[dict]) -> dict[str, int]:
    """How many of ``orders``' items carry each product name."""
    counts: dict[str, int] = {}
    for o in orders:
        for item in _items(db, o["id"]):
            counts[item["product_name"]] = counts.get(item["product_name"], 0) + 1
    return counts


def _address(rng: random.Random) -> tuple[str, str, str, str]:
    city, state, zip_code = rng.choice(CITIES)
    return f"{rng.randint(10, 9999)} {rng.choice(STREETS)}", city, state, zip_code


def _listing(orders: list[dict]) -> str:
    return "; ".join(f"#{o['id']} ({o['status']}, {_money(o['total'])})" for o in orders)


# -- several orders -------------------------------------------------------------------------------
def _moving_case(
    db: sqlite3.Connection, rng: random.Random
) -> tuple[str, list, dict, dict, list, list]:
    """(customer, unshipped orders, the order kept, its named item, orders to cancel, orders to
    send to the new address) for a customer with at least three unshipped orders."""
    having = "sum(status = 'pending') >= 2 AND sum(status IN ('pending', 'processing')) >= 3"
    cids = memo(db, "unshipped3", lambda: _customers(db, having))
    cid = _choose(rng, [{"id": c} for c in cids])["id"]
    unshipped = _by_status(db, cid, "pending", "processing")
    counts = _names(db, unshipped)
    items = [(o, i) for o in unshipped for i in _items(db, o["id"])]
    named = [(o, i) for o, i in items if counts[i["product_name"]] == 1]
    keep, kept = _choose(rng, named)
    cancel = [o for o in unshipped if o["status"] == "pending" and o["id"] != keep["id"]]
    move = [o for o in unshipped if o["status"] == "processing" and o["id"] != keep["id"]] + [keep]
    if not cancel:
        raise NoTask("nothing left to cancel")
    return cid, unshipped, keep, kept, cancel, move


def cancel_unshipped_except(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Moving house: cancel every unshipped order but one, which (with any order that can no
    longer be cancelled) goes to the new address; the refunds' total is computed."""
    cid, unshipped, keep, kept, cancel, move = _moving_case(db, rng)
    street, city, state, zip_code = _address(rng)
    address = f"{street}, {city}, {state} {zip_code}"
    name = kept["product_name"]
    opening = (
        f"{_greeting(rng)} I'm moving to {address} next week. Please cancel all my orders that "
        f"haven't shipped yet, except the one with the {name}: I no longer need the rest. "
        "If any of them can't be cancelled anymore, send it to my new address as well."
    ).strip()
    second = (
        f"And please send the order with the {name}, and any that couldn't be cancelled, to my "
        f"new address, {address}."
    )
    known = {"item": name, "address": address, "reason": "no longer needed"}
    s = Script()
    _verify(s, keep, rng, known, by=rng.choice(("email", "name_zip")))
    s.call("get_customer_details", essential=False)
    s.call("list_orders", essential=False)
    for o in unshipped:
        s.call("get_order_details", essential=False, order_id=o["id"])
    total = round(sum(o["total"] for o in cancel), 2)
    ids = " and ".join(f"#{o['id']}" for o in cancel)
    moved = " and ".join(f"#{o['id']}" for o in move)
    refunds = ", ".join(f"{_money(o['total'])} to {o['payment_label']}" for o in cancel)
    s.say(
        f"You have these orders that haven't shipped: {_listing(unshipped)}. I can cancel orders "
        f"{ids} with the reason 'no longer needed' (refunds: {refunds}; {_money(total)} in total). "
        f"{CONFIRM}",
        essential=True,
    )
    for o in cancel:
        s.call("cancel_pending_order", order_id=o["id"], reason="no longer needed")
    s.say(
        f"Done: orders {ids} are cancelled and {_money(total)} in total will be refunded. "
        f"{_anything_else()}",
        essential=True,
    )
    s.intent = 1
    s.say(f"I can change the shipping address of {moved} to {address}. {CONFIRM}", essential=True)
    for o in move:
        s.call(
            "modify_order_address",
            order_id=o["id"],
            address1=street,
            city=city,
            state=state,
            zip=zip_code,
        )
    s.say(f"Done: {moved} will ship to {address}. {_anything_else()}", essential=True)
    refund = Fact("amount", total, "total refund", computed=len(cancel) > 1)
    condition = "if any of them can't be cancelled anymore, send it to my new address as well"
    intents = [
        Intent(
            "cancel the unshipped orders but one",
            opening,
            "write",
            "cancel",
            tuple(o["id"] for o in cancel),
            (refund,),
        ),
        Intent(
            "send the rest to the new address",
            second,
            "write",
            "change_address",
            tuple(o["id"] for o in move),
            (Fact("text", zip_code, "new zip code"),),
            condition=condition,
        ),
    ]
    summary = f"cancel {len(cancel)} unshipped orders of {cid} but the {name}; {len(move)} moved"
    return _draft(intents, known, s, rng, summary, opening=opening)


def _returnable_across(
    db: sqlite3.Connection, now: str
) -> list[tuple[str, list[tuple[dict, dict]]]]:
    """Customers with returnable items in at least two orders, each item's name unique among
    the customer's orders: (customer, [(order, item)])."""
    by_customer: dict[str, list[dict]] = {}
    for o in _returnable(db, now, inside=True, everyone=True):
        by_customer.setdefault(o["customer_id"], []).append(o)
    out = []
    for cid, orders in by_customer.items():
        if len(orders) < 2:
            continue
        counts = _names(db, _orders(db, "o.customer_id = ?", (cid,), everyone=True))
        pairs = [
            (o, i) for o in orders for i in _items(db, o["id"]) if counts[i["product_name"]] == 1
        ]
        if len({o["id"] for o, _ in pairs}) >= 2:
            out.append((cid, pairs))
    return out


def return_across_orders(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Return one item from each of two or three orders, named by product; where the refund goes
    depends on the total ("over $150 as store credit, otherwise to my card")."""
    cid, pairs = _choose(rng, memo(db, "returnable_across", lambda: _returnable_across(db, now)))
    orders = list(dict.fromkeys(o["id"] for o, _ in pairs))
    chosen_orders = rng.sample(orders, min(len(orders), rng.choice((2, 3, 3, 3))))
    picks = [rng.choice([(o, i) for o, i in pairs if o["id"] == oid]) for oid in chosen_orders]
    total = round(sum(i["price"] for _, i in picks), 2)
    threshold = float(round(total + rng.choice((-1, 1)) * rng.randint(10, 60), -1))
    credit = total > threshold
    names = (
        ", the ".join(i["product_name"] for _, i in picks[:-1])
        + f" and the {picks[-1][1]['product_name']}"
    )
    condition = (
        f"if the refund comes to more than {_money(threshold)}, as store credit; "
        "otherwise back to my original payment method"
    )
    request = (
        f"{_greeting(rng)} I'd like to return the {names} from my recent orders. If the refund "
        f"comes to more than {_money(threshold)} in total, I'll take it as store credit; otherwise "
        "please put it back on my original payment method."
    ).strip()
    known = {
        "item": names,
        "reason": "I don't need them",
        "payment_method": "store credit" if credit else "my original payment method",
    }
    s = Script()
    _verify(s, picks[0][0], rng, known, by=rng.choice(("email", "name_zip")))
    s.call("get_customer_details", essential=False)
    s.call("list_orders", essential=False, status="delivered")
    for o, _ in picks:
        s.call("get_order_details", essential=False, order_id=o["id"])
    where = "as store credit" if credit else "to the original payment method of each order"
    lines = "; ".join(
        f"the {_item_phrase(i)} (item {i['id']}) of order #{o['id']}, {_money(i['price'])}"
        for o, i in picks
    )
    s.say(
        f"I found them: {lines}. The refund comes to {_money(total)} in total, so I can return the "
        f"items and refund {_money(total)} {where}. {CONFIRM}",
        essential=True,
    )
    for o, i in picks:
        s.call(
            "return_delivered_order_items",
            order_id=o["id"],
            item_ids=[i["id"]],
            refund_to="store_credit" if credit else "original_payment",
        )
    s.say(
        f"Done: all {len(picks)} items are returned and {_money(total)} in total is refunded "
        f"{where}. "
        f"{_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "return items across orders",
        request,
        "write",
        "return",
        tuple(chosen_orders),
        (Fact("amount", total, "total refund", computed=True),),
        condition=condition,
    )
    return _draft(
        [intent],
        known,
        s,
        rng,
        f"return {len(picks)} items across orders of {cid} "
        f"({'store credit' if credit else 'original payment'})",
    )


# -- variants described by attributes, with a fallback ---------------------------------------------
def _other_dims(item: dict, variants: dict[str, list[dict]]) -> list[tuple[str, str, dict]]:
    """(dimension, new value, variant) for each variant of ``item``'s product (``variants``: by
    product) that differs from it in exactly one option."""
    mine = dict(p.split(": ", 1) for p in item["options"].split(", "))
    out = []
    for v in variants.get(item["product_id"], ()):
        theirs = dict(p.split(": ", 1) for p in v["options"].split(", "))
        diff = [d for d in mine if theirs.get(d) != mine[d]]
        if len(diff) == 1:
            out.append((diff[0], theirs[diff[0]], dict(v)))
    return out


def _described(
    db: sqlite3.Connection, orders: list[dict]
) -> list[tuple[dict, dict, str, str, dict, bool]]:
    """(order, item, dimension, value, variant, in stock) where the variant is either in stock at
    an equal or lower price or out of stock."""
    out = []
    items_of = _items_by_order(db)
    # Every variant in one read (a few hundred rows), not a query per order item. Not kept
    # across calls: exchanges change their stock, and the change log does not track variants.
    variants = _grouped(db, "variants", "product_id")
    for o in orders:
        for item in items_of.get(o["id"], ()):
            for dim, value, v in _other_dims(item, variants):
                if v["stock"] <= 0 or v["price"] <= item["price"]:
                    out.append((o, item, dim, value, v, v["stock"] > 0))
    return out


def _items_by_order(db: sqlite3.Connection) -> dict[str, list[dict]]:
    """Every order item, by order, in id order (what ``_items`` gives one order at a time)."""
    return memo(db, "items by order", lambda: _grouped(db, "order_items", "order_id"))


def _grouped(db: sqlite3.Connection, table: str, key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in row_dicts(db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()):
        out.setdefault(row[key], []).append(row)
    return out


def _pick_branch(rng: random.Random, cases: list[tuple]) -> tuple:
    """A case, half the time of each branch where both exist (the last field says which)."""
    branch = rng.random() < 0.5
    same = [c for c in cases if c[-1] == branch]
    return _choose(rng, same or cases)


def exchange_or_return(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """ "The same one in blue; if that's out of stock, return it for a refund" (and often: "also
    return the lamp from my other order")."""
    cases = memo(
        db,
        "described_delivered",
        lambda: _described(db, _returnable(db, now, inside=True, everyone=True)),
    )
    o, item, dim, value, v, in_stock = _pick_branch(rng, cases)
    kind = item["product_name"].split(" ", 1)[1].lower()
    condition = f"if the {dim} {value} one is out of stock, return it for a refund"
    request = (
        f"{_greeting(rng)} the {item['product_name']} from order #{o['id']} isn't right. I'd like "
        f"the same {kind} but with {dim} {value} instead. If that one is out of stock, just return "
        "it and refund me."
    ).strip()
    known = {
        "order_id": o["id"],
        "item": item["product_name"],
        "option": f"{dim} {value}",
        "payment_method": "my original payment method",
        "reason": "not what I wanted",
    }
    s = Script()
    _verify(s, o, rng, known, by=rng.choice(("email", "name_zip")))
    s.call("get_customer_details", essential=False)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.call("get_product_details", essential=False, product_id=item["product_id"])
    if in_stock:
        intent = _exchange_branch(db, s, o, item, v, request, condition)
    else:
        s.say(
            f"I'm sorry, the {v['options']} version is out of stock. As you asked, I can return "
            "the "
            f"{_item_phrase(item)} (item {item['id']}) of order #{o['id']} and refund "
            f"{_money(item['price'])} to {o['payment_label']}. {CONFIRM}",
            essential=True,
        )
        intent = _return_one(
            s, o, item, request, "return when the described variant is out of stock"
        )
        intent = dataclasses.replace(intent, condition=condition)
    intents = [intent]
    others = [
        (b, i)
        for b in _returnable(db, now, inside=True, everyone=True)
        if b["customer_id"] == o["customer_id"] and b["id"] != o["id"]
        for i in _items(db, b["id"])
    ]
    if others and rng.random() < 0.6:
        b, other = rng.choice(others)
        s.intent = 1
        s.call("get_order_details", essential=False, order_id=b["id"])
        s.say(
            f"I can also return the {_item_phrase(other)} (item {other['id']}) of order "
            f"#{b['id']} and "
            f"refund {_money(other['price'])} to {b['payment_label']}. {CONFIRM}",
            essential=True,
        )
        also = (
            f"Also, please return the {other['product_name']} from my order #{b['id']}, "
            "refund to my card."
        )
        intents.append(_return_one(s, b, other, also, "return an item of another order"))
    return _draft(
        intents,
        known,
        s,
        rng,
        f"{'exchange' if in_stock else 'return'} {item['id']} of "
        f"{o['id']} ({dim} {value} {'in stock' if in_stock else 'out of stock'})"
        f"{'; return from another order' if len(intents) > 1 else ''}",
    )


def _exchange_branch(
    db: sqlite3.Connection, s: Script, o: dict, item: dict, v: dict, request: str, condition: str
) -> Intent:
    diff = round(item["price"] - v["price"], 2)
    extra = (
        f" The price difference of {_money(diff)} will be refunded to {o['payment_label']}."
        if diff > 0
        else ""
    )
    s.say(
        f"The {v['options']} version is in stock. I can exchange the {_item_phrase(item)} (item "
        f"{item['id']}) in order #{o['id']} for variant {v['id']} ({v['options']}).{extra} "
        f"{CONFIRM}",
        essential=True,
    )
    s.call(
        "exchange_delivered_order_items",
        order_id=o["id"],
        item_ids=[item["id"]],
        new_variant_ids=[v["id"]],
    )
    ref = order_row_id(db, "returns", "RT", o["id"])
    s.say(
        f"Done (reference {ref}): your {item['product_name']} will be replaced with the "
        f"{v['options']} "
        f"version.{extra} {_anything_else()}",
        essential=True,
    )
    facts = (Fact("id", ref, "exchange reference"),)
    facts += (Fact("amount", diff, "price difference refunded"),) if diff > 0 else ()
    return Intent(
        "exchange for a described variant",
        request,
        "write",
        "exchange",
        (o["id"],),
        facts,
        condition=condition,
    )


def _return_one(s: Script, o: dict, item: dict, request: str, name: str) -> Intent:
    """Return ``item`` of ``o`` to the original payment (after its proposal) and tell the refund."""
    s.call(
        "return_delivered_order_items",
        order_id=o["id"],
        item_ids=[item["id"]],
        refund_to="original_payment",
    )
    s.say(
        f"Done: the {item['product_name']} is returned and {_money(item['price'])} will be "
        "refunded to "
        f"{o['payment_label']}. {_anything_else()}",
        essential=True,
    )
    return Intent(
        name,
        request,
        "write",
        "return",
        (o["id"],),
        (Fact("amount", item["price"], "refund amount"),),
    )


def modify_or_cancel(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Switch an item of a pending order to a described variant ("the lamp in brass"); if that
    variant is out of stock, cancel the whole order."""
    cases = memo(
        db,
        "described_pending",
        lambda: _described(db, _orders(db, "o.status = 'pending'", everyone=True)),
    )
    o, item, dim, value, v, in_stock = _pick_branch(rng, cases)
    condition = f"if the {dim} {value} one is out of stock, cancel the whole order"
    request = (
        f"{_greeting(rng)} in my order #{o['id']}, could you change the {item['product_name']} "
        f"to {dim} {value}? If that one is out of stock, cancel the whole order instead, I won't "
        "need it then."
    ).strip()
    known = {
        "order_id": o["id"],
        "item": item["product_name"],
        "option": f"{dim} {value}",
        "reason": "no longer needed",
    }
    s = Script()
    _verify(s, o, rng, known, by=rng.choice(("email", "name_zip")))
    s.call("get_customer_details", essential=False)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.call("get_product_details", essential=False, product_id=item["product_id"])
    if in_stock:
        intent = _modify_branch(s, o, item, v, request)
    else:
        intent = _cancel_branch(
            s,
            o,
            request,
            f"I'm sorry, the {v['options']} version is out of stock. As you asked, I can cancel",
        )
    intent = dataclasses.replace(intent, condition=condition)
    stock = "in stock" if in_stock else "out of stock"
    summary = f"{'modify' if in_stock else 'cancel'} {o['id']} ({dim} {value} {stock})"
    return _draft([intent], known, s, rng, summary)


def _modify_branch(s: Script, o: dict, item: dict, v: dict, request: str) -> Intent:
    new_total = round(o["total"] + v["price"] - item["price"], 2)
    s.say(
        f"The {v['options']} version is in stock. I can modify order #{o['id']}: change the "
        f"{_item_phrase(item)} to variant {v['id']} ({v['options']}); the new order total would "
        f"be {_money(new_total)}. {CONFIRM}",
        essential=True,
    )
    s.call(
        "modify_pending_order_items",
        order_id=o["id"],
        item_ids=[item["id"]],
        new_variant_ids=[v["id"]],
    )
    s.say(
        f"Done: the {item['product_name']} is now {v['options']} and the order total is "
        f"{_money(new_total)}. {_anything_else()}",
        essential=True,
    )
    return Intent(
        "change an item to a described variant",
        request,
        "write",
        "modify_items",
        (o["id"],),
        (Fact("amount", new_total, "new order total"),),
    )


def _cancel_branch(s: Script, o: dict, request: str, lead: str) -> Intent:
    """Propose cancelling ``o`` (``lead`` begins the proposal: "... I can cancel"), cancel it,
    tell the refund."""
    s.say(
        f"{lead} order #{o['id']} with the reason 'no longer needed' and refund "
        f"{_money(o['total'])} to {o['payment_label']}. {CONFIRM}",
        essential=True,
    )
    s.call("cancel_pending_order", order_id=o["id"], reason="no longer needed")
    s.say(
        f"Order #{o['id']} is cancelled; {_money(o['total'])} will be refunded to "
        f"{o['payment_label']}. {_anything_else()}",
        essential=True,
    )
    return Intent(
        "cancel an order",
        request,
        "write",
        "cancel",
        (o["id"],),
        (Fact("amount", o["total"], "refund amount"),),
    )


# -- payment -----------------------------------------------------------------------------------
def _switchable(db: sqlite3.Connection) -> list[tuple[tuple[dict, ...], dict, dict, bool]]:
    """(pending orders paid alike, gift card, fallback method, the card covers the first) for
    customers with a gift card and two other methods: one order, or two paid the same way."""
    out = []
    for cid in _customers(db, "sum(status = 'pending') >= 1"):
        methods = [
            dict(r)
            for r in memo_rows(
                db, "SELECT * FROM payment_methods WHERE customer_id = ? ORDER BY id", (cid,)
            )
        ]
        kinds = [m["kind"] for m in methods]
        if sorted(kinds) != ["credit_card", "gift_card", "paypal"]:
            continue
        gift = next(m for m in methods if m["kind"] == "gift_card")
        pending = [
            o for o in _by_status(db, cid, "pending") if o["payment_method_id"] != gift["id"]
        ]
        for k, a in enumerate(pending):
            other = next(m for m in methods if m["id"] not in (gift["id"], a["payment_method_id"]))
            same = [
                (a, b) for b in pending[k + 1 :] if b["payment_method_id"] == a["payment_method_id"]
            ]
            for orders in [(a,), *same]:
                out.append((orders, gift, other, gift["balance"] + 0.005 >= a["total"]))
    return out


def _method_word(m: dict) -> str:
    return {
        "paypal": "PayPal",
        "credit_card": m["label"].split(" ending")[0],
        "gift_card": "gift card",
    }[m["kind"]]


def _pay(orders: tuple[dict, ...], gift: dict, other: dict) -> tuple[list[dict], float]:
    """The method each order goes on (the gift card while its balance lasts, in order) and the
    gift card's balance left."""
    balance, targets = gift["balance"], []
    for o in orders:
        covered = balance + 0.005 >= o["total"]
        targets.append(gift if covered else other)
        balance = round(balance - o["total"], 2) if covered else balance
    return targets, balance


def payment_switch(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Pay one or two pending orders with the gift card as far as its balance covers them, the
    rest with another method; the gift card's remaining balance is computed, or its balance told."""
    cases = memo(db, "switchable", lambda: _switchable(db))
    two = [c for c in cases if len(c[0]) == 2]
    orders, gift, other, _ = _pick_branch(rng, two if two and rng.random() < 0.6 else cases)
    targets, left = _pay(orders, gift, other)
    fallback = _method_word(other)
    ids = " and ".join(f"#{o['id']}" for o in orders)
    condition = f"if the gift card doesn't cover it, use my {fallback} instead"
    request = (
        f"{_greeting(rng)} I'd like to pay for my order{'s' if len(orders) > 1 else ''} {ids} "
        "with my "
        f"gift card instead of {orders[0]['payment_label']}. If the gift card doesn't cover "
        f"{'one of them' if len(orders) > 1 else 'the whole order'}, use my {fallback} instead"
        f"{' for that one (the first one first)' if len(orders) > 1 else ''}. And please tell me "
        "what's left on the gift card."
    ).strip()
    known = {
        "order_id": ids,
        "payment_method": f"my gift card ({gift['label']}) as far as it covers, "
        f"otherwise my {fallback} ({other['label']})",
    }
    s = Script()
    _verify(s, orders[0], rng, known, by=rng.choice(("email", "name_zip")))
    for o in orders:
        s.call("get_order_details", essential=False, order_id=o["id"])
    used = any(t is gift for t in targets)
    s.call("get_customer_details", essential=not used)
    plan = "; ".join(
        f"order #{o['id']} ({_money(o['total'])}) to {t['label']} (payment method {t['id']})"
        for o, t in zip(orders, targets, strict=True)
    )
    s.say(
        f"Your {gift['label']} has {_money(gift['balance'])}. I can change the payment method of "
        f"{plan}; "
        f"the gift card would keep {_money(left)}. {CONFIRM}",
        essential=True,
    )
    for o, t in zip(orders, targets, strict=True):
        s.call("modify_pending_order_payment", order_id=o["id"], payment_method_id=t["id"])
    s.say(
        f"Done: {plan.replace(' to ', ' is now paid with ')}. Your gift card balance is "
        f"{_money(left)}. "
        f"{_anything_else()}",
        essential=True,
    )
    fact = Fact("amount", left, "gift card balance left", computed=used)
    intent = Intent(
        "pay orders with the gift card",
        request,
        "write",
        "change_payment",
        tuple(o["id"] for o in orders),
        (fact,),
        condition=condition,
    )
    summary = ", ".join(
        f"{o['id']} on {_method_word(t)}" for o, t in zip(orders, targets, strict=True)
    )
    return _draft([intent], known, s, rng, f"pay {summary}")


# -- misstated facts ---------------------------------------------------------------------------
def _delayed_with_other(db: sqlite3.Connection, now: str) -> list[tuple[dict, dict]]:
    """(delayed shipment of a regular customer, another pending or shipped order of theirs)."""
    from datetime import datetime, timedelta

    cutoff = (datetime.fromisoformat(now) - timedelta(days=DELAY_DAYS)).isoformat()
    delayed = _orders(
        db,
        "o.status = 'shipped' AND o.shipped_at < ? AND c.tier = 'regular' AND o.id NOT IN "
        "(SELECT order_id FROM compensations)",
        (cutoff,),
        everyone=True,
    )
    out = []
    for d in delayed:
        for other in _by_status(db, d["customer_id"], "pending", "shipped"):
            if other["id"] != d["id"]:
                out.append((d, other, other["status"] == "pending"))
    return out


def compensation_claimed_tier(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """A regular customer who says they are gold claims $25 for a delayed shipment (they get
    $10), then: "if my other order hasn't shipped, cancel it; otherwise give me its tracking"."""
    cases = memo(db, "delayed_with_other", lambda: _delayed_with_other(db, now))
    d, other, pending = _pick_branch(rng, cases)
    amount = COMPENSATION["regular"]
    first = (
        f"{_greeting(rng)} I'm a gold member, and my order #{d['id']} shipped ages ago and still "
        "hasn't arrived. Gold members get $25 in credit for that, right? Please add it."
    ).strip()
    second = (
        f"Also, my order #{other['id']}: if it hasn't shipped yet, cancel it, I no longer need it; "
        "otherwise just give me its tracking number."
    )
    known = {"order_id": d["id"], "reason": "no longer needed", "tier": "gold"}
    s = Script()
    _verify(s, d, rng, known, by=rng.choice(("email", "name_zip")))
    s.call("get_order_details", essential=False, order_id=d["id"])
    s.call("get_customer_details")
    s.say(
        f"I'm sorry about the delay: order #{d['id']} shipped on {d['shipped_at'][:10]}. I checked "
        "your account, and your membership tier is regular, not gold, so the compensation is "
        f"{_money(amount)} in store credit. I can add {_money(amount)} of store credit for order "
        f"#{d['id']}. {CONFIRM}",
        essential=True,
    )
    s.call("issue_compensation", order_id=d["id"], amount=amount)
    s.say(
        f"Done: {_money(amount)} in store credit has been added to your account (your tier is "
        f"regular). {_anything_else()}",
        essential=True,
    )
    facts = (Fact("amount", amount, "compensation"), Fact("text", "regular", "membership tier"))
    intents = [
        Intent(
            "compensation at the true tier",
            first,
            "write",
            "compensate",
            (d["id"],),
            facts,
            offer_accept=("compensate",),
            misstated=(("tier", "gold"),),
        )
    ]
    s.intent = 1
    s.call("get_order_details", essential=not pending, order_id=other["id"])
    if pending:
        lead = f"Order #{other['id']} is still pending, so I can cancel"
        later = _cancel_branch(s, other, second, lead)
    else:
        s.say(
            f"Order #{other['id']} has already shipped, so it can't be cancelled; its tracking "
            f"number is {other['tracking_number']}. {_anything_else()}",
            essential=True,
        )
        tracking = Fact("text", other["tracking_number"], "tracking number")
        later = Intent(
            "tracking of the other order once shipped",
            second,
            "inform",
            "lookup",
            (other["id"],),
            (tracking,),
        )
    condition = "if it hasn't shipped yet, cancel it; otherwise give me its tracking number"
    intents.append(dataclasses.replace(later, condition=condition))
    summary = (
        f"compensate {d['id']} at tier regular (claimed gold); "
        f"{'cancel' if pending else 'track'} {other['id']}"
    )
    return _draft(intents, known, s, rng, summary, opening=f"{first} {second}")


# -- one more thing: a look-up the customer asks for once the rest is done -------------------------
TAIL_SHARE = 0.75


@dataclass(frozen=True)
class with_tail:  # noqa: N801  (used like a function: ``with_tail(generate)``)
    """``generate``, and in most tasks a last request about another of the customer's orders
    (which are still pending, its tracking number, a refund's status, a new address), asked
    once the rest is done. A class, not a closure, so that envs holding it pickle."""

    generate: Callable[..., TaskDraft]

    def __call__(self, db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
        draft = self.generate(db, rng, now)
        if rng.random() >= TAIL_SHARE:
            return draft
        touched = {
            str(st.call.arguments["order_id"])
            for st in draft.plan
            if st.call is not None and "order_id" in st.call.arguments
        }
        owner = db.execute(
            "SELECT customer_id FROM orders WHERE id = ?", (min(touched),)
        ).fetchone()
        if owner is None:
            return draft
        return _add_tail(db, rng, draft, owner[0], touched)


def _add_tail(
    db: sqlite3.Connection, rng: random.Random, draft: TaskDraft, cid: str, touched: set[str]
) -> TaskDraft:
    """The draft with one more request at its end, of a kind the customer's orders allow."""
    index = len(draft.goal.intents)
    cancelled = {
        str(st.call.arguments["order_id"])
        for st in draft.plan
        if st.call is not None and st.call.name == "cancel_pending_order"
    }
    left = [o for o in _by_status(db, cid, "pending") if o["id"] not in cancelled]
    movable = [o for o in _by_status(db, cid, "pending", "processing") if o["id"] not in touched]
    shipped = [o for o in _by_status(db, cid, "shipped") if o["id"] not in touched]
    refunded = [
        o
        for o in _by_status(db, cid, "cancelled", "returned")
        if o["id"] not in touched and _refunds(db, o["id"])
    ]
    pick = rng.random()
    known = dict(draft.goal.known)
    if left and pick < 0.25:
        steps, intent = _tail_pending(index, left)
    elif movable and "address" not in known and pick < 0.5:
        steps, intent = _tail_move(index, rng.choice(movable), _address(rng), known)
    elif shipped and (not refunded or pick < 0.75):
        steps, intent = _tail_tracking(index, rng.choice(shipped))
    elif refunded:
        o = rng.choice(refunded)
        steps, intent = _tail_refund(index, o, _refunds(db, o["id"]))
    else:
        return draft
    goal = dataclasses.replace(draft.goal, intents=(*draft.goal.intents, intent), known=known)
    summary = f"{draft.summary}; then {intent.name}"
    return dataclasses.replace(draft, goal=goal, plan=(*draft.plan, *steps), summary=summary)


def _refunds(db: sqlite3.Connection, order_id: str) -> list[dict]:
    return memo_rows(db, "SELECT * FROM refunds WHERE order_id = ? ORDER BY id", (order_id,))


def _tail_pending(index: int, left: list[dict]) -> tuple[list[PlanStep], Intent]:
    # a count the agent may also work out from the account it looked at: the listing is optional
    call = ToolCall("list_orders", {"status": "pending"})
    say = (
        f"You have {len(left)} pending order{'s' if len(left) > 1 else ''} now: "
        f"{', '.join('#' + o['id'] for o in left)}. {_anything_else()}"
    )
    intent = Intent(
        "how many orders are still pending",
        "One more thing: how many of my orders are still pending now?",
        "inform",
        "lookup",
        (),
        (Fact("number", len(left), "pending orders", computed=True),),
    )
    return [PlanStep(index, call=call, essential=False), PlanStep(index, say=say)], intent


def _tail_tracking(index: int, o: dict) -> tuple[list[PlanStep], Intent]:
    call = ToolCall("get_order_details", {"order_id": o["id"]})
    say = (
        f"Order #{o['id']} has shipped; its tracking number is {o['tracking_number']}. "
        f"{_anything_else()}"
    )
    intent = Intent(
        "tracking of another order",
        f"One more thing: what's the tracking number of my order #{o['id']}?",
        "inform",
        "lookup",
        (o["id"],),
        (Fact("text", o["tracking_number"], "tracking number"),),
    )
    return [PlanStep(index, call=call), PlanStep(index, say=say)], intent


def _tail_refund(index: int, o: dict, refunds: list[dict]) -> tuple[list[PlanStep], Intent]:
    # the amount and status may have been seen already (the account, a return's result): the
    # look-up is optional
    r = refunds[0]
    call = ToolCall("get_refund_status", {"order_id": o["id"]})
    say = (
        f"The refund for order #{o['id']} is {_money(r['amount'])} and its status is "
        f"{r['status']}. {_anything_else()}"
    )
    facts = (
        Fact("amount", r["amount"], "refund amount"),
        Fact("text", r["status"], "refund status"),
    )
    intent = Intent(
        "refund status of another order",
        f"One more thing: where is my refund for order #{o['id']}?",
        "inform",
        "refund",
        (o["id"],),
        facts,
    )
    return [PlanStep(index, call=call, essential=False), PlanStep(index, say=say)], intent


def _tail_move(
    index: int, o: dict, parts: tuple[str, str, str, str], known: dict[str, str]
) -> tuple[list[PlanStep], Intent]:
    """ "Could you also send my order #X to ...": look it up, propose, change it, tell."""
    street, city, state, zip_code = parts
    address = f"{street}, {city}, {state} {zip_code}"
    known["address"] = address
    arguments = {
        "order_id": o["id"],
        "address1": street,
        "city": city,
        "state": state,
        "zip": zip_code,
    }
    steps = [
        PlanStep(index, call=ToolCall("get_order_details", {"order_id": o["id"]}), essential=False),
        PlanStep(
            index,
            say=f"I can change the shipping address of order #{o['id']} to {address}. {CONFIRM}",
        ),
        PlanStep(index, call=ToolCall("modify_order_address", arguments)),
        PlanStep(index, say=f"Done: order #{o['id']} will ship to {address}. {_anything_else()}"),
    ]
    intent = Intent(
        "send another order to a new address",
        f"One more thing: could you send my order #{o['id']} to my new address, {address}?",
        "write",
        "change_address",
        (o["id"],),
        (Fact("text", zip_code, "new zip code"),),
    )
    return steps, intent


# -- held out ----------------------------------------------------------------------------------
def cancel_pending_miscounted(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """ "Cancel all three of my pending orders" from a customer who has two: the agent cancels
    the ones there are, says how many, and tells the refunds' total."""
    cid = _choose(
        rng,
        [
            {"id": c}
            for c in memo(db, "pending2", lambda: _customers(db, "sum(status = 'pending') >= 2"))
        ],
    )["id"]
    pending = _by_status(db, cid, "pending")
    claimed = len(pending) + 1
    words = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    reason = rng.choice(("no longer needed", "ordered by mistake"))
    mistake = reason == "ordered by mistake"
    request = (
        f"{_greeting(rng)} please cancel all {words.get(claimed, str(claimed))} of my pending "
        "orders, "
        f"{'I ordered them by mistake' if mistake else 'I no longer need them'}."
    ).strip()
    known = {"reason": reason}
    s = Script()
    _verify(s, pending[0], rng, known)
    s.call("get_customer_details", essential=False)
    s.call("list_orders", status="pending")
    total = round(sum(o["total"] for o in pending), 2)
    ids = " and ".join(f"#{o['id']}" for o in pending)
    s.say(
        f"I see {len(pending)} pending orders on your account, not {claimed}: "
        f"{_listing(pending)}. I can "
        f"cancel orders {ids} with the reason '{reason}'; {_money(total)} in total will be "
        f"refunded. {CONFIRM}",
        essential=True,
    )
    for o in pending:
        s.call("cancel_pending_order", order_id=o["id"], reason=reason)
    s.say(
        f"Done: your {len(pending)} pending orders ({ids}) are cancelled and {_money(total)} in "
        "total will be "
        f"refunded. {_anything_else()}",
        essential=True,
    )
    facts = (
        Fact("number", len(pending), "pending orders", computed=True),
        Fact("amount", total, "total refund", computed=True),
    )
    intent = Intent(
        "cancel all pending orders",
        request,
        "write",
        "cancel",
        tuple(o["id"] for o in pending),
        facts,
        misstated=(("pending orders", str(claimed)),),
    )
    return _draft(
        [intent],
        known,
        s,
        rng,
        f"cancel {len(pending)} pending orders of {cid} (claimed {claimed})",
    )


def cancel_or_move(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Two orders: "cancel whichever can still be cancelled; send the other to my new address"."""
    cids = memo(
        db,
        "pending_processing",
        lambda: _customers(db, "sum(status = 'pending') >= 1 AND sum(status = 'processing') >= 1"),
    )
    cid = _choose(rng, [{"id": c} for c in cids])["id"]
    a = rng.choice(_by_status(db, cid, "pending"))
    b = rng.choice(_by_status(db, cid, "processing"))
    first, second = (a, b) if rng.random() < 0.5 else (b, a)
    street, city, state, zip_code = _address(rng)
    address = f"{street}, {city}, {state} {zip_code}"
    condition = "whichever can still be cancelled; the other to my new address"
    request = (
        f"{_greeting(rng)} about my orders #{first['id']} and #{second['id']}: please cancel "
        "whichever "
        f"of them can still be cancelled, I no longer need it, and send the other one to {address}."
    ).strip()
    known = {
        "address": address,
        "reason": "no longer needed",
        "order_id": f"#{first['id']} and #{second['id']}",
    }
    s = Script()
    _verify(s, a, rng, known, by=rng.choice(("email", "name_zip")))
    s.call("get_customer_details", essential=False)
    s.call("get_order_details", essential=False, order_id=first["id"])
    s.call("get_order_details", essential=False, order_id=second["id"])
    s.say(
        f"Order #{a['id']} is pending and #{b['id']} is processing. I can cancel order #{a['id']} "
        "with the "
        f"reason 'no longer needed' and refund {_money(a['total'])} to {a['payment_label']}. "
        f"{CONFIRM}",
        essential=True,
    )
    s.call("cancel_pending_order", order_id=a["id"], reason="no longer needed")
    s.say(
        f"Done: order #{a['id']} is cancelled; {_money(a['total'])} will be refunded to "
        f"{a['payment_label']}. "
        f"{_anything_else()}",
        essential=True,
    )
    s.intent = 1
    s.say(
        f"I can change the shipping address of order #{b['id']} to {address}. {CONFIRM}",
        essential=True,
    )
    s.call(
        "modify_order_address",
        order_id=b["id"],
        address1=street,
        city=city,
        state=state,
        zip=zip_code,
    )
    s.say(f"Done: order #{b['id']} will ship to {address}. {_anything_else()}", essential=True)
    intents = [
        Intent(
            "cancel whichever is pending",
            request,
            "write",
            "cancel",
            (a["id"],),
            (Fact("amount", a["total"], "refund amount"),),
            condition=condition,
        ),
        Intent(
            "move the other",
            f"And please send order #{b['id']} to {address}.",
            "write",
            "change_address",
            (b["id"],),
            (Fact("text", zip_code, "new zip code"),),
            condition=condition,
        ),
    ]
    return _draft(intents, known, s, rng, f"cancel {a['id']}, move {b['id']}", opening=request)


TEMPLATES = (
    TaskTemplate(
        "cancel_unshipped_except",
        "Moving: cancel every unshipped order but one; it and any that "
        "cannot be cancelled go to the new address; tell the refunds' total.",
        with_tail(cancel_unshipped_except),
        tags=("write", "multi-object", "conditional", "computed"),
        weight=15,
    ),
    TaskTemplate(
        "return_across_orders",
        "Return items named by product across two or three orders; the refund's "
        "destination depends on its total.",
        with_tail(return_across_orders),
        tags=("write", "multi-object", "conditional", "computed"),
        weight=12,
    ),
    TaskTemplate(
        "exchange_or_return",
        "Exchange for a variant described by one attribute; return it if that "
        "variant is out of stock.",
        with_tail(exchange_or_return),
        tags=("write", "conditional"),
        weight=8,
    ),
    TaskTemplate(
        "modify_or_cancel",
        "Change a pending item to a described variant; cancel the order if it is out of stock.",
        with_tail(modify_or_cancel),
        tags=("write", "conditional"),
        weight=4,
    ),
    TaskTemplate(
        "payment_switch",
        "Pay a pending order with the gift card if it covers it, else another method; "
        "tell the gift card's balance.",
        with_tail(payment_switch),
        tags=("write", "conditional", "computed"),
        weight=5,
    ),
    TaskTemplate(
        "compensation_claimed_tier",
        "A regular customer claims gold compensation; then cancel another "
        "order if it has not shipped, else give its tracking.",
        with_tail(compensation_claimed_tier),
        tags=("write", "misstated", "conditional", "multi-intent"),
        weight=6,
    ),
    TaskTemplate(
        "cancel_pending_miscounted",
        "Cancel all pending orders; the customer miscounts them.",
        cancel_pending_miscounted,
        heldout=True,
        tags=("write", "multi-object", "misstated"),
        weight=2,
    ),
    TaskTemplate(
        "cancel_or_move",
        "Of two orders, cancel the pending one and send the processing one to a new address.",
        cancel_or_move,
        heldout=True,
        tags=("write", "conditional", "multi-intent"),
        weight=2,
    ),
)
