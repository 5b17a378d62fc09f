"""Every table a domain's tools write is either in its change log (``tracked_tables``) or
declared as written without a trace (``Domain.untracked_writes``): a stream's live memo keeps
template results only while the change log says their tables are unchanged, so a table written
silently must be declared for the memo never to keep what reads it."""

from __future__ import annotations

import sqlite3

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import OracleAgent
from utility_gym.core.rollout import run_episode
from utility_gym.core.world import CHANGES_TABLE

WRITES = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}


@pytest.mark.parametrize(
    "text_env",
    [
        "utility/CustomerService-v1",
        "utility/Ticketing-v1",
        "utility/TicketingQueue-v0",
        "utility/WebShop-v1",
    ],
)
def test_domain__every_table_the_tools_write_is_tracked_or_declared(text_env: str) -> None:
    env = gym.make(text_env, size="small")
    u = env.unwrapped
    written: set[str] = set()

    def watch(action: int, table: str | None, *_: object) -> int:
        if action in WRITES and table and not table.startswith("sqlite_"):  # not SQLite's own
            written.add(table)
        return sqlite3.SQLITE_OK

    try:
        env.reset(seed=0)
        u.world.conn.set_authorizer(watch)
        for seed in range(60):  # the oracle's plans: every template's writes, a few times each
            run_episode(env, OracleAgent(env), seed=seed)
        declared = set(u.domain.tracked_tables) | set(u.domain.untracked_writes)
        assert written, "the oracle wrote nothing: the watch is not on the episodes' world"
        assert written - {CHANGES_TABLE} <= declared, sorted(written - declared)
        # And the declaration is not stale: each declared silent table is written.
        assert set(u.domain.untracked_writes) <= written or not u.domain.untracked_writes
    finally:
        u.world.conn.set_authorizer(None)
        env.close()
