"""Benchmark validity over the whole test split of Ticketing-v0 (the leaderboard's default world).

The oracle must solve every task; degenerate agents and mutated oracle plans must fail
wherever the task needs something else.
"""

from __future__ import annotations

import dataclasses

import gymnasium as gym
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

ENV_ID = "utility/Ticketing-v0"
# The agent's own words, graded by presence (the tools require them), never by value.
FREE_TEXT = {"short_description", "description", "public_note", "justification", "reason", "summary", "body"}


@pytest.fixture(scope="module")
def env():
    e = gym.make(ENV_ID, split="test")
    yield e
    e.close()


@pytest.fixture(scope="module")
def test_ids(env):
    return env.unwrapped.task_ids("test")


def _task(env, task_id):
    env.reset(options={"task_id": task_id})
    return env.unwrapped.task


def test_ticketing__test_split_has_100_tasks_from_every_train_template(env, test_ids):
    assert len(test_ids) == 100 == len(set(test_ids))
    templates = {_task(env, t).template for t in test_ids}
    domain = env.unwrapped.domain
    assert templates == {t.name for t in domain.templates if not t.heldout}
    assert len(domain.templates) >= 14 and sum(t.heldout for t in domain.templates) >= 3


def test_ticketing__oracle_solves_every_test_task(env, test_ids):
    failures = []
    for task_id in test_ids:
        result = run_episode(env, OracleAgent(env), seed=7, options={"task_id": task_id})
        if not result.success:
            failures.append((task_id, result.grade.get("reasons")))
    assert not failures, failures[:5]


def test_ticketing__oracle_solves_heldout_tasks(env):
    for template in [t for t in env.unwrapped.domain.templates if t.heldout]:
        for seed in range(4):
            result = run_episode(env, OracleAgent(env), seed=seed, options={"task_id": f"ticketing/{template.name}/{seed}"})
            assert result.success, (template.name, seed, result.grade["reasons"])


def test_ticketing__several_tasks_expect_a_ticket_in_an_exact_state(env, test_ids):
    exact = set()
    for task_id in test_ids:
        task = _task(env, task_id)
        changes = env.unwrapped.expected(task).changes
        columns = {(table, column) for table, _, column, _ in changes}
        if {("tickets", c) for c in ("category", "priority", "assignment_group", "status")} <= columns:
            exact.add(task.template)
    assert len(exact) >= 5, exact


def _needs_more_than_refusal(task) -> bool:
    return any(i.outcome != "refuse" or i.facts for i in task.goal.intents)


@pytest.mark.parametrize(
    "make_agent, applies",
    [
        (lambda env: DoNothingAgent(), lambda task: True),
        (lambda env: RefuseEverythingAgent(), _needs_more_than_refusal),
        (lambda env: TransferAtOnceAgent(), lambda task: True),
        (lambda env: AgreeToEverythingAgent(env), lambda task: True),
    ],
    ids=["do-nothing", "refuse-everything", "transfer-at-once", "agree-to-everything"],
)
def test_ticketing__degenerate_agents_fail(env, test_ids, make_agent, applies):
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


def test_ticketing__random_agent_succeeds_only_by_a_lucky_refusal(env, test_ids):
    # Uniform over admissible actions, it may look an asset up and then refuse, quoting the
    # lookup: the right outcome of a refusal task, by chance. It must never solve anything else.
    agent = RandomAgent(seed=1)
    passed = [t for t in test_ids if run_episode(env, agent, seed=11, options={"task_id": t}).success]
    templates = {env.unwrapped.domain.template(t.split("/")[1]) for t in passed}
    assert len(passed) <= 5, passed
    assert all("policy-refusal" in t.tags for t in templates), passed


def test_ticketing__oracle_with_an_essential_step_dropped_fails(env, test_ids):
    survived = []
    dropped = 0
    for task_id in test_ids:
        task = _task(env, task_id)
        for i, step in enumerate(task.plan):
            if not step.essential:
                continue
            dropped += 1
            result = run_episode(env, OracleAgent(env, skip=[i]), seed=3, options={"task_id": task_id})
            if result.success:
                survived.append((task_id, i, step.say or step.call.name))
    assert dropped >= 300
    assert not survived, survived[:5]


def _mutations(value, schema):
    if "enum" in schema:
        return [v for v in schema["enum"] if v != value][:1]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int | float):
        return [value + 1]
    if isinstance(value, str):
        return [value + "9", value[::-1]]
    return []


def test_ticketing__oracle_with_a_write_argument_changed_fails(env, test_ids):
    toolbox = env.unwrapped.toolbox
    survived = []
    mutated = 0
    for task_id in test_ids:
        task = _task(env, task_id)
        for i, step in enumerate(task.plan):
            if step.call is None or not toolbox.tools[step.call.name].writes:
                continue
            schema = toolbox.tools[step.call.name].schema["function"]["parameters"]["properties"]
            for arg, value in step.call.arguments.items():
                if arg in FREE_TEXT and "enum" not in schema[arg]:
                    continue
                for new in _mutations(value, schema[arg]):
                    args = dict(step.call.arguments) | {arg: new}
                    replaced = dataclasses.replace(step, call=ToolCall(step.call.name, args))
                    result = run_episode(env, OracleAgent(env, replace={i: replaced}), seed=3, options={"task_id": task_id})
                    mutated += 1
                    if result.success:
                        survived.append((task_id, step.call.name, arg, new))
    assert mutated >= 300
    assert not survived, survived[:5]


def test_ticketing__same_task_same_transcript_in_small_and_repeated_runs():
    env = gym.make(ENV_ID, size="small", split="test")
    try:
        task_id = env.unwrapped.task_ids("test")[3]
        a = run_episode(env, OracleAgent(env), seed=5, options={"task_id": task_id}, record=True)
        b = run_episode(env, OracleAgent(env), seed=5, options={"task_id": task_id}, record=True)
        assert a.success and a.steps == b.steps
    finally:
        env.close()
