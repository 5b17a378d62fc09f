"""The Ticketing heuristic's queue (TicketingQueue): work the new tickets one by one: link a
duplicate of an open major incident, ask the requester when a description is too thin to act
on, solve from the knowledge base, else triage (category, impact, urgency) and route."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from utility_gym.agents.base import Action, tool_call
from utility_gym.agents.ticketing.desk import Desk
from utility_gym.agents.ticketing.reading import (
    GROUP_FOR,
    article_matches,
    best_hit,
    category_of,
    content_words,
    impact_of,
    search_query,
    symptom_of,
    urgency_of,
)

_QUEUED = re.compile(
    r"system: queue ticket (\S+) from .*?\((E\d+)\), opened \S+, filed as (\w+) impact "
    r"(\d) urgency (\d): (.*)"
)
ASK_DETAILS = (
    "Thanks for your ticket. Could you describe what exactly happens, with any error message you "
    "see, who is affected, and whether you can still work?"
)


@dataclass
class QueuedTicket:
    """A ticket of the queue as filed, and how far working it has come."""

    id: str
    requester: str
    category: str
    impact: int
    urgency: int
    short: str
    text: str
    state: str = "new"  # new, asked (a question to the requester is open), answered, done
    answer: str = ""
    waits: int = 0  # looks at an asked ticket while its answer is on its way
    seen: dict[str, Any] = field(default_factory=dict)  # tool name -> result (None: called)
    parent: dict | None = None  # the open incident it may duplicate: its id, then its details


def queued_ticket(line: str) -> QueuedTicket | None:
    """The ticket a ``system: queue ticket ...`` line files, or None."""
    m = _QUEUED.match(line)
    if m is None:
        return None
    short, _, description = m.group(6).partition(" | ")
    return QueuedTicket(
        id=m.group(1),
        requester=m.group(2),
        category=m.group(3),
        impact=int(m.group(4)),
        urgency=int(m.group(5)),
        short=short,
        text=description or short,
    )


class TicketQueue:
    """The queue's tickets, the one being worked, and the calls planned next."""

    def __init__(self) -> None:
        self.tickets: list[QueuedTicket] = []
        self.plan: list[Action] = []
        self.current: QueuedTicket | None = None

    def step(self, desk: Desk) -> Action:
        for line in desk.queue_lines:
            ticket = queued_ticket(line)
            if ticket is not None:
                self.tickets.append(ticket)
        for name, result in desk.results:
            self._absorb(name, result)
        for line in (desk.last_user or "").split("public comment on ")[1:]:
            tid = line.split(" ", 1)[0]
            t = next((q for q in self.tickets if q.id == tid), None)
            if t is not None and t.state == "asked":
                t.answer = line.split(": ", 1)[1] if ": " in line else line
                t.state = "answered"
        desk.last_user = ""
        if self.plan:
            return self.plan.pop(0)
        for t in self.tickets:
            action = self._work(t)
            if action is not None:
                return action
        waiting = next((t for t in self.tickets if t.state == "asked" and t.waits < 3), None)
        if waiting is not None:  # an answer is on its way: look at the ticket until it arrives
            waiting.waits += 1
            return tool_call("get_ticket", ticket_id=waiting.id)
        return tool_call("end_conversation")

    def _absorb(self, name: str, result: Any) -> None:
        t = self.current
        if t is None:
            return
        if (
            name == "get_ticket"
            and isinstance(result, dict)
            and (t.parent or {}).get("id") == result.get("id")
        ):
            t.parent = result
        else:
            t.seen[name] = result

    def _work(self, t: QueuedTicket) -> Action | None:
        """The next call for ticket ``t``; None when it needs none now."""
        self.current = t
        if t.state in ("done", "asked"):
            return None
        if t.state == "answered":
            text = t.answer
            category = category_of(text)
            t.state = "done"
            self.plan = [tool_call("assign_ticket", ticket_id=t.id, group=GROUP_FOR[category])]
            return tool_call(
                "update_ticket",
                ticket_id=t.id,
                category=category,
                impact=impact_of(text),
                urgency=urgency_of(text),
            )
        seen = t.seen
        if "search_tickets" not in seen:
            seen["search_tickets"] = None
            return tool_call("search_tickets", query=search_query(symptom_of(t.text)) or t.short)
        step = self._duplicate(t)
        if step is not None:
            return step
        if len(content_words(symptom_of(t.text))) < 5:
            t.state = "asked"
            return tool_call("add_comment", ticket_id=t.id, visibility="public", body=ASK_DETAILS)
        return self._resolve_or_route(t)

    @staticmethod
    def _duplicate(t: QueuedTicket) -> Action | None:
        """Link ``t`` to the open major incident it describes (reading that incident first)."""
        found = t.seen.get("search_tickets") or []
        words = content_words(symptom_of(t.text))
        parent = next(
            (
                p
                for p in found
                if p["id"] != t.id
                and p["impact"] <= 2
                and not p["parent_id"]
                and p["status"] in ("assigned", "in_progress")
                and len(words & content_words(p["short_description"])) >= 1
            ),
            None,
        )
        if parent is None:
            return None
        detail = t.parent
        if detail is None or detail.get("id") != parent["id"]:
            t.parent = {"id": parent["id"]}
            return tool_call("get_ticket", ticket_id=parent["id"])
        same = words & content_words(
            detail.get("short_description", "") + " " + (detail.get("description") or "")
        )
        if len(same) >= min(3, len(words)):
            t.state = "done"
            return tool_call("link_duplicate", ticket_id=t.id, parent_id=parent["id"])
        return None

    def _resolve_or_route(self, t: QueuedTicket) -> Action:
        """A ticket with a clear description: solve it from the KB, else route it."""
        seen = t.seen
        symptom = symptom_of(t.text)
        if "search_kb" not in seen:
            seen["search_kb"] = None
            return tool_call("search_kb", query=symptom[:200])
        hits = seen.get("search_kb") or []
        best = best_hit(symptom, hits) if hits else None
        if "get_kb_article" not in seen and best is not None:
            seen["get_kb_article"] = None
            return tool_call("get_kb_article", article_id=best["id"])
        article = seen.get("get_kb_article")
        impact, urgency = impact_of(t.text), urgency_of(t.text)
        t.state = "done"
        if article and article_matches(symptom, article["title"], article["body"]):
            steps = " ".join(line.strip() for line in article["body"].splitlines())
            note = f"This is solved by {article['id']} ({article['title']}). Steps: {steps}"
            self.plan = [
                tool_call(
                    "resolve_ticket",
                    ticket_id=t.id,
                    resolution_code="kb_solution",
                    public_note=note,
                )
            ]
            return tool_call(
                "update_ticket",
                ticket_id=t.id,
                category=article["category"],
                impact=impact,
                urgency=urgency,
            )
        category = category_of(t.text)
        self.plan = [tool_call("assign_ticket", ticket_id=t.id, group=GROUP_FOR[category])]
        return tool_call(
            "update_ticket", ticket_id=t.id, category=category, impact=impact, urgency=urgency
        )
