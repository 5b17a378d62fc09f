"""Query results kept across the positions of a stream while the tables they read are unchanged.

Task templates cache what they read through ``tasks.memo``; on the pristine world those results
never change. A stream generates its tasks on its live world instead, which earlier episodes
change, but only in a few tables: a customer-service episode writes orders, never products. A
``LiveMemo`` keeps each result with the versions of the tables its queries read (seen with
SQLite's trace callback, nested computations included) and uses it again while none of those
tables has changed. The versions move with the world's change log (every table a tool writes is
tracked, see ``world.install_change_capture``). A restore of the world to its template (a new
stream) keeps what was computed on the pristine world; a restore to anything else (a fork) or a
world event clears everything.
"""

from __future__ import annotations

import bisect
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from utility_gym.core.world import CHANGES_TABLE, World


@dataclass(frozen=True)
class _Entry:
    value: Any
    stamp: tuple[tuple[str, int], ...]  # (table, version) of every table its queries read
    pristine: bool  # computed on the world as restored from its template, nothing changed yet


class LiveMemo:
    """The memo of one stream server's live world (see the module docstring)."""

    def __init__(self, world: World, volatile: Iterable[str] = ()) -> None:
        self.world = world
        # Tables written without a trace in the change log: results that read one are not kept.
        self.volatile = frozenset(volatile)
        self.entries: dict[Any, _Entry] = {}
        self.versions: dict[str, int] = {}
        # (table, version) -> the primary keys of the rows that version changed
        self.changed_keys: dict[tuple[str, int], frozenset[str]] = {}
        self._generation = -1
        self._seq = 0
        self._pristine = False  # the world is as restored from its template (no change, no event)
        self._reading: list[set[str]] = []
        self._rx, self._expands = self._table_words(world.conn)
        self.hits = self.misses = self.refreshes = 0

    @staticmethod
    def _table_words(
        conn: sqlite3.Connection,
    ) -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
        """A regex of the world's table and view names, and each view's underlying tables."""
        rows = conn.execute(
            "SELECT name, type, coalesce(sql, '') FROM sqlite_master "
            "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        names = sorted((str(r[0]) for r in rows), key=len, reverse=True)
        rx = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
        tables = {str(r[0]) for r in rows if r[1] == "table"}
        expands = {
            str(r[0]): tuple(t for t in rx.findall(str(r[2])) if t in tables)
            for r in rows
            if r[1] == "view"
        }
        return rx, expands

    def catch_up(self) -> None:
        """Bring the table versions up to the live world: what its log shows changed since the
        last call; everything forgotten if the world was restored since."""
        world = self.world
        if world.generation != self._generation:
            # Restored: to the template, results computed on the pristine world hold again (a
            # new stream starts where the last one did); to anything else, none does.
            keep = {k: e for k, e in self.entries.items() if e.pristine}
            self.forget()
            if world.restored_pristine:
                self.entries.update(keep)
            self._pristine = world.restored_pristine
            self._generation = world.generation
            self._seq = world.change_seq()
            return
        rows = world.conn.execute(
            f"SELECT tbl, pk FROM {CHANGES_TABLE} WHERE seq > ?", (self._seq,)
        ).fetchall()
        changed: dict[str, set[str]] = {}
        for table, pk in rows:
            changed.setdefault(str(table), set()).add(str(pk))
        for table, pks in changed.items():
            version = self.versions[table] = self.versions.get(table, 0) + 1
            self.changed_keys[(table, version)] = frozenset(pks)
            self._pristine = False
        self._seq = world.change_seq()

    def forget(self) -> None:
        """Drop every kept result (a world event changed the rules under them)."""
        self.entries.clear()
        self.versions.clear()
        self.changed_keys.clear()
        self._pristine = False

    @contextmanager
    def reading(self, db: sqlite3.Connection) -> Iterator[None]:
        """While generating on ``db`` (a copy of the live world), watch the SQL it runs."""
        db.set_trace_callback(self._trace)
        try:
            yield
        finally:
            db.set_trace_callback(None)
            self._reading.clear()

    def _trace(self, sql: str) -> None:
        if self._reading:
            self._reading[-1].update(self._rx.findall(sql))

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        entry = self.entries.get(key)
        versions = self.versions
        if entry is not None and all(versions.get(t, 0) == v for t, v in entry.stamp):
            self.hits += 1
            if self._reading:
                self._reading[-1].update(t for t, _ in entry.stamp)
            return entry.value
        self.misses += 1
        self._reading.append(set())
        try:
            value = compute()
        finally:
            read = self._reading.pop()
        tables = set()
        for name in read:
            tables.update(self._expands.get(name, (name,)))
        if self._reading:
            self._reading[-1].update(tables)
        if tables & self.volatile:
            return value  # its tables may change unseen: computed again next time
        stamp = tuple((t, versions.get(t, 0)) for t in sorted(tables))
        self.entries[key] = _Entry(value, stamp, self._pristine)
        return value

    def get_keyed(
        self,
        key: Any,
        compute: Callable[[], list[dict[str, Any]]],
        refresh: Callable[[Mapping[str, frozenset[str]]], list[dict[str, Any]]],
        columns: Mapping[str, str],
        pk: str,
    ) -> list[dict[str, Any]]:
        """``get`` for rows keyed and ordered by column ``pk``, where ``columns`` names, for each
        table the rows read, the column of a row holding that table's key (its own primary key
        for the main table, a foreign key for a joined one). When only those tables changed
        since the rows were kept, the rows whose such column holds a changed key are dropped and
        ``refresh({column: keys})`` reads them again (it may find rows that now match and drop
        rows that no longer do); the rest are the same rows, since nothing they read changed.
        Otherwise as ``get``."""
        entry = self.entries.get(key)
        if entry is not None:
            stale = [(t, v) for t, v in entry.stamp if self.versions.get(t, 0) != v]
            if stale and all(t in columns for t, _ in stale):
                changed: dict[str, frozenset[str]] = {}
                for table, since in stale:
                    now = self.versions[table]
                    found = frozenset().union(
                        *(self.changed_keys.get((table, v), ()) for v in range(since + 1, now + 1))
                    )
                    if found:
                        column = columns[table]
                        changed[column] = changed.get(column, frozenset()) | found
                rows = _without(entry.value, changed)
                for row in refresh(changed) if changed else ():  # few: kept in order by bisect
                    bisect.insort(rows, row, key=lambda r: r[pk])
                stamp = tuple((t, self.versions.get(t, 0)) for t, _ in entry.stamp)
                self.entries[key] = _Entry(rows, stamp, self._pristine and entry.pristine)
                self.refreshes += 1
        return self.get(key, compute)  # a hit now, unless other tables changed


def _without(
    rows: list[dict[str, Any]], changed: Mapping[str, frozenset[str]]
) -> list[dict[str, Any]]:
    """``rows`` but those whose column ``c`` holds one of ``changed[c]`` (keys as text)."""
    tests = tuple(changed.items())
    if len(tests) == 1:
        ((column, keys),) = tests
        return [r for r in rows if str(r[column]) not in keys]
    return [r for r in rows if all(str(r[c]) not in keys for c, keys in tests)]
