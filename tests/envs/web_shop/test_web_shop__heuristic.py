"""WebShopHeuristicAgent: a policy-following baseline that reads only observations and info."""

from __future__ import annotations

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents.heuristic_web_shop import WebShopHeuristicAgent
from utility_gym.core.rollout import run_episode


@pytest.fixture(scope="module")
def env():
    e = gym.make("utility/WebShop-v0", split="test", reward_mode="partial")
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
    result = run_episode(env, WebShopHeuristicAgent(), seed=7, options={"task_id": task_id}, record=True)
    actions = [s["action"] for s in result.steps if "action" in s]
    first_buy = next(i for i, a in enumerate(actions) if a == "click[Buy Now]")
    assert any(isinstance(a, str) and a.endswith("?") for a in actions[:first_buy])
    assert result.success


def test_web_shop__heuristic_agent_works_in_the_heldout_split():
    env = gym.make("utility/WebShop-v0", split="heldout", size="default")
    try:
        wins = sum(run_episode(env, WebShopHeuristicAgent(), seed=s).success for s in range(12))
        assert wins >= 8, wins
    finally:
        env.close()
