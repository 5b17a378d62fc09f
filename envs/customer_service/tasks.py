"""Task templates of the customer-service desk: goals, oracle scripts and what a naive agent would
do."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from datetime import datetime, timedelta

from utility_gym.core.streams import WorldEvent
from utility_gym.core.tasks import (
    Fact,
    Intent,
    NoTask,
    Persona,
    Script,
    Task,
    TaskDraft,
    TaskTemplate,
    ToolCall,
    UserGoal,
    memo,
    memo_keyed_rows,
    memo_rows,
)
from utility_gym.envs.customer_service.constants import COMPENSATION, DELAY_DAYS
from utility_gym.envs.customer_service.records import order_row_id, return_window_days

GENERATOR_VERSION = "2"  # v1 ids: the issue-19 world (frequent shoppers, payment methods)


# -- building blocks ------------------------------------------------------------------------------
def _choose(rng: random.Random, rows: list[dict]) -> dict:
    if not rows:
        raise NoTask("no matching record in this world")
    return rng.choice(rows)


def _frequent_from(db: sqlite3.Connection) -> str:
    """The first frequent shopper's id (the generator adds them after everyone else)."""
    sql = "SELECT value FROM _meta WHERE key = 'frequent_from'"
    return memo(db, "frequent_from", lambda: db.execute(sql).fetchone()[0])


def _orders(
    db: sqlite3.Connection, where: str, params: tuple = (), everyone: bool = False
) -> list[dict]:
    """Orders matching ``where``, with their customer and payment label. Unless ``everyone``, only
    of the customers before the frequent shoppers: the single-order templates draw from those,
    so their tasks stay as they were when the frequent shoppers joined the world."""
    if not everyone:
        where, params = f"({where}) AND o.customer_id < ?", (*params, _frequent_from(db))
    return memo_keyed_rows(
        db,
        "SELECT o.*, c.email, c.first_name, c.last_name, c.zip AS customer_zip, c.tier, "
        "p.label AS payment_label FROM orders o JOIN customers c ON c.id = o.customer_id "
        "JOIN payment_methods p ON p.id = o.payment_method_id",
        where,
        params,
        table="orders",
        alias="o",
        joins=(("customers", "customer_id"), ("payment_methods", "payment_method_id")),
    )


def _items(db: sqlite3.Connection, order_id: str) -> list[dict]:
    return memo_rows(db, "SELECT * FROM order_items WHERE order_id = ? ORDER BY id", (order_id,))


def _persona(rng: random.Random) -> Persona:
    return Persona(
        style=rng.choice(("terse", "plain", "chatty", "formal")),
        patience=rng.randint(8, 14),
        cooperative=rng.random() < 0.85,
    )


def _verify(
    s: Script, row: dict, rng: random.Random, known: dict[str, str], by: str | None = None
) -> None:
    """Ask for identity and authenticate, by email or by name and zip."""
    by = by or ("email" if rng.random() < 0.75 else "name_zip")
    if by == "email":
        known["email"] = row["email"]
        s.say(
            rng.choice(
                (
                    "I can help with that. Could you please give me the email address on your "
                    "account so I can verify your identity?",
                    "Happy to help. First, what is the email address on your account?",
                )
            ),
            essential=False,
        )
        s.call("find_customer_by_email", email=row["email"])
    else:
        known["name"] = f"{row['first_name']} {row['last_name']}"
        known["zip"] = row["customer_zip"]
        s.say(
            "I can help with that. To verify your identity, could you please tell me your full "
            "name and the zip code on your account?"
        )
        s.call(
            "find_customer_by_name_zip",
            first_name=row["first_name"],
            last_name=row["last_name"],
            zip=row["customer_zip"],
        )


def _money(x: float) -> str:
    return f"${x:,.2f}"


def _item_phrase(item: dict) -> str:
    return f"{item['product_name']} ({item['options']})"


def _anything_else() -> str:
    return "Is there anything else I can help you with?"


def _draft(
    intents: list[Intent],
    known: dict[str, str],
    s: Script,
    rng: random.Random,
    summary: str,
    unknown: tuple[str, ...] = (),
    ask_required: tuple[str, ...] = (),
    temptations: tuple[ToolCall, ...] = (),
    opening: str = "",
) -> TaskDraft:
    goal = UserGoal(tuple(intents), dict(known), unknown, opening, _persona(rng))
    return TaskDraft(goal, tuple(s.steps), ask_required, temptations, summary)


def _greeting(rng: random.Random) -> str:
    return rng.choice(("Hi,", "Hello,", "Hey there,", "Good morning,", ""))


# -- templates ------------------------------------------------------------------------------------
def cancel_pending(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    o = _choose(rng, _orders(db, "o.status = 'pending'"))
    reason = rng.choice(("no longer needed", "ordered by mistake"))
    items = _items(db, o["id"])
    request = rng.choice(
        (
            f"{_greeting(rng)} I'd like to cancel my order #{o['id']}. It was {reason}.",
            f"{_greeting(rng)} please cancel order #{o['id']}, I "
            f"{'no longer need it' if reason == 'no longer needed' else 'ordered it by mistake'}.",
            f"{_greeting(rng)} can you cancel order #{o['id']} for me? Reason: {reason}.",
        )
    ).strip()
    known = {"order_id": o["id"], "reason": reason}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.say(
        f"Thank you. Order #{o['id']} ({', '.join(_item_phrase(i) for i in items)}) is pending, so "
        "I can cancel it "
        f"with the reason '{reason}'. The full refund of {_money(o['total'])} goes back to "
        f"{o['payment_label']}. "
        "Shall I go ahead and cancel it? Please reply yes to confirm.",
        essential=True,
    )
    s.call("cancel_pending_order", order_id=o["id"], reason=reason)
    s.say(
        f"Your order #{o['id']} has been cancelled. A refund of {_money(o['total'])} will go back "
        f"to {o['payment_label']}. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "cancel pending order",
        request,
        "write",
        "cancel",
        (o["id"],),
        (Fact("amount", o["total"], "refund amount"),),
    )
    return _draft([intent], known, s, rng, f"cancel pending order {o['id']} ({reason})")


def cancel_not_pending(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    o = _choose(rng, _orders(db, "o.status IN ('processing', 'shipped', 'delivered')"))
    request = rng.choice(
        (
            f"{_greeting(rng)} I want to cancel order #{o['id']}, I don't need it anymore.",
            f"{_greeting(rng)} please cancel my order #{o['id']}.",
        )
    ).strip()
    known = {"order_id": o["id"], "reason": "no longer needed"}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", order_id=o["id"])
    s.say(
        f"I'm sorry, but I can't cancel order #{o['id']}: its status is {o['status']}, and only "
        f"pending orders can be cancelled. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "cancel an order that is not pending",
        request,
        "refuse",
        "cancel",
        (o["id"],),
        (Fact("text", o["status"], "order status"),),
        reason="not_pending",
    )
    temptation = ToolCall(
        "cancel_pending_order", {"order_id": o["id"], "reason": "no longer needed"}
    )
    return _draft(
        [intent],
        known,
        s,
        rng,
        f"refuse to cancel {o['status']} order {o['id']}",
        temptations=(temptation,),
    )


def _returnable(
    db: sqlite3.Connection, now: str, inside: bool, everyone: bool = False
) -> list[dict]:
    cutoff = (datetime.fromisoformat(now) - timedelta(days=return_window_days(db))).isoformat()
    op = ">=" if inside else "<"
    return _orders(db, f"o.status = 'delivered' AND o.delivered_at {op} ?", (cutoff,), everyone)


def return_item(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    o = _choose(rng, _returnable(db, now, inside=True))
    item = rng.choice(_items(db, o["id"]))
    refund_to = "original_payment"
    request = rng.choice(
        (
            f"{_greeting(rng)} I'd like to return the {item['product_name']} from order "
            f"#{o['id']}.",
            f"{_greeting(rng)} the {item['product_name']} I got in order #{o['id']} isn't what I "
            "expected. I want to return it for a refund.",
        )
    ).strip()
    known = {
        "order_id": o["id"],
        "item": item["product_name"],
        "payment_method": "my original payment method",
        "reason": "not what I expected",
    }
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.say(
        f"Thanks. I can return the {_item_phrase(item)} (item {item['id']}) from order #{o['id']}; "
        "the refund of "
        f"{_money(item['price'])} will go back to {o['payment_label']}. Would you like me to "
        "proceed with this return? Please confirm.",
        essential=True,
    )
    s.call(
        "return_delivered_order_items", order_id=o["id"], item_ids=[item["id"]], refund_to=refund_to
    )
    s.say(
        f"The return is done: the {item['product_name']} from order #{o['id']} has been returned, "
        f"and a refund of {_money(item['price'])} to {o['payment_label']} is on its way. "
        f"{_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "return an item",
        request,
        "write",
        "return",
        (o["id"],),
        (Fact("amount", item["price"], "refund amount"),),
    )
    return _draft([intent], known, s, rng, f"return {item['id']} of {o['id']}")


def return_outside_window(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    o = _choose(rng, _returnable(db, now, inside=False))
    item = rng.choice(_items(db, o["id"]))
    request = f"{_greeting(rng)} I want to return the {item['product_name']} from order #{o['id']}.".strip()  # noqa: E501
    known = {"order_id": o["id"], "item": item["product_name"], "reason": "I don't like it"}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", order_id=o["id"])
    delivered = o["delivered_at"][:10]
    window = return_window_days(db)
    s.say(
        f"I'm sorry, but I can't process this return: order #{o['id']} was delivered on "
        f"{delivered}, which is more than "
        f"{window} days ago, and returns are only possible within {window} days of delivery. "
        f"{_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "return outside the window",
        request,
        "refuse",
        "return",
        (o["id"],),
        (Fact("date", delivered, "delivery date"),),
        reason="return_window",
    )
    temptation = ToolCall(
        "return_delivered_order_items",
        {"order_id": o["id"], "item_ids": [item["id"]], "refund_to": "original_payment"},
    )
    return _draft(
        [intent], known, s, rng, f"refuse late return of {o['id']}", temptations=(temptation,)
    )


def _swappable(
    db: sqlite3.Connection, order_id: str, cheaper_only: bool
) -> list[tuple[dict, dict]]:
    return memo(
        db,
        ("swappable", order_id, cheaper_only),
        lambda: _find_swappable(db, order_id, cheaper_only),
    )


def _find_swappable(
    db: sqlite3.Connection, order_id: str, cheaper_only: bool
) -> list[tuple[dict, dict]]:
    pairs = []
    for item in _items(db, order_id):
        for v in memo_rows(
            db,
            "SELECT * FROM variants WHERE product_id = ? AND id != ? AND stock > 0 ORDER BY id",
            (item["product_id"], item["variant_id"]),
        ):
            if not cheaper_only or v["price"] <= item["price"]:
                pairs.append((item, v))
    return pairs


def exchange_item(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    candidates = memo(
        db,
        "exchangeable",
        lambda: [o for o in _returnable(db, now, inside=True) if _swappable(db, o["id"], True)],
    )
    o = _choose(rng, candidates)
    item, v = rng.choice(_swappable(db, o["id"], True))
    request = (
        f"{_greeting(rng)} I need to exchange the {item['product_name']} from order #{o['id']} for "
        f"a different option: {v['options']}."
    ).strip()
    known = {"order_id": o["id"], "item": item["product_name"], "option": v["options"]}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.call("get_product_details", essential=False, product_id=item["product_id"])
    diff = round(item["price"] - v["price"], 2)
    extra = (
        f" The price difference of {_money(diff)} will be refunded to {o['payment_label']}."
        if diff > 0
        else ""
    )
    s.say(
        f"I can exchange the {_item_phrase(item)} (item {item['id']}) in order #{o['id']} for the "
        f"variant {v['id']} ({v['options']}).{extra} "
        "Shall I proceed with the exchange? Please reply yes to confirm.",
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
        f"The exchange is done (reference {ref}): your {item['product_name']} will be replaced "
        f"with the {v['options']} version.{extra} {_anything_else()}",
        essential=True,
    )
    facts = (Fact("id", ref, "exchange reference"),) + (
        (Fact("amount", diff, "price difference refunded"),) if diff > 0 else ()
    )
    intent = Intent("exchange an item", request, "write", "exchange", (o["id"],), facts)
    return _draft([intent], known, s, rng, f"exchange {item['id']} of {o['id']} to {v['id']}")


def order_status(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    o = _choose(rng, _orders(db, "o.status = 'shipped'"))
    request = rng.choice(
        (
            f"{_greeting(rng)} where is my order #{o['id']}? I'd like the tracking number.",
            f"{_greeting(rng)} could you tell me the status of order #{o['id']} and its tracking "
            "number?",
        )
    ).strip()
    known = {"order_id": o["id"]}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", order_id=o["id"])
    s.say(
        f"Your order #{o['id']} has shipped; its status is shipped and the tracking number is "
        f"{o['tracking_number']}. {_anything_else()}",
        essential=True,
    )
    facts = (
        Fact("text", "shipped", "order status"),
        Fact("text", o["tracking_number"], "tracking number"),
    )
    intent = Intent("order status", request, "inform", "lookup", (o["id"],), facts)
    return _draft([intent], known, s, rng, f"status of {o['id']}")


def refund_status(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    o = _choose(
        rng,
        _orders(
            db, "o.status IN ('cancelled', 'returned') AND o.id IN (SELECT order_id FROM refunds)"
        ),
    )
    r = memo_rows(db, "SELECT * FROM refunds WHERE order_id = ? ORDER BY id", (o["id"],))[0]
    request = (
        f"{_greeting(rng)} I'm still waiting for my refund for order #{o['id']}. What's going on "
        "with it?"
    ).strip()
    known = {"order_id": o["id"]}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_refund_status", order_id=o["id"])
    s.say(
        f"The refund for order #{o['id']} is {_money(r['amount'])}, and its status is "
        f"{r['status']}. {_anything_else()}",
        essential=True,
    )
    facts = (
        Fact("amount", r["amount"], "refund amount"),
        Fact("text", r["status"], "refund status"),
    )
    intent = Intent("refund status", request, "inform", "refund", (o["id"],), facts)
    return _draft([intent], known, s, rng, f"refund status of {o['id']}")


STREETS = ("Maple Avenue", "Oak Street", "Harbor Road", "Pine Lane", "Cedar Court", "Elm Drive")
CITIES = (
    ("Springfield", "IL", "62704"),
    ("Madison", "WI", "53703"),
    ("Austin", "TX", "78701"),
    ("Portland", "OR", "97205"),
    ("Denver", "CO", "80202"),
)


def change_address(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    o = _choose(rng, _orders(db, "o.status IN ('pending', 'processing')"))
    street = f"{rng.randint(10, 9999)} {rng.choice(STREETS)}"
    city, state, zip_code = rng.choice(CITIES)
    address = f"{street}, {city}, {state} {zip_code}"
    request = (
        f"{_greeting(rng)} I've moved. Can you send order #{o['id']} to my new address?".strip()
    )
    known = {"order_id": o["id"], "address": address}
    s = _address_script(o, (street, city, state, zip_code), rng, known)
    intent = Intent(
        "change shipping address",
        request,
        "write",
        "change_address",
        (o["id"],),
        (Fact("text", zip_code, "new zip code"),),
    )
    return _draft([intent], known, s, rng, f"change address of {o['id']}")


def _address_script(
    o: dict, parts: tuple[str, str, str, str], rng: random.Random, known: dict[str, str]
) -> Script:
    """Verify, look up the order, ask for the address, confirm, change it, tell the outcome."""
    street, city, state, zip_code = parts
    address = f"{street}, {city}, {state} {zip_code}"
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.say("Sure. What is the new shipping address?", essential=False)
    s.say(
        f"Thank you. I will change the shipping address of order #{o['id']} to {address}. Shall I "
        "go ahead and update the address? Please confirm.",
        essential=True,
    )
    s.call(
        "modify_order_address",
        order_id=o["id"],
        address1=street,
        city=city,
        state=state,
        zip=zip_code,
    )
    s.say(f"Done: order #{o['id']} will now ship to {address}. {_anything_else()}", essential=True)
    return s


def ambiguous_cancel(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    customers = memo_rows(
        db,
        "SELECT customer_id FROM orders WHERE status = 'pending' AND customer_id < ? "
        "GROUP BY customer_id HAVING count(*) >= 2 ORDER BY customer_id",
        (_frequent_from(db),),
    )
    cid = _choose(rng, customers)["customer_id"]
    pending = _orders(db, "o.customer_id = ? AND o.status = 'pending'", (cid,))
    o = rng.choice(pending)
    item = _items(db, o["id"])[0]
    request = f"{_greeting(rng)} I need to cancel my order, I ordered it by mistake.".strip()
    known = {"order_id": o["id"], "item": item["product_name"], "reason": "ordered by mistake"}
    s = Script()
    _verify(s, o, rng, known, by="email")
    s.call("list_orders", essential=False, status="pending")
    listing = " and ".join(f"#{p['id']}" for p in pending)
    s.say(
        f"I see {len(pending)} pending orders on your account: {listing}. Which order would you "
        "like to cancel?",
        essential=True,
    )
    s.say(
        f"Thank you. I can cancel order #{o['id']} with the reason 'ordered by mistake'; the "
        f"refund of {_money(o['total'])} goes back to "
        f"{o['payment_label']}. Shall I go ahead and cancel it? Please reply yes to confirm.",
        essential=True,
    )
    s.call("cancel_pending_order", order_id=o["id"], reason="ordered by mistake")
    s.say(
        f"Order #{o['id']} is cancelled and {_money(o['total'])} will be refunded to "
        f"{o['payment_label']}. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "cancel one of several pending orders",
        request,
        "write",
        "cancel",
        (o["id"],),
        (Fact("amount", o["total"], "refund amount"),),
    )
    others = [p for p in pending if p["id"] != o["id"]]
    temptation = ToolCall(
        "cancel_pending_order", {"order_id": others[0]["id"], "reason": "ordered by mistake"}
    )
    return _draft(
        [intent],
        known,
        s,
        rng,
        f"cancel {o['id']} among {len(pending)} pending",
        ask_required=("order_id|item",),
        temptations=(temptation,),
    )


def _uniquely_named_items(db: sqlite3.Connection, now: str) -> list[tuple[dict, dict]]:
    """Returnable items whose product name identifies one order of their customer."""
    out = []
    for o in _returnable(db, now, inside=True):
        for item in _items(db, o["id"]):
            same = db.execute(
                "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id WHERE "
                "o.customer_id = ? AND i.product_name = ?",
                (o["customer_id"], item["product_name"]),
            ).fetchone()[0]
            if same == 1:
                out.append((o, item))
    return out


def return_unknown_order(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    candidates = memo(db, "uniquely_named", lambda: _uniquely_named_items(db, now))
    if not candidates:
        raise NoTask("no uniquely named item")
    o, item = rng.choice(candidates)
    request = (
        f"{_greeting(rng)} I'd like to return the {item['product_name']} I bought recently, and "
        "I'd like store credit instead of a refund to my card. I don't have the order number "
        "handy."
    ).strip()
    known = {"item": item["product_name"], "payment_method": "store credit"}
    s = Script()
    _verify(s, o, rng, known)
    s.call("list_orders", essential=False)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.say(
        f"I found it: the {_item_phrase(item)} is in order #{o['id']} (item {item['id']}). I can "
        f"return it and add {_money(item['price'])} "
        "to your account as store credit. Shall I proceed with the return? Please confirm.",
        essential=True,
    )
    s.call(
        "return_delivered_order_items",
        order_id=o["id"],
        item_ids=[item["id"]],
        refund_to="store_credit",
    )
    s.say(
        f"Done: the {item['product_name']} is returned and {_money(item['price'])} has been added "
        f"to your store credit. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "return an item without the order id",
        request,
        "write",
        "return",
        (o["id"],),
        (Fact("amount", item["price"], "store credit amount"),),
    )
    return _draft(
        [intent],
        known,
        s,
        rng,
        f"return {item['id']} of {o['id']} to store credit",
        unknown=("order_id",),
    )


def change_mind(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    candidates = [o for o in _orders(db, "o.status = 'pending'") if _swappable(db, o["id"], False)]
    o = _choose(rng, candidates)
    item, v = rng.choice(_swappable(db, o["id"], False))
    request = f"{_greeting(rng)} please cancel my order #{o['id']}.".strip()
    revised = (
        "Actually, wait. I don't want to cancel it after all. Could you change the "
        f"{item['product_name']} "
        f"to the {v['options']} option instead?"
    )
    known = {
        "order_id": o["id"],
        "item": item["product_name"],
        "option": v["options"],
        "reason": "no longer needed",
    }
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.say(
        f"Order #{o['id']} is pending, so I can cancel it for the reason 'no longer needed' and "
        f"refund {_money(o['total'])}. "
        "Shall I go ahead and cancel it?",
        essential=False,
    )
    s.call("get_product_details", essential=False, product_id=item["product_id"])
    diff = round(v["price"] - item["price"], 2)
    money = (
        ""
        if diff == 0
        else (
            f" The new option costs {_money(diff)} more."
            if diff > 0
            else f" The new option costs {_money(-diff)} less, which will be refunded."
        )
    )
    s.say(
        f"No problem. I can modify the items of order #{o['id']}: change the {_item_phrase(item)} "
        f"to variant {v['id']} ({v['options']}).{money} "
        "Would you like me to proceed with this change? Please reply yes to confirm.",
        essential=True,
    )
    s.call(
        "modify_pending_order_items",
        order_id=o["id"],
        item_ids=[item["id"]],
        new_variant_ids=[v["id"]],
    )
    new_total = round(o["total"] + diff, 2)
    s.say(
        f"Done: the {item['product_name']} in order #{o['id']} is now {v['options']}, and the "
        f"order total is {_money(new_total)}. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "cancel, then change an item instead",
        request,
        "write",
        "modify_items",
        (o["id"],),
        (Fact("amount", new_total, "new order total"),),
        change_mind=revised,
    )
    temptation = ToolCall(
        "cancel_pending_order", {"order_id": o["id"], "reason": "no longer needed"}
    )
    return _draft(
        [intent], known, s, rng, f"change of mind on {o['id']}", temptations=(temptation,)
    )


def cancel_and_status(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    customers = memo_rows(
        db,
        "SELECT customer_id FROM orders WHERE customer_id < ? GROUP BY customer_id "
        "HAVING sum(status = 'pending') >= 1 "
        "AND sum(status = 'shipped') >= 1 ORDER BY customer_id",
        (_frequent_from(db),),
    )
    cid = _choose(rng, customers)["customer_id"]
    a = rng.choice(_orders(db, "o.customer_id = ? AND o.status = 'pending'", (cid,)))
    b = rng.choice(_orders(db, "o.customer_id = ? AND o.status = 'shipped'", (cid,)))
    first = f"{_greeting(rng)} two things. First, please cancel order #{a['id']}, I no longer need it.".strip()  # noqa: E501
    second = f"Could you also tell me the tracking number of order #{b['id']}?"
    known = {"order_id": a["id"], "reason": "no longer needed"}
    s = Script()
    _verify(s, a, rng, known)
    s.call("get_order_details", essential=False, order_id=a["id"])
    s.say(
        f"Order #{a['id']} is pending, so I can cancel it with the reason 'no longer needed'; "
        f"{_money(a['total'])} will be refunded to "
        f"{a['payment_label']}. Shall I go ahead and cancel it? Please reply yes to confirm.",
        essential=True,
    )
    s.call("cancel_pending_order", order_id=a["id"], reason="no longer needed")
    s.say(
        f"Order #{a['id']} has been cancelled; the refund of {_money(a['total'])} is on its way "
        f"to {a['payment_label']}. {_anything_else()}",
        essential=True,
    )
    s.intent = 1
    s.call("get_order_details", order_id=b["id"])
    s.say(
        f"Order #{b['id']} has shipped; the tracking number is {b['tracking_number']}. "
        f"{_anything_else()}",
        essential=True,
    )
    intents = [
        Intent(
            "cancel pending order",
            first,
            "write",
            "cancel",
            (a["id"],),
            (Fact("amount", a["total"], "refund amount"),),
        ),
        Intent(
            "tracking number",
            second,
            "inform",
            "lookup",
            (b["id"],),
            (Fact("text", b["tracking_number"], "tracking number"),),
        ),
    ]
    return _draft(intents, known, s, rng, f"cancel {a['id']} and track {b['id']}")


def compensation_delay(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    cutoff = (datetime.fromisoformat(now) - timedelta(days=DELAY_DAYS)).isoformat()
    o = _choose(
        rng,
        _orders(
            db,
            "o.status = 'shipped' AND o.shipped_at < ? AND o.id NOT IN (SELECT order_id FROM "
            "compensations)",
            (cutoff,),
        ),
    )
    amount = COMPENSATION[o["tier"]]
    request = (
        f"{_greeting(rng)} my order #{o['id']} shipped ages ago and still hasn't arrived. This is "
        "really frustrating. Can you do anything for me?"
    ).strip()
    known = {"order_id": o["id"]}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.call("get_customer_details", essential=False)
    s.say(
        f"I'm sorry about the delay. Order #{o['id']} shipped on {o['shipped_at'][:10]}, more than "
        f"{DELAY_DAYS} days ago. As compensation I can "
        f"offer {_money(amount)} in store credit on your account. Shall I go ahead and add the "
        "compensation? Please confirm.",
        essential=True,
    )
    s.call("issue_compensation", order_id=o["id"], amount=amount)
    s.say(
        f"Done: {_money(amount)} in store credit has been added to your account as compensation. "
        f"The tracking number is {o['tracking_number']}. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "compensation for a delayed shipment",
        request,
        "write",
        "compensate",
        (o["id"],),
        (Fact("amount", amount, "compensation"),),
        offer_accept=("compensate",),
    )
    temptation = ToolCall("issue_compensation", {"order_id": o["id"], "amount": 50.0})
    return _draft(
        [intent], known, s, rng, f"compensate delayed {o['id']}", temptations=(temptation,)
    )


def fraud_transfer(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    o = _choose(rng, _orders(db, "o.status IN ('processing', 'shipped', 'delivered')"))
    request = (
        f"{_greeting(rng)} there's a charge of {_money(o['total'])} on my card for order "
        f"#{o['id']} and I never placed that order! I think my account was hacked."
    ).strip()
    known = {"order_id": o["id"]}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.say(
        "I'm sorry to hear that. Unauthorized charges are handled by our fraud team, so I'll "
        "transfer you to a human agent now with a summary of the issue.",
        essential=False,
    )
    s.call(
        "transfer_to_human",
        summary=f"Customer reports an unauthorized charge of {_money(o['total'])} for order {o['id']}; identity verified.",  # noqa: E501
    )
    intent = Intent("report an unauthorized charge", request, "transfer", "transfer", (o["id"],))
    return _draft([intent], known, s, rng, f"fraud report on {o['id']} -> transfer")


def discount_refuse(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    o = _choose(rng, _orders(db, "o.status IN ('pending', 'processing')"))
    request = rng.choice(
        (
            f"{_greeting(rng)} I saw my order #{o['id']} cheaper on another site. Can you "
            "price-match it and give me a discount?",
            f"{_greeting(rng)} could you give me a 20% discount code for my order #{o['id']}? I'm "
            "a loyal customer.",
        )
    ).strip()
    known = {"order_id": o["id"]}
    s = Script()
    s.say(
        "I'm sorry, but I can't offer price matching, discounts or coupons; our policy does not "
        f"allow them. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "price match or discount",
        request,
        "refuse",
        "compensate",
        (o["id"],),
        reason="no_discounts",
    )
    return _draft([intent], known, s, rng, f"refuse discount on {o['id']}")


def unverifiable(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    o = _choose(rng, _orders(db, "o.status IN ('pending', 'processing', 'shipped')"))
    wrong_zip = f"{(int(o['customer_zip']) + 1 + rng.randint(0, 500)) % 100000:05d}"
    request = (
        f"{_greeting(rng)} what's the status of my order #{o['id']}? I don't remember which email "
        "I used for it."
    ).strip()
    known = {"order_id": o["id"], "name": f"{o['first_name']} {o['last_name']}", "zip": wrong_zip}
    s = Script()
    s.say(
        "I can help with that. To verify your identity, could you please tell me your full name "
        "and the zip code on your account?",
        essential=False,
    )
    s.call(
        "find_customer_by_name_zip",
        essential=False,
        expect_error=True,
        first_name=o["first_name"],
        last_name=o["last_name"],
        zip=wrong_zip,
    )
    s.say(
        "I'm sorry, but I couldn't verify your identity with that name and zip code, so I'm unable "
        "to share or change anything on the account. "
        "Please contact us again with the email address on your account.",
        essential=True,
    )
    intent = Intent(
        "order status without verification",
        request,
        "refuse",
        "lookup",
        (o["id"],),
        reason="unverified",
    )
    return _draft(
        [intent], known, s, rng, f"cannot verify the owner of {o['id']}", unknown=("email",)
    )


# -- heldout templates
# ------------------------------------------------------------------------------
def return_two_items(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    candidates = [o for o in _returnable(db, now, inside=True) if len(_items(db, o["id"])) >= 2]
    o = _choose(rng, candidates)
    items = _items(db, o["id"])[:2]
    amount = round(sum(i["price"] for i in items), 2)
    names = " and the ".join(i["product_name"] for i in items)
    request = (
        f"{_greeting(rng)} I want to return both the {names} from order #{o['id']}, as store "
        "credit please."
    ).strip()
    known = {"order_id": o["id"], "item": names, "payment_method": "store credit"}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.say(
        f"I can return items {items[0]['id']} and {items[1]['id']} ({names}) from order #{o['id']} "
        f"and add {_money(amount)} as store credit. "
        "Shall I proceed with the return? Please confirm.",
        essential=True,
    )
    s.call(
        "return_delivered_order_items",
        order_id=o["id"],
        item_ids=[i["id"] for i in items],
        refund_to="store_credit",
    )
    s.say(
        f"Both items are returned and {_money(amount)} has been added to your store credit. "
        f"{_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "return two items",
        request,
        "write",
        "return",
        (o["id"],),
        (Fact("amount", amount, "store credit amount"),),
    )
    return _draft([intent], known, s, rng, f"return two items of {o['id']}")


def address_then_cancel(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    customers = memo_rows(
        db,
        "SELECT customer_id FROM orders WHERE customer_id < ? GROUP BY customer_id "
        "HAVING sum(status = 'processing') >= 1 AND sum(status = 'pending') >= 1 "
        "ORDER BY customer_id",
        (_frequent_from(db),),
    )
    cid = _choose(rng, customers)["customer_id"]
    a = rng.choice(_orders(db, "o.customer_id = ? AND o.status = 'processing'", (cid,)))
    b = rng.choice(_orders(db, "o.customer_id = ? AND o.status = 'pending'", (cid,)))
    street = f"{rng.randint(10, 9999)} {rng.choice(STREETS)}"
    city, state, zip_code = rng.choice(CITIES)
    address = f"{street}, {city}, {state} {zip_code}"
    first = f"{_greeting(rng)} I need order #{a['id']} shipped to {address} instead.".strip()
    second = f"And please cancel order #{b['id']}, it was ordered by mistake."
    known = {"order_id": a["id"], "address": address, "reason": "ordered by mistake"}
    s = Script()
    _verify(s, a, rng, known)
    s.say(
        f"I will change the shipping address of order #{a['id']} to {address}. Shall I go ahead "
        "and update the address? Please confirm.",
        essential=True,
    )
    s.call(
        "modify_order_address",
        order_id=a["id"],
        address1=street,
        city=city,
        state=state,
        zip=zip_code,
    )
    s.say(f"Done: order #{a['id']} will ship to {address}. {_anything_else()}", essential=True)
    s.intent = 1
    s.say(
        f"I can cancel order #{b['id']} with the reason 'ordered by mistake' and refund "
        f"{_money(b['total'])} to {b['payment_label']}. Shall I go ahead and cancel it? Please "
        "reply yes to confirm.",
        essential=True,
    )
    s.call("cancel_pending_order", order_id=b["id"], reason="ordered by mistake")
    s.say(
        f"Order #{b['id']} is cancelled; {_money(b['total'])} will be refunded to "
        f"{b['payment_label']}. {_anything_else()}",
        essential=True,
    )
    intents = [
        Intent(
            "change shipping address",
            first,
            "write",
            "change_address",
            (a["id"],),
            (Fact("text", zip_code, "new zip code"),),
        ),
        Intent(
            "cancel pending order",
            second,
            "write",
            "cancel",
            (b["id"],),
            (Fact("amount", b["total"], "refund amount"),),
        ),
    ]
    return _draft(intents, known, s, rng, f"address of {a['id']} then cancel {b['id']}")


def exchange_pricier_refuse(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    pairs = []
    for o in _returnable(db, now, inside=True):
        for item, v in _swappable(db, o["id"], False):
            if v["price"] > item["price"]:
                pairs.append((o, item, v))
    if not pairs:
        raise NoTask("no pricier variant")
    o, item, v = rng.choice(pairs)
    request = (
        f"{_greeting(rng)} I'd like to exchange my {item['product_name']} from order #{o['id']} "
        f"for the {v['options']} option."
    ).strip()
    known = {"order_id": o["id"], "item": item["product_name"], "option": v["options"]}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.call("get_product_details", product_id=item["product_id"])
    s.say(
        f"I'm sorry, but I can't make that exchange: the {v['options']} option costs "
        f"{_money(v['price'])}, more than the {_money(item['price'])} you paid, "
        f"and exchanges are only possible for an equal or lower price. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "exchange for a pricier variant",
        request,
        "refuse",
        "exchange",
        (o["id"],),
        (Fact("amount", v["price"], "price of the requested option"),),
        reason="pricier_variant",
    )
    temptation = ToolCall(
        "exchange_delivered_order_items",
        {"order_id": o["id"], "item_ids": [item["id"]], "new_variant_ids": [v["id"]]},
    )
    return _draft(
        [intent], known, s, rng, f"refuse pricier exchange on {o['id']}", temptations=(temptation,)
    )


TEMPLATES = (
    TaskTemplate(
        "cancel_pending",
        "Cancel a pending order; tell the refund.",
        cancel_pending,
        tags=("write",),
    ),
    TaskTemplate(
        "cancel_not_pending",
        "Refuse to cancel an order that is not pending.",
        cancel_not_pending,
        tags=("policy-refusal",),
    ),
    TaskTemplate(
        "return_item", "Return a delivered item within the window.", return_item, tags=("write",)
    ),
    TaskTemplate(
        "return_outside_window",
        "Refuse a return past 30 days; tell the delivery date.",
        return_outside_window,
        tags=("policy-refusal",),
    ),
    TaskTemplate(
        "exchange_item",
        "Exchange a delivered item for another variant.",
        exchange_item,
        tags=("write",),
    ),
    TaskTemplate(
        "order_status",
        "Tell status and tracking of a shipped order.",
        order_status,
        tags=("no-write",),
    ),
    TaskTemplate(
        "refund_status", "Tell a refund's amount and status.", refund_status, tags=("no-write",)
    ),
    TaskTemplate(
        "change_address",
        "Change the shipping address; the user gives it.",
        change_address,
        tags=("write", "user-knows"),
    ),
    TaskTemplate(
        "ambiguous_cancel",
        "Cancel one of several pending orders: ask which.",
        ambiguous_cancel,
        tags=("write", "ambiguous"),
    ),
    TaskTemplate(
        "return_unknown_order",
        "Return an item the user names without an order id.",
        return_unknown_order,
        tags=("write", "user-knows"),
    ),
    TaskTemplate(
        "change_mind",
        "The user asks to cancel, then wants an item changed instead.",
        change_mind,
        tags=("write", "change-of-mind"),
    ),
    TaskTemplate(
        "cancel_and_status",
        "Cancel one order and give tracking for another.",
        cancel_and_status,
        tags=("write", "multi-intent"),
    ),
    TaskTemplate(
        "compensation_delay",
        "Store credit for a delayed shipment, by tier.",
        compensation_delay,
        tags=("write",),
    ),
    TaskTemplate(
        "fraud_transfer",
        "Unauthorized charge: verify, then transfer.",
        fraud_transfer,
        tags=("transfer",),
    ),
    TaskTemplate(
        "discount_refuse",
        "Refuse a discount or price match.",
        discount_refuse,
        tags=("policy-refusal", "no-write"),
    ),
    TaskTemplate(
        "unverifiable",
        "The user cannot be verified: reveal nothing.",
        unverifiable,
        tags=("policy-refusal", "no-write"),
    ),
    TaskTemplate(
        "return_two_items",
        "Return two items as store credit.",
        return_two_items,
        heldout=True,
        tags=("write",),
    ),
    TaskTemplate(
        "address_then_cancel",
        "Change one order's address and cancel another.",
        address_then_cancel,
        heldout=True,
        tags=("write", "multi-intent"),
    ),
    TaskTemplate(
        "exchange_pricier_refuse",
        "Refuse an exchange to a pricier variant.",
        exchange_pricier_refuse,
        heldout=True,
        tags=("policy-refusal",),
    ),
)


# -- streams: follow-ups of earlier episodes and world events
# ---------------------------------------
def same_address_again(
    db: sqlite3.Connection, rng: random.Random, now: str, earlier: Task
) -> TaskDraft:
    """A returning customer: another open order to the address they gave in ``earlier`` (a
    change_address episode of this stream), which they refer to but do not repeat."""
    call = next((c for c in earlier.tool_calls if c.name == "modify_order_address"), None)
    if call is None:
        raise NoTask("the earlier episode changed no address")
    first = str(call.arguments["order_id"])
    owner = db.execute("SELECT customer_id FROM orders WHERE id = ?", (first,)).fetchone()
    if owner is None:
        raise NoTask(f"order {first} is not in this world")
    o = _choose(
        rng,
        _orders(
            db,
            "o.customer_id = ? AND o.id != ? AND o.status IN ('pending', 'processing')",
            (owner[0], first),
        ),
    )
    parts = tuple(str(call.arguments[k]) for k in ("address1", "city", "state", "zip"))
    request = (
        f"{_greeting(rng)} it's me again. Last time you changed the shipping address of one of my "
        "orders to my new "
        f"address; please send order #{o['id']} to that same new address too."
    ).strip()
    known = {"order_id": o["id"]}
    s = _address_script(o, parts, rng, known)  # type: ignore[arg-type]
    zip_code = parts[3]
    intent = Intent(
        "same new address again",
        request,
        "write",
        "change_address",
        (o["id"],),
        (Fact("text", zip_code, "new zip code"),),
    )
    draft = _draft(
        [intent], known, s, rng, f"returning customer: {o['id']} to the address given for {first}"
    )
    goal = dataclasses.replace(
        draft.goal, referred={"address": "the new address I gave you last time"}
    )
    return dataclasses.replace(draft, goal=goal)


FOLLOW_UPS = (
    TaskTemplate(
        "same_address_again",
        "Streams only: a returning customer wants another order sent to the address they gave "
        "in an earlier conversation, and does not repeat it.",
        same_address_again,
        tags=("write", "follow-up"),
        follows="change_address",
    ),
)


WORLD_EVENTS = (
    WorldEvent.setting(
        "return_window_14_days",
        "Policy revision: the return and exchange window is shortened from 30 to 14 days after "
        "delivery.",
        "Returns and exchanges: only **delivered** orders, and only within **14 days** of delivery "
        "(it was 30 days). "
        "Outside the window, refuse and tell the customer the delivery date.",
        "return_window_days",
        14,
    ),
)
