"""CustomerService tools: schemas, policy rules enforced by tools, and transactional failures."""

from __future__ import annotations

import pytest

from utility_gym.core.tools import Toolbox, ToolContext
from utility_gym.core.world import World, build_template, change_facts
from utility_gym.envs.customer_service.generator import build_world
from utility_gym.envs.customer_service.schema import TRACKED_TABLES
from utility_gym.envs.customer_service.tools import TOOLS


@pytest.fixture()
def desk():
    template = build_template("customer_service", 0, "small", build_world, TRACKED_TABLES)
    world = World(template)
    ctx = ToolContext(world.conn, {}, template.meta["now"])
    yield world, ctx, Toolbox(TOOLS)
    world.close()


def _order(world, status, extra=""):
    row = world.conn.execute(
        "SELECT o.id, o.total, c.email, o.customer_id FROM orders o JOIN customers c ON c.id = "
        f"o.customer_id WHERE o.status = ? {extra} ORDER BY o.id",
        (status,),
    ).fetchone()
    return dict(row)


def test_customer_service__at_least_15_tools_with_openai_schemas(desk):
    _, _, box = desk
    assert len(box.schemas) >= 15
    names = {s["function"]["name"] for s in box.schemas}
    assert {"end_conversation", "transfer_to_human", "cancel_pending_order"} <= names
    cancel = next(s for s in box.schemas if s["function"]["name"] == "cancel_pending_order")[
        "function"
    ]
    assert cancel["parameters"]["properties"]["reason"]["enum"] == [
        "no longer needed",
        "ordered by mistake",
    ]
    assert cancel["parameters"]["required"] == ["order_id", "reason"]
    assert cancel["description"].startswith("Cancel a pending order")


def test_customer_service__account_tools_require_verification(desk):
    world, ctx, box = desk
    o = _order(world, "pending")
    out = box.call(ctx, "cancel_pending_order", {"order_id": o["id"], "reason": "no longer needed"})
    assert not out.ok and "not verified" in out.error
    assert world.changes() == []


def test_customer_service__cancel_pending_refunds_in_full(desk):
    world, ctx, box = desk
    o = _order(world, "pending")
    assert box.call(ctx, "find_customer_by_email", {"email": o["email"]}).ok
    out = box.call(
        ctx,
        "cancel_pending_order",
        {"order_id": "#" + o["id"].lower(), "reason": "ordered by mistake"},
    )
    assert out.ok and out.wrote
    facts = change_facts(world.changes())
    assert ("orders", o["id"], "status", "cancelled") in facts
    assert ("orders", o["id"], "cancel_reason", "ordered by mistake") in facts
    assert out.result["refund"]["amount"] == round(o["total"], 2)


def test_customer_service__cannot_cancel_a_shipped_order_and_nothing_is_written(desk):
    world, ctx, box = desk
    o = _order(world, "shipped")
    box.call(ctx, "find_customer_by_email", {"email": o["email"]})
    before = world.change_seq()
    out = box.call(ctx, "cancel_pending_order", {"order_id": o["id"], "reason": "no longer needed"})
    assert not out.ok and "only pending orders" in out.error
    assert world.change_seq() == before


def test_customer_service__cannot_touch_another_customers_order(desk):
    world, ctx, box = desk
    mine = _order(world, "pending")
    other = _order(world, "pending", f"AND o.customer_id != '{mine['customer_id']}'")
    box.call(ctx, "find_customer_by_email", {"email": mine["email"]})
    out = box.call(ctx, "get_order_details", {"order_id": other["id"]})
    assert not out.ok and "not found for the verified customer" in out.error


def test_customer_service__return_window_is_enforced(desk):
    world, ctx, box = desk
    row = world.conn.execute(
        "SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE o.status = 'delivered' AND o.delivered_at < '2026-05-16' ORDER BY o.id"
    ).fetchone()
    box.call(ctx, "find_customer_by_email", {"email": row["email"]})
    item = world.conn.execute(
        "SELECT id FROM order_items WHERE order_id = ?", (row["id"],)
    ).fetchone()["id"]
    out = box.call(
        ctx,
        "return_delivered_order_items",
        {"order_id": row["id"], "item_ids": [item], "refund_to": "store_credit"},
    )
    assert not out.ok and "outside the return window" in out.error
    assert world.changes() == []


def test_customer_service__compensation_amount_is_fixed_by_tier(desk):
    world, ctx, box = desk
    row = world.conn.execute(
        "SELECT o.id, c.email, c.tier FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE o.status = 'shipped' AND o.shipped_at < '2026-06-08' ORDER BY o.id"
    ).fetchone()
    box.call(ctx, "find_customer_by_email", {"email": row["email"]})
    assert not box.call(ctx, "issue_compensation", {"order_id": row["id"], "amount": 100.0}).ok
    allowed = 25.0 if row["tier"] == "gold" else 10.0
    assert box.call(ctx, "issue_compensation", {"order_id": row["id"], "amount": allowed}).ok
    again = box.call(ctx, "issue_compensation", {"order_id": row["id"], "amount": allowed})
    assert not again.ok and "already compensated" in again.error


def test_customer_service__injection_strings_are_data(desk):
    world, ctx, box = desk
    before = world.snapshot()
    out = box.call(ctx, "find_customer_by_email", {"email": "x' OR '1'='1"})
    assert not out.ok
    out = box.call(
        ctx,
        "find_customer_by_name_zip",
        {"first_name": "a'; DROP TABLE orders;--", "last_name": "b", "zip": "1"},
    )
    assert not out.ok
    assert world.conn.execute("SELECT count(*) FROM orders").fetchone()[0] > 0
    assert world.snapshot() == before


def test_customer_service__wrong_types_and_missing_arguments_are_explained(desk):
    _, ctx, box = desk
    out = box.call(ctx, "cancel_pending_order", {"order_id": 12345, "reason": "no longer needed"})
    assert (
        "argument 'order_id' of cancel_pending_order must be a string, got integer 12345"
        == out.error
    )
    out = box.call(ctx, "cancel_pending_order", {"order_id": "W1"})
    assert out.error == "missing required argument 'reason' for cancel_pending_order"
    out = box.call(ctx, "cancel_pending_order", {"order_id": "W1", "reason": "because"})
    assert "must be one of" in out.error and "no longer needed" in out.error
    out = box.call(ctx, "cancel_order", {})
    assert out.error.startswith("unknown tool 'cancel_order'; available: cancel_pending_order")
