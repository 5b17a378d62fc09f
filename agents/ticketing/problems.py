"""The Ticketing heuristic's reported problems: link a report to the open incident that tracks
it, solve it from a knowledge-base article that matches, else ask for details, log and route it
to its group; and security incidents (log, route to Security Operations, transfer)."""

from __future__ import annotations

from utility_gym.agents.base import Action, tool_call
from utility_gym.agents.ticketing.desk import Desk
from utility_gym.agents.ticketing.reading import (
    GROUP_FOR,
    GROUP_NAMES,
    article_matches,
    best_hit,
    category_of,
    impact_of,
    symptom_of,
    urgency_of,
)
from utility_gym.agents.ticketing.tickets import find_parent


def do_security(desk: Desk) -> Action:
    step = desk.need_id()
    if step is not None:
        return step
    intent = desk.intent
    if intent.ticket is None:
        return desk.ticket_call(
            "incident", "security", 3, 1, "Security incident reported by caller"
        )
    tid = intent.ticket
    if not desk.result("assign_ticket"):
        return tool_call("assign_ticket", ticket_id=tid, group="security")
    if not intent.told:
        intent.told = True
        return (
            f"Thank you for calling right away. I've logged this as security incident {tid}, "
            "and I'm transferring you to Security Operations now."
        )
    intent.done = True
    return tool_call("transfer_to_human", summary=f"Security incident {tid}: {intent.text[:300]}")


def do_problem(desk: Desk) -> Action:
    step = desk.need_id()
    if step is not None:
        return step
    intent = desk.intent
    if intent.route:
        return _route(desk)
    step = find_parent(desk)
    if step is not None:
        return step
    parent = intent.parent
    if parent is not None:
        if intent.ticket is None:
            return desk.ticket_call(
                "incident",
                parent["category"],
                3,
                urgency_of(intent.text),
                parent["short_description"],
            )
        tid = intent.ticket
        if not desk.result("link_duplicate"):
            return tool_call("link_duplicate", ticket_id=tid, parent_id=parent["id"])
        return desk.finish(
            f"This is a known problem: it is already tracked in ticket {parent['id']} "
            f"({parent['short_description']}). "
            f"I've logged your report as {tid} and linked it to {parent['id']}, so you'll get "
            "the updates."
        )
    return _kb_or_route(desk)


def _kb_or_route(desk: Desk) -> Action:
    intent = desk.intent
    hits = desk.result("search_kb")
    symptom = symptom_of(intent.text)
    if hits is None and not intent.kb_searched:
        intent.kb_searched = True
        return tool_call("search_kb", query=symptom[:200])
    article = desk.result("get_kb_article")
    if article is None and hits and not intent.no_kb:
        best = best_hit(symptom, hits)
        if best is not None:
            return tool_call("get_kb_article", article_id=best["id"])
        intent.no_kb = True
    if article is not None and article_matches(symptom, article["title"], article["body"]):
        if intent.ticket is None:
            return desk.ticket_call(
                "incident", article["category"], 3, urgency_of(intent.text), article["title"]
            )
        tid = intent.ticket
        if not desk.result("resolve_ticket"):
            return tool_call(
                "resolve_ticket",
                ticket_id=tid,
                resolution_code="kb_solution",
                public_note=f"Walked the caller through {article['id']}: {article['title']}.",
            )
        steps = " ".join(f"{line.strip()}" for line in article["body"].splitlines())
        return desk.finish(
            f"This is a known issue with a documented fix, {article['id']} "
            f"({article['title']}). Here are the steps: "
            f"{steps} I've recorded the fix on your ticket {tid} and resolved it."
        )
    intent.route = True
    return _route(desk)


def _route(desk: Desk) -> Action:
    intent = desk.intent
    if not intent.asked:
        intent.asked = True
        return (
            "I'm sorry to hear that. Could you describe what exactly happens, with any error "
            "message you see, "
            "who is affected and whether you can still work?"
        )
    text = desk.text()
    category = category_of(" ".join(intent.answers) or text)
    if intent.ticket is None:
        # The short description says what happens: the caller's answer when the opening was
        # vague.
        short = symptom_of(intent.answers[-1]) if intent.answers else text
        return desk.ticket_call("incident", category, impact_of(text), urgency_of(text), short[:80])
    tid = intent.ticket
    group = GROUP_FOR[category]
    if group != "service-desk" and not desk.result("assign_ticket"):
        return tool_call("assign_ticket", ticket_id=tid, group=group)
    return desk.finish(
        f"Thank you. I've logged this as ticket {tid} and passed it to {GROUP_NAMES[group]}; "
        "they'll contact you."
    )
