"""Tacit regularities of the support desk: what an experienced agent knows about its regular
customers and no document states (docs/streams/tacit_customer_service.md).

- ``refund_preference``: a few regulars always want their refunds as store credit; returning
  something they say "refund it the usual way".
- ``usual_size``: a few regulars always take the same clothing size; they exchange or change a
  T-shirt or a rain jacket to "my usual size".
- ``usual_address``: a few regulars have their parcels sent to their office; they ask for an
  order to go "to my office address, as usual".

The rules (which customers, which size, which address) are drawn from a seed hashed from the
emails of the world's first customers and from the frequent shoppers' ids, which no tool
changes, so a stream's live world and the pristine world of an isolated twin have the same
rules and another world seed has others. The customer never says the value; asked, they refer
to it ("the way you always do it"), and they do not object to a proposal without it (their
``wants`` leave it out), so only the grade notices. The lesson in the feedback names the
customer as the agent sees them (name and customer id from the identity look-up) and the value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import sqlite3
from datetime import datetime, timedelta

from utility_gym.core.tasks import (
    Fact,
    Intent,
    NoTask,
    Regularity,
    Script,
    TaskDraft,
    TaskTemplate,
    memo,
)
from utility_gym.envs.customer_service.lexicon import WORDS
from utility_gym.envs.customer_service.records import order_row_id, return_window_days
from utility_gym.envs.customer_service.tasks import (
    CITIES,
    STREETS,
    _address_script,
    _anything_else,
    _draft,
    _frequent_from,
    _greeting,
    _item_phrase,
    _money,
    _verify,
)

CLOTHING = ("T-Shirt", "Rain Jacket")  # the categories sold by size S, M, L, XL
SIZES = ("S", "M", "L", "XL")
RULE_WINDOW_DAYS = 30  # rules count deliveries within the original window: a fixed fact


# -- the rules of a world -------------------------------------------------------------------------
def rules_seed(db: sqlite3.Connection) -> str:
    """A seed from content no tool writes: the emails of the world's first five customers."""
    rows = db.execute("SELECT email FROM customers ORDER BY id LIMIT 5").fetchall()
    return hashlib.sha256("|".join(r[0] for r in rows).encode()).hexdigest()[:16]


def _regulars(db: sqlite3.Connection, kind: str, eligible_sql: str, now: str) -> list[dict]:
    """Two or three frequent shoppers for ``kind``, drawn from those ``eligible_sql`` (a count of
    their rows that tools never change) finds at least two of."""
    cutoff = (datetime.fromisoformat(now) - timedelta(days=RULE_WINDOW_DAYS)).isoformat()
    rows = db.execute(
        "SELECT c.id, c.first_name, c.last_name FROM customers c WHERE c.id >= ? AND "
        f"({eligible_sql}) >= 2 ORDER BY c.id",
        (_frequent_from(db), cutoff),
    ).fetchall()
    people = [{"id": r[0], "name": f"{r[1]} {r[2]}"} for r in rows]
    rng = random.Random(f"{rules_seed(db)}/{kind}")
    return sorted(rng.sample(people, min(len(people), rng.choice((2, 3)))), key=lambda p: p["id"])


_DELIVERED_ITEMS = (
    "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id "
    "WHERE o.customer_id = c.id AND o.delivered_at >= ?2"
)
_CLOTHING_ITEMS = (
    "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id "
    "JOIN products p ON p.id = i.product_id WHERE o.customer_id = c.id AND "
    "(o.delivered_at >= ?2 OR o.shipped_at IS NULL) AND p.category IN "
    f"({', '.join(repr(c) for c in CLOTHING)})"
)
_UNSHIPPED_ORDERS = (  # placed, not shipped: cancelling one later does not change this count
    "SELECT count(*) FROM orders o WHERE o.customer_id = c.id AND ?2 IS NOT NULL "
    "AND o.shipped_at IS NULL"
)


def refund_regulars(db: sqlite3.Connection, now: str) -> list[dict]:
    """The regulars who always want refunds as store credit."""
    return memo(db, "tacit/refund", lambda: _regulars(db, "refund", _DELIVERED_ITEMS, now))


def usual_sizes(db: sqlite3.Connection, now: str) -> dict[str, tuple[dict, str]]:
    """customer id -> (the regular, their usual clothing size)."""

    def compute() -> dict[str, tuple[dict, str]]:
        rng = random.Random(f"{rules_seed(db)}/size-values")
        people = _regulars(db, "size", _CLOTHING_ITEMS, now)
        return {p["id"]: (p, rng.choice(SIZES)) for p in people}

    return memo(db, "tacit/size", compute)


def office_addresses(
    db: sqlite3.Connection, now: str
) -> dict[str, tuple[dict, tuple[str, str, str, str]]]:
    """customer id -> (the regular, the office address their parcels go to)."""

    def compute() -> dict[str, tuple[dict, tuple[str, str, str, str]]]:
        rng = random.Random(f"{rules_seed(db)}/office-values")
        out = {}
        for p in _regulars(db, "office", _UNSHIPPED_ORDERS, now):
            street = f"{rng.randint(10, 9999)} {rng.choice(STREETS)}"
            out[p["id"]] = (p, (street, *rng.choice(CITIES)))
        return out

    return memo(db, "tacit/office", compute)


def _wants_without(db: sqlite3.Connection, tool: str, args: dict, kinds: set[str]) -> tuple:
    """What a proposal must state, less the tacit value: the customer does not object to a
    proposal that leaves it out or states another."""
    return tuple(v for v in WORDS.decisive_values(db, tool, args) if v.kind not in kinds)


def _customer_orders(db: sqlite3.Connection, ids: list[str], where: str, params: tuple) -> list:
    if not ids:
        raise NoTask("this world has no regular customers of this kind")
    marks = ", ".join("?" for _ in ids)
    cur = db.execute(
        "SELECT o.*, c.email, c.first_name, c.last_name, c.zip AS customer_zip, "
        "p.label AS payment_label FROM orders o JOIN customers c ON c.id = o.customer_id "
        "JOIN payment_methods p ON p.id = o.payment_method_id "
        f"WHERE o.customer_id IN ({marks}) AND ({where}) ORDER BY o.id",
        (*ids, *params),
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _open_items(db: sqlite3.Connection, order_id: str) -> list[dict]:
    cur = db.execute(
        "SELECT i.*, p.category FROM order_items i JOIN products p ON p.id = i.product_id "
        "WHERE i.order_id = ? AND i.status = 'ordered' ORDER BY i.id",
        (order_id,),
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _carried(db: sqlite3.Connection, customer_id: str, order_id: str) -> dict:
    """``extras`` that carry the customer, the order and its items as the stream left them into
    the isolated twin's world: the regular's store credit with their earlier refunds, the order
    with the items returned before, so the same return makes the same changes alone."""
    items = db.execute("SELECT id FROM order_items WHERE order_id = ? ORDER BY id", (order_id,))
    rows = (("customers", customer_id), ("orders", order_id))
    return {"carry": rows + tuple(("order_items", r[0]) for r in items.fetchall())}


def _in_window(db: sqlite3.Connection, now: str) -> str:
    return (datetime.fromisoformat(now) - timedelta(days=return_window_days(db))).isoformat()


# -- refund_preference ----------------------------------------------------------------------------
def refund_preference(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """A regular returns an item "the usual way": store credit, which they never name."""
    people = {p["id"]: p for p in refund_regulars(db, now)}
    orders = _customer_orders(
        db, list(people), "o.status = 'delivered' AND o.delivered_at >= ?", (_in_window(db, now),)
    )
    pairs = [(o, i) for o in orders for i in _open_items(db, o["id"])]
    if not pairs:
        raise NoTask("the store-credit regulars have nothing left to return")
    o, item = rng.choice(pairs)
    person = people[o["customer_id"]]
    request = rng.choice(
        (
            f"{_greeting(rng)} I'd like to return the {item['product_name']} from order "
            f"#{o['id']}. Refund it the usual way, please.",
            f"{_greeting(rng)} the {item['product_name']} from order #{o['id']} goes back: I'm "
            "returning it. Just do the refund the usual way.",
        )
    ).strip()
    known = {"order_id": o["id"], "item": item["product_name"], "reason": "I don't need it"}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.say(
        f"Thanks. I can return the {_item_phrase(item)} (item {item['id']}) from order "
        f"#{o['id']} and refund {_money(item['price'])} as store credit, as you always have it. "
        "Shall I go ahead with this return? Please confirm.",
        essential=True,
    )
    args = {"order_id": o["id"], "item_ids": [item["id"]], "refund_to": "store_credit"}
    s.call("return_delivered_order_items", **args)
    s.say(
        f"The return is done: {_money(item['price'])} for the {item['product_name']} has been "
        f"added to your store credit. {_anything_else()}",
        essential=True,
    )
    wants = _wants_without(db, "return_delivered_order_items", args, {"refund_to"})
    facts = (Fact("amount", item["price"], "refund amount"),)
    intent = Intent("return, refund the usual way", request, "write", "return", (o["id"],), facts)
    intent = dataclasses.replace(intent, wants=wants)
    lesson = (
        f"{person['name']} (customer {person['id']}) always wants refunds as store credit, "
        "never back to the original payment method."
    )
    summary = f"regular {person['id']}: return {item['id']} of {o['id']} as store credit"
    draft = _draft([intent], known, s, rng, summary)
    draft = dataclasses.replace(draft, extras=_carried(db, person["id"], o["id"]))
    return _tacit(
        draft,
        {"payment_method": "the usual way, the way you always do it for me"},
        Regularity("refund_preference", person["id"], lesson),
    )


def _tacit(draft: TaskDraft, referred: dict[str, str], regularity: Regularity) -> TaskDraft:
    goal = dataclasses.replace(draft.goal, referred=referred)
    return dataclasses.replace(draft, goal=goal, regularity=regularity)


# -- usual_size -----------------------------------------------------------------------------------
def _options(text: str) -> dict[str, str]:
    return dict(part.split(": ", 1) for part in text.split(", ") if ": " in part)


def _resized(db: sqlite3.Connection, item: dict, size: str, delivered: bool) -> dict | None:
    """The variant of ``item``'s product in ``size`` with its other options, if it can be had."""
    old = _options(item["options"])
    if item["category"] not in CLOTHING or old.get("size") in (None, size):
        return None
    want = {**old, "size": size}
    for row in db.execute(
        "SELECT id, options, price, stock FROM variants WHERE product_id = ? ORDER BY id",
        (item["product_id"],),
    ).fetchall():
        v = {"id": row[0], "options": row[1], "price": row[2], "stock": row[3]}
        if _options(v["options"]) == want and v["stock"] > 0:
            return v if not delivered or v["price"] <= item["price"] else None
    return None


def usual_size(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """A regular changes a delivered (exchange) or pending (item change) piece of clothing to
    "my usual size", which they never name."""
    rules = usual_sizes(db, now)
    orders = _customer_orders(
        db,
        list(rules),
        "(o.status = 'delivered' AND o.delivered_at >= ?) OR o.status = 'pending'",
        (_in_window(db, now),),
    )
    triples = []
    for o in orders:
        for item in _open_items(db, o["id"]):
            size = rules[o["customer_id"]][1]
            v = _resized(db, item, size, o["status"] == "delivered")
            if v is not None:
                triples.append((o, item, v))
    if not triples:
        raise NoTask("the usual-size regulars have nothing to change to their size")
    o, item, v = rng.choice(triples)
    person, size = rules[o["customer_id"]]
    draft = (_size_exchange if o["status"] == "delivered" else _size_change)(db, rng, o, item, v)
    lesson = (
        f"{person['name']} (customer {person['id']}) always takes size {size} in clothing: "
        f'"my usual size" means size {size}.'
    )
    referred = {"option": "my usual size. You should know it, I always take the same one"}
    return _tacit(draft, referred, Regularity("usual_size", person["id"], lesson))


def _size_script(o: dict, item: dict, rng: random.Random) -> tuple[Script, dict[str, str]]:
    """What the agent knows and does before offering a regular their usual size: verify them,
    look up the order and the item's product."""
    known = {"order_id": o["id"], "item": item["product_name"]}
    s = Script()
    _verify(s, o, rng, known)
    s.call("get_order_details", essential=False, order_id=o["id"])
    s.call("get_product_details", essential=False, product_id=item["product_id"])
    return s, known


def _size_exchange(
    db: sqlite3.Connection, rng: random.Random, o: dict, item: dict, v: dict
) -> TaskDraft:
    request = (
        f"{_greeting(rng)} I need to exchange the {item['product_name']} from order #{o['id']} "
        "for my usual size."
    ).strip()
    s, known = _size_script(o, item, rng)
    diff = round(item["price"] - v["price"], 2)
    extra = f" The difference of {_money(diff)} goes back to {o['payment_label']}." if diff else ""
    s.say(
        f"I can exchange the {_item_phrase(item)} (item {item['id']}) in order #{o['id']} for "
        f"the variant {v['id']} ({v['options']}), your usual size.{extra} Shall I proceed with "
        "the exchange? Please reply yes to confirm.",
        essential=True,
    )
    args = {"order_id": o["id"], "item_ids": [item["id"]], "new_variant_ids": [v["id"]]}
    s.call("exchange_delivered_order_items", **args)
    ref = order_row_id(db, "returns", "RT", o["id"])
    s.say(
        f"The exchange is done (reference {ref}): your {item['product_name']} will be replaced "
        f"with the {v['options']} version.{extra} {_anything_else()}",
        essential=True,
    )
    facts = (Fact("id", ref, "exchange reference"),)
    facts += (Fact("amount", diff, "price difference refunded"),) if diff > 0 else ()
    intent = Intent("exchange for my usual size", request, "write", "exchange", (o["id"],), facts)
    wants = _wants_without(db, "exchange_delivered_order_items", args, {"option"})
    intent = dataclasses.replace(intent, wants=wants)
    return _draft([intent], known, s, rng, f"exchange {item['id']} of {o['id']} to {v['id']}")


def _size_change(
    db: sqlite3.Connection, rng: random.Random, o: dict, item: dict, v: dict
) -> TaskDraft:
    request = (
        f"{_greeting(rng)} could you change the {item['product_name']} in my order #{o['id']} "
        "to my usual size?"
    ).strip()
    s, known = _size_script(o, item, rng)
    total = round(o["total"] + v["price"] - item["price"], 2)
    s.say(
        f"I can modify the items of order #{o['id']}: change the {_item_phrase(item)} (item "
        f"{item['id']}) to the variant {v['id']} ({v['options']}), your usual size; the new "
        f"order total is {_money(total)}. Shall I go ahead? Please reply yes to confirm.",
        essential=True,
    )
    args = {"order_id": o["id"], "item_ids": [item["id"]], "new_variant_ids": [v["id"]]}
    s.call("modify_pending_order_items", **args)
    s.say(
        f"Done: order #{o['id']} now has the {item['product_name']} in {v['options']}, and the "
        f"order total is {_money(total)}. {_anything_else()}",
        essential=True,
    )
    facts = (Fact("amount", total, "new order total"),)
    intent = Intent("change to my usual size", request, "write", "modify_items", (o["id"],), facts)
    wants = _wants_without(db, "modify_pending_order_items", args, {"option"})
    intent = dataclasses.replace(intent, wants=wants)
    return _draft([intent], known, s, rng, f"change {item['id']} of {o['id']} to {v['id']}")


# -- usual_address --------------------------------------------------------------------------------
def usual_address(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """A regular has an open order sent "to my office address, as usual", never saying it."""
    rules = office_addresses(db, now)
    orders = [
        o
        for o in _customer_orders(db, list(rules), "o.status IN ('pending', 'processing')", ())
        if o["ship_address1"] != rules[o["customer_id"]][1][0]
    ]
    if not orders:
        raise NoTask("the office regulars have no open order to redirect")
    o = rng.choice(orders)
    person, parts = rules[o["customer_id"]]
    request = rng.choice(
        (
            f"{_greeting(rng)} please send order #{o['id']} to my office address, as usual.",
            f"{_greeting(rng)} can you redirect order #{o['id']}? It should go to my office "
            "address like always.",
        )
    ).strip()
    known = {"order_id": o["id"]}
    s = _address_script(o, parts, rng, known)
    intent = Intent(
        "ship to the office as usual",
        request,
        "write",
        "change_address",
        (o["id"],),
        (Fact("text", parts[3], "new zip code"),),
    )
    args = dict(zip(("address1", "city", "state", "zip"), parts), order_id=o["id"])
    wants = _wants_without(db, "modify_order_address", args, {"street", "zip"})
    intent = dataclasses.replace(intent, wants=wants)
    address = f"{parts[0]}, {parts[1]}, {parts[2]} {parts[3]}"
    lesson = (
        f"{person['name']} (customer {person['id']}) has parcels sent to the office as usual: "
        f"{address}."
    )
    referred = {"address": "my office address, where you always send my parcels"}
    draft = _draft([intent], known, s, rng, f"regular {person['id']}: {o['id']} to the office")
    return _tacit(draft, referred, Regularity("usual_address", person["id"], lesson))


REGULARITIES = (
    TaskTemplate(
        "refund_preference",
        "Streams only: a regular returns an item and wants the refund 'the usual way' (store "
        "credit, never said).",
        refund_preference,
        tags=("write", "tacit"),
        regularity="refund_preference",
    ),
    TaskTemplate(
        "usual_size",
        "Streams only: a regular exchanges or changes clothing to 'my usual size' (never said).",
        usual_size,
        tags=("write", "tacit"),
        regularity="usual_size",
    ),
    TaskTemplate(
        "usual_address",
        "Streams only: a regular has an open order sent to 'my office address, as usual' (never "
        "said).",
        usual_address,
        tags=("write", "tacit"),
        regularity="usual_address",
    ),
)
