"""The state of one episode, typed: what the step loop, grading and snapshots share.

A domain that keeps state of its own across an episode's steps (the web shop's order count at
the start, a queue's pending replies) declares a ``DomainState`` dataclass and sets
``Episode.domain_state`` in its ``on_start`` hook; snapshots copy it with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from utility_gym.core.dialogue import Event
from utility_gym.core.grading import EpisodeRecord, Grade
from utility_gym.core.replay import Expected
from utility_gym.core.tasks import Observed, Task


class DomainState:
    """Base of a domain's own per-episode state (subclass it as a dataclass)."""


@dataclass(frozen=True)
class Affirmed:
    """The last proposal the user said yes to: the actions it named, its words and the rest
    of the agent's turn (the context a value may be stated in)."""

    actions: tuple[str, ...]
    text: str
    context: str


@dataclass(slots=True)  # one a tool call (read, never changed)
class CallRecord:
    """One tool call of the episode, for a refusal's prerequisites. A failed call's arguments
    may be anything (deep, huge): only its name is kept."""

    name: str
    arguments: dict[str, Any]
    ok: bool


@dataclass
class Episode:
    """Everything that changes during one episode (the task and its expected outcome do not)."""

    task: Task
    expected: Expected
    transcript: list[Event]
    observed: Observed  # every value the agent has seen: a fact it tells must be one of them
    change_seq: int  # the world's change log position at the start
    cap: int  # the step cap, looked up once
    write_mark: tuple[int, int, int] = (-1, -1, -1)  # World.write_mark() at the start
    tool_state: dict[str, Any] = field(default_factory=dict)  # the tools' session (ctx.state)
    record: EpisodeRecord = field(default_factory=lambda: EpisodeRecord(set(), set(), set(), []))
    steps: int = 0
    done: bool = False
    grade: Grade | None = None
    phi: float = 0.0  # the shaping potential after the last step
    affirmed: Affirmed | None = None
    calls: list[CallRecord] = field(default_factory=list)
    policy: str = ""
    domain_state: DomainState | None = None
    user_seed: int = 0  # the simulated user's random seed (an isolated twin uses its stream's)

    @property
    def task_id(self) -> str:
        return self.task.task_id


@dataclass
class Snapshot:
    """Everything needed to resume an episode exactly: database bytes and episode state."""

    domain: str
    world_key: tuple[str, int, str]
    data: bytes
    episode: Episode
    user: dict[str, Any]
    np_random: dict[str, Any]
    stream: Any = None  # the stream's state (core.stream_server.StreamState), if any
