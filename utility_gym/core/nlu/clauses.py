"""Normalization and clause splitting: an agent turn as sentences, list items and sub-clauses."""

from __future__ import annotations

import re

from utility_gym.core.nlu.dispatch import _TOKEN_RX

# --------------------------------------------------------------------------------------------
# Normalization and clause splitting
# --------------------------------------------------------------------------------------------


def _build_translation() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(32):
        table[cp] = " "
    table[ord("\n")] = "\n"
    table[ord("\r")] = "\n"
    table[0x7F] = " "
    for ch in "\u2018\u2019\u201a\u201b\u00b4\u2032\uff07":
        table[ord(ch)] = "'"
    for ch in "\u201c\u201d\u201e\u2033\uff02":
        table[ord(ch)] = '"'
    for ch in "*`~":
        table[ord(ch)] = None
    for ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
        table[ord(ch)] = None
    for ch in "\u2028\u2029\u0085":
        table[ord(ch)] = "\n"
    table[ord("\uff1f")] = "?"
    table[ord("\uff01")] = "!"
    table[ord("\u2026")] = "..."
    table[ord("\u2022")] = "\n\u2022"
    return table


_TRANSLATION = _build_translation()

_ABBREVIATIONS = {
    "u": "you",
    "ur": "your",
    "yr": "your",
    "yuor": "your",
    "pls": "please",
    "plz": "please",
    "plse": "please",
    "plez": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "tks": "thanks",
    "sry": "sorry",
    "soz": "sorry",
    "wats": "what's",
    "whats": "what's",
    "wat": "what",
    "numbr": "number",
    "nmber": "number",
    "numer": "number",
    "adress": "address",
    "addres": "address",
    "adres": "address",
    "addr": "address",
    "emial": "email",
    "emal": "email",
    "e-mail": "email",
    "recieve": "receive",
    "recieved": "received",
    "teh": "the",
    "shud": "should",
    "r": "are",
    "im": "i'm",
    "ive": "i've",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "youre": "you're",
    "youll": "you'll",
    "thats": "that's",
    "theres": "there's",
    "lemme": "let me",
    "gonna": "going to",
    "wanna": "want to",
    "gimme": "give me",
    "pwd": "password",
    "pw": "password",
    "acct": "account",
    "msg": "message",
    "qty": "quantity",
    "b4": "before",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "ok'd": "approved",
    "appologize": "apologize",
    "apologise": "apologize",
    "sincerely": "sincerely",
    "recived": "received",
    "adresss": "address",
    "plase": "please",
    "plese": "please",
    "cancelation": "cancellation",
    "refnd": "refund",
    "double check": "double-check",
    "unable 2": "unable to",
    "able 2": "able to",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "b/c": "because",
    "bc": "because",
    "re check": "re-check",
    "e mail": "email",
    "log in": "log-in",
}
_ABBREV_RX = re.compile(
    r"(?<![a-z0-9'])(?:"
    + "|".join(sorted((re.escape(k) for k in _ABBREVIATIONS), key=len, reverse=True))
    + r")(?![a-z0-9'])"
)
_SPACES_RX = re.compile(r"[^\S\n]+")
_STAR_BULLET_RX = re.compile(r"(?:^|\n)[ \t]*[*\u2022][ \t]+")
_ASCII_FIX_RX = re.compile(r"[\x00-\x09\x0b-\x1f\x7f*`~]")
_ABBREV_FIRST = frozenset(re.findall(r"[a-z0-9]+", k)[0] for k in _ABBREVIATIONS)


def _normalize(text: str) -> str:
    """Lower case, straight quotes, no emphasis marks or control characters, single spaces."""
    return _normalize_words(text)[0]


def _normalize_words(text: str) -> tuple[str, list[str]]:
    """`_normalize`, plus the message's tokens (reused by the token index)."""
    t = text.lower()
    if "*" in t or "•" in t:
        t = _STAR_BULLET_RX.sub("\n- ", t)  # "* Email" (a markdown bullet) before emphasis marks go
    if not t.isascii():
        t = t.translate(_TRANSLATION)
        if not t.isascii():
            t = _SPACES_RX.sub(" ", t)  # unicode spaces
    elif _ASCII_FIX_RX.search(t):
        t = t.translate(_TRANSLATION)
    if "(s)" in t:
        t = t.replace("(s)", "s")
    if "  " in t:
        t = _SPACES_RX.sub(" ", t)
    words = _TOKEN_RX.findall(t)
    if not _ABBREV_FIRST.isdisjoint(words):
        fixed = _ABBREV_RX.sub(_expand_abbreviation, t)
        if fixed != t:
            t = fixed
            words = _TOKEN_RX.findall(t)
    return t, words


def _expand_abbreviation(m: re.Match[str]) -> str:
    return _ABBREVIATIONS[m.group()]


# Sentence delimiters: terminal punctuation before a space/end, line breaks, semicolons,
# table pipes, bullets, emoji/symbols and spaced dashes (not the dash in "5-7 days"). One
# character class finds candidates fast; `_is_delimiter` decides.
_DELIM_CAND_RX = re.compile(
    r"[.!?\n;|\u2022\u2013\u2014\u2190-\u2bff\U0001f000-\U0001faff\ufe0f-]+"
)
_AFTER_STOP = frozenset(" \t\n\"')]")
# Sub-clause starts inside a sentence.
_SUBCLAUSE_RX = re.compile(
    r",?\s+(?=(?:but|however|although|though|whereas|otherwise)\b)"
    r"|,\s*(?=(?:would|could|can|shall|should|may|do|does|did|will|is|are|want|anything|any "
    r"other|or would|or do)\b)"
    # "That one is out of stock, so I can refund it": the consequence is a clause of its own
    r"|,\s*(?=so (?:i|we) (?:can|could|will|would)\b(?!'t| not\b))"
)
_BULLET_FIRST = frozenset("-+>#\u20220123456789")
_BULLET_RX = re.compile(r"\s*(?:[-+>#\u2022]+|\d{1,3}[.)]|[a-z][.)](?=\s))\s*")


class _Clause:
    __slots__ = (
        "start",
        "end",
        "text",
        "qmark",
        "bullet",
        "colon",
        "lead",
        "opener_q",
        "wh",
        "cond",
        "imp",
        "imp_strong",
        "slots",
        "actions",
        "marks",
        "sent",
        "ids",
        "toks",
    )

    def __init__(
        self, start: int, end: int, text: str, qmark: bool, bullet: bool, sent: int
    ) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.qmark = qmark
        self.bullet = bullet
        self.sent = sent
        self.colon = text.rstrip().endswith(":")
        self.slots: list[
            tuple[int, int, str, str]
        ] = []  # (local start, local end, slot, matched text)
        self.actions: list[tuple[int, str, str]] = []  # (local start, action, matched text)
        self.marks: dict[str, list[tuple[int, str]]] = {}


def _split(norm: str) -> list[_Clause]:
    clauses: list[_Clause] = []
    pos = 0
    n = len(norm)
    sent_index = 0
    line_start = True
    for m in _DELIM_CAND_RX.finditer(norm):
        run = m.group()
        a, b = m.span()
        if not _is_delimiter(norm, run, a, b, n):
            continue
        # "1. Refund ..." at the start of a line is a list marker, not a full stop.
        if line_start and run[0] == "." and norm[pos:a].strip().isdigit():
            continue
        _add_sentence(norm, pos, a, "?" in run, line_start, sent_index, clauses)
        sent_index += 1
        line_start = "\n" in run or "\u2022" in run or "|" in run
        # Keep a bullet ("-", "\u2022") that follows a line break with the next line.
        pos = a + run.rindex("\n") + 1 if "\n" in run else b
    if pos < n:
        _add_sentence(norm, pos, n, False, line_start, sent_index, clauses)
    return clauses


def _is_delimiter(norm: str, run: str, a: int, b: int, n: int) -> bool:
    """Does this run of candidate characters end a sentence?"""
    if "?" in run or "\n" in run or ";" in run or "|" in run or "\u2022" in run:
        return True
    first = run[0]
    if first in ".!":
        return b == n or norm[b] in _AFTER_STOP  # not the dot in "$52.10" or "a.b@c.com"
    if first in "-\u2013\u2014":
        before = norm[a - 1] if a else " "
        after = norm[b] if b < n else " "
        if before == " " and after == " ":
            return True  # "Sure - I can"
        return (
            first != "-" and not before.isdigit() and before != " " and not after.isdigit()
        )  # "Sure\u2014I can"
    return True  # emoji and symbols ("Done \u2705 Anything else?")


def _add_sentence(
    norm: str, start: int, end: int, qmark: bool, line_start: bool, sent: int, out: list[_Clause]
) -> None:
    seg = norm[start:end]
    if not seg.strip():
        return
    bullet = False
    if line_start and (seg.lstrip()[:1] in _BULLET_FIRST or seg.lstrip()[1:2] in (".", ")")):
        b = _BULLET_RX.match(seg)
        if b and b.end() > 0 and b.group().strip():
            bullet = True
            start += b.end()
            seg = norm[start:end]
    cuts = [0]
    if (
        "," in seg
        or " but " in seg
        or "however" in seg
        or "though" in seg
        or "whereas" in seg
        or "otherwise" in seg
    ):
        for m in _SUBCLAUSE_RX.finditer(seg):
            if m.end() > cuts[-1] and m.start() > 0:
                cuts.append(m.end())
    cuts.append(len(seg))
    pieces = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    for i, (a, b) in enumerate(pieces):
        text = seg[a:b]
        if not text.strip():
            continue
        out.append(
            _Clause(
                start + a, start + b, text, qmark and i == len(pieces) - 1, bullet and i == 0, sent
            )
        )
