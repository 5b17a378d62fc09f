"""Simulated users: the UserSimulator protocol and AgendaUser, the rule-based default."""

from __future__ import annotations

import dataclasses
import random
import re
from dataclasses import dataclass, field
from typing import Protocol

from utility_gym.core.nlu import Reading
from utility_gym.core.nlu.reading import named_actions
from utility_gym.core.nlu.structure import Proposal
from utility_gym.core.tasks import Intent, UserGoal
from utility_gym.core.user_choices import choice_words, pick_choice
from utility_gym.core.values import Value, ValueLexicon, check_values, proposal_mentions
from utility_gym.core.voice import render_user
from utility_gym.core.words import DomainWords


@dataclass(frozen=True)
class Progress:
    """The environment's view of the goal, recomputed after each agent message.

    The environment, not the simulator's wording, decides when an intent is done.
    """

    intents_done: tuple[bool, ...]

    @property
    def all_done(self) -> bool:
        return all(self.intents_done)

    def first_open(self) -> int | None:
        for i, done in enumerate(self.intents_done):
            if not done:
                return i
        return None


@dataclass(frozen=True)
class UserTurn:
    """The user's answer. ``agreed``: the proposal it said yes to (what the grader holds a
    confirmed write against): narrowed to the chosen alternative of a choice question, or
    joined with the proposal it asked a question about before ("Shall I go ahead?" after the
    agent answered it)."""

    text: str
    acts: tuple[str, ...]
    done: bool = False
    outcome: str | None = None  # "satisfied" | "gave_up" when done
    agreed: Proposal | None = None


@dataclass
class _Reply:
    """AgendaUser's answer to one agent message, assembled part by part."""

    parts: list[str] = field(default_factory=list)
    acts: list[str] = field(default_factory=list)
    productive: bool = False  # moved the conversation on; an unproductive turn costs patience
    agreed: Proposal | None = None

    def add(self, text: str, act: str) -> None:
        self.parts.append(text)
        self.acts.append(act)


class UserSimulator(Protocol):
    def start(self, goal: UserGoal, rng: random.Random) -> str:
        """Begin an episode; return the user's opening message."""

    def respond(self, reading: Reading, progress: Progress) -> UserTurn:
        """Answer one agent message (already read by the NLU)."""

    def state(self) -> dict:
        """Picklable episode state, for snapshots."""

    def load_state(self, state: dict) -> None: ...


# Asked about a value a proposal left out, by its kind.
DETAIL_QUESTIONS = {
    "order": "which order is that for",
    "item": "which item exactly",
    "option": "which option will I get",
    "reason": "what reason will you put down",
    "refund_to": "where will the refund go",
    "address": "which address will it go to",
    "amount": "how much will that be",
    "app": "which application is that for",
    "ticket": "which ticket is that",
    "asset": "which device is that",
    "product": "what product is it exactly",
    "brand": "which brand is it",
}


class AgendaUser:
    """Agenda-based customer: a goal, a stack of intents, a persona and its own seeded RNG.

    It answers every fact asked for (the ones it knows; "I don't know" or "no preference" for
    the rest), checks what a proposal states against its goal before agreeing (a wrong value
    gets a "no" that names the right one, a bare "shall I go ahead?" gets "with what?", a left
    out detail gets a question from a fussy persona), picks its alternative of a choice question,
    asks why at a refusal it was given no reason for, pushes back on a refusal it does not
    expect (once), and leaves when its patience runs out. It never invents ids: every value
    it says comes from the goal.
    """

    def __init__(self) -> None:
        self.goal: UserGoal | None = None
        self._rng: random.Random | None = None  # start() gives the episode's; made lazily otherwise
        self._s: dict = {}
        self.words = DomainWords()
        self.values = self.words.values

    @property
    def rng(self) -> random.Random:
        if (
            self._rng is None
        ):  # used before start() (a restored snapshot): seeded like every RNG here
            self._rng = random.Random(0)
        return self._rng

    @rng.setter
    def rng(self, value: random.Random) -> None:
        self._rng = value

    def use_words(self, words: DomainWords, values: ValueLexicon) -> None:
        """The domain's words and the world's value lexicon (the env calls this once)."""
        self.words = words
        self.values = values

    # -- protocol -------------------------------------------------------------------------
    def start(self, goal: UserGoal, rng: random.Random) -> str:
        self.goal = goal
        self.rng = rng
        self._s = {
            "patience": goal.persona.patience,
            "given": [],
            "current": 0,
            "mind_changed": [],
            "pushed": [],
            "refusals": {},
            "turns": 0,
            "asked_why": [],
            # [actions, text, context] of a proposal it asked a question about
            "open_proposal": None,
        }
        return goal.opening or goal.intents[0].request

    def state(self) -> dict:
        return {
            "s": {
                k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
                for k, v in self._s.items()
            },
            "rng": self.rng.getstate(),
        }

    def load_state(self, state: dict) -> None:
        self._s = {
            k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
            for k, v in state["s"].items()
        }
        self._s.setdefault("asked_why", [])
        self._s.setdefault("open_proposal", None)
        self.rng.setstate(state["rng"])

    def respond(self, reading: Reading, progress: Progress) -> UserTurn:
        assert self.goal is not None, "call start() first"
        s = self._s
        s["turns"] += 1
        kinds = {a.kind for a in reading.acts}
        open_index = progress.first_open()
        if open_index is None:
            return UserTurn(
                self._say("thanks_bye"), ("thanks", "bye"), done=True, outcome="satisfied"
            )
        intent = self.goal.intents[open_index]
        if open_index != s["current"]:
            s["current"] = open_index
            return UserTurn(
                self._say("thanks_next", request=_strip_greeting(intent.request)),
                ("thanks", "inform_intent"),
            )
        # Read now: answering a proposal below may change the user's mind, and a repeated
        # request says what it asked for when this message came in.
        request = _strip_greeting(self._request(intent, open_index))
        reply = _Reply()

        # a refusal naming no action beside a proposal is about something else ("ADP is
        # unavailable")
        refusal = (
            "refuse" in kinds
            and self._refuses_request(reading, intent)
            and not (
                reading.proposal is not None
                and not reading.proposal.bare
                and None in {a.action for a in reading.acts if a.kind == "refuse"}
            )
        )
        choice = self._pick(reading.choices, intent) if reading.choices else None
        refusal = refusal and choice is None  # "out of stock: a refund, or another colour?"
        self._answer_choice_or_proposal(reply, intent, reading, open_index, choice, refusal)
        if refusal and not reply.parts:
            text, act, done = self._answer_refusal(intent, open_index)
            if done:
                return UserTurn(text, (act,), done=True, outcome="gave_up")
            reply.add(text, act)
            reply.productive = act in ("accept_refusal", "ask_reason")
        elif "offer" in kinds and not reply.parts:
            self._answer_offer(reply, intent, reading, open_index)
        self._answer_asked_slots(reply, reading, choice)
        if not reply.parts:
            self._answer_nothing_asked(reply, kinds, intent, open_index, request)

        if not reply.productive:
            s["patience"] -= 1
            if s["patience"] <= 0:
                return UserTurn(self._say("give_up"), ("bye",), done=True, outcome="gave_up")
        return UserTurn(" ".join(reply.parts), tuple(reply.acts), agreed=reply.agreed)

    # -- the steps of respond(), in the order they speak (each _say draws from the rng) -------
    def _answer_choice_or_proposal(
        self,
        reply: _Reply,
        intent: Intent,
        reading: Reading,
        open_index: int,
        choice: str | None,
        refusal: bool,
    ) -> None:
        if choice is not None:
            # "Should I unlock your account, or reset your password?": the user names its pick;
            # a pick of a proposal's alternative is a yes to the proposal with that alternative.
            reply.add(self._say("choose", choice=self._choice_words(choice, intent)), "choose")
            reply.productive = True
            if reading.proposal is not None:
                _, act, _, agreed = self._answer_proposal(intent, reading, open_index, choice)
                if act == "affirm":
                    reply.acts.append("affirm")
                    reply.agreed = agreed
        elif reading.proposal is not None and not refusal:
            text, act, productive, agreed = self._answer_proposal(intent, reading, open_index)
            reply.add(text, act)
            reply.productive, reply.agreed = productive, agreed

    def _answer_offer(self, reply: _Reply, intent: Intent, reading: Reading, index: int) -> None:
        if self._offers_its_action(reading, intent):
            # "I can't replace it; would you like me to book a repair instead?" when a repair is
            # what it wants: a proposal of the repair, answered (and checked) as one.
            assert reading.offer is not None
            as_proposal = dataclasses.replace(reading, proposal=reading.offer)
            text, act, reply.productive, reply.agreed = self._answer_proposal(
                intent, as_proposal, index
            )
            reply.add(text, act)
            return
        offered = {a.action for a in reading.acts if a.kind == "offer"}
        if offered & set(intent.offer_accept):
            reply.add(self._say("accept_offer"), "affirm")
        else:
            reply.add(self._say("decline_offer"), "deny")
        reply.productive = True

    def _answer_asked_slots(self, reply: _Reply, reading: Reading, choice: str | None) -> None:
        assert self.goal is not None
        requested = list(reading.slots())
        if choice is not None:  # a fact the pick already says needs no answer of its own
            known = self.goal.known
            requested = [
                slot
                for slot in requested
                if not (
                    slot in reading.choice_slots
                    and known.get(slot)
                    and known[slot].casefold() in choice
                )
            ]
        if not requested:
            return
        # asked before: a redundant question
        repeated = any(slot in self._s["given"] for slot in requested)
        text, wasted = self._answer_requests(requested)
        reply.add(text, "inform")
        if repeated:
            reply.acts.append("already_said")
        reply.productive = reply.productive or not wasted

    def _answer_nothing_asked(
        self, reply: _Reply, kinds: set[str], intent: Intent, open_index: int, request: str
    ) -> None:
        """A message that asked nothing and proposed nothing: the user restates its request."""
        if "wait" in kinds:
            reply.add(self._say("wait_ack"), "acknowledge")
            reply.productive = True
        elif "greet" in kinds or "ask_more" in kinds:
            reply.add(self._say("repeat_request", request=request), "inform_intent")
            reply.productive = self._s["turns"] <= 1  # a greeting is only fair on the first turn
        elif kinds & {"inform", "transfer", "apologize", "thank", "refuse"}:
            text = self._say("acknowledge") + " " + self._say("repeat_request", request=request)
            reply.add(text, "inform_intent")
        elif "bye" in kinds:
            reply.add(self._say("repeat_request", request=request), "inform_intent")
        else:
            # the request as it stands now, after any change of mind this turn
            clarify = self._say("clarify_unknown", request=self._request(intent, open_index))
            reply.add(clarify, "clarify")

    # -- helpers ------------------------------------------------------------------------------
    def _say(self, key: str, **values: str) -> str:
        return render_user(key, self.rng, **values)

    def _answer_requests(self, slots: list[str]) -> tuple[str, bool]:
        assert self.goal is not None
        known = self.goal.known
        given = self._s["given"]
        out: list[str] = []
        wasted = True
        seen: set[str] = set()
        for slot in slots:
            if slot in seen:
                continue
            seen.add(slot)
            label = self.words.lexicon.label(slot)
            value = known.get(slot)
            if (
                value is None
                and slot in self.words.preference_slots
                and "option" in known
                and slot != "option"
            ):
                value = known["option"]  # "which colour?" from a shopper who wants the white finish
            if value is None and slot in self.goal.referred:
                out.append(self._say("refer_back", reference=self.goal.referred[slot]))
                wasted = wasted and slot in given
                if slot not in given:
                    given.append(slot)
            elif value is None and slot in self.words.preference_slots:
                out.append(self._say("no_preference", slot_label=label))
                wasted = wasted and slot in given
                if slot not in given:
                    given.append(slot)
            elif value is None:
                out.append(self._say("dont_know", slot_label=label))
                alternative = _ALTERNATIVES.get(slot)
                if alternative and alternative in known and alternative not in seen:
                    out.append(f"It's the one with the {known[alternative]}.")
                wasted = wasted and slot in given
                if slot not in given:
                    given.append(slot)
            elif slot in given:
                out.append(self._say("already_said", value=value))
            else:
                out.append(self._say("inform_slot", slot_label=label, value=value))
                given.append(slot)
                wasted = False
        return " ".join(p if p[-1:] in ".!?" else p + "." for p in out), wasted

    def _wants(self, intent: Intent) -> tuple[Value, ...]:
        """What the user checks a proposal against: what it must state, and the objects of the
        request (its order, account, ticket), which it must not contradict."""
        wants = list(intent.wants)
        kinds = {v.kind for v in wants}
        for t in () if intent.wants else intent.targets:
            kind = self.values.id_kind(t)
            if kind is not None and kind not in kinds:
                wants.append(Value(kind, t, required=False))
        return tuple(wants)

    def _answer_proposal(
        self,
        intent: Intent,
        reading: Reading,
        index: int,
        choice: str | None = None,
    ) -> tuple[str, str, bool, Proposal | None]:
        """(words, act, productive, the proposal agreed to); with ``choice``, the proposal
        narrowed to that alternative of its choice question."""
        s = self._s
        proposal = reading.proposal
        assert proposal is not None
        if intent.change_mind and index not in s["mind_changed"] and choice is None:
            s["mind_changed"].append(index)
            return intent.change_mind, "deny_change", True, None
        wants = self._wants(intent)
        text = proposal.text
        if choice is not None:
            for other in reading.choices:
                if other != choice:
                    text = text.replace(other, " ")
        mentions = proposal_mentions(self.values, text, proposal.context, wants)
        open_proposal = s["open_proposal"]
        if open_proposal is not None and set(
            proposal.actions
        ) <= self.words.auxiliary_actions | set(open_proposal[0]):
            # "The refund goes to your card. Shall I go ahead?" after it asked about that detail:
            # the go-ahead is for the proposal it asked about, with the agent's answer added.
            actions, earlier, context = open_proposal
            proposal = Proposal(
                tuple(dict.fromkeys((*actions, *proposal.actions))),
                f"{earlier} | {text}",
                f"{context} | {proposal.context}".strip(" |"),
            )
            text = proposal.text
            mentions = proposal_mentions(self.values, text, proposal.context, wants)
        s["open_proposal"] = None
        if proposal.bare and not mentions:
            return self._say("ask_what"), "ask_what", False, None
        if not self._action_fits(proposal, intent, text if choice is not None else None):
            wanted = self.words.action_phrases.get(intent.action or "")
            # the action it wants, the values of it it knows ("to 8171 Oak Street, ..."), and its
            # request
            heard = (
                " ".join(
                    (*self.goal.known.values(), *(i.request for i in self.goal.intents))
                ).casefold()
                if self.goal
                else ""
            )
            known = [
                v.spoken
                for v in wants
                if v.required and v.spoken.casefold() in heard and v.kind not in ("order", "ticket")
            ]
            details = f" ({', '.join(known)})" if known else ""
            request = _strip_greeting(self._request(intent, index))
            correction = f"{wanted}{details}: {request}" if wanted else request
            return self._say("deny_correct", value=correction), "deny", False, None
        check = check_values(mentions, wants, self.values)
        if check.wrong:
            wanted, said = check.wrong[0]
            # name every value of that kind it wants ("size M, color yellow"), the one it misses
            # first
            same = [wanted, *(v for v in wants if v.kind == wanted.kind and v != wanted)]
            correction = self._name_value(
                dataclasses.replace(wanted, said=", ".join(v.spoken for v in same))
            )
            return (
                self._say("deny_value", correction=correction, said=said.surface),
                "deny",
                False,
                None,
            )
        must = [v for v in check.missing if v.kind in self.words.must_state]
        if must:
            return self._say("deny_correct", value=self._name_value(must[0])), "deny", False, None
        if check.missing and self.goal is not None and self.goal.persona.fussy:
            detail = DETAIL_QUESTIONS.get(
                check.missing[0].kind, f"what about the {check.missing[0].kind.replace('_', ' ')}"
            )
            s["open_proposal"] = [list(proposal.actions), text, proposal.context]
            return self._say("ask_detail", detail=detail), "ask_detail", True, None
        return (
            self._say("affirm"),
            "affirm",
            True,
            Proposal(proposal.actions, text, proposal.context),
        )

    def _action_fits(self, proposal: Proposal, intent: Intent, narrowed: str | None = None) -> bool:
        """Whether the proposal's actions include what the user wants (auxiliary actions such as a
        refund with a return never conflict; a proposal naming no action is judged by its
        values)."""
        named = set(proposal.actions)
        if narrowed is not None:
            named = set(named_actions(narrowed, self.words.lexicon)) or named
        if not intent.action or not named:
            return True
        if intent.action in named or named & self._same_actions(intent.action):
            return True
        if named - self.words.auxiliary_actions:
            return False  # another primary action: a cancel for a return
        # only auxiliary actions: "I'll refund the lamp" stands for a return, not an exchange
        return (
            bool(named & self.words.stands_for.get(intent.action, frozenset()))
            or intent.outcome != "write"
        )

    def _same_actions(self, action: str) -> set[str]:
        same = {action}
        for names in self.words.tool_actions.values():
            if action in names:
                same.update(names)
        return same

    def _name_value(self, value: Value) -> str:
        """How the user names a value it wants; an id it was never told (the order the agent
        found for it) it does not name, it only says that is not the one."""
        if self.values.id_kind(value.value) is not None and self.goal is not None:
            heard = " ".join(
                (*self.goal.known.values(), *(i.request for i in self.goal.intents))
            ).upper()
            if value.value.upper() not in heard:
                # "my laptop", without its id (nor the ids of the others it wants, never told it)
                words = re.split(r"[\s,()]+", value.spoken)
                what = " ".join(w for w in words if w and self.values.id_kind(w) is None)
                return (
                    f"I mean {what}"
                    if what
                    else f"that's not the right {value.kind.replace('_', ' ')}"
                )
        phrase = self.words.value_phrases.get(value.kind, "I want {value}")
        return phrase.format(value=value.spoken)

    def _pick(self, choices: tuple[str, ...], intent: Intent) -> str | None:
        """The alternative that states what the user wants (by value, else by action)."""
        same = self._same_actions(intent.action) if intent.action else None
        known = list(self.goal.known.values()) if self.goal is not None else None
        return pick_choice(choices, self._wants(intent), self.values, self.words, same, known)

    def _choice_words(self, choice: str, intent: Intent) -> str:
        """How the user names the alternative it picks (see ``choice_words``)."""
        known = list(self.goal.known.values()) if self.goal is not None else []
        return choice_words(choice, self._wants(intent), self.values, known)

    def _offers_its_action(self, reading: Reading, intent: Intent) -> bool:
        """The turn asks it to take an alternative that is the action its intent wants."""
        offer = reading.offer
        return (
            offer is not None
            and intent.outcome == "write"
            and bool(intent.action)
            and bool(set(offer.actions) & self._same_actions(intent.action))
        )

    def _refuses_request(self, reading: Reading, intent: Intent) -> bool:
        """A refusal of what the user asked for: one naming no action, or the user's own."""
        refused = {a.action for a in reading.acts if a.kind == "refuse"}
        return (
            None in refused
            or not intent.action
            or bool(refused & self._same_actions(intent.action))
        )

    def _request(self, intent: Intent, index: int) -> str:
        """What the user currently wants from this intent (the revision, after a change of mind)."""
        if intent.change_mind and index in self._s["mind_changed"]:
            return intent.change_mind
        return intent.request

    def _answer_refusal(self, intent: Intent, index: int) -> tuple[str, str, bool]:
        s = self._s
        if intent.outcome == "refuse":
            if index not in s["asked_why"]:  # a refusal that counted would have closed the intent
                s["asked_why"].append(index)
                return self._say("ask_reason"), "ask_reason", False
            if not self.goal.persona.cooperative and index not in s["pushed"]:  # type: ignore[union-attr]
                s["pushed"].append(index)
                return self._say("push_back"), "push_back", False
            return self._say("accept_refusal"), "accept_refusal", False
        count = s["refusals"].get(str(index), 0) + 1
        s["refusals"][str(index)] = count
        if count >= 2:
            return self._say("give_up"), "bye", True
        return self._say("push_back"), "push_back", False


# What a user offers instead of a fact they lack ("I don't know the order number, but ...").
_ALTERNATIVES = {"order_id": "item"}
_GREETING = re.compile(r"^(?:hi|hello|hey there|hey|good morning|good afternoon)[,!.]?\s+", re.I)


def _strip_greeting(text: str) -> str:
    return _lower_first(_GREETING.sub("", text)).rstrip(".!")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != "I " and text[:2] != "I'" else text
