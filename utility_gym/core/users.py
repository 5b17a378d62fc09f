"""Simulated users: the UserSimulator protocol and AgendaUser, the rule-based default."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Protocol

from utility_gym.core.nlu import SLOT_LABELS, Reading, render_user
from utility_gym.core.tasks import Intent, UserGoal


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
    text: str
    acts: tuple[str, ...]
    done: bool = False
    outcome: str | None = None  # "satisfied" | "gave_up" when done


class UserSimulator(Protocol):
    def start(self, goal: UserGoal, rng: random.Random) -> str:
        """Begin an episode; return the user's opening message."""

    def respond(self, reading: Reading, progress: Progress) -> UserTurn:
        """Answer one agent message (already read by the NLU)."""

    def state(self) -> dict:
        """Picklable episode state, for snapshots."""

    def load_state(self, state: dict) -> None: ...


class AgendaUser:
    """Agenda-based customer: a goal, a stack of intents, a persona and its own seeded RNG.

    It answers requests for facts it knows and says "I don't know" for the rest, checks a
    proposed action against its goal before agreeing, pushes back on a refusal it does not
    expect (once), and leaves when its patience runs out. It never invents ids: every value
    it says comes from the goal.
    """

    def __init__(self) -> None:
        self.goal: UserGoal | None = None
        self._rng: random.Random | None = None  # start() gives the episode's; made lazily otherwise
        self._s: dict = {}

    @property
    def rng(self) -> random.Random:
        if self._rng is None:  # used before start() (a restored snapshot): seeded like every RNG here
            self._rng = random.Random(0)
        return self._rng

    @rng.setter
    def rng(self, value: random.Random) -> None:
        self._rng = value

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
        }
        return goal.opening or goal.intents[0].request

    def state(self) -> dict:
        return {"s": {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v) for k, v in self._s.items()}, "rng": self.rng.getstate()}

    def load_state(self, state: dict) -> None:
        self._s = {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v) for k, v in state["s"].items()}
        self.rng.setstate(state["rng"])

    def respond(self, reading: Reading, progress: Progress) -> UserTurn:
        assert self.goal is not None, "call start() first"
        s = self._s
        s["turns"] += 1
        kinds = {a.kind for a in reading.acts}
        open_index = progress.first_open()
        if open_index is None:
            return UserTurn(self._say("thanks_bye"), ("thanks", "bye"), done=True, outcome="satisfied")
        intent = self.goal.intents[open_index]
        if open_index != s["current"]:
            s["current"] = open_index
            return UserTurn(self._say("thanks_next", request=_strip_greeting(intent.request)), ("thanks", "inform_intent"))
        request = _strip_greeting(self._request(intent, open_index))

        parts: list[str] = []
        acts: list[str] = []
        productive = False

        if "confirm" in kinds:
            text, act, productive = self._answer_proposal(intent, reading, open_index)
            parts.append(text)
            acts.append(act)
        elif "refuse" in kinds:
            text, act, done = self._answer_refusal(intent, open_index)
            if done:
                return UserTurn(text, (act,), done=True, outcome="gave_up")
            parts.append(text)
            acts.append(act)
            productive = act == "accept_refusal"
        elif "offer" in kinds:
            offered = {a.action for a in reading.acts if a.kind == "offer"}
            if offered & set(intent.offer_accept):
                parts.append(self._say("accept_offer"))
                acts.append("affirm")
            else:
                parts.append(self._say("decline_offer"))
                acts.append("deny")
            productive = True

        requested = [a.slot for a in reading.acts if a.kind == "request" and a.slot]
        if requested and "confirm" not in kinds:
            repeated = any(slot in s["given"] for slot in requested)  # asked before: a redundant question
            text, wasted = self._answer_requests(requested)
            parts.append(text)
            acts.append("inform")
            if repeated:
                acts.append("already_said")
            productive = productive or not wasted

        if not parts:
            if "wait" in kinds:
                parts.append(self._say("wait_ack"))
                acts.append("acknowledge")
                productive = True
            elif "greet" in kinds or "ask_more" in kinds:
                parts.append(self._say("repeat_request", request=request))
                acts.append("inform_intent")
                productive = s["turns"] <= 1
            elif "inform" in kinds or "transfer" in kinds or "apologize" in kinds or "thank" in kinds:
                parts.append(self._say("acknowledge") + " " + self._say("repeat_request", request=request))
                acts.append("inform_intent")
            elif "bye" in kinds:
                parts.append(self._say("repeat_request", request=request))
                acts.append("inform_intent")
            else:
                parts.append(self._say("clarify_unknown", request=self._request(intent, open_index)))
                acts.append("clarify")

        if not productive:
            s["patience"] -= 1
            if s["patience"] <= 0:
                return UserTurn(self._say("give_up"), ("bye",), done=True, outcome="gave_up")
        return UserTurn(" ".join(parts), tuple(acts))

    # -- helpers ------------------------------------------------------------------------------
    def _say(self, key: str, **values: str) -> str:
        return render_user(key, self.rng, **values)

    def _answer_requests(self, slots: list[str]) -> tuple[str, bool]:
        assert self.goal is not None
        given = self._s["given"]
        out: list[str] = []
        wasted = True
        seen: set[str] = set()
        for slot in slots:
            if slot in seen:
                continue
            seen.add(slot)
            label = SLOT_LABELS.get(slot, slot.replace("_", " "))
            value = self.goal.known.get(slot)
            if value is None and slot in self.goal.referred:
                out.append(self._say("refer_back", reference=self.goal.referred[slot]))
                wasted = wasted and slot in given
                if slot not in given:
                    given.append(slot)
            elif value is None:
                out.append(self._say("dont_know", slot_label=label))
                alternative = _ALTERNATIVES.get(slot)
                if alternative and alternative in self.goal.known and alternative not in seen:
                    out.append(f"It's the one with the {self.goal.known[alternative]}.")
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

    def _answer_proposal(self, intent: Intent, reading: Reading, index: int) -> tuple[str, str, bool]:
        s = self._s
        if intent.change_mind and index not in s["mind_changed"]:
            s["mind_changed"].append(index)
            return intent.change_mind, "deny_change", True
        # Actions named anywhere in the message: a proposal often names the action in one
        # sentence and asks for the go-ahead in the next.
        named = {a.action for a in reading.acts if a.action and a.kind in ("confirm", "inform", "offer")}
        # Refunds, look-ups and payment words accompany most proposals; only another primary
        # action (cancel instead of return, say) is a mismatch.
        conflicting = named - {intent.action} - _AUXILIARY_ACTIONS
        if intent.action and conflicting and intent.action not in named:
            return self._say("deny_correct", value=_strip_greeting(self._request(intent, index))), "deny", False
        mentioned = set(reading.grounding.ids)
        if intent.targets and mentioned and not set(intent.targets) <= mentioned:
            return self._say("deny_correct", value=", ".join("#" + t for t in intent.targets)), "deny", False
        # Another id of the same kind as the target (another order, say) means the wrong object.
        kinds = {re.match(r"[A-Z]*", t).group(0) for t in intent.targets}
        foreign = [i for i in mentioned if i not in intent.targets and re.match(r"[A-Z]*", i).group(0) in kinds]
        if intent.targets and foreign:
            return self._say("deny_correct", value=", ".join("#" + t for t in intent.targets)), "deny", False
        return self._say("affirm"), "affirm", True

    def _request(self, intent: Intent, index: int) -> str:
        """What the user currently wants from this intent (the revision, after a change of mind)."""
        if intent.change_mind and index in self._s["mind_changed"]:
            return intent.change_mind
        return intent.request

    def _answer_refusal(self, intent: Intent, index: int) -> tuple[str, str, bool]:
        s = self._s
        if intent.outcome == "refuse":
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
_AUXILIARY_ACTIONS = frozenset({"refund", "lookup", "compensate", "change_payment", "transfer"})
_GREETING = re.compile(r"^(?:hi|hello|hey there|hey|good morning|good afternoon)[,!.]?\s+", re.I)


def _strip_greeting(text: str) -> str:
    return _lower_first(_GREETING.sub("", text)).rstrip(".!")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != "I " and text[:2] != "I'" else text
