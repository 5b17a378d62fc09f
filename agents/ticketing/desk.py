"""The Ticketing heuristic's state in one conversation: what it has read from the observations
(the caller's words, tool results, errors), the request being served (`Intent`), and the few
moves every request handler shares (log a ticket, propose and wait for a yes, finish)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from utility_gym.agents.base import Action, tool_call
from utility_gym.agents.text import tool_result
from utility_gym.agents.ticketing.reading import EMPLOYEE_ID, ISO_DATE, urgency_of

QUEUE_LINE = "system: queue ticket "


@dataclass
class Intent:
    """One request of the caller, and how far serving it has come."""

    kind: str  # the handler serving it (see reading.classify)
    text: str  # the caller's words that opened it
    done: bool = False
    answers: list[str] = field(default_factory=list)  # the caller's later words
    seen: dict[str, Any] = field(default_factory=dict)  # tool name -> its last result
    ticket: str | None = None  # the ticket logged (or found) for it
    tickets: dict[str, dict] = field(default_factory=dict)  # get_ticket results, by id
    confirmed: str | None = None  # the tool the caller said yes to
    # access
    app: dict | None = None
    # duplicates: the open ticket that tracks the problem
    parent: dict | None = None
    no_parent: bool = False
    searched: bool = False
    reporter_sought: bool = False
    # knowledge base and routing
    kb_searched: bool = False
    no_kb: bool = False
    route: bool = False
    asked: bool = False
    told: bool = False
    # a team's outage: the people reported for, the look-up under way, the tickets made
    people: list[str] | None = None
    looking: str | None = None
    made: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    awaiting: bool = False


class Desk:
    """What the analyst knows in one episode, and the moves shared by every request."""

    def __init__(self) -> None:
        self.mode: str | None = None  # "call" (a caller on the line) or "queue"
        self.eid: str | None = None
        self.dob: str | None = None
        self.verified = False
        self.verify_failed = False
        self.apps: list[dict] | None = None
        self.employee: dict | None = None
        self.intent: Intent | None = None
        self.pending: dict[str, Any] | None = None  # a proposed call, awaiting the caller's yes
        self.last_user = ""
        self.results: list[tuple[str, Any]] = []  # this turn's tool results
        self.errors: list[str] = []  # this turn's errors
        self.queue_lines: list[str] = []  # this turn's queued tickets (TicketingQueue)
        self.today: str | None = None  # the world's date, from the policy
        self.opening: str | None = None  # the caller's first words

    # -- reading ----------------------------------------------------------------------------
    def ingest(self, obs: str) -> str:
        """Take in one observation; the user's words in it."""
        users: list[str] = []
        self.results, self.errors, self.queue_lines = [], [], []
        for line in obs.split("\n"):
            if line.startswith("user: "):
                users.append(line[6:])
            elif line.startswith("tool "):
                name, result = tool_result(line)
                self.results.append((name, result))
                self._absorb(name, result)
            elif line.startswith("error: "):
                self.errors.append(line[7:])
            elif line.startswith(QUEUE_LINE):
                self.queue_lines.append(line)
        text = " ".join(users)
        if text:
            self.last_user = text
            self.opening = self.opening or text
            m = EMPLOYEE_ID.search(text)
            if m:
                self.eid = m.group(1)
            dates = ISO_DATE.findall(text)
            if dates:
                self.dob = dates[-1]
        return text

    def _absorb(self, name: str, result: Any) -> None:
        intent = self.intent
        if name == "verify_identity" and isinstance(result, dict) and result.get("verified"):
            self.verified = True
        elif name == "list_applications" and isinstance(result, list):
            self.apps = result
        elif name == "get_employee" and isinstance(result, dict):
            self.employee = result
        if intent is None or not isinstance(result, dict | list):
            return
        intent.seen[name] = result
        if name == "create_ticket" and isinstance(result, dict):
            intent.ticket = result["id"]
        if name == "get_ticket" and isinstance(result, dict):
            intent.tickets[result["id"]] = result

    def result(self, name: str) -> Any:
        """The last result of tool ``name`` for the current request."""
        return self.intent.seen.get(name) if self.intent is not None else None

    def just(self, name: str) -> Any:
        """The result of tool ``name`` in this turn's observation."""
        for n, r in self.results:
            if n == name:
                return r
        return None

    def text(self) -> str:
        """The request's words and every answer the caller gave since."""
        return " ".join([self.intent.text, *self.intent.answers])

    def urgency(self, default: int) -> int:
        """The urgency the caller stated for this request, else in their opening (one cue for
        a call about several devices or applications), else ``default``."""
        return urgency_of(self.intent.text, 0) or urgency_of(self.opening or "", default)

    # -- moves ------------------------------------------------------------------------------
    def finish(self, text: str) -> Action:
        self.intent.done = True
        return f"{text} Is there anything else I can help you with?"

    def failed(self) -> Action:
        why = self.errors[0] if self.errors else "unknown error"
        return self.finish(f"I'm sorry, that did not work: {why}.")

    def propose(self, text: str, call: dict[str, Any]) -> Action:
        self.pending = call
        return text

    def confirmed_action(
        self, name: str, proposal: str, call: dict[str, Any], outcome: str
    ) -> Action:
        """Propose ``call``; once the caller said yes and it ran, tell ``outcome``."""
        if self.intent.confirmed != name and not self.result(name):
            return self.propose(proposal, call)
        if not self.result(name):
            return self.failed()
        return self.finish(outcome)

    def need_id(self) -> Action | None:
        if self.eid is None:
            return "I can help with that. Could you give me your employee ID, please?"
        return None

    def ticket_call(
        self, kind: str, category: str, impact: int, urgency: int, short: str
    ) -> dict[str, Any]:
        return tool_call(
            "create_ticket",
            requester_id=self.eid,
            kind=kind,
            category=category,
            impact=impact,
            urgency=urgency,
            short_description=short,
            description=self.intent.text[:500],
        )
