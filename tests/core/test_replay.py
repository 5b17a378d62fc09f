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


def _reference_expected(spans, n_intents, ignored):
    """``Replayer._expected`` as it was written first: graded facts of each span, recomputed."""
    from utility_gym.core.world import change_facts

    def graded(span):
        return frozenset(f for f in change_facts(span) if (f[0], f[2]) not in ignored)

    return [graded(s) for s in spans[:n_intents]], graded(spans[-1])


def test_replay__expected_facts_are_the_graded_facts_of_each_span():
    """``_expected`` reuses an intent's facts for the whole plan when the plan's changes are that
    intent's own objects, and skips the grading filter for changes of tables with no ignored
    column: the result is always the graded facts of every span, as computed from scratch."""
    from utility_gym.core.replay import Replayer
    from utility_gym.core.world import RowChange

    ignored = frozenset({("cart", "note"), ("cart", "seen_at")})
    # _expected reads only the ignored columns: no template or toolbox needed
    replayer = Replayer(None, None, rollback_reset=True, ignored_columns=ignored)
    order = RowChange("orders", "O1", "insert", None, {"id": "O1", "total": 10.004999, "n": 2})
    stock = RowChange("stock", "P1", "update", {"q": 3, "x": 1.0}, {"q": 1, "x": 1.0})
    cart = RowChange("cart", "7", "update", {"note": "a", "qty": 1}, {"note": "b", "qty": 2})
    noted = RowChange("cart", "8", "update", {"note": "a"}, {"note": "b"})  # only ignored columns
    gone = RowChange("cart", "9", "delete", {"note": "a"}, None)
    other = RowChange("stock", "P1", "update", {"q": 3, "x": 1.0}, {"q": 0, "x": 1.0})
    cases = [
        ([[order, stock], [order, stock]], 1),  # one intent makes all: the same objects
        ([[], [order, stock], [order, stock]], 2),
        ([[order], [stock], [order, stock]], 2),  # the plan's changes are two intents'
        ([[cart], [noted], [cart, noted]], 2),  # ignored columns, with and without others
        ([[noted], [noted]], 1),
        ([[gone, order], [stock], [gone, order, stock]], 2),
        ([[stock], [other], [other]], 2),  # an equal-length intent of other objects
        ([[], []], 1),
        ([[]], 0),
    ]
    for spans, n in cases:
        expected = replayer._expected(spans, n)
        per_intent, whole = _reference_expected(spans, n, ignored)
        assert list(expected.per_intent) == per_intent, spans
        assert expected.changes == whole, spans
    replayer.ignored_columns = frozenset({("stock", "q")})  # a changed set is read anew
    per_intent, whole = _reference_expected([[stock], [stock]], 1, replayer.ignored_columns)
    assert replayer._expected([[stock], [stock]], 1).changes == whole == per_intent[0]
    assert whole == frozenset()  # its one changed column is ignored now
