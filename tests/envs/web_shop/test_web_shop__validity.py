"""Benchmark validity over the whole test split of WebShop-v0 (the default 1,000-product world).

The oracle must buy the exact target of every task; degenerate agents, a random agent and
mutated oracle plans must fail wherever the task needs something else.
"""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import numpy as np
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import (
    AgreeToEverythingAgent,
    DoNothingAgent,
    OracleAgent,
    RandomAgent,
    RefuseEverythingAgent,
    TransferAtOnceAgent,
)
from utility_gym.core.rollout import run_episode
from utility_gym.core.tasks import ToolCall

ENV_ID = "utility/WebShop-v0"


@pytest.fixture(scope="module")
def env():
    e = gym.make(ENV_ID, split="test", reward_mode="partial")
    yield e
    e.close()


@pytest.fixture(scope="module")
def test_ids(env):
    return env.unwrapped.task_ids("test")


def _task(env, task_id):
    env.reset(options={"task_id": task_id})
    return env.unwrapped.task


def _buys(task) -> bool:
    return bool(task.extras.get("targets"))


def test_web_shop__test_split_has_100_tasks_from_every_train_template(env, test_ids):
    assert len(test_ids) == 100 == len(set(test_ids))
    templates = {_task(env, t).template for t in test_ids}
    assert templates == {t.name for t in env.unwrapped.domain.templates if not t.heldout}
    assert len(env.unwrapped.domain.templates) >= 12


def test_web_shop__every_purchase_task_expects_exactly_one_order_of_its_target(env, test_ids):
    for task_id in test_ids:
        task = _task(env, task_id)
        changes = env.unwrapped.expected(task).changes
        orders = {pk for table, pk, col, _ in changes if table == "orders"}
        bought = {v for table, _, col, v in changes if table == "order_items" and col == "product_id"}
        if _buys(task):
            assert len(orders) == 1, (task_id, orders)
            assert bought == {t["product_id"] for t in task.extras["targets"]}, task_id
        else:
            assert not changes, (task_id, changes)


def test_web_shop__oracle_buys_the_exact_target_of_every_test_task(env, test_ids):
    failures = []
    for task_id in test_ids:
        result = run_episode(env, OracleAgent(env), seed=7, options={"task_id": task_id})
        if not result.success or (_buys(env.unwrapped.task) and result.reward != 1.0):
            failures.append((task_id, result.reward, result.grade.get("reasons")))
    assert not failures, failures[:5]


def test_web_shop__oracle_solves_heldout_tasks(env):
    for template in [t for t in env.unwrapped.domain.templates if t.heldout]:
        for seed in range(5):
            result = run_episode(env, OracleAgent(env), seed=seed, options={"task_id": f"web_shop/{template.name}/{seed}"})
            assert result.success, (template.name, seed, result.grade["reasons"])


def _needs_more_than_refusal(task) -> bool:
    return _buys(task)


@pytest.mark.parametrize(
    "make_agent, applies",
    [
        (lambda env: DoNothingAgent(), lambda task: True),
        (lambda env: RefuseEverythingAgent(), _needs_more_than_refusal),
        (lambda env: TransferAtOnceAgent(), lambda task: True),
        (lambda env: AgreeToEverythingAgent(env), lambda task: True),
        (lambda env: RandomAgent(seed=1), _needs_more_than_refusal),
    ],
    ids=["do-nothing", "refuse-everything", "transfer-at-once", "agree-to-everything", "random"],
)
def test_web_shop__degenerate_agents_fail(env, test_ids, make_agent, applies):
    agent = make_agent(env)
    wrongly_passed = []
    checked = 0
    for task_id in test_ids:
        result = run_episode(env, agent, seed=11, options={"task_id": task_id})
        if applies(env.unwrapped.task):
            checked += 1
            if result.success:
                wrongly_passed.append(task_id)
    assert checked >= 80
    assert not wrongly_passed, wrongly_passed[:5]


class _RandomValidActionAgent:
    """Uniform over ``info["valid_actions"]`` (templates filled with words seen on the page)."""

    name = "random-valid"

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def reset(self) -> None:
        pass

    def act(self, obs, info):
        actions = info.get("valid_actions") or ["back"]
        action = actions[int(self.rng.integers(len(actions)))]
        if action == "search[<query>]":
            words = [w for w in obs.replace("[", " ").replace("]", " ").split() if w.isalpha()]
            picked = self.rng.choice(words, size=min(3, len(words)), replace=False) if words else ["shoes"]
            return f"search[{' '.join(picked)}]"
        if action == "ask[<question>]":
            return "ask[What size would you like?]"
        return action


def test_web_shop__random_agent_over_valid_actions_scores_about_zero(env, test_ids):
    agent = _RandomValidActionAgent(seed=5)
    successes = 0
    scores = []
    for task_id in test_ids:
        result = run_episode(env, agent, seed=13, options={"task_id": task_id})
        if _buys(env.unwrapped.task):
            successes += result.success
            scores.append(result.reward)
    assert successes == 0
    assert float(np.mean(scores)) < 0.15, np.mean(scores)


def test_web_shop__oracle_with_an_essential_step_dropped_fails(env, test_ids):
    survived = []
    for task_id in test_ids:
        task = _task(env, task_id)
        for i, step in enumerate(task.plan):
            if not step.essential:
                continue
            result = run_episode(env, OracleAgent(env, skip=[i]), seed=3, options={"task_id": task_id})
            if result.success:
                survived.append((task_id, i, step.say or step.call.name))
    assert not survived, survived[:5]


def _mutations(name: str, value: str) -> list[str]:
    out = [value + "9", value[::-1]]
    if name == "select":
        dim, _, v = value.partition(": ")
        out.append(f"{dim}: {v}x")
    return out


def test_web_shop__oracle_with_an_argument_changed_fails(env, test_ids):
    survived = []
    mutated = 0
    for task_id in test_ids:
        task = _task(env, task_id)
        for i, step in enumerate(task.plan):
            if step.call is None or step.call.name not in ("click", "select"):
                continue
            for arg, value in step.call.arguments.items():
                for new in _mutations(step.call.name, value):
                    args = dict(step.call.arguments) | {arg: new}
                    replaced = dataclasses.replace(step, call=ToolCall(step.call.name, args))
                    result = run_episode(env, OracleAgent(env, replace={i: replaced}), seed=3, options={"task_id": task_id})
                    mutated += 1
                    if result.success:
                        survived.append((task_id, step.call.name, arg, new))
    assert mutated >= 300
    assert not survived, survived[:5]


def test_web_shop__buying_a_wrong_option_is_partial_credit_not_success(env, test_ids):
    seen = 0
    for task_id in test_ids:
        task = _task(env, task_id)
        if task.template != "attributes_budget":
            continue
        steps = list(task.plan)
        index = next(i for i, s in enumerate(steps) if s.call is not None and s.call.name == "select")
        dim, _, value = steps[index].call.arguments["option"].partition(": ")
        env.reset(options={"task_id": task_id})
        for step in steps[:index]:
            env.step(step.action())
        others = [e.label for e in env.unwrapped.page().elements if e.option == dim and e.label != value]
        env.step(f"select[{dim}: {others[0]}]")
        for step in steps[index + 1 :]:
            _, reward, terminated, _, info = env.step(step.action())
        grade = info["grade"]
        assert terminated and not grade["success"]
        assert 0.4 < reward < 1.0, (task_id, reward, grade["purchase"])
        assert any(dim in item["notes"] for item in grade["purchase"]["items"])
        seen += 1
    assert seen >= 3
