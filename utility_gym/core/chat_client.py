"""The OpenAI-compatible chat client that ``agents.llm.LLMAgent`` and ``core.llm_user.LLMUser``
share: settings from arguments or ``UTILITY_GYM_LLM_*`` variables, retries, token accounting, and
the conversion of a model's tool call into an env action.

Needs the ``llm`` extra (``pip install 'utility-gym[llm]'``, the ``openai`` package).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

ENV_PREFIX = "UTILITY_GYM_LLM_"


class LLMEndpointError(RuntimeError):
    """The chat endpoint failed (after retries, or with an error retrying cannot fix).

    Runners record the episode as an error, never as a silent failure: ``run_episode(...,
    catch_errors=True)`` sets ``EpisodeResult.error`` and ``utility-bench`` counts it in "Errors".
    """

    def __init__(self, message: str, *, attempts: int = 0, status: int | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.status = status


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to call an OpenAI-compatible chat-completions endpoint.

    ``price_in`` and ``price_out`` are US dollars per million prompt and completion tokens, for
    the cost estimate in ``usage()``. ``backoff`` is the first retry's wait in seconds; each
    retry waits twice as long, up to ``backoff_max``.
    """

    base_url: str | None = None
    model: str = ""
    api_key: str = ""
    timeout: float = 60.0
    max_retries: int = 3
    backoff: float = 1.0
    backoff_max: float = 30.0
    temperature: float | None = 0.0
    max_tokens: int | None = None
    price_in: float = 0.0
    price_out: float = 0.0

    @classmethod
    def from_env(cls, **overrides: Any) -> LLMConfig:
        """Defaults, then ``UTILITY_GYM_LLM_*`` variables, then the non-None ``overrides``."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            kind = _FIELD_TYPES.get(f.name, float)
            try:
                values[f.name] = kind(raw)
            except ValueError:
                raise ValueError(
                    f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid {kind.__name__}"
                ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            known = [f.name for f in dataclasses.fields(cls)]
            raise TypeError(f"unknown LLM settings {sorted(unknown)}; known: {known}")
        return cls(**values)

    def public(self) -> dict[str, Any]:
        """The settings without the key, for provenance."""
        out = dataclasses.asdict(self)
        out.pop("api_key")
        return out


_FIELD_TYPES: dict[str, type] = {
    "base_url": str,
    "model": str,
    "api_key": str,
    "max_retries": int,
    "max_tokens": int,
}


@dataclass
class LLMUsage:
    """Token, request and cost accounting of one client."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    malformed_tool_calls: int = 0
    fallbacks: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["total_tokens"] = self.prompt_tokens + self.completion_tokens
        out["cost_usd"] = round(self.cost_usd, 6)
        out["seconds"] = round(self.seconds, 3)
        out["errors"] = list(self.errors[-5:])
        return out


def _require_openai() -> Any:
    try:
        import openai
    except ImportError:
        raise ImportError(
            "the LLM agent and user need the 'llm' extra: pip install 'utility-gym[llm]' "
            "(the openai package)"
        ) from None
    return openai


class ChatClient:
    """Chat completions with tool calling, retries with exponential backoff, timeouts and usage.

    ``complete(messages, tools)`` returns the assistant message as a plain dict (``role``,
    ``content``, ``tool_calls`` with ``id``, ``type`` and ``function.name`` / ``function.arguments``
    as the endpoint sent them). Timeouts, connection errors, 429 and 5xx answers and responses
    without a message are retried; other 4xx answers (bad key, unknown model) are not. When it
    gives up it raises ``LLMEndpointError`` saying what failed and how often.
    """

    def __init__(self, config: LLMConfig | None = None, **overrides: Any) -> None:
        self.config = config if config is not None else LLMConfig.from_env(**overrides)
        if not self.config.model:
            raise ValueError(f"no model: pass model=... or set {ENV_PREFIX}MODEL")
        _require_openai()  # fail when the agent or env is built, not at its first turn
        self.usage = LLMUsage()
        self._client: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_client"] = None  # an HTTP client does not pickle; it is rebuilt on first use
        return state

    def _openai(self) -> Any:
        if self._client is None:
            openai = _require_openai()
            self._client = openai.OpenAI(
                base_url=self.config.base_url,
                api_key=self.config.api_key or "not-needed",
                timeout=self.config.timeout,
                max_retries=0,  # retries are ours, so they are counted and their backoff is ours
            )
        return self._client

    def complete(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        openai = _require_openai()
        client = self._openai()
        cfg = self.config
        kwargs: dict[str, Any] = {"model": cfg.model, "messages": messages, **extra}
        if tools:
            kwargs["tools"] = tools
        if cfg.temperature is not None:
            kwargs.setdefault("temperature", cfg.temperature)
        if cfg.max_tokens is not None:
            kwargs.setdefault("max_tokens", cfg.max_tokens)
        attempts = 1 + max(0, cfg.max_retries)
        last = ""
        status: int | None = None
        for attempt in range(attempts):
            if attempt:
                self.usage.retries += 1
                time.sleep(min(cfg.backoff * 2 ** (attempt - 1), cfg.backoff_max))
            self.usage.requests += 1
            start = time.perf_counter()
            try:
                response = client.chat.completions.create(**kwargs)
            except openai.APITimeoutError:
                last, status = f"timed out after {cfg.timeout:g} s", None
                continue
            except openai.APIConnectionError as e:
                last, status = f"connection failed ({_short(e)})", None
                continue
            except openai.APIStatusError as e:
                status = e.status_code
                last = f"HTTP {status}: {_short(e)}"
                if status == 429 or status >= 500:
                    continue
                break  # a 4xx answer will not change on retry
            except (openai.APIError, ValueError) as e:
                last, status = f"unreadable response ({_short(e)})", None
                continue
            finally:
                self.usage.seconds += time.perf_counter() - start
            message = _first_message(response)
            if message is None:
                last, status = "the response has no message (no choices)", None
                continue
            self._account(getattr(response, "usage", None))
            return message
        self.usage.failures += 1
        endpoint = cfg.base_url or "api.openai.com"
        attempts = f"{attempt + 1} attempt{'s' if attempt else ''}"
        text = f"chat endpoint {endpoint} model {cfg.model!r} failed: {last} ({attempts})"
        self.usage.errors.append(text)
        raise LLMEndpointError(text, attempts=attempt + 1, status=status)

    def _account(self, usage: Any) -> None:
        if usage is None:
            return
        p = int(getattr(usage, "prompt_tokens", 0) or 0)
        c = int(getattr(usage, "completion_tokens", 0) or 0)
        self.usage.prompt_tokens += p
        self.usage.completion_tokens += c
        self.usage.cost_usd += (p * self.config.price_in + c * self.config.price_out) / 1e6


def _short(e: Exception) -> str:
    return " ".join(str(e).split())[:300]


def _first_message(response: Any) -> dict[str, Any] | None:
    choices = getattr(response, "choices", None)
    if not choices:
        return None
    message = getattr(choices[0], "message", None)
    if message is None:
        return None
    out: dict[str, Any] = {"role": "assistant", "content": getattr(message, "content", None)}
    calls = []
    for call in getattr(message, "tool_calls", None) or []:
        fn = getattr(call, "function", None)
        calls.append(
            {
                "id": getattr(call, "id", None) or f"call_{len(calls)}",
                "type": "function",
                "function": {
                    "name": getattr(fn, "name", None) or "",
                    "arguments": getattr(fn, "arguments", None) or "",
                },
            }
        )
    if calls:
        out["tool_calls"] = calls
    return out


def tool_call_action(call: dict[str, Any]) -> dict[str, Any]:
    """An env action from an OpenAI tool call: arguments kept as the model sent them, so a
    malformed JSON string reaches the env, which answers with an ``error:`` line."""
    fn = call.get("function") or {}
    arguments = fn.get("arguments")
    if isinstance(arguments, str):
        try:
            parsed = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            arguments = parsed
    return {"name": fn.get("name") or "", "arguments": arguments if arguments is not None else {}}
