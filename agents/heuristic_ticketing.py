"""TicketingHeuristicAgent: a policy-following service-desk analyst with no privileged access.

It reads only what a human analyst would: the caller's words (or, in the queue, the tickets and
the requesters' comments), tool results and the policy. Keyword rules classify the request and
read impact and urgency; tool results (warranty dates, approvals, SLA state, search hits) decide
what policy allows; every confirmable action is proposed and confirmed first, and the outcome
is told with the ticket number and the facts the caller needs.

This module is the agent's protocol and its dispatch; the work is in ``agents/ticketing/``:
``reading`` (keyword tables; classify a request, read impact, urgency, category), ``desk`` (what
the agent has read, the request being served, the shared moves), one module per kind of request
(``account``, ``access``, ``hardware``, ``tickets``, ``problems``, ``team``) and ``queue``
(TicketingQueue).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from utility_gym.agents.base import Action, tool_call
from utility_gym.agents.text import has_any
from utility_gym.agents.ticketing import access, account, hardware, problems, team, tickets
from utility_gym.agents.ticketing.desk import Desk, Intent
from utility_gym.agents.ticketing.queue import TicketQueue
from utility_gym.agents.ticketing.reading import (
    AFFIRM,
    BYE,
    TODAY,
    category_of,
    classify,
    impact_of,
    is_specific,
    urgency_of,
)

__all__ = ["TicketingHeuristicAgent", "category_of", "impact_of", "urgency_of"]

# The handler of each kind of request (reading.classify names the kind).
HANDLERS: dict[str, Callable[[Desk], Action]] = {
    "security": problems.do_security,
    "team": team.do_team,
    "colleague": account.do_colleague,
    "forbidden_admin": account.do_forbidden_admin,
    "forbidden_mfa": account.do_forbidden_mfa,
    "forbidden_mailbox": account.do_forbidden_mailbox,
    "access": access.do_access,
    "followup": tickets.do_followup,
    "unlock": account.do_unlock,
    "reset": account.do_reset,
    "hardware": hardware.do_hardware,
    "problem": problems.do_problem,
}


class TicketingHeuristicAgent:
    """A rule-based analyst for utility/Ticketing-v1 (a caller on the line) and
    TicketingQueue-v0."""

    name = "heuristic"

    def __init__(self) -> None:
        self.reset()

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "domain": "ticketing"}

    def reset(self) -> None:
        self.desk = Desk()
        self.queue = TicketQueue()

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        desk = self.desk
        if desk.mode is None:
            desk.mode = "queue" if obs.startswith("system: queue") else "call"
        today = TODAY.search(str(info.get("policy", "")))
        if today:
            desk.today = today.group(1)
        user_text = desk.ingest(obs)
        if desk.mode == "queue":
            return self.queue.step(desk)
        return self._decide(user_text)

    def _decide(self, user_text: str) -> Action:
        """The live desk: settle a pending proposal, take up a new request, or go on serving."""
        desk = self.desk
        low = user_text.lower()
        if desk.pending is not None and user_text:
            call, desk.pending = desk.pending, None
            if has_any(low, AFFIRM) and not low.startswith("no"):
                desk.intent.confirmed = call["name"]
                return call
            desk.intent.done = True
            return "I understand, I won't do that. Could you tell me what you would like instead?"
        if desk.intent is None or desk.intent.done:
            if user_text:
                kind = classify(user_text)
                if (
                    desk.intent is not None
                    and kind == "problem"
                    and has_any(low, BYE + ("thank",))
                    and not is_specific(low)
                ):
                    return tool_call("end_conversation")
                desk.intent = Intent(kind=kind, text=user_text)
            elif desk.intent is None:
                return "Hello, this is the IT service desk. How can I help?"
            else:
                return tool_call("end_conversation")
        elif user_text:
            desk.intent.answers.append(user_text)
        return HANDLERS[desk.intent.kind](desk)
