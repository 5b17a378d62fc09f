"""Tools of the customer-service desk. Each enforces the policy rules a tool can check."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from utility_gym.core.tools import ToolContext, ToolError, tool
from utility_gym.envs.customer_service.constants import COMPENSATION, DELAY_DAYS
from utility_gym.envs.customer_service.records import next_id, order_row_id, return_window_days


def _verified(ctx: ToolContext) -> str:
    cid = ctx.state.get("customer_id")
    if not cid:
        raise ToolError(
            "the customer is not verified; authenticate first with find_customer_by_email "
            "or find_customer_by_name_zip"
        )
    return cid


def _own_order(
    ctx: ToolContext, order_id: str, sql: str = "SELECT * FROM orders WHERE id = ?"
) -> dict:
    cid = _verified(ctx)
    oid = order_id.strip().lstrip("#").upper()
    order = ctx.one(sql, (oid,))
    if order is None or order["customer_id"] != cid:
        raise ToolError(
            f"order {order_id!r} not found for the verified customer; check the order id"
        )
    return order


def _items(ctx: ToolContext, order_id: str) -> list[dict]:
    return ctx.all(
        "SELECT id, product_id, product_name, options, price, status, variant_id FROM order_items "
        "WHERE order_id = ? ORDER BY id",
        (order_id,),
    )


def _pick_items(ctx: ToolContext, order: dict, item_ids: list[str]) -> list[dict]:
    if not item_ids:
        raise ToolError("item_ids is empty; list the ids of the items (see get_order_details)")
    if len(set(item_ids)) != len(item_ids):
        raise ToolError("item_ids lists an item twice")
    items = {i["id"]: i for i in _items(ctx, order["id"])}
    picked = []
    for iid in item_ids:
        item = items.get(iid.strip().upper())
        if item is None:
            raise ToolError(
                f"item {iid!r} is not in order {order['id']}; its items are {', '.join(items)}"
            )
        if item["status"] != "ordered":
            raise ToolError(f"item {iid} was already {item['status']}")
        picked.append(item)
    return picked


def _next_id(ctx: ToolContext, table: str, prefix: str) -> str:
    return next_id(ctx.db, table, prefix)


def _refund(ctx: ToolContext, order: dict, amount: float, destination: str) -> dict:
    """Record a refund; gift cards and store credit are credited at once."""
    amount = round(amount, 2)
    method = ctx.one("SELECT * FROM payment_methods WHERE id = ?", (order["payment_method_id"],))
    status = "processing"
    if destination == "store_credit":
        ctx.db.execute(
            "UPDATE customers SET store_credit = round(store_credit + ?, 2) WHERE id = ?",
            (amount, order["customer_id"]),
        )
        status = "completed"
    elif method and method["kind"] == "gift_card":
        ctx.db.execute(
            "UPDATE payment_methods SET balance = round(balance + ?, 2) WHERE id = ?",
            (amount, method["id"]),
        )
        status = "completed"
    rid = order_row_id(ctx.db, "refunds", "RF", order["id"])
    ctx.db.execute(
        "INSERT INTO refunds (id, order_id, amount, payment_method_id, destination, status, "
        "created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rid, order["id"], amount, order["payment_method_id"], destination, status, ctx.now),
    )
    label = (
        "store credit"
        if destination == "store_credit"
        else (method["label"] if method else "original payment")
    )
    return {"refund_id": rid, "amount": amount, "to": label, "status": status}


# -- identity -----------------------------------------------------------------------------------
@tool(session=True)
def find_customer_by_email(ctx: ToolContext, email: str) -> dict:
    """Find and authenticate the customer by the email address on their account.

    Args:
        email: The customer's email address.
    """
    row = ctx.one(
        "SELECT id, first_name, last_name FROM customers WHERE email = ?", (email.strip().lower(),)
    )
    if row is None:
        raise ToolError(
            f"no customer with email {email!r}; ask the customer to check it, or use name and zip "
            "code"
        )
    ctx.state["customer_id"] = row["id"]
    return {
        "customer_id": row["id"],
        "name": f"{row['first_name']} {row['last_name']}",
        "verified": True,
    }


@tool(session=True)
def find_customer_by_name_zip(ctx: ToolContext, first_name: str, last_name: str, zip: str) -> dict:
    """Find and authenticate the customer by full name and the zip code of their account address.

    Args:
        first_name: The customer's first name.
        last_name: The customer's last name.
        zip: The 5-digit zip code on the account.
    """
    row = ctx.one(
        "SELECT id, first_name, last_name FROM customers WHERE lower(first_name) = lower(?) "
        "AND lower(last_name) = lower(?) AND zip = ?",
        (first_name.strip(), last_name.strip(), zip.strip()),
    )
    if row is None:
        raise ToolError(
            "no customer matches that name and zip code; the customer cannot be verified this way"
        )
    ctx.state["customer_id"] = row["id"]
    return {
        "customer_id": row["id"],
        "name": f"{row['first_name']} {row['last_name']}",
        "verified": True,
    }


# -- lookups ------------------------------------------------------------------------------------
@tool
def get_customer_details(ctx: ToolContext) -> dict:
    """Profile of the verified customer: contact, address, tier, store credit, payment methods and
    orders."""
    cid = _verified(ctx)
    c = ctx.one("SELECT * FROM customers WHERE id = ?", (cid,))
    methods = ctx.all(
        "SELECT id, kind, label, balance FROM payment_methods WHERE customer_id = ? ORDER BY id",
        (cid,),
    )
    orders = ctx.all(
        "SELECT id, status, placed_at, total FROM orders WHERE customer_id = ? ORDER BY placed_at",
        (cid,),
    )
    return {
        "customer_id": cid,
        "name": f"{c['first_name']} {c['last_name']}",
        "email": c["email"],
        "phone": c["phone"],
        "address": f"{c['address1']}, {c['city']}, {c['state']} {c['zip']}",
        "tier": c["tier"],
        "store_credit": c["store_credit"],
        "payment_methods": methods,
        "orders": orders,
    }


@tool
def list_orders(ctx: ToolContext, status: str | None = None) -> list:
    """List the verified customer's orders, newest first, with their items' names.

    Args:
        status: Only orders in this status (pending, processing, shipped, delivered, cancelled,
        returned).
    """
    cid = _verified(ctx)
    sql = "SELECT id, status, placed_at, total FROM orders WHERE customer_id = ?"
    params: tuple = (cid,)
    if status:
        sql += " AND status = ?"
        params = (cid, status.strip().lower())
    orders = ctx.all(sql + " ORDER BY placed_at DESC", params)
    for o in orders:
        o["items"] = [f"{i['product_name']} ({i['options']})" for i in _items(ctx, o["id"])]
    return orders


@tool
def get_order_details(ctx: ToolContext, order_id: str) -> dict:
    """Full details of one of the verified customer's orders: status, dates, address, payment,
    items, tracking.

    Args:
        order_id: The order id, such as W123456.
    """
    order = _own_order(ctx, order_id, _ORDER_WITH_PAYMENT_SQL)
    return {
        "order_id": order["id"],
        "status": order["status"],
        "placed_at": order["placed_at"],
        "shipped_at": order["shipped_at"],
        "delivered_at": order["delivered_at"],
        "shipping_address": f"{order['ship_address1']}, {order['ship_city']}, {order['ship_state']} {order['ship_zip']}",  # noqa: E501
        "payment": order["payment_label"],
        "total": order["total"],
        "tracking_number": order["tracking_number"],
        "items": ctx.all(
            "SELECT id, product_id, product_name, options, price, status FROM order_items WHERE "
            "order_id = ? ORDER BY id",
            (order["id"],),
        ),
    }


# get_order_details' order row with its payment method's label, in one query.
_ORDER_WITH_PAYMENT_SQL = (
    "SELECT o.*, pm.label AS payment_label FROM orders o LEFT JOIN payment_methods pm ON pm.id = "
    "o.payment_method_id "
    "WHERE o.id = ?"
)


@tool
def get_product_details(ctx: ToolContext, product_id: str) -> dict:
    """A product and all its variants with options, price and stock.

    Args:
        product_id: The product id, such as P012.
    """
    p = ctx.one("SELECT * FROM products WHERE id = ?", (product_id.strip().upper(),))
    if p is None:
        raise ToolError(
            f"no product {product_id!r}; product ids look like P012 (see the order's items)"
        )
    p["variants"] = ctx.all(
        "SELECT id, options, price, stock FROM variants WHERE product_id = ? ORDER BY id",
        (p["id"],),
    )
    return p


@tool
def get_refund_status(ctx: ToolContext, order_id: str) -> list:
    """Refunds recorded for one of the verified customer's orders, with amount, destination and
    status.

    Args:
        order_id: The order id, such as W123456.
    """
    order = _own_order(ctx, order_id)
    rows = ctx.all(
        "SELECT id, amount, destination, status, created_at FROM refunds WHERE order_id = ? ORDER "
        "BY id",
        (order["id"],),
    )
    if not rows:
        raise ToolError(f"order {order['id']} has no refund")
    return rows


# -- writes -------------------------------------------------------------------------------------
@tool(writes=True)
def cancel_pending_order(
    ctx: ToolContext, order_id: str, reason: Literal["no longer needed", "ordered by mistake"]
) -> dict:
    """Cancel a pending order and refund it in full to the original payment method.

    Args:
        order_id: The order id, such as W123456.
        reason: Why the customer cancels.
    """
    order = _own_order(ctx, order_id)
    if order["status"] != "pending":
        raise ToolError(
            f"order {order['id']} is {order['status']}; only pending orders can be cancelled"
        )
    ctx.db.execute(
        "UPDATE orders SET status = 'cancelled', cancel_reason = ? WHERE id = ?",
        (reason, order["id"]),
    )
    refund = _refund(ctx, order, order["total"], "original_payment")
    return {"order_id": order["id"], "status": "cancelled", "reason": reason, "refund": refund}


@tool(writes=True)
def modify_pending_order_items(
    ctx: ToolContext, order_id: str, item_ids: list[str], new_variant_ids: list[str]
) -> dict:
    """Swap items of a pending order for other variants (options) of the same product; price
    differences are refunded or charged to the original payment method.

    Args:
        order_id: The order id, such as W123456.
        item_ids: The ids of the items to change.
        new_variant_ids: For each item, the id of the new variant of the same product (same order).
    """
    order = _own_order(ctx, order_id)
    if order["status"] != "pending":
        raise ToolError(
            f"order {order['id']} is {order['status']}; items can be modified only while pending"
        )
    items = _pick_items(ctx, order, item_ids)
    delta = _swap_variants(ctx, items, new_variant_ids)
    ctx.db.execute(
        "UPDATE orders SET total = round(total + ?, 2) WHERE id = ?", (delta, order["id"])
    )
    total = ctx.one("SELECT total FROM orders WHERE id = ?", (order["id"],))["total"]
    return {
        "order_id": order["id"],
        "price_difference": round(delta, 2),
        "new_total": total,
        "items": _items(ctx, order["id"]),
    }


def _swap_variants(ctx: ToolContext, items: list[dict], new_variant_ids: list[str]) -> float:
    if len(new_variant_ids) != len(items):
        raise ToolError("give exactly one new variant id per item id, in the same order")
    delta = 0.0
    for item, vid in zip(items, new_variant_ids):
        v = ctx.one("SELECT * FROM variants WHERE id = ?", (vid.strip().upper(),))
        if v is None or v["product_id"] != item["product_id"]:
            raise ToolError(
                f"variant {vid!r} is not a variant of {item['product_name']} ({item['product_id']})"
            )
        if v["id"] == item["variant_id"]:
            raise ToolError(f"item {item['id']} already is variant {v['id']}")
        if v["stock"] <= 0:
            raise ToolError(f"variant {v['id']} ({v['options']}) is out of stock")
        ctx.db.execute("UPDATE variants SET stock = stock - 1 WHERE id = ?", (v["id"],))
        ctx.db.execute(
            "UPDATE order_items SET variant_id = ?, options = ?, price = ? WHERE id = ?",
            (v["id"], v["options"], v["price"], item["id"]),
        )
        delta += v["price"] - item["price"]
    return round(delta, 2)


@tool(writes=True)
def modify_order_address(
    ctx: ToolContext, order_id: str, address1: str, city: str, state: str, zip: str
) -> dict:
    """Change the shipping address of an order that has not shipped yet (pending or processing).

    Args:
        order_id: The order id, such as W123456.
        address1: Street address.
        city: City.
        state: Two-letter state code.
        zip: 5-digit zip code.
    """
    order = _own_order(ctx, order_id)
    if order["status"] not in ("pending", "processing"):
        raise ToolError(
            f"order {order['id']} is {order['status']}; the address can change only before it ships"
        )
    if not (len(zip.strip()) == 5 and zip.strip().isdigit()):
        raise ToolError(f"zip must be 5 digits, got {zip!r}")
    if not (len(state.strip()) == 2 and state.strip().isalpha()):
        raise ToolError(f"state must be a two-letter code, got {state!r}")
    ctx.db.execute(
        "UPDATE orders SET ship_address1 = ?, ship_city = ?, ship_state = ?, ship_zip = ? WHERE "
        "id = ?",
        (address1.strip(), city.strip(), state.strip().upper(), zip.strip(), order["id"]),
    )
    return {
        "order_id": order["id"],
        "shipping_address": f"{address1.strip()}, {city.strip()}, {state.strip().upper()} {zip.strip()}",  # noqa: E501
    }


@tool(writes=True)
def modify_pending_order_payment(ctx: ToolContext, order_id: str, payment_method_id: str) -> dict:
    """Pay a pending order with another of the customer's payment methods; a gift card must
    cover the whole order total and is charged at once (a gift card the order leaves is credited
    back).

    Args:
        order_id: The order id, such as W123456.
        payment_method_id: The id of the customer's payment method to use (see
            get_customer_details).
    """
    order = _own_order(ctx, order_id)
    if order["status"] != "pending":
        raise ToolError(
            f"order {order['id']} is {order['status']}; the payment can change only while pending"
        )
    method_id = payment_method_id.strip().upper()
    new = ctx.one("SELECT * FROM payment_methods WHERE id = ?", (method_id,))
    if new is None or new["customer_id"] != order["customer_id"]:
        raise ToolError(
            f"payment method {payment_method_id!r} is not one of the customer's; "
            "see get_customer_details"
        )
    if new["id"] == order["payment_method_id"]:
        raise ToolError(f"order {order['id']} is already paid with {new['label']}")
    if new["kind"] == "gift_card" and (new["balance"] or 0.0) + 0.005 < order["total"]:
        raise ToolError(
            f"the gift card's balance ${new['balance']:.2f} does not cover the order total "
            f"${order['total']:.2f}"
        )
    old = ctx.one("SELECT * FROM payment_methods WHERE id = ?", (order["payment_method_id"],))
    if old is not None and old["kind"] == "gift_card":
        _add_balance(ctx, old["id"], order["total"])
    if new["kind"] == "gift_card":
        _add_balance(ctx, new["id"], -order["total"])
    ctx.db.execute("UPDATE orders SET payment_method_id = ? WHERE id = ?", (new["id"], order["id"]))
    return {"order_id": order["id"], "payment": new["label"], "total": order["total"]}


def _add_balance(ctx: ToolContext, method_id: str, amount: float) -> None:
    sql = "UPDATE payment_methods SET balance = round(balance + ?, 2) WHERE id = ?"
    ctx.db.execute(sql, (amount, method_id))


def _check_return_window(ctx: ToolContext, order: dict) -> None:
    if order["status"] != "delivered":
        raise ToolError(
            f"order {order['id']} is {order['status']}; only delivered orders can be returned or "
            "exchanged"
        )
    delivered = datetime.fromisoformat(order["delivered_at"])
    window = return_window_days(ctx.db)
    if datetime.fromisoformat(ctx.now) - delivered > timedelta(days=window):
        raise ToolError(
            f"order {order['id']} was delivered on {order['delivered_at'][:10]}, more than "
            f"{window} days ago; it is outside the return window"
        )


@tool(writes=True)
def return_delivered_order_items(
    ctx: ToolContext,
    order_id: str,
    item_ids: list[str],
    refund_to: Literal["original_payment", "store_credit"],
) -> dict:
    """Return items of a delivered order within the 30-day window; refund to the original payment
    method or as store credit.

    Args:
        order_id: The order id, such as W123456.
        item_ids: The ids of the items to return.
        refund_to: Where the refund goes.
    """
    order = _own_order(ctx, order_id)
    _check_return_window(ctx, order)
    items = _pick_items(ctx, order, item_ids)
    for item in items:
        ctx.db.execute("UPDATE order_items SET status = 'returned' WHERE id = ?", (item["id"],))
    remaining = ctx.one(
        "SELECT count(*) AS n FROM order_items WHERE order_id = ? AND status = 'ordered'",
        (order["id"],),
    )
    if remaining["n"] == 0:
        ctx.db.execute("UPDATE orders SET status = 'returned' WHERE id = ?", (order["id"],))
    rid = order_row_id(ctx.db, "returns", "RT", order["id"])
    ctx.db.execute(
        "INSERT INTO returns (id, order_id, kind, item_ids, new_variant_ids, status, created_at) "
        "VALUES (?, ?, 'return', ?, NULL, 'requested', ?)",
        (rid, order["id"], ",".join(i["id"] for i in items), ctx.now),
    )
    refund = _refund(ctx, order, sum(i["price"] for i in items), refund_to)
    return {
        "return_id": rid,
        "order_id": order["id"],
        "items": [i["id"] for i in items],
        "refund": refund,
    }


@tool(writes=True)
def exchange_delivered_order_items(
    ctx: ToolContext, order_id: str, item_ids: list[str], new_variant_ids: list[str]
) -> dict:
    """Exchange items of a delivered order (within 30 days) for other in-stock variants of the same
    product, of equal or lower price; any difference is refunded.

    Args:
        order_id: The order id, such as W123456.
        item_ids: The ids of the items to exchange.
        new_variant_ids: For each item, the new variant id of the same product.
    """
    order = _own_order(ctx, order_id)
    _check_return_window(ctx, order)
    items = _pick_items(ctx, order, item_ids)
    for item, vid in zip(items, new_variant_ids):
        v = ctx.one("SELECT price FROM variants WHERE id = ?", (vid.strip().upper(),))
        if v is not None and v["price"] > item["price"]:
            raise ToolError(
                f"variant {vid} costs more than the item; exchanges are for equal or lower price "
                "only"
            )
    delta = _swap_variants(ctx, items, new_variant_ids)
    for item in items:
        ctx.db.execute("UPDATE order_items SET status = 'exchanged' WHERE id = ?", (item["id"],))
    rid = order_row_id(ctx.db, "returns", "RT", order["id"])
    ctx.db.execute(
        "INSERT INTO returns (id, order_id, kind, item_ids, new_variant_ids, status, created_at) "
        "VALUES (?, ?, 'exchange', ?, ?, 'requested', ?)",
        (
            rid,
            order["id"],
            ",".join(i["id"] for i in items),
            ",".join(v.strip().upper() for v in new_variant_ids),
            ctx.now,
        ),
    )
    out = {"exchange_id": rid, "order_id": order["id"], "items": [i["id"] for i in items]}
    if delta < 0:
        out["refund"] = _refund(ctx, order, -delta, "original_payment")
    return out


@tool(writes=True)
def issue_compensation(ctx: ToolContext, order_id: str, amount: float) -> dict:
    """Give store credit for a shipment delayed more than 7 days: $10 for regular and $25 for gold
    customers, once per order.

    Args:
        order_id: The delayed order's id.
        amount: The store credit in dollars.
    """
    order = _own_order(ctx, order_id)
    if order["status"] != "shipped" or order["shipped_at"] is None:
        raise ToolError(
            f"order {order['id']} is {order['status']}; compensation is only for delayed shipments"
        )
    if datetime.fromisoformat(ctx.now) - datetime.fromisoformat(order["shipped_at"]) <= timedelta(
        days=DELAY_DAYS
    ):
        raise ToolError(
            f"order {order['id']} shipped on {order['shipped_at'][:10]}; it is not delayed more "
            f"than {DELAY_DAYS} days"
        )
    tier = ctx.one("SELECT tier FROM customers WHERE id = ?", (order["customer_id"],))["tier"]
    allowed = COMPENSATION[tier]
    if round(amount, 2) != allowed:
        raise ToolError(f"the compensation for a {tier} customer is exactly ${allowed:.2f}")
    if ctx.one("SELECT id FROM compensations WHERE order_id = ?", (order["id"],)):
        raise ToolError(f"order {order['id']} was already compensated")
    cid = _next_id(ctx, "compensations", "CP")
    ctx.db.execute(
        "INSERT INTO compensations (id, customer_id, order_id, amount, reason, created_at) VALUES "
        "(?, ?, ?, ?, 'delayed shipment', ?)",
        (cid, order["customer_id"], order["id"], allowed, ctx.now),
    )
    ctx.db.execute(
        "UPDATE customers SET store_credit = round(store_credit + ?, 2) WHERE id = ?",
        (allowed, order["customer_id"]),
    )
    return {"compensation_id": cid, "amount": allowed, "as": "store credit"}


# -- ending -------------------------------------------------------------------------------------
@tool(writes=True, confirm=False, outcome="transferred")
def transfer_to_human(ctx: ToolContext, summary: str) -> dict:
    """Hand the conversation to a human agent, with a summary of the issue. Ends the conversation.

    Args:
        summary: What the customer needs and what was done so far.
    """
    tid = _next_id(ctx, "transfers", "TR")
    ctx.db.execute(
        "INSERT INTO transfers (id, customer_id, summary, created_at) VALUES (?, ?, ?, ?)",
        (tid, ctx.state.get("customer_id"), summary, ctx.now),
    )
    return {"transfer_id": tid, "status": "transferred"}


@tool(terminal=True)
def end_conversation(ctx: ToolContext) -> dict:
    """End the conversation with the customer."""
    return {"status": "ended"}


TOOLS = (
    find_customer_by_email,
    find_customer_by_name_zip,
    get_customer_details,
    list_orders,
    get_order_details,
    get_product_details,
    get_refund_status,
    cancel_pending_order,
    modify_pending_order_items,
    modify_order_address,
    modify_pending_order_payment,
    return_delivered_order_items,
    exchange_delivered_order_items,
    issue_compensation,
    transfer_to_human,
    end_conversation,
)
