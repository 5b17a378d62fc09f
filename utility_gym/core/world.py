"""SQLite worlds: seeded build, per-process template cache, snapshot/restore and change capture."""

from __future__ import annotations

import gc
import json
import random
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress, count
from operator import ne
from typing import Any

import sqlite_utils
from faker import Faker

_scan = (
    json.JSONDecoder().scan_once
)  # the C scanner: a logged row is a JSON array written by SQLite

SIZES = ("small", "default", "large", "xl")  # "xl": benchmark scale, for domains that define it
CHANGES_TABLE = "_changes"
CHANGE_COLUMNS_TABLE = (
    "_change_columns"  # each tracked table's columns, in the order the log holds them
)
META_TABLE = "_meta"

WorldBuilder = Callable[[sqlite_utils.Database, Faker, random.Random, str], None]
"""Fills an empty database: ``builder(db, fake, rng, size)``. Must draw all randomness from
``fake`` and ``rng`` (both seeded from the world seed)."""


@dataclass(frozen=True)
class RowChange:
    """The net change of one row over an episode."""

    table: str
    pk: str
    op: str  # "insert" | "update" | "delete"
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def columns(self) -> dict[str, Any]:
        """The columns whose value differs (new values; a delete maps to ``{}``)."""
        return dict(self._changed())

    def _changed(self) -> dict[str, Any]:
        cached = self.__dict__.get("_columns")  # computed once: grading asks several times
        if cached is None:
            if self.op == "delete" or self.after is None:
                cached = {}
            elif self.before is None:
                cached = self.after
            else:
                before = self.before
                cached = {k: v for k, v in self.after.items() if before.get(k) != v}
            self.__dict__["_columns"] = cached
        return cached

    def facts(self) -> frozenset[tuple[str, str, str, Any]]:
        """This change as grading facts (see ``change_facts``), computed once."""
        cached = self.__dict__.get("_facts")
        if cached is None:
            if self.op == "delete":
                cached = frozenset({(self.table, self.pk, "<deleted>", True)})
            else:
                table, pk = self.table, self.pk
                # floats rounded to cents (a list, not a generator: a set built from one is cheaper)
                cached = frozenset(
                    [
                        (table, pk, col, round(value, 2) if isinstance(value, float) else value)
                        for col, value in self._changed().items()
                    ]
                )
            self.__dict__["_facts"] = cached
        return cached


def change_facts(changes: Iterable[RowChange]) -> frozenset[tuple[str, str, str, Any]]:
    """A change set as hashable facts ``(table, pk, column, new value)``; a delete is
    ``(table, pk, "<deleted>", True)``. Grading compares these sets."""
    if isinstance(changes, list | tuple) and len(changes) == 1:
        return changes[0].facts()  # the set itself: a frozenset is never changed
    return frozenset().union(*[ch.facts() for ch in changes])


def install_change_capture(conn: sqlite3.Connection, tables: Iterable[str]) -> None:
    """Create the change log and AFTER INSERT/UPDATE/DELETE triggers on each tracked table.

    The log holds a row's values as a JSON array (cheaper to build in a trigger than an object
    with every column's name); the names are kept once per table, in ``_change_columns``.
    """
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {CHANGES_TABLE} (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, "
        "op TEXT NOT NULL, pk TEXT NOT NULL, before TEXT, after TEXT)"
    )
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {CHANGE_COLUMNS_TABLE} (tbl TEXT PRIMARY KEY, columns TEXT "
        "NOT NULL)"
    )
    for table in tables:
        cols = [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]
        pks = [
            row[1]
            for row in sorted(conn.execute(f"PRAGMA table_info([{table}])"), key=lambda r: r[5])
            if row[5]
        ]
        if not cols:
            raise ValueError(f"cannot track table {table!r}: it does not exist")
        if not pks:
            pks = ["rowid"]

        def obj(prefix: str, cols: list[str] = cols) -> str:
            return "json_array(" + ", ".join(f"{prefix}.[{c}]" for c in cols) + ")"

        def pk(prefix: str, pks: list[str] = pks) -> str:
            if len(pks) == 1:
                return f"CAST({prefix}.[{pks[0]}] AS TEXT)"
            return "json_array(" + ", ".join(f"{prefix}.[{p}]" for p in pks) + ")"

        conn.execute(
            f"INSERT OR IGNORE INTO {CHANGE_COLUMNS_TABLE} VALUES (?, ?)", (table, json.dumps(cols))
        )
        conn.executescript(
            f"""
            CREATE TRIGGER IF NOT EXISTS _cc_{table}_ins AFTER INSERT ON [{table}] BEGIN
              INSERT INTO {CHANGES_TABLE}(tbl, op, pk, before, after)
              VALUES ('{table}', 'insert', {pk("NEW")}, NULL, {obj("NEW")});
            END;
            CREATE TRIGGER IF NOT EXISTS _cc_{table}_upd AFTER UPDATE ON [{table}] BEGIN
              INSERT INTO {CHANGES_TABLE}(tbl, op, pk, before, after)
              VALUES ('{table}', 'update', {pk("NEW")}, {obj("OLD")}, {obj("NEW")});
            END;
            CREATE TRIGGER IF NOT EXISTS _cc_{table}_del AFTER DELETE ON [{table}] BEGIN
              INSERT INTO {CHANGES_TABLE}(tbl, op, pk, before, after)
              VALUES ('{table}', 'delete', {pk("OLD")}, {obj("OLD")}, NULL);
            END;
            """
        )


@dataclass(frozen=True)
class WorldTemplate:
    """A built world kept as serialized bytes; every episode starts from a copy."""

    domain: str
    world_seed: int
    size: str
    data: bytes
    tracked_tables: tuple[str, ...]
    meta: dict[str, str]
    # Run on each world's connection once, before its first transaction (``Domain.prepare``:
    # the web shop attaches its shared catalog there; attachments outlive ``deserialize``).
    prepare: Callable[[sqlite3.Connection], None] | None = field(default=None, compare=False)


_TEMPLATES: dict[tuple[str, int, str], WorldTemplate] = {}


def build_template(
    domain: str,
    world_seed: int,
    size: str,
    builder: WorldBuilder,
    tracked_tables: Iterable[str],
    prepare: Callable[[sqlite3.Connection], None] | None = None,
) -> WorldTemplate:
    """Build (once per process) the world for ``(domain, world_seed, size)``.

    The builder runs on an in-memory database with Faker and ``random.Random`` seeded from
    ``world_seed``; change capture is installed afterwards, so the template's log is empty.
    ``prepare``: see ``WorldTemplate.prepare``.
    """
    if size not in SIZES:
        raise ValueError(f"unknown world size {size!r}; choose one of {', '.join(SIZES)}")
    key = (domain, int(world_seed), size)
    cached = _TEMPLATES.get(key)
    if cached is not None:
        return cached
    conn = sqlite3.connect(":memory:", isolation_level=None)
    db = sqlite_utils.Database(conn)
    fake = Faker("en_US")
    fake.seed_instance(int(world_seed))
    rng = random.Random(f"{domain}:{world_seed}:{size}")
    conn.execute(f"CREATE TABLE {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    builder(db, fake, rng, size)
    tracked = tuple(tracked_tables)
    install_change_capture(conn, tracked)
    conn.execute("VACUUM")
    meta = dict(conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall())
    template = WorldTemplate(
        domain, int(world_seed), size, conn.serialize(), tracked, meta, prepare
    )
    conn.close()
    _TEMPLATES[key] = template
    # The template is long-lived: freeze it out of the collector's generations so that
    # later collections do not rescan it (and everything built before it) on every reset.
    gc.collect()
    gc.freeze()
    return template


_WORLDS = count()  # serial numbers of the worlds made in this process


class World:
    """One live episode database, restored from template bytes with ``deserialize``.

    With ``rollback_reset``, a world restored to its template keeps the episode in one open
    transaction, so that going back to the template is a ``ROLLBACK``: cheaper than
    ``deserialize``, and the connection keeps its prepared statements and page cache (a
    ``deserialize`` invalidates both, and every statement is prepared again on first use).
    The database is the same either way. A database the tools read beside the world is attached
    by the template's ``prepare`` before the first transaction (older SQLite versions refuse an
    ``ATTACH`` inside one; attachments outlive ``deserialize`` and ``ROLLBACK``).
    """

    def __init__(self, template: WorldTemplate, *, rollback_reset: bool = False) -> None:
        self.template = template
        self.rollback_reset = rollback_reset
        self.conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self._at_template = False  # an open transaction of ours started from the template's state
        self._columns: dict[str, list[str]] | None = (
            None  # the log's column names (fixed by the template)
        )
        self._changes_at_begin = -1  # conn.total_changes when the open transaction began
        self.generation = 0  # counts restores: a memo of this world's contents is void after one
        self.restored_pristine = True  # whether the last restore was to the template's bytes
        self._prepared = False  # the template's ``prepare`` ran on this connection
        self._serial = next(_WORLDS)  # tells this world from any other (write_mark)
        self.restore(template.data)

    def restore(self, data: bytes) -> None:
        """Replace the whole database with ``data`` (a template or a snapshot)."""
        to_template = self.rollback_reset and data is self.template.data
        self.generation += 1
        self.restored_pristine = data is self.template.data
        if self._at_template and self.conn.in_transaction:
            if to_template and self.conn.total_changes == self._changes_at_begin:
                return  # no row was written since the template (episodes make no schema changes)
            self.conn.execute("ROLLBACK")
            if to_template:
                self.conn.execute("BEGIN")
                self._changes_at_begin = self.conn.total_changes
                return
        self._at_template = False
        self.conn.deserialize(data)
        if not self._prepared:
            self._prepared = True
            if self.template.prepare is not None:
                self.template.prepare(self.conn)
        if to_template:
            self.conn.execute("BEGIN")
            self._at_template = True
            self._changes_at_begin = self.conn.total_changes

    def reset(self) -> None:
        self.restore(self.template.data)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Within the block, changes are made and then undone: the database, its change log
        included, is left as it was (a stream replays a plan on its live world this way)."""
        self.conn.execute("SAVEPOINT utility_gym_replay")
        try:
            yield
        finally:
            self.conn.execute("ROLLBACK TO utility_gym_replay")
            self.conn.execute("RELEASE utility_gym_replay")

    def snapshot(self) -> bytes:
        if self._at_template and self.conn.in_transaction:
            # serialize() reads committed pages only: commit the episode first. The world then
            # runs in autocommit mode, as without rollback_reset, until it is restored.
            self.conn.execute("COMMIT")
        self._at_template = False
        return self.conn.serialize()

    @property
    def now(self) -> str:
        return self.template.meta.get("now", "")

    def change_seq(self) -> int:
        row = self.conn.execute(f"SELECT coalesce(max(seq), 0) FROM {CHANGES_TABLE}").fetchone()
        return int(row[0])

    def write_mark(self) -> tuple[int, int, int]:
        """Equal marks of one world mean nothing was written or restored in between: a row
        written counts in ``total_changes`` even when rolled back, a restore in ``generation``."""
        return (self._serial, self.generation, self.conn.total_changes)

    def clear_changes(self) -> None:
        """Forget the change log (the world keeps its state); used between stream episodes."""
        self.conn.execute(f"DELETE FROM {CHANGES_TABLE}")

    def changes(self, since: int = 0) -> list[RowChange]:
        """Net row changes recorded after log position ``since``, in first-touched order.

        Costs what the episode changed, not what the world holds: only the log is read.
        """
        return _net(self._log(since), self._change_columns(), {})

    def inserted(self, since: int = 0) -> list[tuple[str, str]]:
        """``(table, key)`` of the rows ``changes(since)`` has as inserts, in the same order,
        read from the log's operations alone (no row values decoded)."""
        net: dict[tuple[str, str], str] = {}
        for tbl, op, pk in self.conn.execute(
            f"SELECT tbl, op, pk FROM {CHANGES_TABLE} WHERE seq > ? ORDER BY seq", (since,)
        ):
            key = (tbl, pk)
            so_far = net.get(key)
            net[key] = op if so_far is None else _NET_OP.get((so_far, op), so_far)
        return [key for key, op in net.items() if op == "insert"]

    def changes_in_spans(self, marks: Sequence[int]) -> list[list[RowChange]]:
        """The net changes of each span of the log between increasing positions ``marks``
        (``marks[i]`` to ``marks[i + 1]``, the last one to the end), then of all of it after
        ``marks[0]``: one read of the log, each logged row decoded once."""
        decoded = self._log(marks[0])
        columns = self._change_columns()
        shared: dict[tuple[int, int], RowChange] = {}  # see _net
        spans: list[list[RowChange]] = []
        i = 0
        for end in [*marks[1:], None]:
            j = i
            while j < len(decoded) and (end is None or decoded[j][0] <= end):
                j += 1
            spans.append(_net(decoded[i:j], columns, shared))
            i = j
        spans.append(_net(decoded, columns, shared))
        return spans

    def _log(
        self, since: int
    ) -> list[tuple[int, str, str, str, list[Any] | None, list[Any] | None]]:
        """The log after position ``since`` as ``(seq, table, op, pk, before, after)``, values
        decoded from the JSON arrays the triggers wrote (by the C scanner)."""
        rows = self.conn.execute(
            f"SELECT seq, tbl, op, pk, before, after FROM {CHANGES_TABLE} WHERE seq > ? ORDER BY "
            "seq",
            (since,),
        ).fetchall()
        return [
            (
                seq,
                tbl,
                op,
                pk,
                _scan(before, 0)[0] if before else None,
                _scan(after, 0)[0] if after else None,
            )
            for seq, tbl, op, pk, before, after in rows
        ]

    def _change_columns(self) -> dict[str, list[str]]:
        if self._columns is None:
            rows = self.conn.execute(f"SELECT tbl, columns FROM {CHANGE_COLUMNS_TABLE}")
            self._columns = {tbl: json.loads(cols) for tbl, cols in rows}
        return self._columns

    def close(self) -> None:
        self.conn.close()

    def __getstate__(self) -> dict[str, Any]:
        # A sqlite3 connection cannot be pickled: carry the database as bytes instead.
        return {
            "template": self.template,
            "data": self.snapshot(),
            "rollback_reset": self.rollback_reset,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["template"], rollback_reset=state.get("rollback_reset", False))
        self.restore(state["data"])


# A row's net change so far, and the next logged operation on it -> its net change after; any
# other pair leaves it as it was (an update after an insert is still an insert).
_NET_OP = {
    ("insert", "delete"): "noop",
    ("update", "delete"): "delete",
    ("noop", "delete"): "delete",
    ("delete", "insert"): "update",
}


def _net(
    decoded: Sequence[tuple[int, str, str, str, list[Any] | None, list[Any] | None]],
    columns: dict[str, list[str]],
    shared: dict[tuple[int, int], RowChange],
) -> list[RowChange]:
    """Net changes of decoded log rows ``(seq, table, op, pk, before, after)`` (values as lists
    in the order of ``columns[table]``), in first-touched order. A row's net change is kept in
    ``shared`` under the log positions of its first and last logged change: another net with
    the same two for that row (the whole log and the one span that holds all of the row's
    changes) reuses it, and its columns and facts are computed once."""
    net: dict[tuple[str, str], list[Any]] = {}
    for seq, tbl, op, pk, before, after in decoded:
        key = (tbl, pk)
        entry = net.get(key)
        if entry is None:
            net[key] = [op, before, after, seq, seq]
        else:
            entry[2] = after
            entry[4] = seq
            entry[0] = _NET_OP.get((entry[0], op), entry[0])
    out = []
    for (tbl, pk), (op, before, after, first, last) in net.items():
        if op == "noop":
            continue
        change = shared.get((first, last))
        if change is None:
            names = columns[tbl]
            after_row = dict(zip(names, after, strict=True)) if after is not None else None
            if op == "delete" or after is None:
                changed: dict[str, Any] = {}
            elif before is None:
                changed = after_row  # type: ignore[assignment]
            else:  # the columns whose value differs, compared in C (a short row diff per change)
                changed = dict(compress(zip(names, after), map(ne, before, after)))
            change = RowChange(
                tbl,
                pk,
                op,
                dict(zip(names, before, strict=True)) if before is not None else None,
                after_row,
            )
            change.__dict__["_columns"] = changed
            shared[(first, last)] = change
        if op == "update" and not change._changed():
            continue
        out.append(change)
    return out


def row_dict(row: sqlite3.Row) -> dict[str, Any]:
    """``dict(row)``, faster: ``dict(row)`` looks each column up by name (a scan of the names)."""
    keys = row.keys()
    out = dict(zip(keys, row))
    # A repeated column name keeps its first value in dict(row), its last one in zip.
    return out if len(out) == len(keys) else dict(row)


def row_dicts(rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    """``[dict(r) for r in rows]`` for the rows of one query, which share their column names."""
    if not rows:
        return []
    keys = rows[0].keys()
    if len(set(keys)) != len(keys):
        return [dict(r) for r in rows]
    return [dict(zip(keys, r)) for r in rows]


def query_one(
    conn: sqlite3.Connection, sql: str, params: tuple | dict = ()
) -> dict[str, Any] | None:
    row = conn.execute(sql, params).fetchone()
    return row_dict(row) if row is not None else None


def query_all(
    conn: sqlite3.Connection, sql: str, params: tuple | dict = ()
) -> list[dict[str, Any]]:
    return row_dicts(conn.execute(sql, params).fetchall())
