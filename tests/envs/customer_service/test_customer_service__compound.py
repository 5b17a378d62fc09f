"""Compound requests of CustomerService-v1: the simulated customer follows the branch of its
conditional goal that holds in the world, and the tasks are as demanding as their tier says."""

from __future__ import annotations

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.core.difficulty import confirm_tools_of, shape, tier
from utility_gym.envs.customer_service.compound import TEMPLATES as COMPOUND


@pytest.fixture(scope="module")
def env():
    e = gym.make("utility/CustomerService-v1", split="train")
    yield e
    e.close()


def _task(env, template: str, marker: str):
    for seed in range(200):
        task = env.unwrapped.make_task(template, seed)
        if marker in task.summary:
            return task
    raise AssertionError(f"no {template} task with {marker!r}")


def _reply_to(env, task, text: str) -> tuple[str, set[str]]:
    """Play the oracle up to its first proposal, then say ``text`` instead; the user's answer."""
    env.reset(options={"task_id": task.task_id})
    index = next(i for i, s in enumerate(task.plan) if s.say and "Shall I go ahead" in s.say)
    for step in task.plan[:index]:
        env.step(step.action())
    _, _, _, _, info = env.step(text)
    users = [e for e in info["events"] if e["role"] == "user"]
    return " ".join(e["content"] for e in users), {a for e in users for a in e["data"]["acts"]}


def test_compound__the_customer_picks_the_fallback_when_the_variant_is_out_of_stock(env):
    task = _task(env, "exchange_or_return", "out of stock")
    assert task.goal.intents[0].condition and task.goal.intents[0].action == "return"
    text, acts = _reply_to(
        env,
        task,
        "I'm sorry, that version is out of stock. Would you like me to "
        "return it for a refund, or exchange it for another option?",
    )
    assert "choose" in acts and "return" in text.lower()


def test_compound__the_customer_refuses_the_fallback_when_the_variant_is_in_stock(env):
    task = _task(env, "exchange_or_return", "in stock")
    item = next(
        s.call for s in task.plan if s.call and s.call.name == "exchange_delivered_order_items"
    )
    order = item.arguments["order_id"]
    _, acts = _reply_to(
        env,
        task,
        f"I can return that item of order #{order} and refund it to your "
        "original payment method. Shall I go ahead? Please reply yes to confirm.",
    )
    assert "deny" in acts and "affirm" not in acts


def test_compound__a_misstated_tier_is_marked_and_the_proposal_of_the_true_amount_is_accepted(env):
    task = _task(env, "compensation_claimed_tier", "claimed gold")
    first = task.goal.intents[0]
    assert first.misstated == (("tier", "gold"),)
    assert any(f.value == "regular" for f in first.facts)
    order = first.targets[0]
    _, acts = _reply_to(
        env,
        task,
        f"Your account's tier is regular, so I can add $10.00 of store "
        f"credit as compensation for order #{order}. Shall I go ahead? Please reply yes.",
    )
    assert "affirm" in acts


def test_compound__every_compound_train_task_is_at_least_medium(env):
    confirm = confirm_tools_of(env)
    for template in (t for t in COMPOUND if not t.heldout):
        for seed in range(5):
            task = env.unwrapped.make_task(template.name, seed)
            assert tier(task, confirm) in ("medium", "hard"), task.task_id
            s = shape(task, confirm)
            assert s.writes >= 1 and (s.conditions or s.misstated or s.computed), task.task_id
