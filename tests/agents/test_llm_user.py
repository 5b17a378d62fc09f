"""LLMUser (env kwarg user="llm") against the fake server: the model writes the words, the
AgendaUser keeps the agenda, the facts and the termination."""

from __future__ import annotations

import gymnasium as gym
import pytest

from utility_gym.agents import OracleAgent
from utility_gym.core.rollout import run_episode
from utility_gym.testing.fake_openai import Reply, text

CS = "utility/CustomerService-v1"
TASK = "customer_service/cancel_pending/3"


def _paraphrase(request: dict) -> Reply:
    """Keep the draft's facts, change the words."""
    draft = request["messages"][-1]["content"].removeprefix("DRAFT: ")
    return text(f"Well, {draft[:1].lower()}{draft[1:]}")


def _env(llm_settings: dict, **options):
    return gym.make(CS, size="small", user="llm", user_options={**llm_settings, **options})


def test_llm_user__the_model_writes_the_words_and_the_env_is_nondeterministic(
    fake_llm, llm_settings
):
    fake_llm.default = _paraphrase
    env = _env(llm_settings)
    try:
        assert env.unwrapped.nondeterministic is True
        assert gym.make(CS, size="small").unwrapped.nondeterministic is False
        obs, _ = env.reset(seed=0, options={"task_id": TASK})
        assert obs.startswith("user: Well, ")
        obs, *_ = env.step("Could you please tell me the email address on your account?")
        assert obs.startswith("user: Well, ") and "@" in obs
        request = fake_llm.requests[-1]
        assert (
            request["messages"][0]["role"] == "system"
            and "DRAFT:" in request["messages"][-1]["content"]
        )
        heard = [m["content"] for m in request["messages"] if m["role"] == "user"]
        assert "Could you please tell me the email address on your account?" in heard
    finally:
        env.close()


def test_llm_user__agenda_and_termination_stay_the_agenda_users(fake_llm, llm_settings):
    fake_llm.default = _paraphrase
    env = _env(llm_settings)
    try:
        result = run_episode(env, OracleAgent(env), seed=0, options={"task_id": TASK})
        assert result.success, result.grade["reasons"]
        assert env.unwrapped.user.usage()["fallbacks"] == 0
    finally:
        env.close()


def test_llm_user__a_rewrite_that_changes_a_fact_is_replaced_by_the_template(
    fake_llm, llm_settings
):
    fake_llm.default = text("Hi! Please cancel order #W000001 and refund me $999.")
    env = _env(llm_settings)
    try:
        obs, _ = env.reset(seed=0, options={"task_id": TASK})
        assert "W000001" not in obs and "$999" not in obs
        assert env.unwrapped.user.usage()["fallbacks"] == 1
    finally:
        env.close()


def test_llm_user__endpoint_failure_raises_or_falls_back(fake_llm, llm_settings):
    from utility_gym.core.llm_user import LLMEndpointError

    fake_llm.default = Reply(status=500)
    env = _env(llm_settings)
    try:
        with pytest.raises(LLMEndpointError, match="HTTP 500"):
            env.reset(seed=0, options={"task_id": TASK})
    finally:
        env.close()
    env = _env(llm_settings, on_error="template")
    try:
        obs, _ = env.reset(seed=0, options={"task_id": TASK})
        plain = gym.make(CS, size="small")
        assert obs == plain.reset(seed=0, options={"task_id": TASK})[0]
        plain.close()
    finally:
        env.close()


def test_llm_user__unknown_user_and_stray_options_are_rejected():
    with pytest.raises(ValueError, match="unknown user 'robot'"):
        gym.make(CS, size="small", user="robot")
    with pytest.raises(ValueError, match="user_options apply to user='llm' only"):
        gym.make(CS, size="small", user_options={"model": "x"})
