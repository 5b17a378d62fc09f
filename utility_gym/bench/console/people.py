"""The person as the user: a live person's turns, the same turns replayed, and their dialogue acts.

The env asks its user for each answer (``start`` for the opening, ``respond`` after every agent
message). ``PersonUser`` gets the answer from a person (through ``ask``, which blocks until they
type); ``ReplayUser`` feeds the turns a person typed, so ``verify`` replays a session exactly.
Both turn the text into a ``UserTurn`` the same way (``person_turn``): the acts are read from the
words (yes / no / a question / an answer), and a yes to a proposal is an agreement to what the
proposal stated, as it is for the simulated user, so confirmations are graded alike.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from utility_gym.core.nlu import Reading
from utility_gym.core.tasks import UserGoal
from utility_gym.core.users import Progress, UserTurn

PERSON_USER_CLASS = "utility_gym.bench.console.people:PersonUser"
LEAVE_TEXT = "Bye."  # what the transcript shows when a person leaves without a last word

_YES = re.compile(
    r"^(?:yes|yeah|yep|yup|sure|ok(?:ay)?|alright|please do|please go ahead|go ahead|"
    r"sounds good|that'?s (?:right|correct|fine|good)|correct|confirm(?:ed)?|do it|y)\b"
)
_NO = re.compile(
    r"^(?:no|nope|nah|don'?t|do not|not (?:that|this|quite)|wrong|that'?s (?:not|wrong)|"
    r"that is not|wait|stop|n)\b(?!,? (?:that'?s (?:all|it)|nothing( else)?|thanks|thank you)\b)"
)
_WITHHOLD = re.compile(
    r"\b(?:rather not|won'?t (?:say|tell|give)|not (?:going to|gonna) (?:say|tell|give)|"
    r"prefer not|none of your|why do you need)\b"
)


@dataclass(frozen=True)
class PersonReply:
    """One turn of a person playing the user: their words, and whether they leave with it."""

    text: str
    leave: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "leave": self.leave}


def read_acts(text: str, reading: Reading | None) -> tuple[str, ...]:
    """A person's dialogue acts, from their words and what the agent's turn asked.

    ``affirm`` / ``deny`` for a yes / no to a proposal, an offer or a question, ``refuse`` for a
    turn that withholds what was asked, ``inform`` for an answer to a request, ``ask`` for a
    question, ``inform_intent`` otherwise. The same reading serves ``verify`` and the fidelity
    report.
    """
    lowered = " ".join(text.lower().split())
    acts: list[str] = []
    # a yes or no answers something only after a proposal, an offer or a question ("Okay, I'll
    # wait" after "one moment" acknowledges; it agrees to nothing)
    answerable = reading is not None and (
        reading.proposal is not None or reading.is_question or "offer" in reading.kinds
    )
    asked = bool(reading is not None and reading.slots())
    # "Sure, my email is ..." to a request for a fact is an answer, not a yes to anything
    polite = asked and reading is not None and reading.proposal is None
    if answerable and not polite and _YES.match(lowered):
        acts.append("affirm")
    elif answerable and _NO.match(lowered):
        acts.append("deny")
    if _WITHHOLD.search(lowered):
        acts.append("refuse")
    elif asked and "affirm" not in acts:
        acts.append("inform")
    if "?" in lowered:
        acts.append("ask")
    return tuple(acts) or ("inform_intent",)


def person_turn(reply: PersonReply, reading: Reading | None, progress: Progress) -> UserTurn:
    """The env's ``UserTurn`` for a person's reply: a yes to a proposal agrees to it; a leave
    ends the episode, satisfied when every intent is done (the env decides that, not the words)."""
    text = reply.text.strip() or (LEAVE_TEXT if reply.leave else "...")
    acts = read_acts(text, reading)
    if reply.leave:
        outcome = "satisfied" if progress.all_done else "gave_up"
        return UserTurn(text, (*acts, "bye"), done=True, outcome=outcome)
    agreed = reading.proposal if reading is not None and "affirm" in acts else None
    return UserTurn(text, acts, agreed=agreed)


class PersonUser:
    """The env's user, played by a person: ``ask(agent_words)`` returns their ``PersonReply``.

    ``ask`` is called with None for the opening message. The agent's words reach ``hear`` first
    (the env calls it for every agent message). ``shadow``, when given, is a simulated user that
    hears the same turns and answers in parallel, unseen (the fidelity report uses it).
    """

    def __init__(self, ask: Callable[[str | None], PersonReply], shadow: Any = None) -> None:
        self.ask = ask
        self.shadow = shadow
        self.goal: UserGoal | None = None
        self.turns: list[PersonReply] = []
        self.shadow_turns: list[UserTurn | None] = []
        self.readings: list[Reading] = []  # the agent's turns as read, one per respond
        self._heard = ""

    def use_words(self, words: Any, values: Any) -> None:
        if self.shadow is not None and hasattr(self.shadow, "use_words"):
            self.shadow.use_words(words, values)

    def config(self) -> dict[str, Any]:
        return {"person": True}

    def start(self, goal: UserGoal, rng: random.Random) -> str:
        self.goal = goal
        self.turns = []
        self.shadow_turns = []
        self.readings = []
        if self.shadow is not None:
            twin = random.Random()
            twin.setstate(rng.getstate())  # the simulated user the env would have had
            self.shadow.start(goal, twin)
        reply = self.ask(None)
        self.turns.append(reply)
        return reply.text.strip() or goal.opening or goal.intents[0].request

    def hear(self, text: str) -> None:
        self._heard = text

    def respond(self, reading: Reading, progress: Progress) -> UserTurn:
        self.readings.append(reading)
        if self.shadow is not None:
            done = any(t is not None and t.done for t in self.shadow_turns)
            self.shadow_turns.append(None if done else self.shadow.respond(reading, progress))
        reply = self.ask(self._heard)
        self.turns.append(reply)
        return person_turn(reply, reading, progress)

    def state(self) -> dict:
        return {"turns": [t.as_json() for t in self.turns]}

    def load_state(self, state: dict) -> None:
        self.turns = [PersonReply(t["text"], t["leave"]) for t in state.get("turns", [])]


class ReplayUser(PersonUser):
    """The turns a person typed, fed back in order (``verify`` and ``fidelity``)."""

    def __init__(self, turns: Sequence[PersonReply], shadow: Any = None) -> None:
        self._script = list(turns)
        super().__init__(self._next, shadow)

    def config(self) -> dict[str, Any]:
        return {"person": True}

    def _next(self, heard: str | None) -> PersonReply:
        index = len(self.turns)
        if index >= len(self._script):
            raise ValueError(
                f"the session recorded {len(self._script)} turns of the person; "
                "the replay asks for more"
            )
        return self._script[index]


def replies(recorded: Sequence[dict[str, Any]]) -> list[PersonReply]:
    """The person's turns as stored on a trajectory line (``person.turns``)."""
    return [PersonReply(str(t["text"]), bool(t["leave"])) for t in recorded]


def person_user_description() -> dict[str, Any]:
    """``user_simulator`` of a run whose user a person played (what describe_user gives)."""
    return {"class": PERSON_USER_CLASS, "person": True}
