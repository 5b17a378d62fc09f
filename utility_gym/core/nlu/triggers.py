"""Trigger keys: which tokens a lexicon pattern's match can start with, from the pattern's text.

Python's regex engine tries every alternative at every position, which is slow for large
alternations. Each pattern therefore gets a set of "trigger keys": the possible first four
characters of the first token (a run of [a-z0-9]) of a match, or the whole token when it is
shorter. A message tries a pattern only at tokens whose key is among the pattern's keys (and,
for patterns that can start on punctuation such as "'re", a few characters before).

The keys come from a small parser of the regular-expression syntax the lexicons use (literals,
escapes, classes and ranges, groups, alternation, quantifiers, anchors and lookarounds), so
domain fragments get them too without anyone writing them down. A pattern whose start cannot be
bounded (it can match the empty string, starts with ``.``, ``\\w``, a negated or wide class, a
backreference) or that uses syntax outside that subset gets no keys: it is scanned everywhere,
which is slower but reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass

KEY_LEN = 4
PUNCT_LEAD = "\x00lead"  # marker in a key set: some match starts on punctuation before its key
TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_NONTOKEN = "\x00"  # stands for "some character that ends a token"
_MAX_KEYS = 3000
_MAX_DEPTH = 400
_MAX_RANGE = 40  # a class range wider than this ([\x00-\uffff]) bounds nothing
_DIGIT_TEXT = "0123456789"
_DIGITS = tuple(_DIGIT_TEXT)
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}  # \xhh, \uhhhh, \Uhhhhhhhh
_ZERO_WIDTH_ESCAPES = frozenset("bBAZ")
_OPAQUE_ESCAPES = frozenset("wWSD")  # classes too wide to bound a match's start
_FLAGS = frozenset("aiLmsux-")


class _Unbounded(Exception):
    """The walk reached a part of the pattern that can start anywhere."""


class _Unsupported(Exception):
    """Syntax outside the subset this parser reads."""


# ---- the parsed pattern ------------------------------------------------------------------------
# A sequence is a tuple of nodes, one of:
#   ("chars", (c, ...))          one character out of these (a literal is a one-char class)
#   ("branch", (seq, ...))       alternatives
#   ("group", seq)               a group of any kind that consumes text
#   ("repeat", (lo, hi, seq))    seq repeated lo..hi times (hi None: unbounded)
#   ("zero", None)               zero-width: anchors and lookarounds only narrow a match
#   ("opaque", None)             consumes something this parser does not bound


@dataclass
class _Parser:
    text: str
    pos: int = 0

    def peek(self, k: int = 0) -> str:
        i = self.pos + k
        return self.text[i] if i < len(self.text) else ""

    def take(self) -> str:
        if self.pos >= len(self.text):
            raise _Unsupported("unexpected end of pattern")
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    def expect(self, ch: str) -> None:
        if self.take() != ch:
            raise _Unsupported(f"expected {ch!r}")

    def alternation(self) -> tuple:
        alts = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            alts.append(self.sequence())
        return alts[0] if len(alts) == 1 else (("branch", tuple(alts)),)

    def sequence(self) -> tuple:
        items: list[tuple] = []
        while self.peek() not in ("", "|", ")"):
            atom = self.atom()
            if atom is None:
                continue
            items.append(self.quantified(atom))
        return tuple(items)

    def atom(self) -> tuple | None:
        ch = self.take()
        if ch == "(":
            return self.group()
        if ch == "[":
            return ("chars", self.char_class())
        if ch == "\\":
            return self.escape()
        if ch == ".":
            return ("opaque", None)
        if ch in "^$":
            return ("zero", None)
        if ch in "*+?" or (ch == "{" and self.repeat_bounds(self.pos - 1) is not None):
            raise _Unsupported("nothing to repeat")
        return ("chars", (ch,))

    def group(self) -> tuple | None:
        if self.peek() != "?":
            return self.group_body("group")
        self.pos += 1
        kind = self.take()
        if kind == ":" or kind == ">":
            return self.group_body("group")
        if kind in "=!":
            return self.group_body("zero")
        if kind == "<" and self.peek() in ("=", "!"):
            self.pos += 1
            return self.group_body("zero")
        if kind == "P" and self.peek() == "<":
            self.skip_to(">")
            return self.group_body("group")
        if kind == "P" and self.peek() == "=":
            self.skip_to(")")
            return ("opaque", None)
        if kind == "#":
            self.skip_to(")")
            return None
        return self.flag_group(kind)

    def flag_group(self, first: str) -> tuple | None:
        """``(?i)`` sets flags for the whole pattern; ``(?i:...)`` is a group."""
        ch = first
        while ch in _FLAGS and ch:
            if ch == "x":
                raise _Unsupported("verbose patterns")
            ch = self.take()
        if ch == ")":
            return None
        if ch == ":":
            return self.group_body("group")
        raise _Unsupported("unknown group syntax")

    def group_body(self, kind: str) -> tuple:
        inner = self.alternation()
        self.expect(")")
        return (kind, None) if kind == "zero" else (kind, inner)

    def skip_to(self, end: str) -> None:
        while self.take() != end:
            pass

    def quantified(self, atom: tuple) -> tuple:
        ch = self.peek()
        if ch == "?":
            lo, hi = 0, 1
        elif ch == "*":
            lo, hi = 0, None
        elif ch == "+":
            lo, hi = 1, None
        elif ch == "{" and self.repeat_bounds(self.pos) is not None:
            lo, hi, end = self.repeat_bounds(self.pos)
            self.pos = end - 1
        else:
            return atom
        self.pos += 1
        if self.peek() in ("?", "+"):  # lazy or possessive: the same text can match
            self.pos += 1
        return ("repeat", (lo, hi, (atom,)))

    def repeat_bounds(self, start: int) -> tuple[int, int | None, int] | None:
        """(lo, hi, index after '}') when the '{' at `start` opens a repeat.

        None: the '{' is a literal, as Python reads "{", "{}" or "{a}".
        """
        i = start + 1
        lo = hi = ""
        while i < len(self.text) and self.text[i] in _DIGIT_TEXT:
            lo, i = lo + self.text[i], i + 1
        comma = i < len(self.text) and self.text[i] == ","
        if comma:
            i += 1
            while i < len(self.text) and self.text[i] in _DIGIT_TEXT:
                hi, i = hi + self.text[i], i + 1
        if i >= len(self.text) or self.text[i] != "}" or i == start + 1:
            return None
        if not comma:
            hi = lo
        return int(lo or 0), (int(hi) if hi else None), i + 1

    def escape(self) -> tuple:
        ch = self.take()
        if ch in _ZERO_WIDTH_ESCAPES:
            return ("zero", None)
        if ch == "s":
            return ("chars", (_NONTOKEN,))
        if ch == "d":
            return ("chars", _DIGITS)
        if ch in _OPAQUE_ESCAPES or ch in "123456789":
            return ("opaque", None)
        return ("chars", (self.escaped_char(ch),))

    def escaped_char(self, ch: str) -> str:
        if ch in _CONTROL:
            return _CONTROL[ch]
        if ch in _HEX_DIGITS:
            digits = "".join(self.take() for _ in range(_HEX_DIGITS[ch]))
            return chr(int(digits, 16))
        if ch.isascii() and ch.isalnum():
            raise _Unsupported(f"escape \\{ch}")
        return ch

    def char_class(self) -> tuple[str, ...] | None:
        """The characters of ``[...]`` (after the '['); None when it cannot bound a start."""
        chars: list[str] = []
        bounded = True
        if self.peek() == "^":
            self.pos += 1
            bounded = False
        first = True
        while first or self.peek() != "]":
            first = False
            item = self.class_item()
            if isinstance(item, tuple):
                chars.extend(item)
                continue
            if item is None:
                bounded = False
                continue
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                high = self.class_item()
                if not isinstance(high, str):
                    raise _Unsupported("bad class range")
                if ord(high) - ord(item) > _MAX_RANGE:
                    bounded = False
                else:
                    chars.extend(chr(x) for x in range(ord(item), ord(high) + 1))
            else:
                chars.append(item)
        self.pos += 1
        return tuple(chars) if bounded else None

    def class_item(self) -> str | tuple[str, ...] | None:
        """One character, a set of them (\\s, \\d), or None (a class too wide to bound)."""
        ch = self.take()
        if ch != "\\":
            return ch
        ch = self.take()
        if ch == "s":
            return (_NONTOKEN,)
        if ch == "d":
            return _DIGITS
        if ch in _OPAQUE_ESCAPES:
            return None
        if ch == "b":
            return "\b"
        return self.escaped_char(ch)


def parse(pattern: str) -> tuple:
    """The pattern as nested tuples (see above); raises _Unsupported outside the subset."""
    parser = _Parser(pattern)
    seq = parser.alternation()
    if parser.pos != len(pattern):
        raise _Unsupported("unbalanced parenthesis")
    return seq


# ---- the walk ---------------------------------------------------------------------------------


def trigger_keys(pattern: str) -> frozenset[str] | None:
    """Possible leading token prefixes of a match of `pattern` (None: could start anywhere)."""
    try:
        out: set[str] = set()
        _walk(((parse(pattern), 0),), "", out, 0)
        return frozenset(out)
    except (_Unbounded, _Unsupported, RecursionError, ValueError, IndexError):
        return None


def _walk(stack: tuple, prefix: str, out: set[str], depth: int) -> None:
    """Follow every path through the pattern until its first token's key is known."""
    if depth > _MAX_DEPTH or len(out) > _MAX_KEYS:
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
    kind, value = seq[idx]
    if kind == "chars":
        if value is None:
            raise _Unbounded
        for ch in dict.fromkeys(value):
            _step(ch if ch in TOKEN_CHARS else _NONTOKEN, rest, prefix, out, depth)
    elif kind == "branch":
        for alt in value:
            _walk(rest + ((alt, 0),), prefix, out, depth + 1)
    elif kind == "group":
        _walk(rest + ((value, 0),), prefix, out, depth + 1)
    elif kind == "repeat":
        _walk_repeat(value, rest, prefix, out, depth)
    elif kind == "zero":
        _walk(rest, prefix, out, depth + 1)
    else:
        raise _Unbounded


def _walk_repeat(value: tuple, rest: tuple, prefix: str, out: set[str], depth: int) -> None:
    lo, hi, sub = value
    if lo == 0:
        _walk(rest, prefix, out, depth + 1)
    if hi != 0:
        again = rest
        if hi is None or hi > 1:
            nxt = ("repeat", (max(lo - 1, 0), None if hi is None else hi - 1, sub))
            again = rest + (((nxt,), 0),)
        _walk(again + ((sub, 0),), prefix, out, depth + 1)


def _step(ch: str, rest: tuple, prefix: str, out: set[str], depth: int) -> None:
    if ch in TOKEN_CHARS:
        key = prefix + ch
        if len(key) >= KEY_LEN:
            out.add(key)
        else:
            _walk(rest, key, out, depth + 1)
    elif prefix:
        out.add(prefix)  # the first token ended early ("ok to", "i'm")
    else:
        # Leading punctuation ("'re", "(y/n)", "$5"): the key is the first token inside the match,
        # which starts a token of the message too, since punctuation splits tokens.
        out.add(PUNCT_LEAD)
        _walk(rest, "", out, depth + 1)
