"""Bounded per-process caches, and keeping long-lived objects out of the garbage collector's way."""

from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class LRUCache(Generic[V]):
    """At most ``maxsize`` entries; a hit makes its entry the newest, a put past the bound drops
    the oldest. Not thread-safe (an env and its caches belong to one thread)."""

    __slots__ = ("maxsize", "_data", "hits", "misses")

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> V | None:
        value = self._data.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self._data.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        data = self._data
        data[key] = value
        data.move_to_end(key)
        if len(data) > self.maxsize:
            data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data


_frozen: set[Any] = set()


def freeze_long_lived(key: Hashable) -> None:
    """Move every object alive now out of the collector's reach (``gc.freeze``), once per ``key``.

    Called after a world, its reference copy and the modules' tables are built: those live as
    long as the process, and a full collection would otherwise walk them all every time (the
    pauses that grew with the caches in issue 14). Garbage made so far is collected first, so
    nothing unreachable is frozen; frozen objects are still freed by reference counting.
    """
    if key in _frozen:
        return
    _frozen.add(key)
    gc.collect()
    gc.freeze()


def collect_between_episodes() -> bool:
    """Run the collector's full collection now, at a reset, when one is about due (True if it
    ran).

    CPython runs a full collection once ``threshold2`` young collections have passed since the
    last (and enough long-lived objects have piled up), in whichever allocation happens then:
    most often inside a ``step()``, which then takes as long as walking every long-lived object
    the caches hold (tens of ms). Running it between episodes instead, as soon as it could be
    due, keeps such pauses out of ``step()`` (issue 14's long runs). It only adds collections,
    never changes the thresholds, and costs a counter read at other resets.
    """
    threshold2 = gc.get_threshold()[2]
    if not gc.isenabled() or threshold2 <= 0 or gc.get_count()[2] < threshold2:
        return False
    gc.collect()
    return True
