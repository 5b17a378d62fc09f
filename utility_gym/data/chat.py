"""Episodes as chat fine-tuning lines: OpenAI messages with tool calls and tool results.

Each line is what ``LLMAgent`` would have sent and received had it acted as the recorded agent
did: the system prompt (``DEFAULT_SYSTEM_PROMPT`` with the env's policy), the tools (OpenAI
function format), the user's turns as ``user`` messages, the agent's tool calls as an
``assistant`` message with ``tool_calls`` followed by the ``tool`` message with its result, and
the agent's words as ``assistant`` content. The observation after the last action is not a
message: a fine-tuning example ends with the assistant. ``CHAT_LINE_SCHEMA`` is the JSON schema
of a line; ``chat_actions`` turns a line back into env actions (the round trip).
"""

from __future__ import annotations

import json
from typing import Any

from utility_gym.agents.llm import DEFAULT_SYSTEM_PROMPT
from utility_gym.data.episodes import ReplayedEpisode

_TOOL = {
    "type": "object",
    "required": ["type", "function"],
    "properties": {
        "type": {"const": "function"},
        "function": {
            "type": "object",
            "required": ["name", "parameters"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "description": {"type": "string"},
                "parameters": {"type": "object"},
            },
        },
    },
}
_CALL = {
    "type": "object",
    "required": ["id", "type", "function"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "type": {"const": "function"},
        "function": {
            "type": "object",
            "required": ["name", "arguments"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "arguments": {"type": "string"},
            },
        },
    },
}
_MESSAGE = {
    "oneOf": [
        {
            "type": "object",
            "required": ["role", "content"],
            "additionalProperties": False,
            "properties": {"role": {"enum": ["system", "user"]}, "content": {"type": "string"}},
        },
        {
            "type": "object",
            "required": ["role", "content"],
            "additionalProperties": False,
            "properties": {"role": {"const": "assistant"}, "content": {"type": "string"}},
        },
        {
            "type": "object",
            "required": ["role", "tool_calls"],
            "additionalProperties": False,
            "properties": {
                "role": {"const": "assistant"},
                "content": {"type": "null"},
                "tool_calls": {"type": "array", "minItems": 1, "items": _CALL},
            },
        },
        {
            "type": "object",
            "required": ["role", "tool_call_id", "content"],
            "additionalProperties": False,
            "properties": {
                "role": {"const": "tool"},
                "tool_call_id": {"type": "string"},
                "content": {"type": "string"},
            },
        },
    ]
}
CHAT_LINE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "OpenAI chat fine-tuning example with tools",
    "type": "object",
    "required": ["messages", "tools"],
    "additionalProperties": False,
    "properties": {
        "messages": {"type": "array", "minItems": 2, "items": _MESSAGE},
        "tools": {"type": "array", "items": _TOOL},
        "parallel_tool_calls": {"type": "boolean"},
    },
}


def tool_call_of(action: Any) -> dict[str, Any] | None:
    """``{"name", "arguments"}`` when ``action`` is a tool call (dict or JSON text), else None."""
    if isinstance(action, str):
        if not action.lstrip().startswith("{"):
            return None
        try:
            action = json.loads(action)
        except ValueError:
            return None
    if isinstance(action, dict) and isinstance(action.get("name"), str):
        arguments = action.get("arguments", {})
        return {"name": action["name"], "arguments": arguments}
    return None


def chat_line(
    episode: ReplayedEpisode, system_prompt: str = DEFAULT_SYSTEM_PROMPT
) -> dict[str, Any]:
    """The fine-tuning example of one replayed episode."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system_prompt.format(policy=episode.policy)},
        {"role": "user", "content": episode.observations[0]},
    ]
    for number, action in enumerate(episode.actions, start=1):
        call = tool_call_of(action)
        if call is None:
            messages.append({"role": "assistant", "content": str(action)})
        else:
            arguments = call["arguments"]
            text = (
                arguments
                if isinstance(arguments, str)
                else json.dumps(arguments, ensure_ascii=False)
            )
            messages.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": f"call_{number}",
                            "type": "function",
                            "function": {"name": call["name"], "arguments": text},
                        }
                    ],
                }
            )
        if number == len(episode.actions):
            break  # the last observation answers nobody: the example ends with the assistant
        observation = episode.observations[number]
        if call is None:
            messages.append({"role": "user", "content": observation})
        else:
            messages.append(
                {"role": "tool", "tool_call_id": f"call_{number}", "content": observation}
            )
    return {"messages": messages, "tools": episode.tools, "parallel_tool_calls": False}


def chat_actions(line: dict[str, Any]) -> list[Any]:
    """The env actions of a chat line, in order (tool calls as ``{"name", "arguments"}``)."""
    actions: list[Any] = []
    for message in line["messages"]:
        if message["role"] != "assistant":
            continue
        for call in message.get("tool_calls") or []:
            raw = call["function"]["arguments"]
            try:
                arguments = json.loads(raw)
            except ValueError:
                arguments = raw
            actions.append({"name": call["function"]["name"], "arguments": arguments})
        if not message.get("tool_calls"):
            actions.append(message["content"])
    return actions
