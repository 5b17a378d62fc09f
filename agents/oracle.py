"""OracleAgent: privileged; replays the task's scripted dialogue and oracle plan."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import gymnasium as gym

from utility_gym.agents.base import Action
from utility_gym.core.tasks import PlanStep


class OracleAgent:
    """Reads ``env.unwrapped.task`` and plays its plan step by step.

    The upper bound of every env, and the check that each task is solvable. ``skip`` drops plan
    steps by index and ``replace`` swaps steps, for the mutated-plan validity tests.
    """

    name = "oracle"

    def __init__(
        self, env: gym.Env, skip: Iterable[int] = (), replace: dict[int, PlanStep] | None = None
    ) -> None:
        self.env = env
        self.skip = set(skip)
        self.replace = dict(replace or {})
        self._queue: list[Action] = []

    def reset(self) -> None:
        task = self.env.unwrapped.task
        steps = [self.replace.get(i, s) for i, s in enumerate(task.plan) if i not in self.skip]
        self._queue = [s.action() for s in steps]

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        if not self._queue:
            return {"name": "end_conversation", "arguments": {}}
        return self._queue.pop(0)
