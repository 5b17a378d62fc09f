"""The Ticketing heuristic's outages of a team: a caller reports a problem for named teammates
too; a linked report each when an open ticket tracks it, else one team ticket, routed."""

from __future__ import annotations

from utility_gym.agents.base import Action, tool_call
from utility_gym.agents.ticketing.desk import Desk
from utility_gym.agents.ticketing.reading import (
    GROUP_FOR,
    GROUP_NAMES,
    TEAMMATES,
    category_of,
    symptom_of,
)
from utility_gym.agents.ticketing.tickets import find_parent


def do_team(desk: Desk) -> Action:
    """A linked report each when an open ticket tracks the problem, else one team ticket."""
    step = desk.need_id()
    if step is not None:
        return step
    intent = desk.intent
    step = find_parent(desk)
    if step is not None:
        return step
    parent = intent.parent
    if parent is None:
        return _team_ticket(desk)
    if intent.people is None:
        intent.people = [desk.eid]
    people = intent.people
    names = [n.strip() for n in TEAMMATES.search(intent.text).group(1).split(" and ")]
    if len(people) <= len(names):
        return _teammate(desk, names[len(people) - 1])
    return _team_links(desk, parent, people)


def _teammate(desk: Desk, name: str) -> Action:
    """Find a teammate's employee id by name (one look-up, then read its result)."""
    intent = desk.intent
    found = desk.just("find_employee")
    if intent.looking == name and isinstance(found, list):
        match = next((r for r in found if r["name"].lower() == name.lower()), None)
        if match is None:
            return desk.finish(
                f"I couldn't find {name} in the directory; could you check the name?"
            )
        intent.people.append(match["employee_id"])
        return do_team(desk)
    intent.looking = name
    return tool_call("find_employee", query=name)


def _team_links(desk: Desk, parent: dict, people: list[str]) -> Action:
    """A report for each person, each linked to the parent; then tell them all."""
    intent = desk.intent
    made, linked = intent.made, intent.linked
    created = desk.just("create_ticket")
    awaiting, intent.awaiting = intent.awaiting, False
    if awaiting and isinstance(created, dict):
        made.append(created["id"])
    if len(linked) < len(made):
        linked.append(made[-1])
        return tool_call("link_duplicate", ticket_id=made[-1], parent_id=parent["id"])
    if len(made) < len(people):
        intent.awaiting = True
        return tool_call(
            "create_ticket",
            requester_id=people[len(made)],
            kind="incident",
            category=parent["category"],
            impact=3,
            urgency=desk.urgency(2),
            short_description=parent["short_description"],
            description=symptom_of(intent.text)[:300],
        )
    numbers = ", ".join(made)
    return desk.finish(
        f"This is a known outage, already tracked in {parent['id']} "
        f"({parent['short_description']}). I've logged a report for each of you "
        f"({numbers}), each linked to {parent['id']}, so you'll all get the "
        "updates."
    )


def _team_ticket(desk: Desk) -> Action:
    intent = desk.intent
    symptom = symptom_of(intent.text)
    category = category_of(symptom)
    if intent.ticket is None:
        return desk.ticket_call("incident", category, 2, desk.urgency(2), symptom[:80])
    tid, group = intent.ticket, GROUP_FOR[category]
    if group != "service-desk" and not desk.result("assign_ticket"):
        return tool_call("assign_ticket", ticket_id=tid, group=group)
    return desk.finish(
        f"No open ticket tracks this yet, so I've logged one for your whole "
        f"team, {tid}, and passed it to {GROUP_NAMES[group]}."
    )
