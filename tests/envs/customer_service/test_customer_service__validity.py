"""Benchmark validity over the whole test split of CustomerService-v1.

The oracle must solve every task; degenerate agents and mutated oracle plans must fail
wherever the task needs something else.
"""

from __future__ import annotations

import pytest

from utility_gym.testing import validity

ENV_ID = "utility/CustomerService-v1"
# The agents that could succeed by refusing, where refusing is the right outcome.
MAY_REFUSE = {"refuse-everything"}


def test_customer_service__test_split_has_100_tasks_from_every_train_template(env, test_ids):
    assert len(test_ids) == 100 == len(set(test_ids))
    assert validity.templates_of(env, test_ids) == validity.train_templates(env)
    assert len(env.unwrapped.domain.templates) >= 12


def test_customer_service__oracle_solves_every_test_task(env, test_ids):
    failures = validity.oracle_failures(env, test_ids)
    assert not failures, failures[:5]


def test_customer_service__oracle_solves_heldout_tasks(env):
    failures = validity.heldout_oracle_failures(env, per_template=3)
    assert not failures, failures[:5]


# The random agent has a test of its own: it may stumble on a two-step task by chance.
@pytest.mark.parametrize("agent", [a for a in validity.DEGENERATE_AGENTS if a != "random"])
def test_customer_service__degenerate_agents_fail(env, test_ids, agent):
    applies = validity.needs_more_than_refusal if agent in MAY_REFUSE else None
    wrongly_passed = validity.degenerate_successes(
        env, test_ids, validity.DEGENERATE_AGENTS[agent](env), applies
    )
    assert wrongly_passed.checked >= 80
    assert not wrongly_passed, wrongly_passed[:5]


def test_customer_service__random_agent_succeeds_only_on_a_short_task_by_chance(env, test_ids):
    passed = validity.degenerate_successes(env, test_ids, validity.DEGENERATE_AGENTS["random"](env))
    assert len(passed) <= 5, passed
    assert all(validity.short_task(validity.task_at(env, t)) for t in passed), passed


def test_customer_service__oracle_with_an_essential_step_dropped_fails(env, test_ids):
    survived = validity.dropped_step_survivors(env, test_ids)
    assert not survived, survived[:5]


def test_customer_service__oracle_with_a_write_argument_changed_fails(env, test_ids):
    # The call summary is free text, graded by presence only.
    survived = validity.mutated_argument_survivors(env, test_ids, free_text={"summary"})
    assert survived.checked >= 100
    assert not survived, survived[:5]
