"""Deciding a turn's dialogue acts, clause by clause, from the clauses' marks, slots and evidence.

Each clause goes through the same steps, in order: social formulas (greet, thank, bye ...), a
refusal, the markers of a proposal, the facts it asks for (requests), the proposal itself
(refuse / offer / confirm), a handoff or a wait, and what it tells (inform). What one clause
decides can change how a later one reads ("..., but a similar model is available" after a
refusal is an offer), so a `_Turn` carries that state; `_postprocess` then settles the acts of
the whole turn (a plan stated before "shall I proceed?" is part of the proposal).
"""

from __future__ import annotations

import re

from utility_gym.core.nlu.clauses import _Clause
from utility_gym.core.nlu.dispatch import _Index
from utility_gym.core.nlu.grounding import Grounding
from utility_gym.core.nlu.lexicon import Lexicon
from utility_gym.core.nlu.markers import (
    _CAN_RX,
    _CAPABILITY_RX,
    _CONTRAST_RX,
    _EVIDENCE,
    _GREET_START_RX,
    _GROUND_HINT_RX,
    _REFUSE_RX,
)
from utility_gym.core.nlu.requests import _retarget_requests, _slot_requests
from utility_gym.core.nlu.settle import _act, _postprocess, _unique, _unique_pairs
from utility_gym.core.nlu.structure import Act, Reading, _frame


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


class _Turn:
    """The reading of a turn so far: its acts, and what earlier clauses tell later ones."""

    __slots__ = (
        "grounding", "ev", "lexicon", "acts", "inform_types", "free_actions", "refused",
        "any_refuse", "any_offer", "prev_refuse_sent", "is_question", "firm_confirms",
    )  # fmt: skip

    def __init__(self, grounding: Grounding, ev: _Evidence, lexicon: Lexicon) -> None:
        self.grounding = grounding
        self.ev = ev
        self.lexicon = lexicon
        self.acts: list[tuple[int, int, Act]] = []  # (clause index, local pos, act)
        self.inform_types: dict[int, str] = {}  # clause index -> "done" | "state" | "future"
        self.free_actions: list[tuple[int, list[str]]] = []  # actions named, no speech act
        self.refused: set[str] = set()
        self.any_refuse = False
        self.any_offer = False
        self.prev_refuse_sent = -1
        self.is_question = False
        # clauses whose go-ahead question is explicit, not a "before I proceed"
        self.firm_confirms: set[int] = set()


class _ClauseActs:
    """One clause while its acts are decided: what the steps found so far, and the acts."""

    __slots__ = (
        "ci", "c", "marks", "text", "actions", "q", "requestish", "ask_more", "emitted",
        "refuse_pos", "notfound", "offer_marks", "conf_strong", "conf_weak", "want",
        "requests", "any_strong", "verify", "proposal_emitted", "is_wait",
    )  # fmt: skip

    def __init__(self, ci: int, c: _Clause) -> None:
        self.ci = ci
        self.c = c
        self.marks = c.marks
        self.text = c.text
        self.actions = _unique(a for _, a, _ in c.actions) if c.actions else []
        self.q = c.qmark or c.opener_q
        self.requestish = self.q or c.imp or (c.colon and bool(c.slots))
        self.ask_more = "ask_more" in c.marks
        self.emitted: list[tuple[int, Act]] = []
        self.refuse_pos: int | None = None
        self.notfound = False
        self.offer_marks: list[tuple[int, str]] = []
        self.conf_strong = self.conf_weak = self.want = False
        self.requests: list[tuple[int, str]] = []
        self.any_strong = False
        self.verify = False
        self.proposal_emitted = False
        self.is_wait = False


def _decide(
    clauses: list[_Clause], grounding: Grounding, ev: _Evidence, lexicon: Lexicon
) -> Reading:
    turn = _Turn(grounding, ev, lexicon)
    for ci, c in enumerate(clauses):
        st = _ClauseActs(ci, c)
        marks = c.marks
        # Each step runs only where the clause has what it reads: most clauses have no marks.
        if marks or ci == 0:
            _social_acts(st)
        if "refuse" in marks:
            _find_refusal(st)
        if marks or turn.prev_refuse_sent == c.sent:
            _find_proposal_marks(st, turn)
        if st.requestish and (c.slots or c.wh):
            _request_acts(st, turn)
        if marks or st.actions or st.offer_marks or st.verify:
            _proposal_acts(st, turn)
        if "wait" in marks or "transfer" in marks:
            _handoff_acts(st)
        _inform_acts(st, turn)
        _close_clause(st, turn)
    final = _postprocess(turn.acts, turn.inform_types, turn.free_actions)
    return _frame(
        clauses,
        turn.acts,
        final,
        turn.firm_confirms,
        turn.inform_types,
        grounding,
        turn.is_question,
    )


def _social_acts(st: _ClauseActs) -> None:
    """Greetings, thanks, apologies, goodbyes and "anything else?"."""
    marks = st.marks
    greet_pos = None
    if st.ci == 0 and _GREET_START_RX.match(st.text):
        greet_pos = 0
    elif "greet" in marks and not marks.get("ask_more"):
        greet_pos = marks["greet"][0][0]
    if greet_pos is not None and not (st.ci > 0 and "bye" in marks):
        st.emitted.append((greet_pos, _act("greet")))
    if marks:
        for kind in ("thank", "apologize", "bye", "ask_more"):
            if kind in marks:
                st.emitted.append((marks[kind][0][0], _act(kind)))


def _find_refusal(st: _ClauseActs) -> None:
    """Where the clause refuses (`refuse_pos`), and whether it says a record was not found."""
    c = st.c
    for pos, mtext in st.marks.get("refuse", ()):
        m = _REFUSE_RX.match(mtext)
        if m and m.group("nf"):
            st.notfound = True
            continue
        if m and m.group("neu"):
            continue
        if c.cond or (
            c.opener_q and not c.text[c.lead :].startswith(("unfortunately", "i'm afraid"))
        ):
            continue
        if _PREREQUISITE_RX.search(st.text, pos):
            continue  # "I can't look up your order until you verify": a condition, not a refusal
        if st.refuse_pos is None:
            st.refuse_pos = pos


def _find_proposal_marks(st: _ClauseActs, turn: _Turn) -> None:
    """The markers of an offer, a go-ahead question (strong or weak) and a "do you want"."""
    c, text, marks = st.c, st.text, st.marks
    offer_marks = marks.get("offer", [])
    if (
        not offer_marks
        and st.refuse_pos is None
        and turn.prev_refuse_sent == c.sent
        and not st.q
        and _CONTRAST_RX.match(text, c.lead if text[c.lead : c.lead + 3] in ("but", "how") else 0)
    ):
        # "... is out of stock, but a similar model is available"
        offer_marks = [(0, "(contrast)")]
    st.offer_marks = offer_marks
    st.conf_strong = bool(marks.get("confirm")) and not c.wh and not st.ask_more
    st.conf_weak = bool(marks.get("confirm_weak")) and not st.ask_more
    st.want = bool(marks.get("want")) and not c.wh and not st.ask_more


def _request_acts(st: _ClauseActs, turn: _Turn) -> None:
    """The facts the clause asks for; a clear request outweighs a weak proposal marker."""
    c = st.c
    if st.requestish and not st.ask_more and (c.slots or c.wh):
        proposal = (
            st.conf_strong
            or (st.conf_weak and not c.imp_strong)
            or any(not t.startswith("instead") for _, t in st.offer_marks)
        )
        st.requests, st.any_strong, st.verify = _slot_requests(c, st.q, proposal)
        st.requests, which_one = _retarget_requests(
            c, st.requests, st.actions, turn.grounding.ids, turn.lexicon
        )
        st.any_strong = st.any_strong or which_one
    if st.requests:
        st.any_strong = st.any_strong or not (st.conf_strong or st.want)
        if st.any_strong:
            st.conf_weak = False
        if c.wh or (st.any_strong and not st.conf_strong):
            st.offer_marks = [om for om in st.offer_marks if not om[1].startswith("instead")]
            st.want = False
    for pos, slot in _unique_pairs(st.requests):
        st.emitted.append((pos, _act("request", slot=slot)))


def _proposal_acts(st: _ClauseActs, turn: _Turn) -> None:
    """Refuse, offer or confirm: at most one kind of proposal per clause, in this order."""
    c, text, actions, requests = st.c, st.text, st.actions, st.requests
    offer_marks = st.offer_marks
    if st.refuse_pos is not None:
        _refusal_acts(st, turn)
    elif (
        offer_marks
        and not st.ask_more
        and not (all(t.startswith("instead") for _, t in offer_marks) and turn.ev.has("done", c))
    ):
        for a in actions or [None]:
            st.emitted.append((offer_marks[0][0], _act("offer", action=a)))
        st.proposal_emitted = True
    elif (st.conf_strong or st.conf_weak or st.verify) and not (requests and not st.conf_strong):
        _confirm_acts(st, turn)
    elif st.want and not requests:
        pos = st.marks["want"][0][0]
        alternatives = len(actions) >= 2 and " or " in text
        kind = "offer" if ((turn.any_refuse and not turn.any_offer) or alternatives) else "confirm"
        for a in actions or [None]:
            st.emitted.append((pos, _act(kind, action=a)))
        st.proposal_emitted = True
    elif (
        not requests and len(actions) >= 2 and " or " in text and not st.q and _CAN_RX.search(text)
    ):
        # "I can send a replacement or issue a full refund": a choice of alternatives.
        pos = _CAN_RX.search(text).start()  # type: ignore[union-attr]
        for a in actions:
            st.emitted.append((pos, _act("offer", action=a)))
        st.proposal_emitted = True
    else:
        _alternative_acts(st, turn)


def _refusal_acts(st: _ClauseActs, turn: _Turn) -> None:
    """A refusal, and the offer that follows it in the same clause ("..., but I can ...")."""
    c, refuse_pos = st.c, st.refuse_pos
    turn.any_refuse = True
    offer_pos = min((p for p, _ in st.offer_marks), default=None)
    if offer_pos is not None and offer_pos > refuse_pos:  # type: ignore[operator]
        before = _unique(a for p, a, _ in c.actions if p < offer_pos)
        after = _unique(a for p, a, _ in c.actions if p >= offer_pos)
        for a in before or [None]:
            st.emitted.append((refuse_pos, _act("refuse", action=a)))  # type: ignore[arg-type]
        for a in after or [None]:
            st.emitted.append((offer_pos, _act("offer", action=a)))
        st.proposal_emitted = True
        return
    for a in st.actions or [None]:
        st.emitted.append((refuse_pos, _act("refuse", action=a)))  # type: ignore[arg-type]
        if a:
            turn.refused.add(a)


def _confirm_acts(st: _ClauseActs, turn: _Turn) -> None:
    """A go-ahead question; after a refusal, a fresh proposal is an alternative on offer."""
    marks = st.marks
    pos = min(
        (p for k in ("confirm", "confirm_weak") for p, _ in marks.get(k, ())), default=st.c.lead
    )
    strong_texts = [t for _, t in marks.get("confirm", ())]
    # After a refusal, a fresh proposal is an alternative, unless it confirms an earlier offer.
    as_offer = (
        turn.any_refuse
        and not turn.any_offer
        and not (set(st.actions) & turn.refused)
        and any(t.startswith(_OFFERING_CONFIRMS) for t in strong_texts)
    )
    for a in st.actions or [None]:
        st.emitted.append((pos, _act("offer" if as_offer else "confirm", action=a)))
    st.proposal_emitted = True
    if st.conf_strong or st.q:
        turn.firm_confirms.add(st.ci)


_OFFERING_CONFIRMS = (
    "would you like me", "do you want me", "want me", "shall i", "should i", "would that",
    "would this",
)  # fmt: skip


def _alternative_acts(st: _ClauseActs, turn: _Turn) -> None:
    """ "...not returnable. I can file a warranty claim for you.": the alternative on offer."""
    c, text = st.c, st.text
    if not (turn.any_refuse and not st.requests and not st.q and not c.cond and st.actions):
        return
    able = _unique(a for p, a, _ in c.actions if _CAPABILITY_RX.search(text[max(0, p - 24) : p]))
    if able and _CAN_RX.search(text):
        for a in able:
            st.emitted.append((c.lead, _act("offer", action=a)))
        st.proposal_emitted = True


def _handoff_acts(st: _ClauseActs) -> None:
    """A request to wait, and a transfer to someone else (not also told as an outcome)."""
    c, marks = st.c, st.marks
    st.is_wait = "wait" in marks and not c.cond
    if st.is_wait:
        st.emitted.append((marks["wait"][0][0], _act("wait")))
    if "transfer" in marks and st.refuse_pos is None and not st.proposal_emitted and not c.cond:
        st.emitted.append((marks["transfer"][0][0], _act("transfer")))
        st.actions = [a for a in st.actions if a != "transfer"]
        st.proposal_emitted = True  # no separate inform for the handoff itself


def _inform_acts(st: _ClauseActs, turn: _Turn) -> None:
    """What the clause tells: an outcome (done), a state, or a plan (future)."""
    c, actions, notfound = st.c, st.actions, st.notfound
    if (
        st.refuse_pos is None
        and not st.proposal_emitted
        and not st.requests
        and not c.cond
        and not (st.q and not notfound)
        and not st.ask_more
        and "greet" not in st.marks
        and not (c.imp_strong and not notfound)
    ):
        kind = _inform_kind(st, turn.ev)
        if kind and not (st.is_wait and kind == "future"):
            turn.inform_types[st.ci] = kind
            if kind == "future":
                turn.free_actions.append((st.ci, actions))  # a plan: part of a later proposal
            # "I can cancel it" states a capability, not an outcome.
            told = _unique(
                a for p, a, _ in c.actions if not _CAPABILITY_RX.search(st.text[max(0, p - 24) : p])
            )
            for a in told or [None]:
                st.emitted.append((c.lead, _act("inform", action=a)))
        elif actions and not st.is_wait:
            turn.free_actions.append((st.ci, actions))
    elif actions and not st.emitted and not c.cond:
        turn.free_actions.append((st.ci, actions))


def _inform_kind(st: _ClauseActs, ev: _Evidence) -> str | None:
    """ "done", "state" or "future", from the clause's evidence; None: it tells nothing."""
    c = st.c
    kind = None
    if st.notfound:
        kind = "state"
    elif ev.has("done", c):
        kind = "done"
    elif ev.has("future", c):
        kind = "future"
    elif ev.has("status", c) or ev.has("state", c) or ev.has("notfound", c):
        kind = "state"
    elif (
        st.actions and not st.is_wait and set(st.actions) != {"lookup"} and ev.has("self_future", c)
    ):
        kind = "future"
    elif ev.has("copula", c) and (ev.has("entity", c) or _GROUND_HINT_RX.search(st.text)):
        kind = "state"
    if kind and c.imp and kind not in ("done",) and not st.notfound:
        kind = None  # "Please try again in a few minutes."
    return kind


def _close_clause(st: _ClauseActs, turn: _Turn) -> None:
    """Add the clause's acts to the turn and note what later clauses need to know."""
    c = st.c
    if st.q or c.imp_strong or (c.colon and st.requests):
        turn.is_question = True
    if st.refuse_pos is not None:
        turn.prev_refuse_sent = c.sent
    for pos, act in st.emitted:
        turn.any_offer = turn.any_offer or act.kind == "offer"
        turn.acts.append((st.ci, pos, act))
        if act.kind in ("request", "confirm", "ask_more"):
            turn.is_question = True


# A refusal followed by what must happen first is a condition: "until I've verified you", "without
# your email", "before I can look it up", "not yet".
_PREREQUISITE_RX = re.compile(
    r"\bwithout (?:you|your|verifying|confirming|first)\b"
    r"|\b(?:(?:until|till|before|unless|prior to|as soon as|once)\s+(?:\w+\s+){0,2}?"
    r"(?:you|you've|i|i've|i'm|we|we've|your|verif\w*|confirm\w*|identity|authenticat\w*|provid\w*|"
    r"shar\w*|"
    r"giv\w*|know\w*|hav\w*|receiv\w*|get\w*|check\w*|look\w*)\b|yet\b)"
)
