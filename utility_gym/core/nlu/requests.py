"""Which facts a clause asks for: the slot mentions that are questions, not the object of an
action ("change the shipping address of ..."), a value being checked ("is your address still
12 Elm St?") or a passing mention ("I'll email you")."""

from __future__ import annotations

import re

from utility_gym.core.nlu.clauses import _Clause
from utility_gym.core.nlu.lexicon import Lexicon
from utility_gym.core.nlu.markers import (
    _COORDINATORS,
    _CUE_RX,
    _DETERMINERS,
    _GAP_RX,
    _LIST_GAP_RX,
    _PREPS,
    _VERIFY_CUE_RX,
    _VERIFY_RX,
    _WHICH_ONE_RX,
)


def _slot_requests(c: _Clause, q: bool, proposal: bool) -> tuple[list[tuple[int, str]], bool, bool]:
    """(position, slot) of each fact asked for; whether one is asked for outright (a "strong"
    mention); whether the clause checks a value instead ("can you confirm the address is ...")."""
    text = c.text
    strong_flags: list[bool] = []
    prev_end: int | None = None
    for s_start, s_end, _slot, s_text in c.slots:
        strong = _strong_slot(c, s_start, s_text, prev_end)
        strong_flags.append(strong)
        prev_end = s_end if strong else None
    has_strong = any(strong_flags)
    requests: list[tuple[int, str]] = []
    any_strong = verify = seen_slot = False
    for (s_start, s_end, slot, _s_text), strong in zip(c.slots, strong_flags):
        ok = strong
        if not strong and any(
            p < s_start < p + len(t) and t.split()[0] not in _DETERMINERS for p, _, t in c.actions
        ):
            continue  # "change the shipping address of ...": an action's object, not a question
        if not ok and not proposal and (q or c.imp or c.colon):
            prev = _word_before(text, s_start)
            ok = prev not in _PREPS and not (prev == "of" and seen_slot)
            # Once a slot is clearly asked for, other mentions only count when coordinated.
            ok = ok and (not has_strong or _coordinated(text, s_start))
        if ok and _VERIFY_RX.match(text, s_end) and _VERIFY_CUE_RX.search(text):
            verify = True  # "Can you confirm the new address is 12 Elm St?" checks a value
            ok = False
        if ok:
            requests.append((s_start, slot))
            any_strong = any_strong or strong
        seen_slot = True
    return requests, any_strong, verify


def _retarget_requests(
    c: _Clause,
    requests: list[tuple[int, str]],
    actions: list[str],
    ids: tuple[str, ...],
    lexicon: Lexicon,
) -> tuple[list[tuple[int, str]], bool]:
    """ "Which one?" asks for the item an action is about, or for one of the ids listed.

    Returns the requests and whether a "which one?" among listed ids was added as one.
    """
    text = c.text
    added = False
    if requests and len(ids) < 2 and actions and set(actions) & lexicon.item_actions:
        requests = [
            (p, "item" if (s == "option" and _WHICH_ONE_RX.search(text)) else s)
            for p, s in requests
        ]
    if not requests and c.wh and (c.qmark or c.opener_q):
        if _WHICH_ONE_RX.search(text) and len(ids) >= 2:
            slot = _id_slot(ids, lexicon.id_slots)
            if slot:
                requests.append((0, slot))
                added = True
    # "Which one would you like?" with several ids listed is about those ids.
    if requests and len(ids) >= 2:
        slot = _id_slot(ids, lexicon.id_slots)
        if slot:
            requests = [
                (p, slot if (s == "option" and _WHICH_ONE_RX.search(text)) else s)
                for p, s in requests
            ]
    return requests, added


def _word_before(text: str, pos: int) -> str:
    """The word right before `pos`, skipping determiners."""
    words = text[max(0, pos - 48) : pos].split()
    while words and words[-1] in _DETERMINERS:
        words.pop()
    return words[-1].strip(",.:;!?()\"'") if words else ""


def _strong_slot(c: _Clause, s_start: int, s_text: str, prev_strong_end: int | None) -> bool:
    text = c.text
    if s_text.startswith(
        (
            "which",
            "what",
            "why",
            "how",
            "where",
            "who",
            "describe",
            "explain",
            "tell me",
            "walk me",
            "elaborate",
            "rephrase",
            "clarify",
            "say ",
        )
    ):
        return True
    if prev_strong_end is not None:
        gap = text[prev_strong_end:s_start]
        m = _LIST_GAP_RX.match(gap)
        if m and m.end() == len(gap):
            return True
    # Elliptical question: "Email?", "And your zip code?", "Order ID:".
    head = text[c.lead : s_start]
    if (
        (c.qmark or c.colon or c.opener_q or c.imp)
        and len(head.split()) <= 2
        and all(w in _DETERMINERS or w in ("and", "also", "or", "+", "&") for w in head.split())
    ):
        return True
    last = None
    for m in _CUE_RX.finditer(text, max(0, s_start - 90), s_start):
        last = m
    if last is None:
        return False
    gap = text[last.end() : s_start]
    m = _GAP_RX.match(gap)
    return bool(m) and m.end() == len(gap)


def _coordinated(text: str, pos: int) -> bool:
    """Is the mention at `pos` joined to the previous one ("name, email and zip")?"""
    before = text[max(0, pos - 48) : pos].rstrip()
    words = before.split()
    while words and words[-1] in _DETERMINERS:
        words.pop()
    if not words:
        return True
    last = words[-1]
    return last in _COORDINATORS or last[-1] in ",:/&+)" or last.rstrip(".)").isdigit()


def _id_slot(ids: tuple[str, ...], id_slots: tuple[tuple[str, str], ...]) -> str | None:
    counts: dict[str, int] = {}
    for i in ids:
        letters = re.match(r"[A-Z]*", i)
        prefix = letters.group() if letters else ""
        for p, slot in id_slots:
            if prefix == p or (p and prefix.startswith(p) and len(p) > 1):
                counts[slot] = counts.get(slot, 0) + 1
                break
    if not counts:
        return None
    return max(counts, key=lambda k: counts[k])
