"""The oracle replay that gives a task's expected changes skips pure look-ups, and loses nothing by
it."""

from __future__ import annotations

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401  (registers utility/*)
from utility_gym.testing import fast_kwargs

ENVS = ["utility/CustomerService-v1", "utility/Ticketing-v1", "utility/TicketingQueue-v0"]


@pytest.mark.parametrize("rollback_env", ENVS)
def test_replay__changes_only_skips_pure_look_ups_with_the_same_expected_changes(rollback_env):
    env = gym.make(rollback_env, **fast_kwargs(rollback_env))
    u = env.unwrapped
    calls: list[str] = []
    real_call = u.toolbox.call

    def counting(ctx, name, arguments, **options):
        calls.append(name)
        return real_call(ctx, name, arguments, **options)

    u.toolbox.call = counting
    skipped = 0
    try:
        for task_id in u.task_ids("test")[:40]:
            env.reset(options={"task_id": task_id})
            task = u.task
            calls.clear()
            full = u.replayer.replay(task, u.template.data).expected
            everything = list(calls)
            calls.clear()
            lean = u.replayer.replay(task, u.template.data, changes_only=True).expected
            assert lean == full, task_id
            pure = [n for n in everything if u.toolbox.tools[n].pure]
            assert calls == [n for n in everything if not u.toolbox.tools[n].pure], task_id
            skipped += len(pure)
    finally:
        env.close()
    assert skipped > 0  # the test split has look-ups to skip
