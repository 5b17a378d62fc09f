"""What makes a domain: its world builder, tools, policy, task templates and words.

A domain is data. ``envs/<domain>/env.py`` declares one ``Domain`` and a ``UtilityEnv`` subclass
that points at it; everything generic (the step loop, grading, replay, streams) reads it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from utility_gym.core.nlu import Lexicon
from utility_gym.core.streams import WorldEvent
from utility_gym.core.tasks import Task, TaskTemplate
from utility_gym.core.tools import ToolContext, ToolSpec
from utility_gym.core.words import DomainWords
from utility_gym.core.world import WorldBuilder


@dataclass(frozen=True)
class Domain:
    """Everything that makes a domain: world builder, tools, policy and task templates."""

    name: str
    builder: WorldBuilder
    tracked_tables: tuple[str, ...]
    tools: tuple[ToolSpec, ...]
    policy: str
    templates: tuple[TaskTemplate, ...]
    n_test: int = 100
    generator_version: str = "1"
    words: DomainWords = field(default_factory=DomainWords)
    ignored_columns: frozenset[tuple[str, str]] = frozenset()
    # Tool-state key set once the user is verified; facts told before it count as disclosures.
    identity_key: str | None = None
    # Streams only: templates that follow up an earlier episode (``TaskTemplate.follows``), and
    # the world events a stream may schedule.
    follow_ups: tuple[TaskTemplate, ...] = ()
    # Streams only: one template per kind of tacit regularity (``TaskTemplate.regularity``).
    regularities: tuple[TaskTemplate, ...] = ()
    world_events: tuple[WorldEvent, ...] = ()
    # Tables the tools write that the change log does not track (what they hold is not graded,
    # e.g. a variant's stock). A stream's live memo cannot see them change, so it never keeps a
    # template query that reads one (tests/envs/test_domain_writes.py checks the list).
    untracked_writes: tuple[str, ...] = ()
    # Reset worlds by rolling back the episode's transaction (see World).
    rollback_reset: bool = True
    # Optional: ``prepare(conn)`` readies each world connection before its first transaction
    # (the web shop attaches its shared catalog; ``WorldTemplate.prepare``).
    prepare: Callable[[sqlite3.Connection], None] | None = None
    # The world sizes its builder knows (the ``size`` kwarg).
    sizes: tuple[str, ...] = ("small", "default", "large")
    # Optional: ``replay(ctx, task, mark)`` makes the writes of ``task``'s oracle plan without its
    # interface (changes only), calling ``mark()`` as each intent starts; False: did nothing.
    replay: Callable[[ToolContext, Task, Callable[[], None]], bool] | None = None

    @property
    def lexicon(self) -> Lexicon:
        """The agent-turn reader's patterns for this domain."""
        return self.words.lexicon

    @property
    def stream_templates(self) -> tuple[TaskTemplate, ...]:
        """The templates a stream plans at chosen positions: follow-ups and regularities."""
        return self.follow_ups + self.regularities

    def template(self, name: str) -> TaskTemplate:
        for t in self.templates + self.stream_templates:
            if t.name == name:
                return t
        known = ", ".join(t.name for t in self.templates + self.stream_templates)
        raise KeyError(f"unknown template {name!r} for {self.name}; known: {known}")

    def event(self, name: str) -> WorldEvent:
        for e in self.world_events:
            if e.name == name:
                return e
        known = ", ".join(e.name for e in self.world_events) or "none"
        raise KeyError(f"unknown world event {name!r} for {self.name}; known: {known}")
