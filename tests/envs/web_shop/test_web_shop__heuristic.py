"""WebShopHeuristicAgent: a policy-following baseline that reads only observations and info."""

from __future__ import annotations

import inspect

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents.heuristic_web_shop import WebShopHeuristicAgent
from utility_gym.core.rollout import run_episode


@pytest.fixture(scope="module")
def env():
    e = gym.make("utility/WebShop-v1", split="test", reward_mode="partial")
    yield e
    e.close()


class _Guard:
    """An env proxy that fails the test if the agent reaches for private state."""

    def __getattr__(self, name):
        raise AssertionError(f"the heuristic agent touched env.{name}")


def test_web_shop__heuristic_agent_solves_most_test_tasks(env):
    ids = env.unwrapped.task_ids("test")
    successes = 0
    for task_id in ids:
        agent = WebShopHeuristicAgent()
        agent.env = _Guard()  # it has no env; make sure nothing ever looks for one
        result = run_episode(env, agent, seed=7, options={"task_id": task_id})
        successes += result.success
    assert successes >= 85, successes


def test_web_shop__heuristic_agent_asks_before_buying_when_an_option_is_missing(env):
    task_id = next(t for t in env.unwrapped.task_ids("test") if "/ask_option/" in t)
    result = run_episode(
        env, WebShopHeuristicAgent(), seed=7, options={"task_id": task_id}, record=True
    )
    actions = [s["action"] for s in result.steps if "action" in s]
    first_buy = next(i for i, a in enumerate(actions) if a == "click[Buy Now]")
    assert any(isinstance(a, str) and a.endswith("?") for a in actions[:first_buy])
    assert result.success


def test_web_shop__heuristic_agent_leaves_headroom_on_the_heldout_split(env):
    """Written against the train templates only, it solves the old held-out kinds of request
    (they resemble train ones) and fails the new ones: a price per unit it does not work out,
    a misremembered price it does not correct, a total asked in words it does not know."""
    from utility_gym.testing import validity

    by_template: dict[str, list[bool]] = {}
    for task_id in validity.heldout_task_ids(env, 4):
        result = run_episode(env, WebShopHeuristicAgent(), seed=7, options={"task_id": task_id})
        by_template.setdefault(task_id.split("/")[1], []).append(result.success)
    rate = sum(map(sum, by_template.values())) / sum(map(len, by_template.values()))
    assert rate <= 0.6, by_template
    assert sum(by_template["gift_for_relative"] + by_template["price_range"]) >= 6, by_template
    assert not any(by_template["misstated_price"] + by_template["three_for_an_event"]), by_template


def test_web_shop__heuristic_agent_learns_brands_from_the_page_not_the_generator():
    import utility_gym.agents.heuristic_web_shop as module

    source = inspect.getsource(module)
    assert "BRANDS" not in source and "generator" not in source.split('"""', 2)[2]


NEW_TRAIN = (
    "cart_budget",
    "total_then_buy",
    "cheaper_of_two",
    "fallback_if_over",
    "ask_which_brand",
)


@pytest.mark.parametrize("template", NEW_TRAIN)
def test_web_shop__heuristic_agent_solves_the_new_train_templates(env, template):
    ids = [t for t in env.unwrapped.task_ids("test") if f"/{template}/" in t]
    runs = [run_episode(env, WebShopHeuristicAgent(), seed=7, options={"task_id": t}) for t in ids]
    wins = sum(r.success for r in runs)
    assert wins >= 0.75 * len(ids), (template, wins, len(ids))
