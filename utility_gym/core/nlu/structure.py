"""The structure of an agent turn on top of its acts: what it proposes and in which words, the
alternatives of a choice question, and list items that inherit their intro ("I'll need:")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from utility_gym.core.nlu.clauses import _Clause
from utility_gym.core.nlu.grounding import Grounding


@dataclass(frozen=True)
class Act:
    """One dialogue act of the agent."""

    kind: str  # one of ACT_KINDS
    slot: str | None = None  # for "request": which fact is asked for; else None
    action: str | None = None  # for confirm/inform/offer/refuse: the action class, if named


@dataclass(frozen=True)
class Proposal:
    """A proposal awaiting the user's yes: the actions it names and the words that state it.

    ``text`` holds the clauses that carry the proposal (the yes/no question, the clauses that
    name an action, a summary's list items), normalized; the values they state are read from
    it (`utility_gym.core.values`). A proposal naming no action ("Shall I go ahead?") is bare.
    """

    actions: tuple[str, ...]
    text: str
    context: str = ""  # the turn's other statements, where "it" in "I can return it" points

    @property
    def bare(self) -> bool:
        return not self.actions


@dataclass(frozen=True)
class Reading:
    """What the simulated user understood from one agent message.

    ``proposal``: what the turn proposes, if it asks for a go-ahead. ``choices``: the
    alternatives of a choice question ("to your card, or as store credit?"), normalized, and
    ``choice_slots`` the facts they are values of.
    """

    acts: tuple[Act, ...]
    grounding: Grounding
    is_question: bool
    proposal: Proposal | None = None
    choices: tuple[str, ...] = ()
    choice_slots: tuple[str, ...] = ()  # facts the choice question's alternatives are values of
    # An alternative the turn asks the user to take, as a proposal of it (see ``_offer``).
    offer: Proposal | None = None

    @property
    def kinds(self) -> frozenset[str]:
        """The set of act kinds in this reading."""
        return frozenset(a.kind for a in self.acts)

    def slots(self) -> tuple[str, ...]:
        """Requested slots, in order."""
        return tuple(a.slot for a in self.acts if a.kind == "request" and a.slot)

    def actions(self, kind: str) -> tuple[str, ...]:
        """Actions named by acts of `kind`, in order."""
        return tuple(a.action for a in self.acts if a.kind == kind and a.action)


_ASK_CONFIRM_RX = re.compile(r"(?:please |can you |could you |kindly )confirm\b")
_HAS_VALUE_RX = re.compile(r"\d|@")
_LABEL_VALUE_RX = re.compile(r"\s*[^:?]{1,40}:\s*[^\s?][^?]*$")


def _inherit_list_intros(clauses: list[_Clause], norm: str) -> None:
    """List items under "could you provide:" / "here are your options:" inherit the intro:
    items naming facts under a request (or under a bare "A few details first:", or a heading
    "What I need from you") are requests, items under an offer are alternatives. An item that
    states a value ("Reason: ordered by mistake") asks nothing, under an intro that asks to check
    details; under one that asks for facts only a concrete value (a number, an address) does.
    A clause on an item's own line ("**Colour** - any preference?") keeps the list going."""
    inherit: str | None = None
    checking = False
    last_item: _Clause | None = None
    for k, c in enumerate(clauses):
        if inherit and (
            c.bullet or (last_item is not None and "\n" not in norm[last_item.end : c.start])
        ):
            if c.bullet:
                last_item = c
            value = c.text.split(":", 1)[-1]
            concrete = _HAS_VALUE_RX.search(value) and not _EXAMPLE_RX.search(
                value
            )  # not "e.g. E12345"
            if _LABEL_VALUE_RX.match(c.text) and (inherit != "imp" or checking or concrete):
                continue  # "Reason: ordered by mistake" states a value, it does not ask for one
            if inherit == "imp" or (
                inherit == "list" and c.slots and not _HAS_VALUE_RX.search(c.text)
            ):
                c.imp = True
                c.imp_strong = True
            elif inherit == "offer":
                c.marks.setdefault("offer", []).append((0, "(list)"))
            continue
        inherit, last_item = None, None
        heading = (
            c.bullet
            and _NEED_HEADING_RX.search(c.text)
            and k + 1 < len(clauses)
            and clauses[k + 1].bullet
        )
        if (
            c.colon or heading or (c.qmark and (c.imp or c.opener_q))
        ):  # "Could you send me the following?" then a list
            weak = c.marks.get("confirm_weak")
            checking = bool(_CHECK_INTRO_RX.search(c.text)) and not _ASK_INTRO_RX.search(c.text)
            if c.marks.get("offer"):
                inherit = "offer"
            elif heading or (
                (c.imp or c.opener_q or c.qmark) and (not weak or _ASK_CONFIRM_RX.search(c.text))
            ):
                inherit = "imp"
            elif c.colon and not weak:
                inherit = "list"


_EXAMPLE_RX = re.compile(
    r"\b(?:e\.? ?g|for example|such as|format|like|starts? with|starting with|yyyy|mm)\b"
)
_NEED_HEADING_RX = re.compile(
    r"\b(?:what (?:i|we)(?:'ll| will)? (?:need|require)|needed from you|(?:i|we)(?:'ll| will)? "
    r"need|information (?:needed|required)|to get started)\b"
)
_CHECK_INTRO_RX = re.compile(
    r"\b(?:check|review|look over|double-check|confirm|verify|summary|recap)\b"
)
_ASK_INTRO_RX = re.compile(
    r"\b(?:provide|send|share|give|tell|need|require|reply with|let me know)\b"
)


# An action named after these is not what the turn proposes: "rather than returning it",
# "instead of cancelling", "so you can reorder it with the new address".
_NEGATED_ACTION_RX = re.compile(
    r"(?:rather than|instead of|not|than|without) (?:\w+ )?$|(?:so (?:that )?you can|you can "
    r"then|for you to) .*$"
)
# "within the return window", "our cancellation policy": the action names a rule, not the plan
_RULE_NOUN_RX = re.compile(r" (?:window|policy|policies|period|deadline|rules?|eligibility)\b")
_DONE_ACTION_RX = re.compile(
    r"(?:'ve|have|has|had|was|were|been|already) (?:\w+ )?\w+ed\b|\b(?:i|we) \w+ed\b"
)
_SOCIAL_KINDS = frozenset(("greet", "thank", "apologize", "bye", "ask_more", "wait"))
_WHICH_OF_RX = re.compile(
    r"\bwhich\b(?:(?! or ).)*\b(?:prefer|like|want|need|choose|pick|option|one|works?|suits?)\b"
    r"|\bwhat (?:would|do) you prefer\b|\bwhat's your preference\b|\bwhich (?:one|option|of)\b"
)
_NOT_A_CHOICE_RX = re.compile(r"\bor (?:not|anything|something|any other|other|else|whatever|so)\b")
_OR_SPLIT_RX = re.compile(r",?\s+or\s+|,\s+(?=[a-z])")


def _frame(
    clauses: list[_Clause],
    acts: list[tuple[int, int, Act]],
    final: tuple[Act, ...],
    firm_confirms: set[int],
    inform_types: dict[int, str],
    grounding: Grounding,
    is_question: bool,
) -> Reading:
    """The turn's structure on top of its acts: what it proposes (and in which words), and the
    alternatives of a choice question."""
    # a choice needs an "or" or a list, a proposal a go-ahead question: most turns have neither
    maybe_choice = is_question and any(
        c.bullet or " or " in c.text or c.text.lstrip().startswith("or ") for c in clauses
    )
    offer = _offer(clauses, acts, final, is_question)
    if not maybe_choice and not any(a.kind == "confirm" for _, _, a in acts):
        return Reading(final, grounding, is_question, offer=offer)
    kinds_of: dict[int, set[str]] = {}
    for ci, _, a in acts:
        kinds_of.setdefault(ci, set()).add(a.kind)
    confirm_cis = {ci for ci, ks in kinds_of.items() if "confirm" in ks}
    requests = any(a.kind == "request" for a in final)
    if requests and confirm_cis and not confirm_cis & firm_confirms:
        # "Before I proceed, could you confirm the email on your account?" asks for a fact.
        final = tuple(a for a in final if a.kind != "confirm")
        confirm_cis = set()
    choices, choice_sent = _choices(clauses, kinds_of) if maybe_choice else ((), None)
    choice_slots: tuple[str, ...] = ()
    if choice_sent is not None:
        # "Would you like the refund on your card, or as store credit?" asks for a pick: the
        # facts it names are the alternatives (a user who picks one has answered them).
        asked = {ci for ci, c in enumerate(clauses) if c.sent == choice_sent}
        choice_slots = tuple(
            dict.fromkeys(
                a.slot for ci, _, a in acts if ci in asked and a.kind == "request" and a.slot
            )
        )
        if not confirm_cis and "refuse" not in {a.kind for a in final}:
            # a choice between ways to do an action the turn states it can do, asking nothing
            # else, is a proposal of it ("I can return it. Refund to your card, or store credit?")
            if any(c.actions for ci, c in enumerate(clauses) if ci not in asked) and not any(
                a.kind == "request" for a in final
            ):
                confirm_cis = asked
    if (
        confirm_cis
    ):  # "Please check these details: ..., shall I?" asks to check the proposal's details
        final = tuple(a for a in final if not (a.kind == "request" and a.slot == "details"))
        kinds_of = {
            ci: ks - {"request"}
            if not any(a.kind == "request" and a.slot != "details" for cj, _, a in acts if cj == ci)
            else ks
            for ci, ks in kinds_of.items()
        }
    proposal = None
    scope = _proposal_scope(clauses, kinds_of, inform_types) if confirm_cis else []
    if confirm_cis and (scope or not choices):
        proposal = _proposal(clauses, final, scope, kinds_of)
    return Reading(final, grounding, is_question, proposal, choices, choice_slots, offer)


def _proposal(
    clauses: list[_Clause],
    final: tuple[Act, ...],
    scope: list[_Clause],
    kinds_of: dict[int, set[str]],
) -> Proposal:
    """The proposal the scope's clauses state: the actions named (less those negated, already
    done or naming a rule), its words, and the rest of the turn as context."""
    named = [a.action for a in final if a.kind == "confirm" and a.action]
    # actions the turn says are already done ("I've opened ticket X") are context
    named += [
        a
        for c in scope
        for p, a, t in c.actions
        if not _NEGATED_ACTION_RX.search(c.text, max(0, p - 60), p)
        and not _DONE_ACTION_RX.search(c.text, max(0, p - 24), p + len(t) + 1)
        and not _RULE_NOUN_RX.match(c.text, p + len(t))
    ]
    negated = {
        a
        for c in scope
        for p, a, _ in c.actions
        if _NEGATED_ACTION_RX.search(c.text, max(0, p - 60), p)
    }
    named = [a for a in named if a not in negated]
    context = [
        c.text.strip()
        for ci, c in enumerate(clauses)
        if c not in scope and not kinds_of.get(ci, set()) & {"refuse", "request"}
    ]
    return Proposal(
        tuple(dict.fromkeys(named)), " | ".join(c.text.strip() for c in scope), " | ".join(context)
    )


def _offer(
    clauses: list[_Clause],
    acts: list[tuple[int, int, Act]],
    final: tuple[Act, ...],
    is_question: bool,
) -> Proposal | None:
    """An alternative the turn asks the user to take ("I can't replace it, but would you like me
    to book a repair instead?"): the offered actions, in the words of the clauses that offer
    them. A user who wants exactly that action hears it as a proposal of it."""
    if not is_question:
        return None
    offered = [(ci, a.action) for ci, _, a in acts if a.kind == "offer" and a.action and a in final]
    if not offered:
        return None
    cis = {ci for ci, _ in offered}
    text = " | ".join(clauses[ci].text.strip() for ci in sorted(cis))
    context = " | ".join(c.text.strip() for ci, c in enumerate(clauses) if ci not in cis)
    return Proposal(tuple(dict.fromkeys(a for _, a in offered)), text, context)


def _proposal_scope(
    clauses: list[_Clause], kinds_of: dict[int, set[str]], inform_types: dict[int, str]
) -> list[_Clause]:
    """The clauses that state a proposal: from the first that names an action (or is a list
    item, or plans in the future tense) on, less refusals, requests and social formulas."""
    out: list[_Clause] = []
    started = False
    for ci, c in enumerate(clauses):
        ks = kinds_of.get(ci, set())
        if "refuse" in ks or "request" in ks:
            continue
        if ks and ks <= _SOCIAL_KINDS and not c.actions:
            continue
        if not started:
            started = (
                bool(c.actions)
                or c.bullet
                or c.colon
                or "confirm" in ks
                or inform_types.get(ci) == "future"
            )
            if not started:
                continue
        out.append(c)
    return out


def _choices(
    clauses: list[_Clause], kinds_of: dict[int, set[str]]
) -> tuple[tuple[str, ...], int | None]:
    """The alternatives of a choice question and the sentence that asks it: "X, or Y?" in one
    sentence, or the items of an offered list ("You have two options: 1. ... 2. ...")."""
    listed = [c for ci, c in enumerate(clauses) if c.bullet and "offer" in kinds_of.get(ci, ())]
    if len(listed) >= 2:
        return tuple(c.text.strip() for c in listed), None
    which = next(
        (
            c
            for c in clauses
            if not c.bullet
            and (c.qmark or "let me know" in c.text or "tell me" in c.text)
            and _WHICH_OF_RX.search(c.text)
        ),
        None,
    )
    items = [c for c in clauses if c.bullet and not _LABEL_VALUE_RX.match(c.text)]
    if which is not None and len(items) >= 2:  # "Which would you prefer? 1. ... 2. ..."
        return tuple(c.text.strip() for c in items), which.sent
    sentences: dict[int, list[_Clause]] = {}
    for c in clauses:
        sentences.setdefault(c.sent, []).append(c)
    for group in sentences.values():
        if not (group[-1].qmark or any(c.opener_q for c in group)):
            continue
        text = " ".join(c.text.strip() for c in group)
        if " or " not in text or _NOT_A_CHOICE_RX.search(text):
            continue
        text = text.rsplit(": ", 1)[
            -1
        ]  # "which would you prefer for the refund: credit, or your card?"
        parts = [p.strip(" ,?") for p in _OR_SPLIT_RX.split(text)]
        parts = [p for p in parts if p]
        if len(parts) >= 2:
            return tuple(parts), group[0].sent
    return (), None
