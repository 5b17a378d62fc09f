"""Benchmark validity over the whole test split of WebShop-v1 (the default 1,000-product world).

The oracle must buy the exact target of every task; degenerate agents, a random agent and
mutated oracle plans must fail wherever the task needs something else.
"""

from __future__ import annotations

import numpy as np
import pytest

from utility_gym.core.rollout import run_episode
from utility_gym.testing import validity

ENV_ID = "utility/WebShop-v1"
ENV_KWARGS = {"split": "test", "reward_mode": "partial"}


def _buys(task) -> bool:
    return bool(task.extras.get("targets"))


def test_web_shop__test_split_has_100_tasks_from_every_train_template(env, test_ids):
    assert len(test_ids) == 100 == len(set(test_ids))
    assert validity.templates_of(env, test_ids) == validity.train_templates(env)
    assert len(env.unwrapped.domain.templates) >= 12


def test_web_shop__every_purchase_task_expects_exactly_one_order_of_its_target(env, test_ids):
    for task_id in test_ids:
        task = validity.task_at(env, task_id)
        changes = env.unwrapped.expected(task).changes
        orders = {pk for table, pk, col, _ in changes if table == "orders"}
        bought = {
            v for table, _, col, v in changes if table == "order_items" and col == "product_id"
        }
        if _buys(task):
            assert len(orders) == 1, (task_id, orders)
            assert bought == {t["product_id"] for t in task.extras["targets"]}, task_id
        else:
            assert not changes, (task_id, changes)


def test_web_shop__oracle_buys_the_exact_target_of_every_test_task(env, test_ids):
    failures = validity.oracle_failures(
        env, test_ids, accept=lambda result, task: not _buys(task) or result.reward == 1.0
    )
    assert not failures, failures[:5]


def test_web_shop__oracle_solves_heldout_tasks(env):
    failures = validity.heldout_oracle_failures(env, per_template=5)
    assert not failures, failures[:5]


@pytest.mark.parametrize("agent", list(validity.DEGENERATE_AGENTS))
def test_web_shop__degenerate_agents_fail(env, test_ids, agent):
    # Refusing (or wandering at random) is no fault where the task buys nothing.
    applies = _buys if agent in ("refuse-everything", "random") else None
    wrongly_passed = validity.degenerate_successes(
        env, test_ids, validity.DEGENERATE_AGENTS[agent](env), applies
    )
    assert wrongly_passed.checked >= 80
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
            picked = (
                self.rng.choice(words, size=min(3, len(words)), replace=False)
                if words
                else ["shoes"]
            )
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
    survived = validity.dropped_step_survivors(env, test_ids)
    assert not survived, survived[:5]


def _clicks_or_selects(env, step) -> bool:
    return step.call is not None and step.call.name in ("click", "select")


def _mutations(env, call, arg) -> list[str]:
    value = call.arguments[arg]
    out = [value + "9", value[::-1]]
    if call.name == "select":
        dim, _, v = value.partition(": ")
        out.append(f"{dim}: {v}x")
    return out


def test_web_shop__oracle_with_an_argument_changed_fails(env, test_ids):
    survived = validity.mutated_argument_survivors(
        env, test_ids, steps=_clicks_or_selects, mutations=_mutations
    )
    assert survived.checked >= 300
    assert not survived, survived[:5]


def test_web_shop__buying_a_wrong_option_is_partial_credit_not_success(env, test_ids):
    seen = 0
    for task_id in test_ids:
        task = validity.task_at(env, task_id)
        if task.template != "attributes_budget":
            continue
        steps = list(task.plan)
        index = next(
            i for i, s in enumerate(steps) if s.call is not None and s.call.name == "select"
        )
        dim, _, value = steps[index].call.arguments["option"].partition(": ")
        env.reset(options={"task_id": task_id})
        for step in steps[:index]:
            env.step(step.action())
        others = [
            e.label for e in env.unwrapped.page().elements if e.option == dim and e.label != value
        ]
        env.step(f"select[{dim}: {others[0]}]")
        for step in steps[index + 1 :]:
            _, reward, terminated, _, info = env.step(step.action())
        grade = info["grade"]
        assert terminated and not grade["success"]
        assert 0.4 < reward < 1.0, (task_id, reward, grade["purchase"])
        assert any(dim in item["notes"] for item in grade["purchase"]["items"])
        seen += 1
    assert seen >= 3
