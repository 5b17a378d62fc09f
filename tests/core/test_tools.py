"""Tools: schemas from typed, documented functions; argument validation; transactional calls."""

from __future__ import annotations

import sqlite3
from typing import Literal

import pytest

from utility_gym.core.tools import (
    MAX_STRING_ARGUMENT,
    Toolbox,
    ToolContext,
    ToolError,
    UndeclaredWrite,
    tool,
)


@tool
def find_orders(
    ctx: ToolContext,
    customer_id: str,
    status: Literal["pending", "shipped"] = "pending",
    limit: int | None = None,
    min_total: float = 0.0,
    include_items: bool = False,
    tags: list[str] | None = None,
) -> list[dict]:
    """Find a customer's orders.

    Longer explanation that is part of the description.

    Args:
        customer_id: The customer's id, such as "C1".
        status: Only orders in this state.
        limit: At most this many orders;
            none means all of them.
        min_total: Only orders of at least this amount.
        include_items: Whether to list the items.
        tags (list): Labels to filter by.

    Returns:
        The matching orders.
    """
    rows = ctx.all(
        "SELECT id, status, total FROM orders WHERE customer_id = ? AND status = ? AND total >= ? "
        "ORDER BY id",
        (customer_id, status, min_total),
    )
    return rows[:limit] if limit is not None else rows


@tool(writes=True)
def cancel_order(ctx: ToolContext, order_id: str) -> dict:
    """Cancel a pending order.

    Args:
        order_id: The order to cancel.
    """
    row = ctx.one("SELECT status FROM orders WHERE id = ?", (order_id,))
    if row is None:
        raise ToolError(f"order {order_id!r} not found; look it up with find_orders")
    ctx.db.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", (order_id,))
    ctx.state["last_cancelled"] = order_id
    if row["status"] != "pending":
        raise ToolError(
            f"order {order_id} is {row['status']}; only pending orders can be cancelled"
        )
    return {"order_id": order_id, "status": "cancelled"}


@tool(writes=True)
def buggy_write(ctx: ToolContext, order_id: str) -> dict:
    """Write, then crash with an error that is not a ToolError."""
    ctx.db.execute("UPDATE orders SET status = 'broken' WHERE id = ?", (order_id,))
    ctx.state["touched"] = True
    raise RuntimeError("bug in a tool")


@tool
def bad_sql(ctx: ToolContext) -> dict:
    """Run a broken query."""
    return ctx.one("SELECT nope FROM orders")


@tool(terminal=True, name="end_conversation")
def end(ctx: ToolContext) -> str:
    """End the conversation."""
    return "bye"


@pytest.fixture
def toolbox() -> Toolbox:
    return Toolbox([find_orders, cancel_order, buggy_write, bad_sql, end])


@pytest.fixture
def ctx():
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute(
        "CREATE TABLE orders (id TEXT PRIMARY KEY, customer_id TEXT, status TEXT, total REAL)"
    )
    db.executemany(
        "INSERT INTO orders VALUES (?, ?, ?, ?)",
        [
            ("W1", "C1", "pending", 10.0),
            ("W2", "C1", "shipped", 20.0),
            ("W3", "C2", "pending", 5.0),
        ],
    )
    yield ToolContext(db, {"verified": "C1"}, "2025-01-15")
    db.close()


def statuses(ctx: ToolContext) -> dict[str, str]:
    return dict(ctx.db.execute("SELECT id, status FROM orders").fetchall())


# -- schemas ------------------------------------------------------------------------------------


def test_tools__schema_is_openai_function_format():
    schema = find_orders.schema
    assert schema["type"] == "function"
    fn = schema["function"]
    assert fn["name"] == "find_orders"
    assert (
        fn["description"]
        == "Find a customer's orders. Longer explanation that is part of the description."
    )
    params = fn["parameters"]
    assert params["type"] == "object"
    assert params["additionalProperties"] is False
    assert params["required"] == ["customer_id"]
    assert list(params["properties"]) == [
        "customer_id",
        "status",
        "limit",
        "min_total",
        "include_items",
        "tags",
    ]


def test_tools__schema_types_enums_and_descriptions():
    props = find_orders.schema["function"]["parameters"]["properties"]
    assert props["customer_id"] == {
        "type": "string",
        "description": 'The customer\'s id, such as "C1".',
    }
    assert props["status"] == {
        "type": "string",
        "enum": ["pending", "shipped"],
        "description": "Only orders in this state.",
    }
    assert props["limit"] == {
        "type": "integer",
        "description": "At most this many orders; none means all of them.",
    }
    assert props["min_total"]["type"] == "number"
    assert props["include_items"]["type"] == "boolean"
    assert props["tags"] == {
        "type": "array",
        "items": {"type": "string"},
        "description": "Labels to filter by.",
    }


def test_tools__decorator_options():
    assert cancel_order.writes and not cancel_order.terminal
    assert not find_orders.writes
    assert end.name == "end_conversation" and end.terminal
    assert end.schema["function"]["parameters"]["properties"] == {}
    assert bad_sql.schema["function"]["description"] == "Run a broken query."


def test_tools__a_tool_needs_a_docstring_and_type_hints():
    with pytest.raises(TypeError, match="needs a docstring"):

        @tool
        def undocumented(ctx: ToolContext, x: str) -> None:
            pass

    with pytest.raises(TypeError, match="needs a type hint"):

        @tool
        def untyped(ctx: ToolContext, x) -> None:  # noqa: ANN001
            """Has no hint."""

    with pytest.raises(TypeError, match="unsupported union"):

        @tool
        def union(ctx: ToolContext, x: int | str) -> None:
            """Ambiguous type."""


def test_tools__duplicate_names_are_rejected():
    with pytest.raises(ValueError, match="duplicate tool name 'find_orders'"):
        Toolbox([find_orders, find_orders])


def test_tools__toolbox_lists_schemas_in_order(toolbox):
    assert [s["function"]["name"] for s in toolbox.schemas] == [
        "find_orders",
        "cancel_order",
        "buggy_write",
        "bad_sql",
        "end_conversation",
    ]
    assert "cancel_order" in toolbox and "nope" not in toolbox


# -- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        (
            "cancel",
            {},
            "unknown tool 'cancel'; available: bad_sql, buggy_write, cancel_order, "
            "end_conversation, find_orders",
        ),
        ("find_orders", ["C1"], 'arguments of find_orders must be a JSON object, got list ["C1"]'),
        ("find_orders", {}, "missing required argument 'customer_id' for find_orders"),
        (
            "find_orders",
            {"customer_id": "C1", "limits": 3},
            "unexpected argument 'limits' for find_orders; expected: customer_id, status, limit, "
            "min_total, include_items, tags",
        ),
        ("bad_sql", {"x": 1}, "unexpected argument 'x' for bad_sql; expected: no arguments"),
        (
            "find_orders",
            {"customer_id": 1},
            "argument 'customer_id' of find_orders must be a string, got integer 1",
        ),
        (
            "find_orders",
            {"customer_id": None},
            "argument 'customer_id' of find_orders must be a string, got null null",
        ),
        (
            "find_orders",
            {"customer_id": "C1", "status": "lost"},
            'argument \'status\' of find_orders must be one of "pending", "shipped", got string '
            '"lost"',
        ),
        (
            "find_orders",
            {"customer_id": "C1", "limit": "3"},
            "argument 'limit' of find_orders must be an integer, got string \"3\"",
        ),
        (
            "find_orders",
            {"customer_id": "C1", "limit": True},
            "argument 'limit' of find_orders must be an integer, got boolean true",
        ),
        (
            "find_orders",
            {"customer_id": "C1", "limit": 2.5},
            "argument 'limit' of find_orders must be an integer, got number 2.5",
        ),
        (
            "find_orders",
            {"customer_id": "C1", "min_total": float("nan")},
            "argument 'min_total' of find_orders must be a number, got number NaN",
        ),
        (
            "find_orders",
            {"customer_id": "C1", "min_total": float("inf")},
            "argument 'min_total' of find_orders must be a number",
        ),
        (
            "find_orders",
            {"customer_id": "C1", "include_items": "yes"},
            "argument 'include_items' of find_orders must be true or false, got string \"yes\"",
        ),
        (
            "find_orders",
            {"customer_id": "C1", "tags": "a"},
            "argument 'tags' of find_orders must be a list, got string \"a\"",
        ),
        (
            "find_orders",
            {"customer_id": "C1", "tags": ["a", 2]},
            "argument 'tags' of find_orders item 1 must be a string, got integer 2",
        ),
        (
            "find_orders",
            {"customer_id": "C1", "tags": ["a"] * 101},
            "argument 'tags' of find_orders has 101 items; at most 100",
        ),
        (
            "find_orders",
            {"customer_id": "C\x001"},
            "argument 'customer_id' of find_orders contains a NUL character",
        ),
        (
            "find_orders",
            {"customer_id": "x" * (MAX_STRING_ARGUMENT + 1)},
            f"argument 'customer_id' of find_orders is too long ({MAX_STRING_ARGUMENT + 1} "
            f"characters; at most {MAX_STRING_ARGUMENT})",
        ),
    ],
)
def test_tools__validation_messages(toolbox, name, arguments, message):
    error = toolbox.validate(name, arguments)
    assert error is not None and error.startswith(message)


def test_tools__valid_calls_pass_validation(toolbox):
    assert toolbox.validate("find_orders", {"customer_id": "C1"}) is None
    assert (
        toolbox.validate(
            "find_orders", {"customer_id": "C1", "limit": None, "tags": None, "min_total": 3}
        )
        is None
    )
    assert (
        toolbox.validate(
            "find_orders",
            {"customer_id": "C1", "status": "shipped", "include_items": False, "tags": []},
        )
        is None
    )
    assert toolbox.validate("end_conversation", {}) is None


def test_tools__long_values_are_clipped_in_messages(toolbox):
    error = toolbox.validate("x" * 500, {})
    assert error is not None and len(error) < 200
    error = toolbox.validate("find_orders", {"customer_id": 1, "y" * 500: 1})
    assert error is not None and len(error) < 250


# -- calls --------------------------------------------------------------------------------------


def test_tools__successful_call_returns_the_result(toolbox, ctx):
    out = toolbox.call(ctx, "find_orders", {"customer_id": "C1", "status": "shipped"})
    assert out.ok and out.error is None and not out.wrote
    assert out.result == [{"id": "W2", "status": "shipped", "total": 20.0}]


def test_tools__a_write_is_kept_and_reported(toolbox, ctx):
    out = toolbox.call(ctx, "cancel_order", {"order_id": "W1"})
    assert out.ok and out.wrote
    assert statuses(ctx)["W1"] == "cancelled"
    assert ctx.state["last_cancelled"] == "W1"
    assert not ctx.db.in_transaction


def test_tools__tool_error_rolls_back_writes_and_state(toolbox, ctx):
    before_rows = statuses(ctx)
    before_state = dict(ctx.state)
    out = toolbox.call(ctx, "cancel_order", {"order_id": "W2"})  # writes, sets state, then refuses
    assert not out.ok and not out.wrote
    assert out.error == "order W2 is shipped; only pending orders can be cancelled"
    assert statuses(ctx) == before_rows
    assert ctx.state == before_state
    assert not ctx.db.in_transaction


def test_tools__tool_error_message_says_what_to_do(toolbox, ctx):
    out = toolbox.call(ctx, "cancel_order", {"order_id": "W404"})
    assert out.error == "order 'W404' not found; look it up with find_orders"


def test_tools__invalid_arguments_never_run_the_tool(toolbox, ctx):
    out = toolbox.call(ctx, "cancel_order", {"order_id": 1})
    assert not out.ok and "must be a string" in out.error
    assert statuses(ctx)["W1"] == "pending"


def test_tools__sqlite_errors_become_error_messages(toolbox, ctx):
    out = toolbox.call(ctx, "bad_sql", {})
    assert not out.ok
    assert out.error.startswith("bad_sql failed: OperationalError: no such column: nope")
    assert not ctx.db.in_transaction


def test_tools__unexpected_exception_propagates_but_leaves_no_write(toolbox, ctx):
    # A bug in a tool is not the agent's fault, so it is raised; but the call must still leave
    # no write, no state change and no open transaction behind.
    before_state = dict(ctx.state)
    with pytest.raises(RuntimeError, match="bug in a tool"):
        toolbox.call(ctx, "buggy_write", {"order_id": "W1"})
    assert statuses(ctx)["W1"] == "pending"
    assert ctx.state == before_state
    assert not ctx.db.in_transaction


def test_tools__injection_strings_are_plain_values(toolbox, ctx):
    out = toolbox.call(ctx, "find_orders", {"customer_id": "C1'; DROP TABLE orders;--"})
    assert out.ok and out.result == []
    out = toolbox.call(ctx, "cancel_order", {"order_id": "W1' OR '1'='1"})
    assert not out.ok
    assert set(statuses(ctx).values()) == {"pending", "shipped"}


def test_tools__calls_nest_inside_an_outer_transaction(toolbox, ctx):
    ctx.db.execute("BEGIN")
    toolbox.call(ctx, "cancel_order", {"order_id": "W1"})
    toolbox.call(ctx, "cancel_order", {"order_id": "W2"})
    assert ctx.db.in_transaction
    ctx.db.execute("COMMIT")
    assert statuses(ctx) == {"W1": "cancelled", "W2": "shipped", "W3": "pending"}


@tool
def failing_lookup(ctx: ToolContext, order_id: str) -> dict:
    """A read-only look-up that sets session state, then fails.

    Args:
        order_id: The order.
    """
    ctx.state["looked_at"] = order_id
    raise ToolError(f"order {order_id!r} not found")


def test_tools__a_failing_read_only_tool_restores_the_session_state(ctx):
    box = Toolbox([failing_lookup])
    before = dict(ctx.state)
    out = box.call(ctx, "failing_lookup", {"order_id": "W9"})
    assert not out.ok and out.error == "order 'W9' not found"
    assert ctx.state == before


@tool
def sneaky_lookup(ctx: ToolContext, order_id: str) -> dict:
    """A look-up that writes although it is not declared to.

    Args:
        order_id: The order.
    """
    ctx.db.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", (order_id,))
    return {"order_id": order_id}


def test_tools__a_look_up_inside_a_transaction_runs_without_a_savepoint(ctx):
    box = Toolbox([failing_lookup, sneaky_lookup])
    statements: list[str] = []
    ctx.db.execute("BEGIN")
    ctx.db.set_trace_callback(statements.append)
    try:
        assert not box.call(ctx, "failing_lookup", {"order_id": "W9"}).ok
    finally:
        ctx.db.set_trace_callback(None)
    assert not any("SAVEPOINT" in s for s in statements)
    # A tool that writes without @tool(writes=True) is a domain bug, reported, not hidden.
    with pytest.raises(UndeclaredWrite, match="sneaky_lookup"):
        box.call(ctx, "sneaky_lookup", {"order_id": "W1"})
    ctx.db.execute("ROLLBACK")
    # In autocommit mode the savepoint stays, and a failing call leaves nothing behind.
    ctx.db.set_trace_callback(statements.append)
    try:
        box.call(ctx, "failing_lookup", {"order_id": "W9"})
    finally:
        ctx.db.set_trace_callback(None)
    assert any("SAVEPOINT" in s for s in statements)


@tool
def remembering_lookup(ctx: ToolContext, order_id: str) -> dict:
    """A look-up that changes the session state although it is not declared to.

    Args:
        order_id: The order.
    """
    ctx.state["seen"] = order_id
    return {"order_id": order_id}


@tool(session=True)
def open_order(ctx: ToolContext, order_id: str) -> dict:
    """Open an order: the session remembers it.

    Args:
        order_id: The order.
    """
    ctx.state["open"] = order_id
    return {"order_id": order_id}


def test_tools__a_look_up_that_changes_the_session_must_say_so(ctx):
    box = Toolbox([remembering_lookup, open_order, find_orders, cancel_order, end])
    with pytest.raises(
        UndeclaredWrite, match=r"remembering_lookup changed the session state .*session=True"
    ):
        box.call(ctx, "remembering_lookup", {"order_id": "W1"})
    assert box.call(ctx, "open_order", {"order_id": "W1"}).ok
    assert ctx.state["open"] == "W1"
    # Only a look-up that touches neither the world nor the session is pure (a replay may skip it).
    assert [name for name, spec in box.tools.items() if spec.pure] == [
        "remembering_lookup",
        "find_orders",
    ]


def test_tools__a_non_atomic_call_in_a_transaction_skips_the_savepoint_and_may_leave_writes(
    ctx, toolbox
):
    statements: list[str] = []
    ctx.db.execute("BEGIN")
    ctx.db.set_trace_callback(statements.append)
    try:
        ok = toolbox.call(ctx, "cancel_order", {"order_id": "W1"}, atomic=False)
        # cancel_order writes, then refuses a shipped order: without a savepoint the write stays,
        # for a caller (the oracle replay) that throws the world away when a call fails.
        failed = toolbox.call(ctx, "cancel_order", {"order_id": "W2"}, atomic=False)
    finally:
        ctx.db.set_trace_callback(None)
    assert ok.ok and ok.wrote
    assert not failed.ok and "only pending orders" in failed.error
    assert not any("SAVEPOINT" in s for s in statements)
    assert statuses(ctx)["W2"] == "cancelled"
    assert ctx.state["last_cancelled"] == "W1"  # the session state is still restored
    ctx.db.execute("ROLLBACK")
    # The default stays atomic: the same failing call leaves nothing.
    assert not toolbox.call(ctx, "cancel_order", {"order_id": "W2"}).ok
    assert statuses(ctx)["W2"] == "shipped"
