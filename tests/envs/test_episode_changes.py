"""The changes an episode made, as each simulated-user turn reads them (``UtilityEnv._actual``):
no read of the change log while the episode has written nothing, the writes once it has."""

from __future__ import annotations

import gymnasium as gym

import utility_gym  # noqa: F401  (registers the envs)


def test_episode_changes__read_only_after_a_write():
    env = gym.make("utility/CustomerService-v1", size="small")
    try:
        env.reset(seed=3)
        u = env.unwrapped
        statements: list[str] = []
        u.world.conn.set_trace_callback(statements.append)
        env.step("Hello! How can I help you today?")
        assert u._actual() == frozenset()
        assert not any("_changes" in s for s in statements)  # nothing written: not read
        u.world.conn.set_trace_callback(None)
        u.world.conn.execute("SAVEPOINT t")
        u.world.conn.execute("UPDATE orders SET status = 'cancelled' WHERE rowid = 1")
        assert any(f[0] == "orders" for f in u._actual())  # a write is seen at once
        u.world.conn.execute("ROLLBACK TO t")
        u.world.conn.execute("RELEASE t")
        assert u._actual() == frozenset()  # and its undoing too
    finally:
        env.close()
