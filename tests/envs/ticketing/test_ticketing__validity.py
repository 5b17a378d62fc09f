"""Benchmark validity over the whole test split of Ticketing-v1 (the leaderboard's default world).

The oracle must solve every task; degenerate agents and mutated oracle plans must fail
wherever the task needs something else.
"""

from __future__ import annotations

import gymnasium as gym
import pytest

from utility_gym.agents import OracleAgent, RandomAgent
from utility_gym.core.rollout import run_episode
from utility_gym.testing import validity

ENV_ID = "utility/Ticketing-v1"
# The agent's own words, graded by presence (the tools require them), never by value.
FREE_TEXT = {
    "short_description",
    "description",
    "public_note",
    "justification",
    "reason",
    "summary",
    "body",
}


def test_ticketing__test_split_has_100_tasks_from_every_train_template(env, test_ids):
    assert len(test_ids) == 100 == len(set(test_ids))
    domain = env.unwrapped.domain
    assert validity.templates_of(env, test_ids) == validity.train_templates(env)
    assert len(domain.templates) >= 14 and sum(t.heldout for t in domain.templates) >= 3


def test_ticketing__oracle_solves_every_test_task(env, test_ids):
    failures = validity.oracle_failures(env, test_ids)
    assert not failures, failures[:5]


def test_ticketing__oracle_solves_heldout_tasks(env):
    failures = validity.heldout_oracle_failures(env, per_template=4)
    assert not failures, failures[:5]


def test_ticketing__several_tasks_expect_a_ticket_in_an_exact_state(env, test_ids):
    exact = set()
    for task_id in test_ids:
        task = validity.task_at(env, task_id)
        changes = env.unwrapped.expected(task).changes
        columns = {(table, column) for table, _, column, _ in changes}
        if {
            ("tickets", c) for c in ("category", "priority", "assignment_group", "status")
        } <= columns:
            exact.add(task.template)
    assert len(exact) >= 5, exact


# The random agent has a test of its own: it may solve a refusal task by luck.
@pytest.mark.parametrize("agent", [a for a in validity.DEGENERATE_AGENTS if a != "random"])
def test_ticketing__degenerate_agents_fail(env, test_ids, agent):
    applies = validity.needs_more_than_refusal if agent == "refuse-everything" else None
    wrongly_passed = validity.degenerate_successes(
        env, test_ids, validity.DEGENERATE_AGENTS[agent](env), applies
    )
    assert wrongly_passed.checked >= 80
    assert not wrongly_passed, wrongly_passed[:5]


def test_ticketing__random_agent_succeeds_only_by_chance_on_a_short_task(env, test_ids):
    # Uniform over admissible actions, it may look a ticket up and quote it, or refuse with the
    # policy's words: a whole solution of one or two steps, by chance. Nothing longer.
    passed = validity.degenerate_successes(env, test_ids, RandomAgent(seed=1))
    assert len(passed) <= 5, passed
    assert all(validity.short_task(validity.task_at(env, t)) for t in passed), passed


def test_ticketing__oracle_with_an_essential_step_dropped_fails(env, test_ids):
    survived = validity.dropped_step_survivors(env, test_ids)
    assert survived.checked >= 300
    assert not survived, survived[:5]


def test_ticketing__oracle_with_a_write_argument_changed_fails(env, test_ids):
    survived = validity.mutated_argument_survivors(env, test_ids, free_text=FREE_TEXT)
    assert survived.checked >= 300
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
