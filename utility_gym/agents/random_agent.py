"""RandomAgent: uniform over admissible actions (tool calls on entities seen, canned dialogue acts)."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from utility_gym.agents.base import Action

_ID = re.compile(r"\b(?:[A-Z]{1,4}-?\d{3,}|[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,})\b")
CANNED = (
    "Hello! How can I help you today?",
    "Could you please give me your email address?",
    "Could you tell me your full name and zip code?",
    "Which order do you mean?",
    "Shall I go ahead? Please confirm.",
    "Done. Is there anything else I can help you with?",
    "I'm sorry, but I can't do that.",
)


class RandomAgent:
    """Picks uniformly among admissible actions, with arguments from entities seen this episode."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.entities: list[str] = []
        self.tools: list[dict[str, Any]] = []

    def reset(self) -> None:
        self.entities = []

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        if "tools" in info:
            self.tools = info["tools"]
        for m in _ID.findall(obs):
            if m not in self.entities:
                self.entities.append(m)
        n_tools = len(self.tools)
        k = int(self.rng.integers(n_tools + len(CANNED)))
        if k >= n_tools:
            return CANNED[k - n_tools]
        fn = self.tools[k]["function"]
        args: dict[str, Any] = {}
        for pname, schema in fn["parameters"]["properties"].items():
            args[pname] = self._value(schema)
        return json.dumps({"name": fn["name"], "arguments": args})

    def _value(self, schema: dict[str, Any]) -> Any:
        if "enum" in schema:
            return schema["enum"][int(self.rng.integers(len(schema["enum"])))]
        kind = schema.get("type")
        pick = self.entities[int(self.rng.integers(len(self.entities)))] if self.entities else "unknown"
        if kind == "array":
            return [pick]
        if kind == "number":
            return float(self.rng.choice([5.0, 10.0, 25.0]))
        if kind == "integer":
            return int(self.rng.integers(1, 4))
        if kind == "boolean":
            return bool(self.rng.integers(2))
        return pick
