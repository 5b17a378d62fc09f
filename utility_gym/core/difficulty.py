"""Difficulty tiers of tasks, from their structure alone.

A task's tier is a pure function of the task (its oracle plan and goal) and of which tools
need the customer's confirmation (``confirm_tools``: the consequential writes). It never
looks at how agents did, so a tier means the same on every board.

``TaskShape`` counts what makes a task demanding:

- ``tool_calls``: calls in the oracle plan (look-ups included);
- ``writes``: consequential writes, calls to tools that need a confirmation;
- ``objects_written``: distinct objects those writes change (the first ``*_id`` argument of
  each write: an order, a ticket), and ``objects_touched`` the distinct values of those same
  arguments over every call of the plan;
- ``arguments_per_write``: mean arguments of a consequential write;
- ``conditions``, ``computed`` and ``misstated``: intents with a conditional goal, computed
  facts the agent must tell, and facts the user states wrongly.

Tiers (documented in docs/benchmark.md):

- ``easy``: at most 3 tool calls and 1 write, and no condition, computed fact or misstated
  fact: one look-up or one confirmed change.
- ``hard``: at least 3 writes, or at least 9 tool calls, or at least two of the complications
  (a condition, a computed fact, a misstated fact, two or more objects written).
- ``medium``: everything else.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

TIERS = ("easy", "medium", "hard")
EASY_MAX_CALLS = 3
EASY_MAX_WRITES = 1
HARD_MIN_WRITES = 3
HARD_MIN_CALLS = 9
HARD_MIN_COMPLICATIONS = 2


@dataclass(frozen=True)
class TaskShape:
    """Structural counts of one task (see the module docstring)."""

    tool_calls: int
    writes: int
    objects_written: int
    objects_touched: int
    arguments_per_write: float
    conditions: int
    computed: int
    misstated: int
    tool_sequence: tuple[str, ...]
    write_kinds: frozenset[str]

    @property
    def complications(self) -> int:
        return sum(
            (self.conditions > 0, self.computed > 0, self.misstated > 0, self.objects_written >= 2)
        )


def _object_arg(arguments: Any) -> str | None:
    return next((k for k, v in arguments.items() if k.endswith("_id") and isinstance(v, str)), None)


def shape(task: Any, confirm_tools: Collection[str]) -> TaskShape:
    """The structural counts of ``task`` (a ``core.tasks.Task``)."""
    calls = task.tool_calls
    writes = [c for c in calls if c.name in confirm_tools]
    keys = {k for c in writes if (k := _object_arg(c.arguments)) is not None}
    written = {(k, c.arguments[k]) for c in writes if (k := _object_arg(c.arguments)) is not None}
    touched = {
        (k, c.arguments[k]) for c in calls for k in keys if isinstance(c.arguments.get(k), str)
    }
    intents = task.goal.intents
    return TaskShape(
        tool_calls=len(calls),
        writes=len(writes),
        objects_written=len(written) or min(len(writes), 1),
        objects_touched=len(touched),
        arguments_per_write=sum(len(c.arguments) for c in writes) / len(writes) if writes else 0.0,
        conditions=sum(i.condition is not None for i in intents),
        computed=sum(f.computed for i in intents for f in i.facts),
        misstated=sum(bool(i.misstated) for i in intents),
        tool_sequence=tuple(c.name for c in calls),
        write_kinds=frozenset(c.name for c in writes),
    )


def tier_of(s: TaskShape) -> str:
    """The tier of a task with shape ``s`` (thresholds in the module docstring)."""
    if s.writes >= HARD_MIN_WRITES or s.tool_calls >= HARD_MIN_CALLS:
        return "hard"
    if s.complications >= HARD_MIN_COMPLICATIONS:
        return "hard"
    if s.tool_calls <= EASY_MAX_CALLS and s.writes <= EASY_MAX_WRITES and not s.complications:
        return "easy"
    return "medium"


def tier(task: Any, confirm_tools: Collection[str]) -> str:
    """The difficulty tier of ``task``: ``easy``, ``medium`` or ``hard``."""
    return tier_of(shape(task, confirm_tools))


def confirm_tools_of(env: Any) -> frozenset[str]:
    """The names of an env's tools that need a confirmation (its consequential writes)."""
    return frozenset(name for name, spec in env.unwrapped.toolbox.tools.items() if spec.confirm)


def describe(task: Any, confirm_tools: Collection[str]) -> str:
    """The task's summary for people, with its tier: ``[hard] cancel 2 unshipped orders ...``."""
    return f"[{tier(task, confirm_tools)}] {task.summary}"
