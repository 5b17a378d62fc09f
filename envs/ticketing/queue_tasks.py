"""Task templates of the ticket queue: a few new self-service tickets to triage, link, resolve or
route.

One intent per queued ticket (its ``targets`` hold the ticket id). Each requester's knowledge is
stored in the goal's ``known`` under ``"<ticket id>:<slot>"`` keys; the queue env gives every
requester their own simulated user.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass

from utility_gym.core.tasks import (
    Fact,
    Intent,
    NoTask,
    Persona,
    Script,
    TaskDraft,
    TaskTemplate,
    UserGoal,
    memo_rows,
)
from utility_gym.envs.ticketing.catalog import ARTICLE_BY_ID
from utility_gym.envs.ticketing.generator import TRUTH_TABLE

SCENARIOS = ("duplicate", "kb", "route", "vague")


def _queued(db: sqlite3.Connection, scenario: str) -> list[dict]:
    return memo_rows(
        db,
        "SELECT x.*, t.short_description, t.description, t.opened_at, t.requester_id, t.category "
        "AS filed_category, "
        f"t.impact AS filed_impact, t.urgency AS filed_urgency FROM tickets t JOIN {TRUTH_TABLE} x "
        "ON x.ticket_id = t.id "
        "WHERE t.status = 'new' AND x.scenario = ? ORDER BY t.id",
        (scenario,),
    )


def _pick(db: sqlite3.Connection, rng: random.Random, scenarios: tuple[str, ...]) -> list[dict]:
    chosen: list[dict] = []
    for scenario in scenarios:
        taken = {c["ticket_id"] for c in chosen}
        pool = [t for t in _queued(db, scenario) if t["ticket_id"] not in taken]
        if not pool:
            raise NoTask(f"no new {scenario} ticket left for the queue")
        chosen.append(rng.choice(pool))
    return sorted(chosen, key=lambda t: (t["opened_at"], t["ticket_id"]))


def _triage_update(s: Script, t: dict) -> None:
    """Set category, impact and urgency; essential only when it changes something."""
    changes = (t["category"], t["impact"], t["urgency"]) != (
        t["filed_category"],
        t["filed_impact"],
        t["filed_urgency"],
    )
    s.call(
        "update_ticket",
        essential=changes,
        ticket_id=t["ticket_id"],
        category=t["category"],
        impact=t["impact"],
        urgency=t["urgency"],
    )


def _said(text: str) -> str:
    """A requester's sentence as an answer fragment ("It's {value}.")."""
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:]


def _work(s: Script, t: dict, known: dict[str, str]) -> Intent:
    tid = t["ticket_id"]
    known[f"{tid}:details"] = _said(t["detail"] or t["description"])
    known[f"{tid}:error_message"] = _said(t["detail"] or t["description"])
    if t["scenario"] == "duplicate":
        parent = t["parent_id"]
        s.call(
            "search_tickets",
            essential=False,
            query=t["short_description"].rstrip("?").removeprefix("Problem: "),
        )
        s.call("link_duplicate", ticket_id=tid, parent_id=parent)
        return Intent(f"triage {tid}", t["description"], "write", None, (tid,))
    if t["scenario"] == "kb":
        art = ARTICLE_BY_ID[t["article_id"]]
        s.call("search_kb", essential=False, query=t["short_description"])
        s.call("get_kb_article", essential=False, article_id=art.id)
        _triage_update(s, t)
        steps = " ".join(f"{i}) {step}" for i, step in enumerate(art.steps, 1))
        s.call(
            "resolve_ticket",
            ticket_id=tid,
            resolution_code="kb_solution",
            public_note=f"This is solved by {art.id} ({art.title}). Steps: {steps}",
        )
        return Intent(
            f"triage {tid}",
            t["description"],
            "write",
            None,
            (tid,),
            (Fact("text", art.key_step, "key step of the fix"),),
        )
    if t["scenario"] == "route":
        _triage_update(s, t)
        s.call("assign_ticket", ticket_id=tid, group=t["assignment_group"])
        return Intent(f"triage {tid}", t["description"], "write", None, (tid,))
    raise ValueError(f"unknown scenario {t['scenario']!r}")


def _ask(s: Script, t: dict, known: dict[str, str]) -> None:
    tid = t["ticket_id"]
    known[f"{tid}:details"] = _said(t["detail"])
    known[f"{tid}:error_message"] = _said(t["detail"])
    s.call(
        "add_comment",
        ticket_id=tid,
        visibility="public",
        body="Thanks for your ticket. Could you describe what exactly happens, with any error message you see, "  # noqa: E501
        "who is affected, and whether you can still work?",
    )


def _finish_vague(s: Script, t: dict) -> Intent:
    tid = t["ticket_id"]
    s.call("get_ticket", essential=False, ticket_id=tid)
    _triage_update(s, t)
    s.call("assign_ticket", ticket_id=tid, group=t["assignment_group"])
    return Intent(f"triage {tid}", t["description"], "write", None, (tid,))


@dataclass(frozen=True)
class QueueGenerator:
    """Generates a queue of one ticket per scenario, oldest first; vague tickets are asked about
    first.

    A module-level class, not a closure, so that envs holding their templates pickle.
    """

    scenarios: tuple[str, ...]

    def __call__(self, db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
        tickets = _pick(db, rng, self.scenarios)
        known: dict[str, str] = {}
        s = Script()
        intents: dict[int, Intent] = {}
        # Ask the vague tickets' requesters first, so their answers arrive while other tickets are
        # worked.
        for i, t in enumerate(tickets):
            if t["scenario"] == "vague":
                s.intent = i
                _ask(s, t, known)
        for i, t in enumerate(tickets):
            s.intent = i
            intents[i] = _finish_vague(s, t) if t["scenario"] == "vague" else _work(s, t, known)
        ask = tuple("details|error_message" for t in tickets if t["scenario"] == "vague")[:1]
        persona = Persona(
            style=rng.choice(("terse", "plain", "chatty")),
            patience=rng.randint(4, 6),
            cooperative=True,
        )
        goal = UserGoal(tuple(intents[i] for i in range(len(tickets))), known, (), "", persona)
        summary = ", ".join(f"{t['ticket_id']} {t['scenario']}" for t in tickets)
        return TaskDraft(goal, tuple(s.steps), ask, (), summary)


QUEUE_TEMPLATES = (
    TaskTemplate(
        "queue_triage",
        "A KB-solvable ticket, one to route, one duplicate.",
        QueueGenerator(("kb", "route", "duplicate")),
        tags=("queue", "exact-state"),
    ),
    TaskTemplate(
        "queue_clarify",
        "A vague ticket (ask the requester), one to route, one duplicate.",
        QueueGenerator(("vague", "route", "duplicate")),
        tags=("queue", "ambiguous"),
    ),
    TaskTemplate(
        "queue_duplicates",
        "Two duplicates of open incidents and a KB-solvable ticket.",
        QueueGenerator(("duplicate", "duplicate", "kb")),
        tags=("queue", "duplicates"),
    ),
    TaskTemplate(
        "queue_knowledge",
        "Two KB-solvable tickets and one to route.",
        QueueGenerator(("kb", "kb", "route")),
        tags=("queue", "search"),
    ),
    TaskTemplate(
        "queue_long",
        "Five tickets of every kind, a vague one among them.",
        QueueGenerator(("vague", "kb", "route", "duplicate", "duplicate")),
        heldout=True,
        tags=("queue",),
    ),
)
