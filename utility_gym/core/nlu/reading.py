"""Reading an agent turn: clauses, their features and the dialogue acts they make."""

from __future__ import annotations

import bisect
import re

from utility_gym.core.nlu.acts import _decide, _Evidence
from utility_gym.core.nlu.clauses import _Clause, _normalize_words, _split
from utility_gym.core.nlu.dispatch import _Index
from utility_gym.core.nlu.grounding import Grounding, extract_grounding
from utility_gym.core.nlu.lexicon import DEFAULT_LEXICON, Lexicon
from utility_gym.core.nlu.markers import (
    _FILLER_RX,
    _OPENER_RX,
    _WH_DECL_RX,
)
from utility_gym.core.nlu.structure import Reading, _inherit_list_intros

ACT_KINDS = (
    "greet",
    "request",
    "confirm",
    "inform",
    "offer",
    "refuse",
    "ask_more",
    "bye",
    "wait",
    "transfer",
    "apologize",
    "thank",
)


MAX_ACT_CHARS = 2000
"""Only this many leading characters of a message are read for acts."""

MAX_GROUNDING_CHARS = 10000
"""Only this many leading characters of a message are scanned for typed values."""

MEMO_SIZE = 4096
"""Readings of this many recent distinct messages (up to MAX_ACT_CHARS long) kept per lexicon."""


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def understand(text: str, lexicon: Lexicon = DEFAULT_LEXICON) -> Reading:
    """Read one agent message into dialogue acts, typed values and a question flag.

    Never raises on a `str`; other inputs are converted with `str()` (None reads as "").
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    memo = lexicon._memo
    reading = memo.get(text)
    if reading is not None:
        return reading
    try:
        reading = _understand(text, lexicon)
    except Exception:  # pragma: no cover - defensive: the RL loop must not die on odd input
        try:
            grounding = extract_grounding(text)
        except Exception:
            grounding = Grounding()
        return Reading((), grounding, "?" in text[:MAX_ACT_CHARS])
    if len(text) <= MAX_ACT_CHARS:
        # Templated agents repeat themselves; readings are immutable, so repeats are free.
        if len(memo) >= MEMO_SIZE:
            try:
                del memo[next(iter(memo))]
            except (KeyError, StopIteration, RuntimeError):
                memo.clear()
        memo[text] = reading
    return reading


def _understand(text: str, lexicon: Lexicon) -> Reading:
    grounding = extract_grounding(text)
    norm, words = _normalize_words(text[:MAX_ACT_CHARS])
    clauses = _split(norm)
    if not clauses:
        return Reading((), grounding, False)
    starts = [c.start for c in clauses]

    def owner(pos: int) -> _Clause | None:
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            return None
        c = clauses[i]
        return c if pos < c.end else None

    ix = _Index(norm, words)
    results = lexicon._dispatch().run(ix)
    one = len(clauses) == 1
    for found in results[:-2]:
        for start, _prio, _end, kind, matched in found:
            c = clauses[0] if one else owner(start)
            if c is not None:
                c.marks.setdefault(kind, []).append((start - c.start, matched))
    for start, _prio, end, slot, matched in results[-2]:
        c = clauses[0] if one else owner(start)
        if c is not None:
            c.slots.append((start - c.start, end - c.start, slot, matched))
    for start, _prio, _end, action, matched in results[-1]:
        c = clauses[0] if one else owner(start)
        if c is not None:
            c.actions.append((start - c.start, action, matched))

    tok_pos = ix.pos
    for c in clauses:
        c.toks = (bisect.bisect_left(tok_pos, c.start), bisect.bisect_left(tok_pos, c.end))
    ev = _Evidence(ix)
    for c in clauses:
        _clause_features(c, ev)

    _inherit_list_intros(clauses, norm)

    return _decide(clauses, grounding, ev, lexicon)


def named_actions(text: str, lexicon: Lexicon = DEFAULT_LEXICON) -> frozenset[str]:
    """The actions a piece of text names, whatever acts it makes ("exchange the jacket for
    another size" names exchange even though it reads as a question about the size)."""
    norm, words = _normalize_words(text[:MAX_ACT_CHARS])
    results = lexicon._dispatch().run(_Index(norm, words))
    return frozenset(a for _, _, _, a, _ in results[-1])


def _clause_features(c: _Clause, ev: _Evidence) -> None:
    text = c.text
    f = _FILLER_RX.match(text)
    lead = f.end() if f else 0
    c.lead = lead
    o = _OPENER_RX.match(text, lead)
    kind = o.lastgroup if o else None
    if kind == "cond" and c.qmark and text.startswith("when", lead):
        kind = "wh"  # "When did it start?"
    wh = kind == "wh" and not (c.qmark is False and _WH_DECL_RX.match(text, lead))
    c.wh = wh
    c.opener_q = wh or kind == "aux"
    c.cond = kind == "cond"
    imp_strong = kind == "imp" or ev.has("imp_any", c)
    if c.slots and any(w in text for w in _CONDITION_WORDS) and _ASKING_CONDITION_RX.search(text):
        # "Once you share your email, I'll look it up": the condition asks for the fact.
        imp_strong = True
        c.cond = False
    c.imp_strong = imp_strong
    c.imp = imp_strong or ev.has("please", c)


_CONDITION_WORDS = ("once", "soon as", "when", "if ", "until", "after", "before", "till", "without")
_ASKING_CONDITION_RX = re.compile(
    r"\b(?:once|as soon as|when|if|until|after|before|till|without)\s+"
    r"(?:you(?:'ve)?|i(?:'ve)?|we(?:'ve)?)\s+"
    r"(?:\w+\s+){0,2}?(?:share|send|give|tell|provide|pass|let me know|confirm|verify|have|know|"
    r"get|receive|reply|type)"
    r"|\bwithout (?:your|you)\b"
)
