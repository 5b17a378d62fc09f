"""Stream serving: the next task of a stream in its persistent world, and its isolated twin.

``core.streams`` plans a stream (positions, follow-ups, world events); this room serves it.
Tasks are generated on the world as the stream has left it; every stream task must also run in
isolation (the pristine world with the same world events), which gives each stream episode an
*isolated twin* for the paired familiarity measure (DESIGN.md, "Streams").
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from utility_gym.core.domain import Domain
from utility_gym.core.live_memo import LiveMemo
from utility_gym.core.replay import (
    Expected,
    OraclePlanError,
    Replayer,
    scratch_world,
)
from utility_gym.core.streams import build_plan
from utility_gym.core.substitution import substitute_ids
from utility_gym.core.task_factory import TaskFactory
from utility_gym.core.tasks import (
    TEST_SEED_BASE,
    NoTask,
    Observed,
    Task,
    live_memo,
    parse_task_id,
)
from utility_gym.core.world import World, query_one


class StreamExhausted(RuntimeError):
    """A stream has no next task: its last position is done, or earlier episodes used up what
    every template needs (a small queue's new tickets). ``reset(seed=...)`` starts a new stream."""


@dataclass
class StreamState:
    """Where a stream is: its plan, what it served, and the world events applied so far."""

    seed: int
    plan: list[
        dict[str, Any]
    ]  # per position: template, seed, and "after" / "anchor_for" / "events"
    position: int = 0
    tasks: dict[int, Task] = field(
        default_factory=dict
    )  # anchors, for the follow-ups that refer to them
    applied: list[tuple[int, str]] = field(
        default_factory=list
    )  # (position, world event), in order
    new_events: list[dict[str, Any]] = field(default_factory=list)  # the events of this position
    # The current task and the ids new rows get when it runs alone: its isolated twin is made
    # from them when asked for (``twin``), since most resets never ask.
    twin_of: tuple[Task, dict[str, str]] | None = None

    @property
    def twin(self) -> Task | None:
        """The current task as it is alone in the pristine world (None before the first)."""
        if self.twin_of is None:
            return None
        task, mapping = self.twin_of
        return substitute_ids(task, mapping)

    def info(self) -> dict[str, Any]:
        """Where the stream is; ``follows_position`` is None unless the task is a follow-up
        (``info["stream"]`` shows it as -1, see ``UtilityEnv``)."""
        entry = self.plan[self.position]
        return {
            "seed": self.seed,
            "position": self.position,
            "length": len(self.plan),
            "template": entry["template"],
            "follows_position": entry.get("after"),
            "events": list(self.new_events),
            "world_events": [n for _, n in self.applied],
        }


class StreamServer:
    """Serves the streams of one domain in one env's live world."""

    def __init__(
        self, domain: Domain, world: World, factory: TaskFactory, replayer: Replayer
    ) -> None:
        self.domain = domain
        self.world = world
        self.factory = factory
        self.replayer = replayer
        self._isolation_bases: dict[
            tuple[str, ...], bytes
        ] = {}  # world events applied -> world bytes
        # Template queries on the live world, kept while valid.
        self.memo = LiveMemo(world, volatile=domain.untracked_writes)
        # Where isolated twins replay, and the world events it holds (made on first use).
        self._isolated: World | None = None
        self._isolated_key: tuple[str, ...] = ()

    def plan(self, stream_seed: int, length: int) -> list[dict[str, Any]]:
        """Each position's template and seed, follow-ups of earlier positions and world events
        (see ``utility_gym.core.streams.build_plan``)."""
        train = [t.name for t in self.factory.train_templates]
        # A follow-up may also follow a stream-only template (one without ``follows`` in
        # ``Domain.follow_ups`` is planned only as the anchor of the follow-ups that name it).
        anchors = {*train, *(t.name for t in self.domain.stream_templates if t.follows is None)}
        pairs = [(t.name, t.follows) for t in self.domain.follow_ups if t.follows in anchors]
        return build_plan(
            self.domain.name,
            stream_seed,
            length,
            train,
            pairs,
            [e.name for e in self.domain.world_events],
            [t.name for t in self.domain.regularities],
        )

    def start(self, stream_seed: int, length: int) -> StreamState:
        """Stream ``stream_seed`` in a pristine world."""
        self.world.reset()
        return StreamState(stream_seed, self.plan(stream_seed, length))

    def advance(self, stream: StreamState) -> None:
        """Move to the stream's next position, or StreamExhausted after its last."""
        if stream.position + 1 >= len(stream.plan):
            raise StreamExhausted(
                f"stream {stream.seed} has no task after position {stream.position}; "
                "call reset(seed=...) to start a new stream"
            )
        stream.position += 1

    def serve(self, stream: StreamState, task_id: str | None) -> tuple[Task, Expected]:
        """The task at the stream's position (``task_id`` names one to put there instead),
        with its expected changes in the live world; world events scheduled here happen first."""
        named = self._named(task_id)
        position = stream.position
        entry = stream.plan[position]
        if named is not None:
            # A named task takes this position (e.g. to replay a stream in another order); the
            # world events scheduled here still happen.
            entry = stream.plan[position] = {
                "template": named[0],
                "seed": named[1],
                **{k: v for k, v in entry.items() if k == "events"},
            }
        stream.new_events = []
        for name in entry.get("events", ()):
            event = self.domain.event(name)
            event.apply(self.world.conn)
            stream.applied.append((position, name))
            self.memo.forget()  # the world's rules changed under every kept query
            stream.new_events.append(
                {"name": name, "description": event.description, "position": position}
            )
        return self._first_that_works(stream, entry, task_id if named is not None else None)

    def _named(self, task_id: str | None) -> tuple[str, int] | None:
        if task_id is None:
            return None
        domain, template_name, task_seed = parse_task_id(str(task_id))
        if domain != self.domain.name:
            raise ValueError(f"task {task_id!r} belongs to {domain!r}, not {self.domain.name!r}")
        self.domain.template(template_name)  # an unknown template is a clear KeyError here
        return template_name, task_seed

    def _first_that_works(
        self, stream: StreamState, entry: dict[str, Any], named: str | None
    ) -> tuple[Task, Expected]:
        """Tasks are generated on the world as this stream has left it, so they stay valid. If
        earlier episodes used up what a template needs, the next seeds, then the stream's other
        templates, are tried in a fixed order; the plan records what was served. A ``named``
        task id is tried alone (NoTask if it cannot be made here)."""
        self.memo.catch_up()
        planned_only = {t.name for t in self.domain.stream_templates}
        template = entry["template"]
        others = [
            e["template"]
            for e in stream.plan
            if e["template"] != template and e["template"] not in planned_only
        ]
        fallbacks = [template] if named else [template] + others
        reasons: dict[str, str] = {}
        # Templates read the live world itself (read-only while they do), and plans replay on
        # it inside a savepoint: no copy of the world is made, and its page cache and prepared
        # statements stay warm from position to position.
        db = self.world.conn
        with live_memo(db, self.memo):
            found = self._try_in_order(stream, entry, fallbacks, named, db, reasons)
        if found is not None:
            return found
        if named:
            raise NoTask(
                f"task {named!r} cannot be made in this stream's world at position "
                f"{stream.position}"
            )
        why = "; ".join(f"{n}: {r}" for n, r in reasons.items())
        raise StreamExhausted(
            f"no template of stream {stream.seed} can make a task at position {stream.position}: "
            "earlier episodes "
            f"used up what they need ({why}). Start a new stream with reset(seed=...), or use a "
            "shorter "
            "stream_length or a larger world size"
        )

    def _try_in_order(
        self,
        stream: StreamState,
        entry: dict[str, Any],
        fallbacks: list[str],
        named: str | None,
        db: sqlite3.Connection,
        reasons: dict[str, str],
    ) -> tuple[Task, Expected] | None:
        """The first template and seed of ``fallbacks`` that makes a task here (None if none
        does; ``reasons`` says why each failed)."""
        for name in dict.fromkeys(fallbacks):
            for k in range(1 if named else 8):
                candidate = (
                    entry["seed"] if k == 0 else (entry["seed"] + 104_729 * k) % TEST_SEED_BASE
                )
                try:
                    task, expected = self._candidate(stream, entry, name, candidate, db)
                except (NoTask, OraclePlanError) as e:
                    reasons[name] = str(e)
                    if isinstance(e, NoTask) and e.every_seed:
                        break  # the world lacks what this template needs, whatever the seed
                    continue
                self._record(stream, entry, name, candidate, task)
                return task, expected
        return None

    def _candidate(
        self,
        stream: StreamState,
        entry: dict[str, Any],
        name: str,
        seed: int,
        db: sqlite3.Connection,
    ) -> tuple[Task, Expected]:
        """Make task ``name/seed`` on the stream's world; its plan must work there and alone."""
        earlier = stream.tasks.get(entry["after"]) if "after" in entry else None
        own = name == entry["template"]
        task = self._generate(name, seed, db, earlier if own else None)
        task = _with_carried_rows(task, db)
        # An anchor: the follow-up planned later must be possible in the world its oracle plan
        # leaves (checked within the same replay).
        follow_up = entry.get("anchor_for") if own else None
        inspect = (
            (lambda d, t=task, f=follow_up, c=seed: self._follow_up(f, c, d, t))
            if follow_up
            else None
        )
        # Its plan must work in this world and in isolation; the replay is kept, and the isolated
        # twin gets the ids the pristine world gives new rows.
        # Look-ups are skipped here: the isolated twin below runs the whole plan, and the
        # episode itself shows whether they work in this world.
        replayed = self.replayer.replay_in_place(
            task, self.world, inspect=inspect, changes_only=True
        )
        applied = [n for _, n in stream.applied]
        stream.twin_of = (task, self._twin(task, replayed.expected, replayed.created, applied))
        return task, replayed.expected

    def _generate(self, name: str, seed: int, db: sqlite3.Connection, earlier: Task | None) -> Task:
        """Task ``name/seed`` made on the live world ``db``. Templates only read it: a write is
        undone and is an error. (A savepoint, not ``PRAGMA query_only``: setting that pragma
        expires every prepared statement of the connection, and each would be compiled again.)"""
        before = db.total_changes
        with self.world.savepoint():
            task = self.factory.build_task(name, seed, None, db, earlier)
            wrote = db.total_changes != before
        if wrote:
            raise RuntimeError(
                f"template {name} wrote to the stream's world while making a task; templates "
                "may only read it"
            )
        return task

    def _follow_up(self, name: str, seed: int, db: sqlite3.Connection, anchor: Task) -> Task:
        """The follow-up ``name`` of ``anchor`` made on ``db``. If it cannot be made, another
        seed of the anchor may pick a record it can follow up: the failure is not the anchor
        template's for every seed."""
        try:
            return self.factory.build_task(name, seed, None, db, anchor)
        except NoTask as e:
            e.every_seed = False
            raise

    @staticmethod
    def _record(
        stream: StreamState, entry: dict[str, Any], name: str, seed: int, task: Task
    ) -> None:
        served = {
            "template": name,
            "seed": seed,
            **{k: v for k, v in entry.items() if k == "events"},
        }
        if name == entry["template"]:
            served.update({k: v for k, v in entry.items() if k in ("after", "anchor_for")})
        stream.plan[stream.position] = served
        if "anchor_for" in served:
            stream.tasks[stream.position] = task

    def _twin(
        self,
        task: Task,
        expected: Expected,
        created: list[list[tuple[str, str]]],
        event_names: Sequence[str],
    ) -> dict[str, str]:
        """How ``task``'s ids map when it runs alone in the pristine world with ``event_names``
        applied (and the rows it carries), or OraclePlanError if it is not the same task there:
        its plan must run, make the same changes (up to the ids of new rows) and show every
        fact the agent must tell."""
        # A task with no fact to tell needs only its changes compared: the domain's own replay
        # of its writes may make them (the web shop's, which renders no page). Otherwise every
        # call runs, look-ups too, and their results are kept to find the facts in.
        quick = not task.required_facts and self.replayer.fast is not None
        outputs: list[str] = []
        world = self._isolation_world(event_names)
        # The isolated world is kept as it is: the carried rows and the replay are undone.
        with world.savepoint():
            _insert_rows(world.conn, task.extras.get("carried_rows") or ())
            alone = self.replayer.replay_in_place(
                task,
                world,
                like=created,
                outputs=None if quick else outputs,
                changes_only=quick,
            )
        mapping = alone.mapping
        if substitute_ids(expected, mapping) != alone.expected:
            raise OraclePlanError(f"{task.task_id} changes the world differently in isolation")
        goal = task.goal
        said = (*goal.known.values(), *(i.request for i in goal.intents), goal.opening)
        seen = Observed([*outputs, *substitute_ids(said, mapping)])
        missing = [f for f in substitute_ids(task.required_facts, mapping) if not seen.has(f)]
        if missing:
            raise OraclePlanError(
                f"{task.task_id} has other facts in isolation: "
                f"{', '.join(f.describe() for f in missing)}"
            )
        return mapping

    def isolate(self, task: Any, world_events: Sequence[str], mode: str) -> tuple[Task, list[str]]:
        """``reset(options={"task": task, "world_events": [...]})``: this exact Task (e.g. one a
        stream served) alone, in the pristine world with only the named world events applied:
        the isolated twin of a stream episode. The live world is restored to it."""
        if not isinstance(task, Task):
            raise TypeError(
                "options['task'] must be a Task (e.g. env.unwrapped.task of a stream), got "
                f"{type(task).__name__}"
            )
        if task.domain != self.domain.name:
            raise ValueError(
                f"task {task.task_id!r} belongs to {task.domain!r}, not {self.domain.name!r}"
            )
        if mode == "stream":
            raise ValueError(
                "options['task'] runs one task in isolation; use an env with mode='episodic'"
            )
        names = [str(n) for n in world_events]
        self.world.restore(self.isolated_world(task, names))
        return task, names

    def isolated_world(self, task: Task, event_names: Sequence[str]) -> bytes:
        """Where ``task`` runs alone: the pristine world, the world events, and the rows of the
        stream's world it refers to (``extras["carried_rows"]``, e.g. a ticket an earlier
        episode opened that it duplicates)."""
        base = self._isolation_base(event_names)
        rows = task.extras.get("carried_rows") or ()
        if not rows:
            return base
        scratch = scratch_world(self.factory.template, self.domain.rollback_reset)
        scratch.restore(base)
        try:
            _insert_rows(scratch.conn, rows)
            return scratch.snapshot()
        finally:
            scratch.reset()

    def _isolation_world(self, event_names: Sequence[str]) -> World:
        """A world of this server's own, kept at the pristine world with ``event_names``
        applied: isolated twins replay on it inside a savepoint, so no copy of a world is
        made or restored per reset (only when the stream's world events change)."""
        key = tuple(event_names)
        if self._isolated is None or key != self._isolated_key:
            # Events cannot be taken back but by a restore: a new world for new events.
            if self._isolated is not None:
                self._isolated.close()
            world = World(self.factory.template, rollback_reset=self.domain.rollback_reset)
            for name in key:
                self.domain.event(name).apply(world.conn)
            self._isolated, self._isolated_key = world, key
        return self._isolated

    def _isolation_base(self, event_names: Sequence[str]) -> bytes:
        """The pristine world with ``event_names`` applied (what an isolated twin starts from)."""
        key = tuple(event_names)
        template = self.factory.template
        if not key:
            return template.data
        cache = self._isolation_bases
        if key not in cache:
            scratch = scratch_world(template, self.domain.rollback_reset)
            scratch.restore(template.data)
            try:
                for name in key:
                    self.domain.event(name).apply(scratch.conn)
                cache[key] = scratch.snapshot()
            finally:
                scratch.reset()
        return cache[key]


def _insert_rows(db: sqlite3.Connection, rows: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Write ``(table, row)`` pairs into ``db``, replacing rows with the same key."""
    for table, row in rows:
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        sql = f'INSERT OR REPLACE INTO "{table}" ({columns}) VALUES ({marks})'
        db.execute(sql, tuple(row.values()))


def _with_carried_rows(task: Task, db: sqlite3.Connection) -> Task:
    """``task`` with the rows its ``extras["carry"]`` names ((table, key) pairs of the stream's
    world) copied into ``extras["carried_rows"]``, for its isolated twin."""
    carry = task.extras.get("carry")
    if not carry:
        return task
    rows = []
    for table, key in carry:
        pk = next(r[1] for r in db.execute(f'PRAGMA table_info("{table}")') if r[5] == 1)
        row = query_one(db, f'SELECT * FROM "{table}" WHERE "{pk}" = ?', (key,))
        if row is None:
            raise NoTask(f"{task.task_id} refers to {table} {key}, which this world does not have")
        rows.append((table, row))
    return dataclasses.replace(task, extras={**task.extras, "carried_rows": tuple(rows)})
