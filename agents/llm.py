"""LLMAgent: any OpenAI-compatible chat-completions endpoint with tool calling, as an agent.

The env's tool schemas (``info["tools"]``, OpenAI function format) are passed as ``tools``; the
policy goes into the system prompt. A tool call of the model becomes the env action
``{"name", "arguments"}`` and the env's answer (``tool NAME: {...}`` or ``error: ...``) goes back
as the ``tool`` message of that call; plain text from the model is a message to the user, whose
answer comes back as a ``user`` message. When the model asks for several tools at once they are
played one per step before the model is asked again.

Settings come from arguments or ``UTILITY_GYM_LLM_BASE_URL`` / ``_MODEL`` / ``_API_KEY`` (and
``_TIMEOUT``, ``_MAX_RETRIES``, ``_PRICE_IN``, ``_PRICE_OUT`` in dollars per million tokens).
When the endpoint fails after its retries, ``act`` raises ``LLMEndpointError``; the benchmark
runner records the episode as an error, not as a 0. ``usage()`` reports requests, retries,
tokens, the estimated cost and malformed tool calls.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from utility_gym.agents.base import Action
from utility_gym.core.chat_client import ChatClient, LLMConfig, LLMEndpointError, tool_call_action

__all__ = ["DEFAULT_SYSTEM_PROMPT", "LLMAgent", "LLMEndpointError"]

DEFAULT_SYSTEM_PROMPT = """\
You are a service agent helping a person through a chat. Follow the policy below exactly.
Use the tools to look things up and to make changes; write plain text to talk to the person.
Each observation starts with its source: "user:" is the person, "tool NAME:" is a tool's \
result, "error:" says what went wrong with your last action.

# Policy
{policy}"""


class LLMAgent:
    """An agent backed by an OpenAI-compatible chat model with tool calling (see module docstring).

    Args:
        model, base_url, api_key: the endpoint; default from ``UTILITY_GYM_LLM_*``.
        temperature, timeout, max_retries, backoff, price_in, price_out, max_tokens: ``LLMConfig``.
        system_prompt: a template with ``{policy}``; default ``DEFAULT_SYSTEM_PROMPT``.
        seed: sent as the request's ``seed`` (for endpoints that honour it).
        client: a ready ``ChatClient`` (tests, or sharing accounting between agents).
        env: accepted and unused, so the benchmark runner can build it like other agents.
    """

    name = "llm"

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        temperature: float | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        backoff: float | None = None,
        price_in: float | None = None,
        price_out: float | None = None,
        max_tokens: int | None = None,
        system_prompt: str = DEFAULT_SYSTEM_PROMPT,
        seed: int | None = None,
        client: ChatClient | None = None,
        env: Any = None,
    ) -> None:
        if client is None:
            config = LLMConfig.from_env(
                model=model,
                base_url=base_url,
                api_key=api_key,
                temperature=temperature,
                timeout=timeout,
                max_retries=max_retries,
                backoff=backoff,
                price_in=price_in,
                price_out=price_out,
                max_tokens=max_tokens,
            )
            client = ChatClient(config)
        self.client = client
        self.system_prompt = system_prompt
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.tools: list[dict[str, Any]] = []
        self._queue: deque[dict[str, Any]] = (
            deque()
        )  # tool calls the model asked for, not yet played
        self._awaiting: str | None = None  # the id of the tool call whose result comes next

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        if "tools" in info and not self.messages:
            self.tools = list(info["tools"])
            self.messages.append(
                {
                    "role": "system",
                    "content": self.system_prompt.format(policy=info.get("policy", "")),
                }
            )
        if self._awaiting is not None:
            self.messages.append({"role": "tool", "tool_call_id": self._awaiting, "content": obs})
            self._awaiting = None
        elif obs:
            self.messages.append({"role": "user", "content": obs})
        if not self._queue:
            extra = {"seed": self.seed} if self.seed is not None else {}
            reply = self.client.complete(self.messages, self.tools or None, **extra)
            self.messages.append(reply)
            calls = reply.get("tool_calls") or []
            if not calls:
                return str(reply.get("content") or "")
            self._queue.extend(calls)
        call = self._queue.popleft()
        self._awaiting = call["id"]
        action = tool_call_action(call)
        if not isinstance(action["arguments"], dict) or not action["name"]:
            self.client.usage.malformed_tool_calls += 1
        return action

    def usage(self) -> dict[str, Any]:
        """Requests, retries, failures, tokens, estimated cost (USD), seconds, malformed tool
        calls."""
        return self.client.usage.to_dict()

    def config(self) -> dict[str, Any]:
        """The endpoint settings without the key, for provenance."""
        return {"llm": self.client.config.public()}

    def transcript(self) -> str:
        """The chat so far as JSON (system prompt included), for debugging."""
        return json.dumps(self.messages, ensure_ascii=False, indent=1)
