"""core/difficulty: tiers from a task's structure alone."""

from __future__ import annotations

import gymnasium as gym

import utility_gym  # noqa: F401
from utility_gym.core.difficulty import TaskShape, confirm_tools_of, describe, shape, tier, tier_of


def _shape(**kw) -> TaskShape:
    base = dict(
        tool_calls=2,
        writes=0,
        objects_written=0,
        objects_touched=1,
        arguments_per_write=0.0,
        conditions=0,
        computed=0,
        misstated=0,
        tool_sequence=(),
        write_kinds=frozenset(),
    )
    return TaskShape(**(base | kw))


def test_difficulty__thresholds():
    assert tier_of(_shape()) == "easy"
    assert tier_of(_shape(tool_calls=3, writes=1, objects_written=1)) == "easy"
    assert tier_of(_shape(tool_calls=4, writes=1, objects_written=1)) == "medium"
    assert tier_of(_shape(conditions=1)) == "medium"
    assert tier_of(_shape(conditions=1, computed=1)) == "hard"
    assert tier_of(_shape(tool_calls=5, writes=3, objects_written=3)) == "hard"
    assert tier_of(_shape(tool_calls=9)) == "hard"


def test_difficulty__is_a_pure_function_of_the_task_and_its_confirmed_tools():
    env = gym.make("utility/CustomerService-v1", split="test")
    confirm = confirm_tools_of(env)
    assert "cancel_pending_order" in confirm and "get_order_details" not in confirm
    moving = env.unwrapped.make_task("cancel_unshipped_except", 1_000_000_000)
    s = shape(moving, confirm)
    assert s.writes >= 3 and s.objects_written >= 3 and s.conditions == 1 and s.computed == 1
    assert (
        tier(moving, confirm)
        == "hard"
        == tier(env.unwrapped.make_task("cancel_unshipped_except", 1_000_000_000), confirm)
    )
    assert describe(moving, confirm).startswith("[hard] ")
    status = env.unwrapped.make_task("order_status", 1_000_000_005)
    assert tier(status, confirm) == "easy"
    env.close()
