"""Replay: a task's oracle plan run on a copy of a world, for its expected changes.

Grading compares what an episode changed with what the oracle's plan changes. The plan is
replayed once per task (cached per process) on a scratch copy of the pristine world, or on a
stream's current world; a replay can also check that a plan runs the same in another world and
map the ids that world gives new rows (a stream episode's isolated twin).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from operator import is_
from typing import Any

from utility_gym.core.caches import LRUCache
from utility_gym.core.dialogue import dumps
from utility_gym.core.substitution import substitute_ids
from utility_gym.core.tasks import PlanStep, Task, register_reference
from utility_gym.core.tools import Toolbox, ToolContext
from utility_gym.core.world import RowChange, World, WorldTemplate, change_facts

ChangeSet = frozenset[tuple[str, str, str, Any]]
FastReplay = Callable[[ToolContext, Task, Callable[[], None]], bool]
# A fast replay may also tell a plan's changes on the pristine world without making them: its
# ``predict(db, task)``, given the pristine reference copy, returns the net changes of each
# intent and then of the whole plan (as ``World.changes_in_spans``), or None to replay instead.
Predict = Callable[[sqlite3.Connection, Task], "list[list[RowChange]] | None"]
# The ids a plan may refer to (INC0000512, RT000041): letters and digits, not bare row numbers.
_ID = re.compile(r"(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9-]{4,}")


class OraclePlanError(RuntimeError):
    """A task's oracle plan does not run as scripted in the world it is replayed on."""


@dataclass(frozen=True)
class Expected:
    """A task's expected outcome, computed once by replaying its oracle plan on a fresh world."""

    changes: ChangeSet
    per_intent: tuple[ChangeSet, ...]


@dataclass(frozen=True)
class Replayed:
    """What one replay found: the expected changes, the rows each call inserted (table, key),
    and how the ids this world gave new rows map from another replay's (``{theirs: ours}``)."""

    expected: Expected
    created: list[list[tuple[str, str]]]
    mapping: dict[str, str]


# Tasks and expected outcomes are cached per process for the tasks that come back: the test
# split (100 per domain), pass^k trials, a stream's isolated twins. Train resets draw fresh
# seeds, which never repeat, so a larger cache would hold only what is never asked for again.
# A task costs 0.3-1.5 ms to make and 5-15 KB and ~25 tracked objects to keep; an expected
# outcome 0.3-3 ms and 2-70 KB (docs/reliability.md). 256 of each hold a domain's test split
# (100 tasks) with room for pass^k trials, in at most ~20 MB; every entry is also walked by each
# full garbage collection, so a larger cache would cost pauses, not just memory.
TASK_CACHE_SIZE = 256
_EXPECTED_CACHE: LRUCache[Expected] = LRUCache(TASK_CACHE_SIZE)
_REFERENCE: dict[tuple[str, int, str], World] = {}
_PROCESS_WORLDS: dict[tuple[str, str, int, str], World] = {}


def process_world(template: WorldTemplate, role: str, rollback_reset: bool = False) -> World:
    """One reusable world per process and ``role``, restored before each use."""
    key = (role, template.domain, template.world_seed, template.size)
    world = _PROCESS_WORLDS.get(key)
    if world is None:
        world = _PROCESS_WORLDS[key] = World(template, rollback_reset=rollback_reset)
    return world


def scratch_world(template: WorldTemplate, rollback_reset: bool) -> World:
    """The world oracle plans are replayed on."""
    return process_world(template, "scratch", rollback_reset)


def reference_db(template: WorldTemplate) -> sqlite3.Connection:
    """A read-only copy of the pristine world, kept per process, that task templates query."""
    key = (template.domain, template.world_seed, template.size)
    world = _REFERENCE.get(key)
    if world is None:
        world = World(template)
        world.conn.execute("PRAGMA query_only = ON")
        register_reference(world.conn)
        _REFERENCE[key] = world
    return world.conn


class Replayer:
    """Replays oracle plans of one domain's tasks in one world template."""

    def __init__(
        self,
        template: WorldTemplate,
        toolbox: Toolbox,
        *,
        rollback_reset: bool,
        ignored_columns: frozenset[tuple[str, str]],
        fast: FastReplay | None = None,
    ) -> None:
        self.template = template
        self.toolbox = toolbox
        self.rollback_reset = rollback_reset
        self.ignored_columns = ignored_columns
        # The tables of ``ignored_columns`` (kept with the set they were read from).
        self._ignored_tables: tuple[frozenset[tuple[str, str]], set[str]] | None = None
        # A domain's own way to make a plan's writes when only the changes are wanted
        # (``Domain.replay``: the web shop writes through its shop, not by rendering pages).
        self.fast = fast

    def expected(
        self, task: Task, base: bytes | None = None, *, on: World | None = None
    ) -> Expected:
        """The task's expected change set, by replaying its oracle plan on a fresh copy of the
        pristine world (cached), or of ``base`` (a stream's current world; not cached).

        ``on``: a world that rolls back to the template (``rollback_reset``) to replay on instead
        of the per-process scratch world; it is reset to the template afterwards.
        """
        t = self.template
        key = (t.domain, t.world_seed, t.size, task.task_id)
        cached = _EXPECTED_CACHE.get(key) if base is None else None
        if cached is not None:
            return cached
        predict: Predict | None = getattr(self.fast, "predict", None)
        spans = predict(reference_db(t), task) if predict is not None and base is None else None
        if spans is not None:
            result = self._expected(spans, len(spans) - 1)
        else:
            result = self.replay(
                task, base if base is not None else t.data, on=on, changes_only=True
            ).expected
        if base is None:
            _EXPECTED_CACHE.put(key, result)
        return result

    def replay(
        self,
        task: Task,
        base: bytes,
        like: list[list[tuple[str, str]]] | None = None,
        outputs: list[str] | None = None,
        inspect: Callable[[sqlite3.Connection], Any] | None = None,
        on: World | None = None,
        changes_only: bool = False,
    ) -> Replayed:
        """Replay ``task``'s oracle plan on a copy of ``base``.

        ``like``: the rows a replay on another world inserted; this replay then checks it inserts
        the same kinds of rows and maps their ids. ``outputs`` collects every call's result.
        ``inspect(db)`` is called on the world the plan leaves, before it is reset; ``on`` as in
        ``expected``. Ids of new rows (ticket numbers, return ids) depend on the world's history;
        a plan made for one world runs on the other with the ids mapped as they are created.
        ``changes_only``: only the changes are wanted, not a check that every call of the plan
        works here, so pure look-ups are skipped (they change neither the world nor the session).
        """
        scratch = (
            on
            if on is not None and on.rollback_reset
            else scratch_world(self.template, self.rollback_reset)
        )
        scratch.restore(base)
        # Pure look-ups are skipped when only the changes are wanted; ids are tracked unless
        # this is the pristine replay.
        skip_pure = changes_only and outputs is None
        track = like is not None or base is not self.template.data
        run = _Run(self, task, scratch, like, outputs, skip_pure=skip_pure, track=track)
        try:
            return self._play(run, inspect)
        finally:
            scratch.reset()

    def replay_in_place(
        self,
        task: Task,
        world: World,
        inspect: Callable[[sqlite3.Connection], Any] | None = None,
        changes_only: bool = False,
        like: list[list[tuple[str, str]]] | None = None,
        outputs: list[str] | None = None,
    ) -> Replayed:
        """``replay`` on ``world`` itself (a stream's live world, or the world its isolated
        twins run in) inside a savepoint that is rolled back: no copy of the world is made or
        restored, and the world is left exactly as it was (its change log included)."""
        skip_pure = changes_only and outputs is None
        run = _Run(self, task, world, like, outputs, skip_pure=skip_pure, track=True)
        with world.savepoint():
            return self._play(run, inspect)

    def _play(self, run: _Run, inspect: Callable[[sqlite3.Connection], Any] | None) -> Replayed:
        """Run the plan of ``run`` and read its expected changes (per intent too)."""
        scratch, task = run.scratch, run.task
        marks: list[int] = []
        # The domain's fast replay makes the changes without the interface. It cannot map ids
        # call by call: a replay ``like`` another matches the rows it leaves once, at the end
        # (the expected changes, compared with the ids mapped, show whether that was right).
        fast = self.fast if run.skip_pure else None
        done = fast is not None and fast(run.ctx, task, lambda: marks.append(scratch.change_seq()))
        if done and run.track:
            inserted = scratch.inserted(run.start)
            run.match(inserted)
            run.created = [inserted]
        if not done:
            marks = [run.intent(index) for index in range(len(task.goal.intents))]
        if run.like is not None:
            run.check_all_matched()
        result = self._expected(scratch.changes_in_spans(marks or [run.start]), len(marks))
        if inspect is not None:
            inspect(scratch.conn)  # e.g. whether a follow-up can be made in the world it leaves
        return Replayed(result, run.created, run.mapping)

    def _expected(self, spans: list[list[RowChange]], n_intents: int) -> Expected:
        """The expected outcome of net changes per intent (the first ``n_intents`` spans) and of
        the whole plan (the last)."""
        per_intent = [self._graded_facts(span) for span in spans[:n_intents]]
        whole = spans[-1]
        for span, facts in zip(spans, per_intent):
            # Often one intent makes all of the plan's changes: the same net changes (the same
            # objects, see World.changes_in_spans), so the same facts.
            if len(span) == len(whole) and all(map(is_, span, whole)):
                return Expected(facts, tuple(per_intent))
        return Expected(self._graded_facts(whole), tuple(per_intent))

    def _graded_facts(self, changes: list[RowChange]) -> ChangeSet:
        """``graded(change_facts(changes))``, the filter skipped when no change is of a table
        with ignored columns (it would keep every fact)."""
        facts = change_facts(changes)
        if self._ignored_tables is None or self._ignored_tables[0] is not self.ignored_columns:
            self._ignored_tables = (self.ignored_columns, {t for t, _ in self.ignored_columns})
        tables = self._ignored_tables[1]
        if tables and any(change.table in tables for change in changes):
            return self.graded(facts)
        return facts

    def graded(self, facts: ChangeSet) -> ChangeSet:
        """Drop the domain's ignored columns (the agent's own wording): an intent is done, and
        graded, by the values that matter, not by matching the oracle's free text."""
        ignored = self.ignored_columns
        return frozenset(f for f in facts if (f[0], f[2]) not in ignored) if ignored else facts


class _Run:
    """One replay in progress: the scratch world, the rows created so far and the id mapping."""

    def __init__(
        self,
        replayer: Replayer,
        task: Task,
        scratch: World,
        like: list[list[tuple[str, str]]] | None,
        outputs: list[str] | None,
        *,
        skip_pure: bool,
        track: bool,
    ) -> None:
        self.replayer = replayer
        self.task = task
        self.scratch = scratch
        self.like = like
        self.outputs = outputs
        self.ctx = ToolContext(scratch.conn, {}, replayer.template.meta.get("now", ""))
        self.start = scratch.change_seq()  # a stream's world already carries earlier episodes' log
        self.created: list[list[tuple[str, str]]] = []
        self.mapping: dict[str, str] = {}
        # The other replay's new rows, per table in the order it made them: this replay's new
        # rows of a table are matched with them in order (the same plan makes the same rows).
        self.theirs: dict[str, list[str]] = {}
        for table, pk in (row for group in like or () for row in group):
            self.theirs.setdefault(table, []).append(pk)
        self.unmatched: list[tuple[str, str]] = []  # new rows of ours the other had none left of
        self.skip_pure = skip_pure
        self.track = track

    def intent(self, index: int) -> int:
        """Run the plan's calls for intent ``index``; the change-log mark where it started."""
        mark = self.start if index == 0 else self.scratch.change_seq()
        tools = self.replayer.toolbox.tools
        for step in self.task.plan:
            if step.intent != index or step.call is None:
                continue
            if self.skip_pure and tools[step.call.name].pure:
                if self.track:
                    self.created.append([])
                continue
            self.call(step)
        return mark

    def call(self, step: PlanStep) -> None:
        assert step.call is not None
        arguments = dict(step.call.arguments)
        if self.mapping:
            arguments = substitute_ids(arguments, self.mapping)
        before = self.scratch.change_seq() if self.track else 0
        # A call that should work needs no savepoint: if it fails, the replay is abandoned and
        # the world reset. One that should fail must leave nothing.
        out = self.replayer.toolbox.call(
            self.ctx, step.call.name, arguments, atomic=step.expect_error
        )
        if out.ok == step.expect_error:
            raise OraclePlanError(
                f"oracle plan of {self.task.task_id} misbehaves at {step.call.name}: "
                f"{out.error or 'it should fail'}"
            )
        if self.outputs is not None:
            self.outputs.append(dumps(out.result) if out.ok else str(out.error))
        if not self.track:
            return  # the pristine replay: no ids to track
        inserted = self.scratch.inserted(before) if out.wrote else []
        self.match(inserted)
        self.created.append(inserted)

    def match(self, inserted: list[tuple[str, str]]) -> None:
        """In a replay ``like`` another, pair the rows just inserted with the other's rows of
        the same table, in order, and map the ids that differ."""
        if self.like is None:
            return
        for table, b in inserted:
            queue = self.theirs.get(table)
            if not queue:
                # Either a row the other replay did not make, or one this plan deletes again
                # (a cart line that checkout empties; a replay that records only its net rows
                # never saw it): check_all_matched tells them apart at the end.
                self.unmatched.append((table, b))
                continue
            a = queue.pop(0)
            if a != b and _ID.fullmatch(a):
                self.mapping[a] = b

    def check_all_matched(self) -> None:
        """After a replay ``like`` another: it made every row the other made, and every row it
        made that the other did not is gone again by the end (not a change of the plan's)."""
        left = sorted(t for t, queue in self.theirs.items() if queue)
        if left:
            raise OraclePlanError(
                f"oracle plan of {self.task.task_id} creates fewer {', '.join(left)} rows in this "
                "world"
            )
        if self.unmatched:
            kept = set(self.scratch.inserted(self.start)).intersection(self.unmatched)
            if kept:
                raise OraclePlanError(
                    f"oracle plan of {self.task.task_id} creates other rows in this world: "
                    f"{', '.join(sorted(t for t, _ in kept))}"
                )
