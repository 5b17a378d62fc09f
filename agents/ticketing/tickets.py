"""The Ticketing heuristic's existing tickets: a caller's follow-up on a ticket number (status,
reopen, escalate past its due time, link a self-service ticket to a known problem), and finding
the open major incident a report duplicates."""

from __future__ import annotations

from datetime import date
from typing import Any

from utility_gym.agents.base import Action, tool_call
from utility_gym.agents.text import has_any
from utility_gym.agents.ticketing.desk import Desk
from utility_gym.agents.ticketing.reading import (
    REPORTER,
    TICKET_NUMBER,
    content_words,
    search_query,
    symptom_of,
)


def do_followup(desk: Desk) -> Action:
    intent = desk.intent
    tid = TICKET_NUMBER.search(intent.text).group(1)
    t = intent.tickets.get(tid)
    if t is None:
        if desk.errors:
            return desk.finish(f"I couldn't find ticket {tid}; could you check the number?")
        return tool_call("get_ticket", ticket_id=tid)
    low = intent.text.lower()
    group = t.get("assignment_group_name") or t["assignment_group"]
    if t["status"] == "resolved" and has_any(low, ("back", "again", "came back", "returned")):
        return desk.confirmed_action(
            "reopen_ticket",
            f"Ticket {tid} was resolved recently, so I can reopen it. Shall I reopen {tid} "
            f"and send it back to {group}?",
            tool_call(
                "reopen_ticket",
                ticket_id=tid,
                reason="The requester reports the problem is back.",
            ),
            f"Done: {tid} is reopened and back with {group}.",
        )
    if t["status"] == "new" and t.get("channel") == "self-service":
        return _link_existing(desk, t)
    if (
        t["status"] in ("new", "assigned", "in_progress", "on_hold")
        and t.get("sla_breached")
        and not t.get("escalated")
    ):
        return desk.confirmed_action(
            "escalate_ticket",
            f"I'm sorry about the wait. Ticket {tid} is past its due time. Shall I escalate "
            f"{tid} to the manager of {group}?",
            tool_call(
                "escalate_ticket",
                ticket_id=tid,
                reason="SLA breached; the requester is chasing it.",
            ),
            f"Done: {tid} has been escalated to the manager of {group}, who will follow up "
            "with you.",
        )
    status = t["status"].replace("_", " ")
    due = t["due_at"][:10]
    days = ""
    if desk.today:
        days = f", in {(date.fromisoformat(due) - date.fromisoformat(desk.today)).days} days"
    return desk.finish(
        f"Your ticket {tid} ({t['short_description']}) is {status} with {group}; "
        f"it is due by {due}{days}."
    )


def _link_existing(desk: Desk, t: dict) -> Action:
    parent = parent_for(desk, t["description"] or t["short_description"], exclude=t["id"])
    if isinstance(parent, dict) and "arguments" in parent:
        return parent
    if parent is None:
        return desk.finish(
            f"Your ticket {t['id']} is new and waiting for the service desk; it is due by "
            f"{t['due_at'][:10]}."
        )
    if not desk.result("link_duplicate"):
        return tool_call("link_duplicate", ticket_id=t["id"], parent_id=parent["id"])
    return desk.finish(
        f"Your ticket {t['id']} reports a known problem already tracked in {parent['id']} "
        f"({parent['short_description']}). I've linked your ticket to it, so you'll get the "
        "updates from there."
    )


def find_parent(desk: Desk) -> Action | None:
    """Look for the open ticket that already tracks the request's problem: a call to make, or
    None once the search is over (``intent.parent`` holds what it found, if anything)."""
    intent = desk.intent
    if intent.parent is None and not intent.no_parent:
        found = parent_for(desk, intent.text)
        if isinstance(found, dict) and "arguments" in found:
            return found
        if found is None:
            intent.no_parent = True
        else:
            intent.parent = found
    return None


def parent_for(desk: Desk, text: str, exclude: str | None = None) -> Any:
    """An open major incident matching ``text``: a search call to make, the parent, or None."""
    intent = desk.intent
    found = desk.result("search_tickets")
    if found is None:
        if intent.searched:
            return None
        intent.searched = True
        return tool_call("search_tickets", query=search_query(symptom_of(text)) or text[:60])
    reporter = _reporter(desk, text)
    if isinstance(reporter, dict):
        return reporter
    words = content_words(symptom_of(text))
    candidates = [
        t
        for t in found
        if t["id"] != exclude
        and t["impact"] <= 2
        and not t["parent_id"]
        and len(words & content_words(t["short_description"])) >= 1
    ]
    # the named reporter's ticket first, else in the search's order
    candidates.sort(key=lambda t: t["requester_id"] != reporter)
    candidate = next(iter(candidates), None)
    if candidate is None:
        return None
    # A shared word is not enough ("email"): the parent must describe the same symptom.
    detail = intent.tickets.get(candidate["id"])
    if detail is None:
        return tool_call("get_ticket", ticket_id=candidate["id"])
    same = words & content_words(detail["short_description"] + " " + (detail["description"] or ""))
    # most of the symptom, not a few common words ("team", "every", "shows")
    enough = len(same) >= min(3, len(words)) and 2 * len(same) > len(words)
    return candidate if enough else None


def _reporter(desk: Desk, text: str) -> Any:
    """The employee id of the teammate the caller says reported the problem: a
    ``find_employee`` call to make, the id, or None."""
    m = REPORTER.search(text)
    if m is None or desk.intent is None:
        return None
    people = desk.result("find_employee")
    if people is None and not desk.intent.reporter_sought:
        desk.intent.reporter_sought = True
        return tool_call("find_employee", query=m.group(1))
    named = [p for p in people or () if p.get("name") == m.group(1)]
    return named[0]["employee_id"] if len(named) == 1 else None
