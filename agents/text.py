"""Text helpers shared by the rule-based (heuristic) agents: keyword matching, and reading a
tool-result line of an observation."""

from __future__ import annotations

import json
from typing import Any


def has_any(text: str, words: tuple[str, ...]) -> bool:
    """Whether any of ``words`` occurs in ``text`` (a substring match; callers lower-case)."""
    return any(w in text for w in words)


def tool_result(line: str) -> tuple[str, Any]:
    """The tool name and decoded result of an observation line ``tool NAME: JSON`` (the result
    is None when the payload is not JSON)."""
    name, _, payload = line[5:].partition(": ")
    try:
        return name, json.loads(payload)
    except json.JSONDecodeError:
        return name, None
