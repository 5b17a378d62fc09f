"""Trigger-key dispatch: try each pattern only at the tokens where a match can start."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from utility_gym.core.nlu.triggers import KEY_LEN, PUNCT_LEAD, TOKEN_CHARS, trigger_keys

_BOUNDARY_L = r"(?<![a-z0-9_])"
_BOUNDARY_R = r"(?![a-z0-9_])"

# A pattern is tried only at tokens whose first four characters are among its trigger keys
# (triggers.py); a pattern without keys is scanned everywhere.

_TOKEN_RX = re.compile(r"[a-z0-9]+")


class _Index:
    """Token start positions of a normalized message, by trigger key."""

    __slots__ = ("norm", "pos", "key", "keys")

    def __init__(self, norm: str, words: list[str] | None = None) -> None:
        self.norm = norm
        self.pos = [m.start() for m in _TOKEN_RX.finditer(norm)]
        self.key = [w[:KEY_LEN] for w in (_TOKEN_RX.findall(norm) if words is None else words)]
        self.keys = frozenset(self.key)


class _Gated:
    """A compiled pattern tried only at token starts whose key can begin a match."""

    __slots__ = ("rx", "keys", "lead")

    def __init__(self, rx: re.Pattern[str]) -> None:
        self.rx = rx
        keys = trigger_keys(rx.pattern)
        self.lead = keys is not None and PUNCT_LEAD in keys
        self.keys = None if keys is None else frozenset(k for k in keys if k != PUNCT_LEAD)

    def _starts(self, norm: str, p: int) -> Iterable[int]:
        if self.lead:
            q = p
            while (
                q > 0 and p - q < 3 and norm[q - 1] not in TOKEN_CHARS and not norm[q - 1].isspace()
            ):
                q -= 1
            yield from range(q, p)
        yield p

    def first_in(self, ix: _Index, lo: int, hi: int, start: int, end: int) -> re.Match[str] | None:
        """First match starting at one of tokens lo..hi-1, confined to norm[start:end]."""
        if self.keys is None:
            return self.rx.search(ix.norm, start, end)
        keys = self.keys
        norm = ix.norm
        for i in range(lo, hi):
            if ix.key[i] in keys:
                for q in self._starts(norm, ix.pos[i]):
                    if q >= start:
                        m = self.rx.match(norm, q, end)
                        if m:
                            return m
        return None


def _compile_table(table: Mapping[str, tuple[str, ...]]) -> tuple[tuple[str, _Gated], ...]:
    """One gated regex per key, in priority order (earlier keys win ties at the same position)."""
    entries: list[tuple[str, _Gated]] = []
    for key, frags in table.items():
        if not frags:
            continue
        for frag in frags:
            re.compile(frag)  # raise early, with the offending fragment in the traceback
        entries.append(
            (key, _Gated(re.compile(f"{_BOUNDARY_L}(?:{'|'.join(frags)}){_BOUNDARY_R}")))
        )
    return tuple(entries)


class _Dispatch:
    """Gated patterns of one reading pass, tried token by token in a single loop.

    Patterns come in groups. Within a group, matches are exclusive: leftmost wins and, at one
    position, the earlier entry wins (a table of slots, say); each group's result is a list of
    non-overlapping (start, priority, end, name, text). At a token, a group's entries whose
    trigger keys contain the token's key are tried as one alternation, compiled on first use for
    that key.
    """

    __slots__ = ("groups", "combos", "unbounded", "has_unbounded")

    def __init__(self, groups: list[list[tuple[str, _Gated]]]) -> None:
        self.groups = groups
        self.combos: dict[str, tuple] = {}
        self.unbounded = [
            [(prio, name, g) for prio, (name, g) in enumerate(entries) if g.keys is None]
            for entries in groups
        ]
        self.has_unbounded = [gi for gi, extra in enumerate(self.unbounded) if extra]

    def _combo(self, key: str) -> tuple:
        """Per group with entries for `key`: (group index, match, names by group name, lead)."""
        out = []
        for gi, entries in enumerate(self.groups):
            hits = [
                (prio, name, g)
                for prio, (name, g) in enumerate(entries)
                if g.keys is not None and key in g.keys
            ]
            if not hits:
                continue
            lead = any(g.lead for _, _, g in hits)
            if len(hits) == 1:
                prio, name, g = hits[0]
                out.append((gi, g.rx.match, {None: (prio, name)}, lead))
                continue
            try:
                rx = re.compile("|".join(f"(?P<_e{prio}>{g.rx.pattern})" for prio, _, g in hits))
                names = {f"_e{prio}": (prio, name) for prio, name, _ in hits}
                out.append((gi, rx.match, names, lead))
            except re.error:  # e.g. two fragments reuse a group name: try them one by one
                for prio, name, g in hits:
                    out.append((gi, g.rx.match, {None: (prio, name)}, g.lead))
        combo = tuple(out)
        self.combos[key] = combo
        return combo

    def run(self, ix: _Index) -> list[list[tuple[int, int, int, str, str]]]:
        """Per group: non-overlapping (start, priority, end, name, text), left to right."""
        n = len(self.groups)
        found: list[list[tuple[int, int, int, str, str]]] = [[] for _ in range(n)]
        last = [-1] * n
        norm = ix.norm
        combos = self.combos
        for p, k in zip(ix.pos, ix.key):
            combo = combos.get(k)
            if combo is None:
                combo = self._combo(k)
            for gi, match, names, lead in combo:
                if p < last[gi]:
                    continue
                m = match(norm, p)
                if m is None and lead:
                    q = p
                    while (
                        q > 0
                        and p - q < 3
                        and norm[q - 1] not in TOKEN_CHARS
                        and not norm[q - 1].isspace()
                    ):
                        q -= 1
                        m = match(norm, q)
                        if m is not None:
                            break
                if m is not None:
                    prio, name = names[m.lastgroup if len(names) > 1 else None]
                    found[gi].append((m.start(), prio, m.end(), name, m.group()))
                    last[gi] = m.end()
        for gi in self.has_unbounded:
            got = found[gi]
            for prio, name, g in self.unbounded[gi]:
                got.extend((m.start(), prio, m.end(), name, m.group()) for m in g.rx.finditer(norm))
            found[gi] = _resolve(got)
        return found


def _resolve(found: list[tuple[int, int, int, str, str]]) -> list[tuple[int, int, int, str, str]]:
    """Leftmost, non-overlapping matches; ties at one position go to the earlier table key."""
    if len(found) > 1:
        found.sort()
    out: list[tuple[int, int, int, str, str]] = []
    last_end = -1
    for item in found:
        if item[0] >= last_end:
            out.append(item)
            last_end = item[2]
    return out
