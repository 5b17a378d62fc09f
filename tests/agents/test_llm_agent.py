"""LLMAgent against a fake OpenAI-compatible server: success, timeout, 5xx, malformed tool calls."""

from __future__ import annotations

import gymnasium as gym
import pytest

from utility_gym.core.rollout import run_episode
from utility_gym.testing.fake_openai import Reply, calls, text

CS = "utility/CustomerService-v1"
TASK = "customer_service/cancel_pending/3"


@pytest.fixture
def env():
    e = gym.make(CS, size="small")
    yield e
    e.close()


def _agent(**settings):
    from utility_gym.agents.llm import LLMAgent

    return LLMAgent(**settings)


def test_llm_agent__plays_tool_calls_and_messages_and_accounts_usage(env, fake_llm, llm_settings):
    fake_llm.push(
        text("Could you please tell me the email address on your account?"),
        lambda req: calls(
            (
                "find_customer_by_email",
                {"email": req["messages"][-1]["content"].split(" is ")[-1].rstrip(".")},
            )
        ),
        calls(("list_orders", {}), ("end_conversation", {})),
    )
    agent = _agent(price_in=1.0, price_out=10.0, **llm_settings)
    result = run_episode(env, agent, seed=0, options={"task_id": TASK}, record=True)
    assert result.turns == 4 and result.error is None
    actions = [s["action"] for s in result.steps[1:]]
    assert actions[0].startswith("Could you please tell me the email")
    assert (
        actions[1]["name"] == "find_customer_by_email" and "@" in actions[1]["arguments"]["email"]
    )
    assert '"verified": true' in result.steps[2]["observation"]
    assert [a["name"] for a in actions[2:]] == ["list_orders", "end_conversation"]
    first = fake_llm.requests[0]
    assert first["model"] == "fake-model" and first["messages"][0]["role"] == "system"
    assert "Northwind" in first["messages"][0]["content"]  # the policy
    assert {t["function"]["name"] for t in first["tools"]} >= {
        "end_conversation",
        "transfer_to_human",
    }
    third = fake_llm.requests[2]["messages"]
    assert (
        third[-1]["role"] == "tool" and third[-1]["tool_call_id"] == "call_0_find_customer_by_email"
    )
    assert len(fake_llm.requests) == 3, (
        "two parallel tool calls are played without asking the model again"
    )
    usage = agent.usage()
    assert (
        usage["requests"] == 3
        and usage["prompt_tokens"] == 300
        and usage["completion_tokens"] == 60
    )
    assert usage["cost_usd"] == pytest.approx((300 * 1.0 + 60 * 10.0) / 1e6)
    assert "api_key" not in agent.config()["llm"]


def test_llm_agent__timeout_raises_endpoint_error_after_retries(env, fake_llm, llm_settings):
    from utility_gym.agents.llm import LLMEndpointError

    fake_llm.push(*[Reply(delay=1.0, message={"role": "assistant", "content": "late"})] * 3)
    agent = _agent(**{**llm_settings, "timeout": 0.2, "max_retries": 1})
    obs, info = env.reset(seed=0, options={"task_id": TASK})
    with pytest.raises(LLMEndpointError, match="timed out") as e:
        agent.act(obs, info)
    assert e.value.attempts == 2
    assert agent.usage()["retries"] == 1 and agent.usage()["failures"] == 1


def test_llm_agent__server_error_marks_the_episode_as_an_error(env, fake_llm, llm_settings):
    fake_llm.push(*[Reply(status=500)] * 3)
    agent = _agent(**llm_settings)
    result = run_episode(env, agent, seed=0, options={"task_id": TASK}, catch_errors=True)
    assert (
        result.error is not None
        and "LLMEndpointError" in result.error
        and "HTTP 500" in result.error
    )
    assert not result.success and len(fake_llm.requests) == 3


def test_llm_agent__a_transient_500_is_retried(env, fake_llm, llm_settings):
    fake_llm.push(Reply(status=503), calls(("end_conversation", {})))
    agent = _agent(**llm_settings)
    result = run_episode(env, agent, seed=0, options={"task_id": TASK})
    assert result.error is None and result.turns == 1
    assert agent.usage()["retries"] == 1 and agent.usage()["failures"] == 0


def test_llm_agent__a_client_error_is_not_retried(env, fake_llm, llm_settings):
    from utility_gym.agents.llm import LLMEndpointError

    fake_llm.push(Reply(status=401))
    agent = _agent(**llm_settings)
    obs, info = env.reset(seed=0, options={"task_id": TASK})
    with pytest.raises(LLMEndpointError, match="HTTP 401") as e:
        agent.act(obs, info)
    assert e.value.status == 401 and len(fake_llm.requests) == 1


def test_llm_agent__unreadable_responses_are_endpoint_errors(env, fake_llm, llm_settings):
    from utility_gym.agents.llm import LLMEndpointError

    fake_llm.push(
        Reply(body=b'{"id": "x", "choices": []}'),
        Reply(body=b"<html>oops</html>"),
        Reply(body=b"{}"),
    )
    agent = _agent(**llm_settings)
    obs, info = env.reset(seed=0, options={"task_id": TASK})
    with pytest.raises(LLMEndpointError):
        agent.act(obs, info)
    assert len(fake_llm.requests) == 3


def test_llm_agent__malformed_tool_call_reaches_the_env_and_the_model_sees_the_error(
    env, fake_llm, llm_settings
):
    fake_llm.push(
        calls(("get_order_details", '{"order_id": "W1')),
        calls(("no_such_tool", {})),
        calls(("end_conversation", {})),
    )
    agent = _agent(**llm_settings)
    result = run_episode(env, agent, seed=0, options={"task_id": TASK}, record=True)
    assert result.turns == 3 and result.error is None
    assert "malformed tool call" in result.steps[1]["observation"]
    assert "unknown tool 'no_such_tool'" in result.steps[2]["observation"]
    second = fake_llm.requests[1]["messages"]
    assert second[-1]["role"] == "tool" and "malformed tool call" in second[-1]["content"]
    assert agent.usage()["malformed_tool_calls"] == 1


def test_llm_agent__settings_from_environment_variables(monkeypatch, fake_llm):
    from utility_gym.agents.llm import LLMAgent

    monkeypatch.setenv("UTILITY_GYM_LLM_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("UTILITY_GYM_LLM_MODEL", "env-model")
    monkeypatch.setenv("UTILITY_GYM_LLM_API_KEY", "secret")
    monkeypatch.setenv("UTILITY_GYM_LLM_TIMEOUT", "7.5")
    agent = LLMAgent(temperature=0.3)
    config = agent.client.config
    assert (config.base_url, config.model, config.api_key, config.timeout, config.temperature) == (
        fake_llm.base_url,
        "env-model",
        "secret",
        7.5,
        0.3,
    )
    monkeypatch.delenv("UTILITY_GYM_LLM_MODEL")
    with pytest.raises(ValueError, match="UTILITY_GYM_LLM_MODEL"):
        LLMAgent()
    monkeypatch.setenv("UTILITY_GYM_LLM_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="UTILITY_GYM_LLM_TIMEOUT"):
        LLMAgent(model="m")
