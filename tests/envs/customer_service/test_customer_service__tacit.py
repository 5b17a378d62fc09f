"""CustomerService's tacit regularities (envs/customer_service/tacit.py): stream-only tasks whose
value no document states, that a memoryless agent fails and the lesson learner solves."""

from __future__ import annotations

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import OracleAgent
from utility_gym.agents.degenerate import DoNothingAgent, RefuseEverythingAgent
from utility_gym.agents.heuristics import build_heuristic
from utility_gym.agents.lessons import LessonHeuristicAgent
from utility_gym.core.rollout import run_episode
from utility_gym.core.tasks import NoTask
from utility_gym.envs.customer_service.env import DOMAIN
from utility_gym.envs.customer_service.tacit import (
    office_addresses,
    refund_regulars,
    usual_sizes,
)

KINDS = ("refund_preference", "usual_size", "usual_address")
ENV = "utility/CustomerService-v1"


@pytest.fixture(scope="module")
def episodic() -> gym.Env:
    env = gym.make(ENV, size="small")
    yield env
    env.close()


def _rules(env: gym.Env) -> tuple:
    u = env.unwrapped
    db, now = u.world.conn, u.world.now
    return (
        [p["id"] for p in refund_regulars(db, now)],
        {k: v[1] for k, v in usual_sizes(db, now).items()},
        {k: v[1] for k, v in office_addresses(db, now).items()},
    )


def test_domain__lists_three_kinds_outside_every_split() -> None:
    assert tuple(t.name for t in DOMAIN.regularities) == KINDS
    assert all(t.regularity == t.name for t in DOMAIN.regularities)
    assert not set(KINDS) & {t.name for t in DOMAIN.templates}


@pytest.mark.parametrize("kind", KINDS)
def test_oracle__solves_each_kind_in_a_stream_and_alone_and_the_heuristic_fails_the_twin(
    kind: str, episodic: gym.Env
) -> None:
    stream = gym.make(ENV, size="small", mode="stream", stream_length=40)  # a skip uses one
    stream.reset(seed=2)
    seeds = iter(range(100))
    for position in range(1, 5):
        result = _named(stream, kind, seeds)
        task = stream.unwrapped.task
        assert task.template == kind and task.regularity is not None, task.task_id
        assert task.regularity.kind == kind
        assert result.success, (position, result.grade)
        assert task.regularity.lesson in result.feedback  # the colleague's word after the episode
        twin = stream.unwrapped.isolated_options()
        alone = run_episode(episodic, OracleAgent(episodic), options=twin)
        assert alone.success, (position, alone.grade)
        fresh = run_episode(episodic, build_heuristic(episodic, seed=0), options=twin)
        assert not fresh.success, (position, task.task_id)
    stream.close()


def _named(stream: gym.Env, kind: str, seeds) -> object:
    """The oracle's episode of the next seed of ``kind`` the stream can serve at this position
    (a seed whose task would not be the same alone, or finds nothing left, is skipped)."""
    for seed in seeds:
        try:
            options = {"task_id": f"customer_service/{kind}/{seed}"}
            return run_episode(stream, OracleAgent(stream), options=options)
        except NoTask:
            continue
    raise AssertionError(f"no {kind} task could be served")


@pytest.mark.parametrize("kind", KINDS)
def test_memoryless_agents__fail_the_isolated_twin(kind: str, episodic: gym.Env) -> None:
    for seed in range(4):
        options = {"task_id": f"customer_service/{kind}/{seed}"}
        heuristic = run_episode(episodic, build_heuristic(episodic, seed=0), options=options)
        assert not heuristic.success, (seed, heuristic.task_id)
        assert "required write missing" in heuristic.feedback
        assert "A colleague adds: " in heuristic.feedback
        for agent in (DoNothingAgent(), RefuseEverythingAgent()):
            assert not run_episode(episodic, agent, options=options).success


@pytest.mark.parametrize("kind", KINDS)
def test_learner__after_one_failed_hit_solves_a_later_hit_of_the_same_customer(
    kind: str, episodic: gym.Env
) -> None:
    tasks = [episodic.unwrapped.make_task(kind, seed) for seed in range(12)]
    first = tasks[0]
    later = next(t for t in tasks[1:] if t.regularity.key == first.regularity.key)
    other = next(t for t in tasks[1:] if t.regularity.key != first.regularity.key)
    learner = LessonHeuristicAgent(episodic)
    failed = run_episode(episodic, learner, options={"task_id": first.task_id})
    assert not failed.success
    learner.learn(failed)
    assert [(x.kind, x.key) for x in learner.learned] == [(kind, first.regularity.key)]
    learner.reset()
    assert run_episode(episodic, learner, options={"task_id": later.task_id}).success
    learner.reset()  # a lesson about one regular says nothing about another
    assert not run_episode(episodic, learner, options={"task_id": other.task_id}).success


@pytest.mark.parametrize("kind", KINDS)
def test_lesson__is_nowhere_in_the_policy_nor_said_by_the_customer(
    kind: str, episodic: gym.Env
) -> None:
    u = episodic.unwrapped
    for seed in range(4):
        task = u.make_task(kind, seed)
        obs, info = episodic.reset(options={"task_id": task.task_id})
        policy = info["policy"]
        reg = task.regularity
        assert reg.key not in policy and reg.lesson.split(" (customer")[0] not in policy
        value = {
            "refund_preference": "store credit",
            "usual_size": f"size {reg.lesson.split('always takes size ')[-1].split()[0]}",
            "usual_address": reg.lesson.rsplit(": ", 1)[-1].rstrip("."),
        }[kind]
        assert value.lower() not in task.goal.opening.lower() + obs.lower()
        assert value not in str(task.goal.known) + str(task.goal.referred)
        # The customer does not object to a proposal without it: their wants leave it out.
        assert not {"refund_to", "option", "street", "zip"} & {
            v.kind for v in task.goal.intents[0].wants
        }
    assert "store credit" in info["policy"]  # the policy allows it; whom it is for is tacit


def test_rules__same_in_the_live_and_pristine_worlds_and_differ_between_world_seeds() -> None:
    stream = gym.make(ENV, size="small", mode="stream", stream_length=30)
    stream.reset(seed=5)
    pristine = _rules(stream)
    served = []
    for position in range(30):
        run_episode(stream, OracleAgent(stream), seed=5 if position == 0 else None)
        served.append(stream.unwrapped.task.regularity)
    assert sum(r is not None for r in served) >= 3  # the live world took tacit writes too
    assert _rules(stream) == pristine
    other = gym.make(ENV, size="small", world_seed=1)
    other.reset(seed=0)
    assert _rules(other) != pristine
    assert all(2 <= len(rule) <= 3 for rule in pristine)
    stream.close()
    other.close()


def test_streams__the_same_seed_serves_the_same_regularity_tasks() -> None:
    def hits(seed: int) -> list[tuple[int, str, str]]:
        env = gym.make(ENV, size="small", mode="stream", stream_length=30)
        out = []
        for position in range(30):
            run_episode(env, OracleAgent(env), seed=seed if position == 0 else None)
            task = env.unwrapped.task
            if task.regularity is not None:
                out.append((position, task.task_id, task.regularity.lesson))
        env.close()
        return out

    first = hits(11)
    assert first and first == hits(11)
    assert first != hits(12)
