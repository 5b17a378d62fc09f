"""Trigger-key dispatch: try each pattern only at the tokens where a match can start."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from re import _constants as _sre_constants  # type: ignore[attr-defined]
from re import _parser as _sre_parser  # type: ignore[attr-defined]

_BOUNDARY_L = r"(?<![a-z0-9_])"
_BOUNDARY_R = r"(?![a-z0-9_])"

# ---- trigger keys ---------------------------------------------------------------------------
# Python's regex engine tries every alternative at every position, which is slow for large
# alternations. Each pattern therefore gets a set of "trigger keys": the possible first four
# characters of the first token (a run of [a-z0-9]) of a match, or the whole token when it is
# shorter. A message tries a pattern only at tokens whose key is among the pattern's keys (and,
# for patterns that can start on punctuation such as "'re", a few characters before). Keys are
# derived from the parsed regex itself, so domain fragments get them too; a pattern whose start
# cannot be bounded (it can match the empty string, or starts with a wide class) is scanned
# everywhere instead.

_KEY_LEN = 4
_MAX_KEYS = 3000
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_TOKEN_RX = re.compile(r"[a-z0-9]+")
_NONTOKEN = "\x00"  # stands for "some character that ends a token"


class _Unbounded(Exception):
    pass


def _trigger_keys(pattern: str) -> frozenset[str] | None:
    """Possible leading token prefixes of a match of `pattern` (None: could start anywhere)."""
    try:
        parsed = _sre_parser.parse(pattern)
        out: set[str] = set()
        _walk(((list(parsed), 0),), "", out, 0)
        return frozenset(out)
    except (_Unbounded, RecursionError, re.error, TypeError, ValueError, AttributeError):
        return None


def _walk(stack: tuple, prefix: str, out: set[str], depth: int) -> None:
    if depth > 400 or len(out) > _MAX_KEYS:
        raise _Unbounded
    while stack and stack[-1][1] >= len(stack[-1][0]):
        stack = stack[:-1]
    if not stack:
        if not prefix:
            raise _Unbounded  # the pattern can match the empty string
        out.add(prefix)
        return
    seq, idx = stack[-1]
    rest = stack[:-1] + ((seq, idx + 1),)
    op, av = seq[idx]
    c = _sre_constants
    if op is c.LITERAL:
        _step(chr(av), rest, prefix, out, depth)
    elif op is c.IN:
        for ch in _in_chars(av):
            _step(ch, rest, prefix, out, depth)
    elif op is c.BRANCH:
        for alt in av[1]:
            _walk(rest + ((list(alt), 0),), prefix, out, depth + 1)
    elif op is c.SUBPATTERN:
        _walk(rest + ((list(av[3]), 0),), prefix, out, depth + 1)
    elif op is getattr(c, "ATOMIC_GROUP", None):
        _walk(rest + ((list(av), 0),), prefix, out, depth + 1)
    elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)):
        lo, hi, sub = av
        if lo == 0:
            _walk(rest, prefix, out, depth + 1)
        if hi != 0:
            again = rest
            if hi is c.MAXREPEAT or hi > 1:
                nxt = (op, (max(lo - 1, 0), hi if hi is c.MAXREPEAT else hi - 1, sub))
                again = rest + (([nxt], 0),)
            _walk(again + ((list(sub), 0),), prefix, out, depth + 1)
    elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        _walk(rest, prefix, out, depth + 1)  # zero-width: lookarounds only narrow the match
    else:
        raise _Unbounded


def _in_chars(items: list) -> list[str]:
    c = _sre_constants
    chars: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            chars.append(chr(av))
        elif op is c.RANGE:
            lo, hi = av
            if hi - lo > 40:
                raise _Unbounded
            chars.extend(chr(x) for x in range(lo, hi + 1))
        elif op is c.CATEGORY and av in (c.CATEGORY_SPACE, c.CATEGORY_UNI_SPACE):
            chars.append(_NONTOKEN)
        elif op is c.CATEGORY and av in (c.CATEGORY_DIGIT, c.CATEGORY_UNI_DIGIT):
            chars.extend("0123456789")
        else:
            raise _Unbounded
    return [ch if ch in _TOKEN_CHARS else _NONTOKEN for ch in dict.fromkeys(chars)]


def _step(ch: str, rest: tuple, prefix: str, out: set[str], depth: int) -> None:
    if ch in _TOKEN_CHARS:
        key = prefix + ch
        if len(key) >= _KEY_LEN:
            out.add(key)
        else:
            _walk(rest, key, out, depth + 1)
    elif prefix:
        out.add(prefix)  # the first token ended early ("ok to", "i'm")
    else:
        # Leading punctuation ("'re", "(y/n)", "$5"): the key is the first token inside the match,
        # which starts a token of the message too, since punctuation splits tokens.
        out.add(_PUNCT_LEAD)
        _walk(rest, "", out, depth + 1)


_PUNCT_LEAD = "\x00lead"  # marker in a key set: some match starts on punctuation before its key


class _Index:
    """Token start positions of a normalized message, by trigger key."""

    __slots__ = ("norm", "pos", "key", "keys")

    def __init__(self, norm: str, words: list[str] | None = None) -> None:
        self.norm = norm
        self.pos = [m.start() for m in _TOKEN_RX.finditer(norm)]
        self.key = [w[:_KEY_LEN] for w in (_TOKEN_RX.findall(norm) if words is None else words)]
        self.keys = frozenset(self.key)


class _Gated:
    """A compiled pattern tried only at token starts whose key can begin a match."""

    __slots__ = ("rx", "keys", "lead")

    def __init__(self, rx: re.Pattern[str]) -> None:
        self.rx = rx
        keys = _trigger_keys(rx.pattern)
        self.lead = keys is not None and _PUNCT_LEAD in keys
        self.keys = None if keys is None else frozenset(k for k in keys if k != _PUNCT_LEAD)

    def _starts(self, norm: str, p: int) -> Iterable[int]:
        if self.lead:
            q = p
            while q > 0 and p - q < 3 and norm[q - 1] not in _TOKEN_CHARS and not norm[q - 1].isspace():
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
        entries.append((key, _Gated(re.compile(f"{_BOUNDARY_L}(?:{'|'.join(frags)}){_BOUNDARY_R}"))))
    return tuple(entries)


class _Dispatch:
    """Gated patterns of one reading pass, tried token by token in a single loop.

    Patterns come in groups. Within a group, matches are exclusive: leftmost wins and, at one
    position, the earlier entry wins (a table of slots, say); each group's result is a list of
    non-overlapping (start, priority, end, name, text). At a token, a group's entries whose trigger keys
    contain the token's key are tried as one alternation, compiled on first use for that key.
    """

    __slots__ = ("groups", "combos", "unbounded", "has_unbounded")

    def __init__(self, groups: list[list[tuple[str, _Gated]]]) -> None:
        self.groups = groups
        self.combos: dict[str, tuple] = {}
        self.unbounded = [[(prio, name, g) for prio, (name, g) in enumerate(entries) if g.keys is None] for entries in groups]
        self.has_unbounded = [gi for gi, extra in enumerate(self.unbounded) if extra]

    def _combo(self, key: str) -> tuple:
        """Per group with entries for `key`: (group index, match function, names by group name, lead)."""
        out = []
        for gi, entries in enumerate(self.groups):
            hits = [(prio, name, g) for prio, (name, g) in enumerate(entries) if g.keys is not None and key in g.keys]
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
                    while q > 0 and p - q < 3 and norm[q - 1] not in _TOKEN_CHARS and not norm[q - 1].isspace():
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

