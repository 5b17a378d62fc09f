"""Degenerate agents for validity tests: each must fail wherever a task needs something else."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from utility_gym.agents.base import Action


class DoNothingAgent:
    """Acknowledges and never acts."""

    name = "do-nothing"

    def reset(self) -> None:
        pass

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        return "I see."


class RefuseEverythingAgent:
    """Refuses every request without looking anything up."""

    name = "refuse-everything"

    def reset(self) -> None:
        pass

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        return "I'm sorry, but I can't help with that request."


class BareConfirmAgent:
    """Asks for a go-ahead that states nothing, every turn ("Shall I go ahead?")."""

    name = "bare-confirm"

    def reset(self) -> None:
        pass

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        return "Shall I go ahead? Please reply yes to confirm."


class TransferAtOnceAgent:
    """Hands every conversation to a human at the first turn."""

    name = "transfer-at-once"

    def reset(self) -> None:
        pass

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        return {"name": "transfer_to_human", "arguments": {"summary": "Customer needs help."}}


class AgreeToEverythingAgent:
    """Does whatever the user asks, at once: no verification, no confirmation, no policy check.

    Privileged only to know what "what the user asks" means as tool calls: it replays the
    task's write calls and, for requests policy forbids, the tempting call a naive agent would
    make; then it says it is done.
    """

    name = "agree-to-everything"

    def __init__(self, env: gym.Env) -> None:
        self.env = env
        self._queue: list[Action] = []

    def reset(self) -> None:
        task = self.env.unwrapped.task
        writes = {name for name, spec in self.env.unwrapped.toolbox.tools.items() if spec.writes}
        calls = [c.to_dict() for c in task.tool_calls if c.name in writes] + [
            c.to_dict() for c in task.temptations
        ]
        self._queue = calls + ["Done! I've taken care of everything you asked for."]

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        if self._queue:
            return self._queue.pop(0)
        return {"name": "end_conversation", "arguments": {}}
