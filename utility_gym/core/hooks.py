"""The hooks a domain overrides to customise the step loop (and nothing else of it).

``UtilityEnv`` calls these at fixed points; their defaults are a live conversation with one
simulated user. The web shop adds a site (``on_start``, ``handle``, ``final_grade``,
``info_extras``); the ticket queue has no caller on the line and answers comments later
(``opening_events``, ``arrivals``, ``handle``). docs/architecture.md shows where each is called.
"""

from __future__ import annotations

from typing import Any

from utility_gym.core.dialogue import Event, MessageAction, ToolCallAction
from utility_gym.core.episode import Episode
from utility_gym.core.grading import Grade
from utility_gym.core.tasks import Task


class DomainHooks:
    """Defaults of the hooks; a domain's env overrides the ones it needs."""

    def on_start(self, episode: Episode) -> None:
        """After a reset made the episode (its opening events are in ``episode.transcript``):
        add domain state (``episode.domain_state``) or events (the first page of a site)."""

    def opening_events(self, task: Task, opening: str) -> list[Event]:
        """The first observation's events: the user's opening message."""
        return [Event("user", opening, data={"acts": ["inform_intent"]})]

    def arrivals(self) -> list[Event]:
        """Events that arrived since the last step, shown first in this step's observation:
        none in a live conversation; a ticket queue's requesters answer comments later."""
        return []

    def handle(self, action: ToolCallAction | MessageAction, events: list[Event]) -> bool | None:
        """A domain's own handling of an action: whether it ends the episode, or None to let
        the core handle it (``run_tool`` / ``run_message``, which a hook may also call)."""
        return None

    def pending_grade(self) -> dict[str, Any]:
        """``info["grade"]`` before the episode ends: the final grade's keys and types, outcome
        "running". A domain whose grade has more keys extends it."""
        return {
            "success": False,
            "partial": 0.0,
            "outcome": "running",
            "checkpoints": [],
            "reasons": [],
        }

    def final_grade(self, g: Grade) -> Grade:
        """The episode's grade, given the core's: a domain may add its own checkpoints."""
        return g

    def info_extras(self) -> dict[str, Any]:
        """Keys a domain adds to every info (the same keys every time)."""
        return {}

    def on_restore(self) -> None:
        """After a fork restored the world and the episode (a browser re-attaches here)."""
