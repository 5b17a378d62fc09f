"""The simulated user judges content, not phrasing: the oracle speaking in six voices written
blind scores 100 % on every split; bare go-aheads, wrong details and unearned refusals fail."""

from __future__ import annotations

import collections

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.core.rollout import run_episode
from utility_gym.testing import validity
from utility_gym.testing.oracle_speech import VOICES, VoicedOracle, meaning
from utility_gym.testing.proposals import (
    bare_proposal_survivors,
    unearned_refusal_survivors,
    wrong_detail_cases,
)

DIALOGUE_ENVS = ("utility/CustomerService-v1", "utility/Ticketing-v1", "utility/WebShop-v1")
TEXT_ENVS = (*DIALOGUE_ENVS, "utility/TicketingQueue-v0")


CONFIRMING_ENVS = DIALOGUE_ENVS[:2]  # whose writes need the user's confirmation
_ENVS: dict[str, gym.Env] = {}


def _env(text_env: str) -> gym.Env:
    if text_env not in _ENVS:
        _ENVS[text_env] = gym.make(text_env, split="test")
    return _ENVS[text_env]


@pytest.fixture(scope="module", autouse=True)
def _close_envs():
    yield
    for e in _ENVS.values():
        e.close()
    _ENVS.clear()


def _split_ids(env: gym.Env, split: str, per_template: int = 2) -> list[str]:
    domain = env.unwrapped.domain
    if split == "test":
        return env.unwrapped.task_ids("test")
    if split == "heldout":
        return validity.heldout_task_ids(env, per_template)
    return [
        f"{domain.name}/{t.name}/{s}"
        for t in domain.templates
        if not t.heldout
        for s in range(per_template)
    ]


@pytest.mark.parametrize("text_env", TEXT_ENVS)
@pytest.mark.parametrize("split", ["test", "train", "heldout"])
def test_user__oracle_succeeds_in_every_voice(text_env, split):
    env = _env(text_env)
    failures = []
    voiced = 0
    for task_id in _split_ids(env, split):
        for voice in VOICES:
            result = run_episode(
                env,
                VoicedOracle(env, voice),
                seed=validity.ORACLE_SEED,
                options={"task_id": task_id},
            )
            if not result.success:
                failures.append((voice, task_id, result.grade["reasons"][:2]))
        task = env.unwrapped.task
        voiced += sum(s.say is not None for s in task.plan)
    assert not failures, failures[:5]
    if env.spec.id != "utility/TicketingQueue-v0":  # the queue has no conversation to voice
        assert voiced > 0


@pytest.mark.parametrize("text_env", DIALOGUE_ENVS)
def test_user__voices_say_the_same_content_differently(text_env):
    env = _env(text_env)
    task_id = next(
        t
        for t in _split_ids(env, "test")
        if any(s.say is not None for s in validity.task_at(env, t).plan)
    )
    task = validity.task_at(env, task_id)
    said = [i for i, s in enumerate(task.plan) if s.say is not None]
    texts = set()
    for voice in VOICES:
        agent = VoicedOracle(env, voice)
        env.reset(options={"task_id": task_id})
        agent.reset()
        texts.add(tuple(a for a in agent._queue if isinstance(a, str)))
    assert len(texts) == len(VOICES)  # six different wordings of one plan
    assert {meaning(task, i, env).kind for i in said} - {"other"}


@pytest.mark.parametrize("text_env", TEXT_ENVS)
@pytest.mark.parametrize("agent", ["refuse-everything", "bare-confirm"])
def test_user__constant_refusal_and_bare_go_ahead_agents_score_zero(text_env, agent):
    env = _env(text_env)
    ids = _split_ids(env, "test")
    passed = validity.degenerate_successes(env, ids, validity.DEGENERATE_AGENTS[agent](env))
    assert passed.checked == len(ids) == 100
    assert not passed, passed[:5]


@pytest.mark.parametrize("text_env", CONFIRMING_ENVS)
def test_user__bare_go_ahead_confirms_nothing(text_env):
    env = _env(text_env)
    survived = bare_proposal_survivors(env, _split_ids(env, "test"))
    assert survived.checked >= 40
    assert not survived, survived[:5]


@pytest.mark.parametrize("text_env", DIALOGUE_ENVS)
def test_user__a_refusal_counts_only_after_the_policy_checks_and_with_its_reason(text_env):
    env = _env(text_env)
    survived = unearned_refusal_survivors(env, _split_ids(env, "test"))
    assert survived.checked >= 5
    assert not survived, survived[:5]


@pytest.mark.parametrize("text_env", CONFIRMING_ENVS)
def test_user__wrong_detail_is_refused_and_corrected(text_env):
    env = _env(text_env)
    cases = wrong_detail_cases(env, _split_ids(env, "test"))
    kinds = collections.Counter(c.kind for c in cases)
    assert len(cases) >= 30 and len(kinds) >= 3, kinds
    named = [c for c in cases if c.denied and c.named]
    assert len(named) >= 0.95 * len(cases), [c for c in cases if not c.named][:5]
    assert all(c.recovered for c in cases), [c for c in cases if not c.recovered][:5]
