"""Simulated users: the UserSimulator protocol and AgendaUser, the rule-based default."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from typing import Protocol

from utility_gym.core.nlu import Reading
from utility_gym.core.nlu.structure import Proposal
from utility_gym.core.tasks import Intent, UserGoal
from utility_gym.core.user_choices import choice_words, pick_choice
from utility_gym.core.user_proposals import ProposalAnswers, strip_greeting
from utility_gym.core.values import Value, ValueLexicon
from utility_gym.core.voice import render_user
from utility_gym.core.words import DomainWords


@dataclass(slots=True)  # made every user turn: a frozen dataclass's __init__ is slow
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


@dataclass(slots=True)  # made every user turn (read, never changed)
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


class AgendaUser(ProposalAnswers):
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
                self._say("thanks_next", request=strip_greeting(intent.request)),
                ("thanks", "inform_intent"),
            )
        # Read now: answering a proposal below may change the user's mind, and a repeated
        # request says what it asked for when this message came in.
        request = strip_greeting(self._request(intent, open_index))
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

    def _same_actions(self, action: str) -> set[str]:
        same = {action}
        for names in self.words.tool_actions.values():
            if action in names:
                same.update(names)
        return same

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
