"""A rule book: the small table of lessons a ``LessonAgent`` keeps, and the hooks a domain fills.

A lesson is what the end-of-episode ``feedback`` taught: one fact of the world that no document
states ("at the Berlin site printer tickets go to facilities"), kept as (kind, key) -> value.
Each domain's book says how to read its lessons out of feedback text and how to apply them:
by showing the wrapped agent an extra line (as the user would have said it), or by changing the
arguments of the tool call the wrapped agent chose. Nothing here reads the task or the world;
a book sees what the agent sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from utility_gym.agents.base import Action

NOTE = "(noted from earlier feedback)"


@dataclass(frozen=True)
class Lesson:
    """One learned fact: of regularity ``kind``, for instance ``key``, the value ``value``."""

    kind: str
    key: str
    value: str


@dataclass
class Seen:
    """What the current episode has shown so far: observations in order and the tool results."""

    texts: list[str] = field(default_factory=list)
    results: list[tuple[str, Any]] = field(default_factory=list)  # (tool name, parsed output)
    user: list[str] = field(default_factory=list)  # the user's messages, in order

    def observe(self, obs: str, info: dict[str, Any]) -> None:
        self.texts.append(obs)
        for event in info.get("events") or ():
            role, content = event.get("role"), str(event.get("content", ""))
            data = event.get("data") or {}
            if data.get("recalled") or data.get("noted"):
                continue  # a line a memory shows the agent, not the user's words now
            if role == "user":
                self.user.append(content)
            elif role in ("tool", "page"):
                name = str(event.get("name") or (event.get("data") or {}).get("name", ""))
                self.results.append((name, _parsed(content)))


def _parsed(content: str) -> Any:
    try:
        return json.loads(content)
    except (ValueError, TypeError):
        return content


class RuleBook:
    """The lessons of one domain. Subclasses set ``domain`` and override the three hooks."""

    domain = ""

    def __init__(self) -> None:
        self.table: dict[tuple[str, str], str] = {}

    # -- hooks ------------------------------------------------------------------------------
    def read_lessons(self, feedback: str, seen: Seen) -> Iterable[Lesson]:
        """The lessons in an episode's ``feedback`` (``seen`` is that episode, for context)."""
        return ()

    def hint(self, seen: Seen) -> str | None:
        """A line to show the wrapped agent now, as the user's, or None."""
        return None

    def rewrite(self, action: Action, seen: Seen) -> Action:
        """The wrapped agent's ``action``, changed where a lesson says otherwise."""
        return action

    # -- the table ------------------------------------------------------------------------
    def learn(self, feedback: str, seen: Seen) -> list[Lesson]:
        lessons = list(self.read_lessons(feedback, seen))
        for lesson in lessons:
            self.table[(lesson.kind, lesson.key)] = lesson.value
        return lessons

    def lookup(self, kind: str, key: str) -> str | None:
        return self.table.get((kind, key))

    def lessons(self) -> list[Lesson]:
        return [Lesson(k, key, v) for (k, key), v in sorted(self.table.items())]

    def to_json(self) -> list[dict[str, str]]:
        return [asdict(lesson) for lesson in self.lessons()]

    def load_json(self, rows: Iterable[dict[str, str]]) -> None:
        for row in rows:
            self.table[(str(row["kind"]), str(row["key"]))] = str(row["value"])
