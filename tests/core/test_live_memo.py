"""A stream's live memo serves the same tasks as computing every template query afresh."""

from __future__ import annotations

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import OracleAgent
from utility_gym.core.live_memo import LiveMemo
from utility_gym.core.rollout import run_episode
from utility_gym.core.tasks import live_memo, memo_keyed_rows, memo_rows


def _served(env_id: str, positions: int) -> list[object]:
    env = gym.make(env_id, size="small", stream_length=positions)
    agent = OracleAgent(env)
    out = []
    for stream_seed in (3, 4):  # the second stream starts where the first kept its results
        for position in range(positions):
            run_episode(env, agent, seed=stream_seed if position == 0 else None)
            u = env.unwrapped
            out.append((u.task, u.stream.twin))
    memo = env.unwrapped.streams.memo
    env.close()
    return [out, (memo.hits, memo.refreshes)]


@pytest.mark.parametrize(
    "stream_id", ["utility/CustomerServiceStream-v2", "utility/TicketingStream-v2"]
)
def test_live_memo__serves_exactly_the_tasks_of_fresh_queries(stream_id, monkeypatch) -> None:
    cached, (hits, refreshes) = _served(stream_id, 24)
    assert hits > 0  # the memo was used: unchanged tables kept their results
    if "CustomerService" in stream_id:
        assert refreshes > 0  # and orders read again only where episodes changed them
    monkeypatch.setattr(LiveMemo, "get", lambda self, key, compute: compute())
    fresh, _ = _served(stream_id, 24)
    assert cached == fresh


def test_live_memo__forgets_on_restore_and_tracks_changed_tables() -> None:
    env = gym.make("utility/CustomerServiceStream-v2", size="small", stream_length=5)
    env.reset(seed=1)
    u = env.unwrapped
    memo = u.streams.memo
    memo.catch_up()
    assert memo.entries  # the first position's queries were kept
    before = dict(memo.versions)
    u.world.conn.execute("UPDATE orders SET status = status WHERE rowid = 1")
    memo.catch_up()
    assert memo.versions.get("orders", 0) == before.get("orders", 0) + 1
    assert memo.versions.get("products", 0) == before.get("products", 0)
    u.world.reset()
    memo.catch_up()
    # Back to the template (a new stream): what was read on the pristine world holds again.
    assert memo.entries and all(e.pristine for e in memo.entries.values())
    assert not memo.versions
    u.world.restore(u.world.snapshot())  # any other restore (a fork) voids everything
    memo.catch_up()
    assert not memo.entries
    env.close()


def test_live_memo__rows_joined_to_a_changed_table_are_read_again() -> None:
    """Orders kept with their customers' tier: when a customer's tier changes, that customer's
    orders leave or join the rows (read again by the customer's key), and the rest stay."""
    env = gym.make("utility/CustomerServiceStream-v2", size="small", stream_length=5)
    env.reset(seed=1)
    u = env.unwrapped
    db, memo = u.world.conn, u.streams.memo
    select = (
        "SELECT o.id, o.customer_id, c.tier FROM orders o JOIN customers c ON c.id = o.customer_id"
    )

    def rows() -> list[dict]:
        memo.catch_up()
        with live_memo(db, memo):
            return memo_keyed_rows(
                db,
                select,
                "c.tier = ?",
                ("gold",),
                table="orders",
                alias="o",
                joins=(("customers", "customer_id"),),
            )

    def fresh() -> list[dict]:
        sql = f"{select} WHERE c.tier = 'gold' ORDER BY o.id"
        return [dict(r) for r in db.execute(sql)]

    try:
        assert rows() == fresh()
        gold = rows()[0]["customer_id"]
        other = db.execute(
            "SELECT c.id FROM customers c JOIN orders o ON o.customer_id = c.id "
            "WHERE c.tier != 'gold' LIMIT 1"
        ).fetchone()[0]
        db.execute("UPDATE customers SET tier = 'silver' WHERE id = ?", (gold,))
        db.execute("UPDATE customers SET tier = 'gold' WHERE id = ?", (other,))
        refreshes = memo.refreshes
        got = rows()
        assert memo.refreshes == refreshes + 1  # read again by key, not recomputed
        assert got == fresh()
        assert all(r["customer_id"] != gold for r in got)
        assert any(r["customer_id"] == other for r in got)
    finally:
        env.close()


def test_live_memo__never_keeps_what_reads_a_table_written_without_a_trace() -> None:
    """A variant's stock is written by exchanges but not tracked (``untracked_writes``): a
    template query that reads it, or a result built on one, is computed afresh every time."""
    env = gym.make("utility/CustomerServiceStream-v2", size="small", stream_length=5)
    env.reset(seed=1)
    u = env.unwrapped
    db, memo = u.world.conn, u.streams.memo
    assert "variants" in memo.volatile
    variant = db.execute("SELECT id FROM variants WHERE stock > 0 ORDER BY id").fetchone()[0]
    sql = "SELECT stock FROM variants WHERE id = ?"

    def read() -> tuple[int, int]:
        memo.catch_up()
        with live_memo(db, memo):
            inner = memo_rows(db, sql, (variant,))
            outer = memo.get(("outer", variant), lambda: memo_rows(db, sql, (variant,))[0])
            return inner[0]["stock"], outer["stock"]

    try:
        before = read()
        db.execute("UPDATE variants SET stock = stock - 1 WHERE id = ?", (variant,))
        assert read() == (before[0] - 1, before[1] - 1)
        assert not any(key[0] == "outer" for key in memo.entries if isinstance(key, tuple))
    finally:
        env.close()
