"""The agent protocol shared by every baseline: reset(), act(obs, info), optional learn(outcome)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

Action = str | dict[str, Any]


@runtime_checkable
class Agent(Protocol):
    name: str

    def reset(self) -> None: ...

    def act(self, obs: str, info: dict[str, Any]) -> Action: ...


def tool_call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}
