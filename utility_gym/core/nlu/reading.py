"""Reading an agent turn: clauses, their features and the dialogue acts they make."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from utility_gym.core.nlu.clauses import _Clause, _normalize_words, _split
from utility_gym.core.nlu.dispatch import _Index
from utility_gym.core.nlu.grounding import Grounding, extract_grounding
from utility_gym.core.nlu.lexicon import DEFAULT_LEXICON, Lexicon
from utility_gym.core.nlu.markers import (
    _CAN_RX,
    _CAPABILITY_RX,
    _CONTRAST_RX,
    _COORDINATORS,
    _CUE_RX,
    _DETERMINERS,
    _EVIDENCE,
    _FILLER_RX,
    _GAP_RX,
    _GREET_START_RX,
    _GROUND_HINT_RX,
    _LIST_GAP_RX,
    _OPENER_RX,
    _PREPS,
    _REFUSE_RX,
    _VERIFY_CUE_RX,
    _VERIFY_RX,
    _WH_DECL_RX,
    _WHICH_ONE_RX,
)
from utility_gym.core.nlu.structure import Act, Reading, _frame, _inherit_list_intros

ACT_KINDS = (
    "greet", "request", "confirm", "inform", "offer", "refuse", "ask_more", "bye",
    "wait", "transfer", "apologize", "thank",
)



MAX_ACT_CHARS = 2000
"""Only this many leading characters of a message are read for acts."""

MAX_GROUNDING_CHARS = 10000
"""Only this many leading characters of a message are scanned for typed values."""

MEMO_SIZE = 4096
"""Readings of this many recent distinct messages (up to MAX_ACT_CHARS long) are kept per lexicon."""





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


class _Evidence:
    """Clause-level evidence patterns, tried only where their trigger keys occur."""

    __slots__ = ("ix", "cache", "clause_keys")

    def __init__(self, ix: _Index) -> None:
        self.ix = ix
        self.cache: dict[tuple[str, int], bool] = {}
        self.clause_keys: dict[int, frozenset[str]] = {}

    def has(self, name: str, c: _Clause) -> bool:
        key = (name, c.start)
        got = self.cache.get(key)
        if got is None:
            gated = _EVIDENCE[name]
            lo, hi = c.toks
            if gated.keys is not None:
                ckeys = self.clause_keys.get(c.start)
                if ckeys is None:
                    ckeys = self.clause_keys[c.start] = frozenset(self.ix.key[lo:hi])
                if gated.keys.isdisjoint(ckeys):
                    self.cache[key] = False
                    return False
            got = gated.first_in(self.ix, lo, hi, c.start, c.end) is not None
            self.cache[key] = got
        return got


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
    r"\b(?:once|as soon as|when|if|until|after|before|till|without)\s+(?:you(?:'ve)?|i(?:'ve)?|we(?:'ve)?)\s+"
    r"(?:\w+\s+){0,2}?(?:share|send|give|tell|provide|pass|let me know|confirm|verify|have|know|get|receive|reply|type)"
    r"|\bwithout (?:your|you)\b"
)


def _word_before(text: str, pos: int) -> str:
    """The word right before `pos`, skipping determiners."""
    words = text[max(0, pos - 48):pos].split()
    while words and words[-1] in _DETERMINERS:
        words.pop()
    return words[-1].strip(",.:;!?()\"'") if words else ""


def _strong_slot(c: _Clause, s_start: int, s_text: str, prev_strong_end: int | None) -> bool:
    text = c.text
    if s_text.startswith(("which", "what", "why", "how", "where", "who", "describe", "explain", "tell me", "walk me",
                          "elaborate", "rephrase", "clarify", "say ")):
        return True
    if prev_strong_end is not None:
        gap = text[prev_strong_end:s_start]
        m = _LIST_GAP_RX.match(gap)
        if m and m.end() == len(gap):
            return True
    # Elliptical question: "Email?", "And your zip code?", "Order ID:".
    head = text[c.lead:s_start]
    if (c.qmark or c.colon or c.opener_q or c.imp) and len(head.split()) <= 2 and all(
        w in _DETERMINERS or w in ("and", "also", "or", "+", "&") for w in head.split()
    ):
        return True
    last = None
    for m in _CUE_RX.finditer(text, max(0, s_start - 90), s_start):
        last = m
    if last is None:
        return False
    gap = text[last.end():s_start]
    m = _GAP_RX.match(gap)
    return bool(m) and m.end() == len(gap)


def _coordinated(text: str, pos: int) -> bool:
    """Is the mention at `pos` joined to the previous one ("name, email and zip")?"""
    before = text[max(0, pos - 48):pos].rstrip()
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


def _decide(clauses: list[_Clause], grounding: Grounding, ev: _Evidence, lexicon: Lexicon) -> Reading:
    acts: list[tuple[int, int, Act]] = []  # (clause index, local pos, act)
    inform_types: dict[int, str] = {}  # clause index -> "done" | "state" | "future"
    free_actions: list[tuple[int, list[str]]] = []  # clauses with actions but no speech act
    refused: set[str] = set()
    any_refuse = False
    any_offer = False
    prev_refuse_sent = -1
    is_question = False
    firm_confirms: set[int] = set()  # clauses whose go-ahead question is explicit, not a "before I proceed"

    for ci, c in enumerate(clauses):
        marks = c.marks
        text = c.text
        actions = _unique(a for _, a, _ in c.actions) if c.actions else []
        q = c.qmark or c.opener_q
        requestish = q or c.imp or (c.colon and bool(c.slots))
        emitted: list[tuple[int, Act]] = []
        emit = emitted.append

        # ---- social formulas -------------------------------------------------------------
        greet_pos = None
        if ci == 0 and _GREET_START_RX.match(text):
            greet_pos = 0
        elif "greet" in marks and not marks.get("ask_more"):
            greet_pos = marks["greet"][0][0]
        if greet_pos is not None and not (ci > 0 and "bye" in marks):
            emit((greet_pos, _act("greet")))
        if marks:
            for kind in ("thank", "apologize", "bye", "ask_more"):
                if kind in marks:
                    emit((marks[kind][0][0], _act(kind)))
        ask_more = "ask_more" in marks

        # ---- refusal ---------------------------------------------------------------------
        refuse_pos = None
        notfound = False
        for pos, mtext in marks.get("refuse", ()):
            m = _REFUSE_RX.match(mtext)
            if m and m.group("nf"):
                notfound = True
                continue
            if m and m.group("neu"):
                continue
            if c.cond or (c.opener_q and not c.text[c.lead:].startswith(("unfortunately", "i'm afraid"))):
                continue
            if _PREREQUISITE_RX.search(text, pos):
                continue  # "I can't look up your order until you verify": a condition, not a refusal
            refuse_pos = pos if refuse_pos is None else refuse_pos
        # ---- proposal / alternative markers ------------------------------------------------
        offer_marks = marks.get("offer", [])
        if (not offer_marks and refuse_pos is None and prev_refuse_sent == c.sent and not q
                and _CONTRAST_RX.match(text, c.lead if text[c.lead:c.lead + 3] in ("but", "how") else 0)):
            offer_marks = [(0, "(contrast)")]  # "... is out of stock, but a similar model is available"
        conf_strong = bool(marks.get("confirm")) and not c.wh and not ask_more
        conf_weak = bool(marks.get("confirm_weak")) and not ask_more
        want = bool(marks.get("want")) and not c.wh and not ask_more

        # ---- requests ----------------------------------------------------------------------
        requests: list[tuple[int, str]] = []
        any_strong = False
        verify = False
        if requestish and not ask_more and (c.slots or c.wh):
            proposal = conf_strong or (conf_weak and not c.imp_strong) or any(not t.startswith("instead") for _, t in offer_marks)
            strong_flags: list[bool] = []
            prev_end: int | None = None
            for s_start, s_end, _slot, s_text in c.slots:
                strong = _strong_slot(c, s_start, s_text, prev_end)
                strong_flags.append(strong)
                prev_end = s_end if strong else None
            has_strong = any(strong_flags)
            seen_slot = False
            for (s_start, s_end, slot, _s_text), strong in zip(c.slots, strong_flags):
                ok = strong
                if not strong and any(p < s_start < p + len(t) and t.split()[0] not in _DETERMINERS for p, _, t in c.actions):
                    continue  # "change the shipping address of ...": the object of an action, not a question
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
            if requests and len(grounding.ids) < 2 and actions and set(actions) & lexicon.item_actions:
                requests = [(p, "item" if (s == "option" and _WHICH_ONE_RX.search(text)) else s) for p, s in requests]
            if not requests and c.wh and (c.qmark or c.opener_q):
                if _WHICH_ONE_RX.search(text) and len(grounding.ids) >= 2:
                    slot = _id_slot(grounding.ids, lexicon.id_slots)
                    if slot:
                        requests.append((0, slot))
                        any_strong = True
            # "Which one would you like?" with several ids listed is about those ids.
            if requests and len(grounding.ids) >= 2:
                slot = _id_slot(grounding.ids, lexicon.id_slots)
                if slot:
                    requests = [(p, slot if (s == "option" and _WHICH_ONE_RX.search(text)) else s) for p, s in requests]
        if requests:
            any_strong = any_strong or not (conf_strong or want)
            if any_strong:
                conf_weak = False
            if c.wh or (any_strong and not conf_strong):
                offer_marks = [om for om in offer_marks if not om[1].startswith("instead")]
                want = False
        for pos, slot in _unique_pairs(requests):
            emit((pos, _act("request", slot=slot)))

        # ---- refuse / offer / confirm ------------------------------------------------------
        proposal_emitted = False
        if refuse_pos is not None:
            any_refuse = True
            offer_pos = min((p for p, _ in offer_marks), default=None)
            if offer_pos is not None and offer_pos > refuse_pos:
                before = _unique(a for p, a, _ in c.actions if p < offer_pos)
                after = _unique(a for p, a, _ in c.actions if p >= offer_pos)
                for a in before or [None]:
                    emit((refuse_pos, _act("refuse", action=a)))
                for a in after or [None]:
                    emit((offer_pos, _act("offer", action=a)))
                proposal_emitted = True
            else:
                for a in actions or [None]:
                    emit((refuse_pos, _act("refuse", action=a)))
                    if a:
                        refused.add(a)
        elif offer_marks and not ask_more and not (
            all(t.startswith("instead") for _, t in offer_marks) and ev.has("done", c)
        ):
            for a in actions or [None]:
                emit((offer_marks[0][0], _act("offer", action=a)))
            proposal_emitted = True
        elif (conf_strong or conf_weak or verify) and not (requests and not conf_strong):
            pos = min((p for k in ("confirm", "confirm_weak") for p, _ in marks.get(k, ())), default=c.lead)
            strong_texts = [t for _, t in marks.get("confirm", ())]
            # After a refusal, a fresh proposal is an alternative, unless it confirms an earlier offer.
            as_offer = (
                any_refuse and not any_offer and not (set(actions) & refused)
                and any(t.startswith(("would you like me", "do you want me", "want me", "shall i", "should i", "would that", "would this"))
                        for t in strong_texts)
            )
            for a in actions or [None]:
                emit((pos, _act("offer" if as_offer else "confirm", action=a)))
            proposal_emitted = True
            if conf_strong or q:
                firm_confirms.add(ci)
        elif want and not requests:
            pos = marks["want"][0][0]
            alternatives = len(actions) >= 2 and " or " in text
            kind = "offer" if ((any_refuse and not any_offer) or alternatives) else "confirm"
            for a in actions or [None]:
                emit((pos, _act(kind, action=a)))
            proposal_emitted = True

        elif not requests and len(actions) >= 2 and " or " in text and _CAN_RX.search(text) and not q:
            # "I can send a replacement or issue a full refund": a choice of alternatives.
            for a in actions:
                emit((_CAN_RX.search(text).start(), _act("offer", action=a)))  # type: ignore[union-attr]
            proposal_emitted = True

        elif any_refuse and refuse_pos is None and not requests and not q and not c.cond and actions:
            able = _unique(a for p, a, _ in c.actions if _CAPABILITY_RX.search(text[max(0, p - 24):p]))
            if able and _CAN_RX.search(text):
                # "...not returnable. I can file a warranty claim for you.": the alternative.
                for a in able:
                    emit((c.lead, _act("offer", action=a)))
                proposal_emitted = True

        # ---- transfer / wait ---------------------------------------------------------------
        is_wait = "wait" in marks and not c.cond
        if is_wait:
            emit((marks["wait"][0][0], _act("wait")))
        if "transfer" in marks and refuse_pos is None and not proposal_emitted and not c.cond:
            emit((marks["transfer"][0][0], _act("transfer")))
            actions = [a for a in actions if a != "transfer"]
            proposal_emitted = True  # no separate inform for the handoff itself

        # ---- inform ------------------------------------------------------------------------
        if (
            refuse_pos is None
            and not proposal_emitted
            and not requests
            and not c.cond
            and not (q and not notfound)
            and not ask_more
            and "greet" not in marks
            and not (c.imp_strong and not notfound)
        ):
            kind = None
            if notfound:
                kind = "state"
            elif ev.has("done", c):
                kind = "done"
            elif ev.has("future", c):
                kind = "future"
            elif ev.has("status", c) or ev.has("state", c) or ev.has("notfound", c):
                kind = "state"
            elif actions and not is_wait and set(actions) != {"lookup"} and ev.has("self_future", c):
                kind = "future"
            elif ev.has("copula", c) and (ev.has("entity", c) or _GROUND_HINT_RX.search(text)):
                kind = "state"
            if kind and c.imp and kind not in ("done",) and not notfound:
                kind = None  # "Please try again in a few minutes."
            if kind and not (is_wait and kind == "future"):
                inform_types[ci] = kind
                if kind == "future":
                    free_actions.append((ci, actions))  # a plan: part of a later proposal, if any
                # "I can cancel it" states a capability, not an outcome.
                told = _unique(a for p, a, _ in c.actions if not _CAPABILITY_RX.search(text[max(0, p - 24):p]))
                for a in told or [None]:
                    emit((c.lead, _act("inform", action=a)))
            elif actions and not is_wait:
                free_actions.append((ci, actions))
        elif actions and not emitted and not c.cond:
            free_actions.append((ci, actions))

        if q or c.imp_strong or (c.colon and requests):
            is_question = True
        if refuse_pos is not None:
            prev_refuse_sent = c.sent
        for pos, act in emitted:
            any_offer = any_offer or act.kind == "offer"
            acts.append((ci, pos, act))
            if act.kind in ("request", "confirm", "ask_more"):
                is_question = True

    final = _postprocess(acts, inform_types, free_actions)
    return _frame(clauses, acts, final, firm_confirms, inform_types, grounding, is_question)


# A refusal followed by what must happen first is a condition: "until I've verified you", "without
# your email", "before I can look it up", "not yet".
_PREREQUISITE_RX = re.compile(
    r"\bwithout (?:you|your|verifying|confirming|first)\b"
    r"|\b(?:(?:until|till|before|unless|prior to|as soon as|once)\s+(?:\w+\s+){0,2}?"
    r"(?:you|you've|i|i've|i'm|we|we've|your|verif\w*|confirm\w*|identity|authenticat\w*|provid\w*|shar\w*|"
    r"giv\w*|know\w*|hav\w*|receiv\w*|get\w*|check\w*|look\w*)\b|yet\b)"
)


def _postprocess(
    acts: list[tuple[int, int, Act]],
    inform_types: dict[int, str],
    free_actions: list[tuple[int, list[str]]],
) -> tuple[Act, ...]:
    if not acts or (len(acts) == 1 and acts[0][2].kind != "confirm"):
        return tuple(a for _, _, a in acts)
    confirm_idx = [i for i, (_, _, a) in enumerate(acts) if a.kind == "confirm"]
    if confirm_idx:
        first_confirm_clause = acts[confirm_idx[0]][0]
        last_confirm_clause = acts[confirm_idx[-1]][0]
        borrowed: list[str] = []
        kept: list[tuple[int, int, Act]] = []
        for ci, pos, a in acts:
            # A plan stated in the future tense before "shall I proceed?" is part of the proposal.
            if a.kind == "inform" and ci < last_confirm_clause and inform_types.get(ci) == "future":
                continue
            kept.append((ci, pos, a))
        acts = kept
        for ci, names in free_actions:
            if ci <= last_confirm_clause:
                borrowed.extend(names)
        # Actions named by an offer right before "Shall I do that?" belong to the confirm.
        for ci, _, a in acts:
            if a.kind == "offer" and a.action and ci < first_confirm_clause:
                borrowed.append(a.action)
        borrowed = _unique(borrowed)
        has_named = any(a.kind == "confirm" and a.action for _, _, a in acts)
        if not borrowed and not has_named:
            # "So that's a return and a refund of $34 - is that correct?": the statement is the proposal.
            stated = [a.action for ci, _, a in acts if a.kind == "inform" and a.action
                      and ci < last_confirm_clause and inform_types.get(ci) == "state"]
            if stated:
                borrowed = _unique(a for a in stated if a)
                acts = [t for t in acts if not (t[2].kind == "inform" and t[2].action in borrowed and t[0] < last_confirm_clause
                                                and inform_types.get(t[0]) == "state")]
        if borrowed and not has_named:
            out: list[tuple[int, int, Act]] = []
            for ci, pos, a in acts:
                if a.kind == "confirm" and a.action is None:
                    out.extend((ci, pos, _act("confirm", action=b)) for b in borrowed)
                else:
                    out.append((ci, pos, a))
            acts = out
    acts.sort(key=_clause_pos)
    # Drop action-less duplicates of a kind that also has a named action; drop exact repeats
    # (acts are interned, so identity is equality).
    named_kinds = {a.kind for _, _, a in acts if a.action}
    result: list[Act] = []
    seen: set[int] = set()
    for _, _, a in acts:
        if a.action is None and a.kind in named_kinds and a.kind in _ACTION_KINDS:
            continue
        if id(a) in seen:
            continue
        seen.add(id(a))
        result.append(a)
    return tuple(result)


def _clause_pos(t: tuple[int, int, Act]) -> tuple[int, int]:
    return t[0], t[1]


_ACTION_KINDS = frozenset(("confirm", "inform", "offer", "refuse"))


_ACTS: dict[tuple[str, str | None, str | None], Act] = {}


def _act(kind: str, slot: str | None = None, action: str | None = None) -> Act:
    """Interned acts (frozen dataclass construction is comparatively slow)."""
    key = (kind, slot, action)
    act = _ACTS.get(key)
    if act is None:
        act = _ACTS[key] = Act(kind, slot, action)
    return act


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_pairs(items: list[tuple[int, str]]) -> list[tuple[int, str]]:
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    for pos, s in items:
        if s not in seen:
            seen.add(s)
            out.append((pos, s))
    return out


