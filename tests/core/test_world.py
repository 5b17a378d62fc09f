"""World: template cache, restore by deserialize, change capture and net diffs."""

from __future__ import annotations

import dataclasses
import pickle
import random
import sqlite3

import pytest
import sqlite_utils
from faker import Faker

from utility_gym.core import world as world_mod
from utility_gym.core.world import (
    CHANGES_TABLE,
    META_TABLE,
    RowChange,
    World,
    build_template,
    change_facts,
    install_change_capture,
)

DOMAIN = "toy-world"


def toy_builder(db: sqlite_utils.Database, fake: Faker, rng: random.Random, size: str) -> None:
    n = {"small": 5, "default": 20, "large": 50}[size]
    db["customers"].insert_all(
        ({"id": i, "name": fake.name(), "email": fake.email()} for i in range(1, n + 1)), pk="id"
    )
    db["orders"].insert_all(
        (
            {
                "id": f"W{1000 + i}",
                "customer_id": rng.randint(1, n),
                "status": "pending",
                "total": 10.5 * i,
            }
            for i in range(n)
        ),
        pk="id",
    )
    db["order_items"].insert_all(
        ({"order_id": f"W{1000 + i}", "line": 1, "sku": f"SKU{i}"} for i in range(n)),
        pk=("order_id", "line"),
    )
    db[META_TABLE].insert({"key": "now", "value": "2025-01-15"})


TRACKED = ("customers", "orders", "order_items")


def toy_template(seed: int = 0, size: str = "small"):
    return build_template(DOMAIN, seed, size, toy_builder, TRACKED)


@pytest.fixture
def world():
    w = World(toy_template())
    yield w
    w.close()


def test_world__template_cache_returns_the_same_object():
    assert toy_template(0) is toy_template(0)
    assert toy_template(1) is not toy_template(0)
    assert toy_template(0, "default") is not toy_template(0, "small")


def test_world__build_is_deterministic_per_seed():
    first = toy_template(7)
    del world_mod._TEMPLATES[(DOMAIN, 7, "small")]
    again = toy_template(7)
    assert again is not first
    assert again.data == first.data
    assert toy_template(8).data != first.data


def test_world__unknown_size_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="small, default, large"):
        build_template(DOMAIN, 0, "huge", toy_builder, TRACKED)


def test_world__template_has_meta_and_an_empty_change_log(world):
    assert world.now == "2025-01-15"
    assert world.template.meta == {"now": "2025-01-15"}
    assert world.change_seq() == 0
    assert world.changes() == []


def test_world__reset_restores_the_template(world):
    world.conn.execute("UPDATE orders SET status = 'cancelled'")
    world.conn.execute("DELETE FROM customers WHERE id = 1")
    assert world.changes()
    world.reset()
    assert world.snapshot() == world.template.data
    assert world.changes() == []
    assert (
        world.conn.execute("SELECT count(*) FROM orders WHERE status = 'pending'").fetchone()[0]
        == 5
    )


def test_world__deserialize_restores_a_snapshot(world):
    world.conn.execute("UPDATE orders SET status = 'shipped' WHERE id = 'W1000'")
    snap = world.snapshot()
    world.conn.execute("UPDATE orders SET status = 'cancelled'")
    world.restore(snap)
    statuses = dict(world.conn.execute("SELECT id, status FROM orders").fetchall())
    assert statuses["W1000"] == "shipped"
    assert statuses["W1001"] == "pending"
    assert [c.pk for c in world.changes()] == ["W1000"]


def test_world__worlds_from_one_template_are_independent():
    template = toy_template()
    a, b = World(template), World(template)
    a.conn.execute("DELETE FROM orders")
    assert b.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 5
    a.close()
    b.close()


def test_world__change_capture_records_insert_update_delete(world):
    db = world.conn
    db.execute(
        "INSERT INTO orders (id, customer_id, status, total) VALUES ('W9999', 1, 'pending', 5.0)"
    )
    db.execute("UPDATE orders SET status = 'cancelled' WHERE id = 'W1001'")
    db.execute("DELETE FROM customers WHERE id = 2")
    changes = {(c.table, c.pk): c for c in world.changes()}
    assert set(changes) == {("orders", "W9999"), ("orders", "W1001"), ("customers", "2")}

    ins = changes[("orders", "W9999")]
    assert ins.op == "insert" and ins.before is None
    assert ins.after == {"id": "W9999", "customer_id": 1, "status": "pending", "total": 5.0}

    upd = changes[("orders", "W1001")]
    assert upd.op == "update"
    assert upd.before["status"] == "pending" and upd.after["status"] == "cancelled"
    assert upd.columns() == {"status": "cancelled"}

    dele = changes[("customers", "2")]
    assert dele.op == "delete" and dele.after is None and dele.before["id"] == 2
    assert dele.columns() == {}

    assert change_facts(world.changes()) == {
        ("orders", "W9999", "id", "W9999"),
        ("orders", "W9999", "customer_id", 1),
        ("orders", "W9999", "status", "pending"),
        ("orders", "W9999", "total", 5.0),
        ("orders", "W1001", "status", "cancelled"),
        ("customers", "2", "<deleted>", True),
    }


def test_world__changes_are_listed_in_first_touched_order(world):
    db = world.conn
    db.execute("UPDATE orders SET status = 'a' WHERE id = 'W1003'")
    db.execute("UPDATE orders SET status = 'b' WHERE id = 'W1001'")
    db.execute("UPDATE orders SET status = 'c' WHERE id = 'W1003'")
    assert [(c.pk, c.after["status"]) for c in world.changes()] == [("W1003", "c"), ("W1001", "b")]


def test_world__composite_primary_key_is_a_json_array(world):
    world.conn.execute("UPDATE order_items SET sku = 'NEW' WHERE order_id = 'W1000' AND line = 1")
    (change,) = world.changes()
    assert change.pk == '["W1000",1]'
    assert change.columns() == {"sku": "NEW"}


def test_world__update_then_revert_is_no_change(world):
    db = world.conn
    db.execute("UPDATE orders SET status = 'cancelled' WHERE id = 'W1000'")
    db.execute("UPDATE orders SET status = 'pending' WHERE id = 'W1000'")
    assert world.change_seq() == 2  # both writes were logged...
    assert world.changes() == []  # ...but their net effect is nothing


def test_world__insert_then_delete_is_nothing(world):
    db = world.conn
    db.execute("INSERT INTO customers (id, name, email) VALUES (99, 'Ann', 'ann@example.com')")
    db.execute("UPDATE customers SET email = 'ann@example.org' WHERE id = 99")
    db.execute("DELETE FROM customers WHERE id = 99")
    assert world.changes() == []


def test_world__delete_then_reinsert_nets_to_an_update(world):
    db = world.conn
    before = dict(db.execute("SELECT * FROM customers WHERE id = 3").fetchone())
    db.execute("DELETE FROM customers WHERE id = 3")
    db.execute(
        "INSERT INTO customers (id, name, email) VALUES (3, ?, 'new@example.com')",
        (before["name"],),
    )
    (change,) = world.changes()
    assert change.op == "update"
    assert change.columns() == {"email": "new@example.com"}


def test_world__delete_then_identical_reinsert_is_nothing(world):
    db = world.conn
    row = tuple(db.execute("SELECT id, name, email FROM customers WHERE id = 3").fetchone())
    db.execute("DELETE FROM customers WHERE id = 3")
    db.execute("INSERT INTO customers (id, name, email) VALUES (?, ?, ?)", row)
    assert world.changes() == []


def test_world__rollback_of_a_savepoint_rolls_back_the_log(world):
    db = world.conn
    db.execute("UPDATE orders SET status = 'kept' WHERE id = 'W1000'")
    seq = world.change_seq()
    db.execute("SAVEPOINT attempt")
    db.execute("UPDATE orders SET status = 'dropped' WHERE id = 'W1001'")
    db.execute("DELETE FROM customers WHERE id = 1")
    assert world.change_seq() > seq
    db.execute("ROLLBACK TO attempt")
    db.execute("RELEASE attempt")
    assert world.change_seq() == seq
    assert [(c.pk, c.columns()) for c in world.changes()] == [("W1000", {"status": "kept"})]


def test_world__changes_since_a_position(world):
    db = world.conn
    db.execute("UPDATE orders SET status = 'x' WHERE id = 'W1000'")
    mark = world.change_seq()
    db.execute("UPDATE orders SET status = 'y' WHERE id = 'W1001'")
    assert [c.pk for c in world.changes(mark)] == ["W1001"]
    assert [c.pk for c in world.changes()] == ["W1000", "W1001"]


def test_world__clear_changes_keeps_the_state(world):
    world.conn.execute("UPDATE orders SET status = 'x' WHERE id = 'W1000'")
    world.clear_changes()
    assert world.changes() == []
    assert world.conn.execute("SELECT status FROM orders WHERE id = 'W1000'").fetchone()[0] == "x"


def test_world__untracked_tables_are_not_captured(world):
    world.conn.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES ('extra', '1')")
    assert world.changes() == []


def test_world__tracking_a_missing_table_fails_clearly():
    conn = sqlite3.connect(":memory:")
    with pytest.raises(ValueError, match="does not exist"):
        install_change_capture(conn, ["nope"])
    conn.close()


def test_world__change_log_table_exists_in_the_template(world):
    names = {
        r[0] for r in world.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert {CHANGES_TABLE, META_TABLE, *TRACKED} <= names


def test_world__change_facts_round_floats():
    change = RowChange("orders", "W1", "update", {"total": 1.0}, {"total": 10.004999})
    assert change_facts([change]) == {("orders", "W1", "total", 10.0)}


def test_world__pickles_with_its_current_contents(world):
    world.conn.execute("UPDATE orders SET status = 'shipped' WHERE id = 'W1002'")
    clone = pickle.loads(pickle.dumps(world))
    try:
        assert clone.conn is not world.conn
        assert clone.snapshot() == world.snapshot()
        assert [c.pk for c in clone.changes()] == ["W1002"]
        clone.conn.execute("DELETE FROM orders")
        assert world.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 5
    finally:
        clone.close()


def test_world__changes_in_spans_nets_each_span_and_the_whole(world):
    db = world.conn
    start = world.change_seq()
    db.execute("UPDATE orders SET status = 'a' WHERE id = 'W1000'")
    db.execute("UPDATE orders SET status = 'b' WHERE id = 'W1001'")
    mid = world.change_seq()
    db.execute("UPDATE orders SET status = 'c' WHERE id = 'W1000'")
    db.execute("DELETE FROM customers WHERE id = 2")
    empty = world.change_seq()
    first, second, third, whole = world.changes_in_spans([start, mid, empty])
    assert [(c.pk, c.columns()) for c in first] == [
        ("W1000", {"status": "a"}),
        ("W1001", {"status": "b"}),
    ]
    assert [(c.pk, c.op, c.columns()) for c in second] == [
        ("W1000", "update", {"status": "c"}),
        ("2", "delete", {}),
    ]
    assert third == []
    assert whole == world.changes(start)
    assert [(c.pk, c.columns()) for c in whole][:2] == [
        ("W1000", {"status": "c"}),
        ("W1001", {"status": "b"}),
    ]
    # A row changed within one span only is the same change there and in the whole (computed once).
    assert whole[1] is first[1] and whole[2] is second[1]
    assert whole[0] is not first[0]
    assert world.changes_in_spans([world.change_seq()]) == [[], []]


def test_world__rollback_reset_world_returns_to_the_template_only_when_written():
    template = toy_template()
    w = World(template, rollback_reset=True)
    try:
        statements: list[str] = []
        w.conn.set_trace_callback(statements.append)
        w.reset()  # nothing written since the template: nothing to undo
        assert statements == []
        w.conn.execute("UPDATE orders SET status = 'x' WHERE id = 'W1000'")
        w.reset()
        assert "ROLLBACK" in statements
        assert (
            w.conn.execute("SELECT status FROM orders WHERE id = 'W1000'").fetchone()[0]
            == "pending"
        )
        assert w.changes() == []
        statements.clear()
        w.reset()  # a second reset after the rollback finds nothing new
        assert statements == []
        w.conn.execute("DELETE FROM orders WHERE id = 'W1001'")
        w.reset()
        assert w.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 5
        w.conn.set_trace_callback(None)
    finally:
        w.close()


def test_world__prepare_runs_once_per_connection_before_the_first_transaction(tmp_path):
    aux = tmp_path / "aux.db"
    with sqlite3.connect(aux) as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
        conn.execute("INSERT INTO notes VALUES ('kept')")
    conn.close()
    seen: list[bool] = []

    def prepare(conn: sqlite3.Connection) -> None:
        seen.append(conn.in_transaction)
        conn.execute("ATTACH DATABASE ? AS aux", (str(aux),))

    base = toy_template(seed=7)
    template = dataclasses.replace(base, prepare=prepare)
    w = World(template, rollback_reset=True)
    try:
        assert seen == [False]  # before the episode's transaction begins
        assert w.conn.in_transaction
        w.conn.execute("UPDATE orders SET status = 'x' WHERE id = 'W1000'")
        w.reset()  # a rollback
        snap = w.snapshot()
        w.restore(snap)  # a deserialize
        w.reset()
        assert seen == [False]  # once per connection
        # The attachment outlives rollbacks and deserialize.
        assert w.conn.execute("SELECT x FROM aux.notes").fetchone()[0] == "kept"
        assert w.conn.execute("SELECT status FROM orders WHERE id = 'W1000'").fetchone()[0] == (
            "pending"
        )
    finally:
        w.close()


def test_world__write_mark_moves_with_any_write_even_rolled_back_and_any_restore(world):
    mark = world.write_mark()
    world.conn.execute("SELECT count(*) FROM orders").fetchone()
    assert world.write_mark() == mark  # a read leaves it
    world.conn.execute("SAVEPOINT s")
    world.conn.execute("UPDATE orders SET status = 'y' WHERE id = 'W1001'")
    world.conn.execute("ROLLBACK TO s")
    world.conn.execute("RELEASE s")
    assert world.write_mark() != mark  # written, even if undone
    mark = world.write_mark()
    world.restore(world.snapshot())
    assert world.write_mark() != mark
    other = World(world.template)
    try:
        assert other.write_mark()[0] != world.write_mark()[0]  # another world's never matches
    finally:
        other.close()
