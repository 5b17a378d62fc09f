"""Tacit regularities of the IT service desk: what an experienced analyst at Lumen Analytics
knows and no document states (docs/streams/tacit_ticketing.md). Streams only.

Three kinds, a few instances of each per world, seeded from the names of the world's first
employees (a table no tool changes), so a stream's live world and the pristine world of its
isolated twins have the same rules and another world seed has others:

- ``site_routing``: at one site a problem goes to another group than its category's (the label
  printer at the Austin site is part of the shipping system, so Application Support has it).
- ``kb_real_fix``: a recurring error whose title-matching article does not fix it; another
  article does (error 0x800f0922 in Windows Update is the proxy setting, not the update
  troubleshooter).
- ``app_nickname``: what everyone here calls an application ("Atlas" is Tableau); callers use
  the nickname and nothing else.

The policy states none of it. Each task's ``Regularity.lesson`` is what a colleague tells the
analyst afterwards, one sentence with a fixed pattern per kind (``agents/lessons/ticketing.py``
reads them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import sqlite3
from dataclasses import dataclass

from utility_gym.core.tasks import (
    Fact,
    Intent,
    NoTask,
    Regularity,
    Script,
    TaskDraft,
    TaskTemplate,
    memo,
    memo_rows,
)
from utility_gym.core.values import Value
from utility_gym.envs.ticketing.catalog import (
    APP_BY_ID,
    ARTICLE_BY_ID,
    GROUP_FOR_CATEGORY,
    STANDARD_APPS,
    Article,
)
from utility_gym.envs.ticketing.tasks import (
    _anything_else,
    _ask_id,
    _draft,
    _greeting,
    _group_name,
    _Ids,
    _name,
    _sentence,
    _ticket_args,
    _urgency,
)

RULES_PER_KIND = 2  # instances of each kind in one world: each recurs in a 50-position stream
SITES = ("Boston", "Austin", "London")


# -- the catalogue of what a world may make tacit -------------------------------------------------
@dataclass(frozen=True)
class SiteProblem:
    """A problem a site may route elsewhere: ``label`` is how callers name it (always in their
    words), ``detail`` how they describe it, ``other`` the group it may really go to."""

    label: str
    category: str
    short: str
    detail: str
    other: str


SITE_PROBLEMS: tuple[SiteProblem, ...] = (
    SiteProblem(
        "label printer",
        "hardware",
        "Label printer jams",
        "the label printer in the mail room jams on every label",
        "app-support",
    ),
    SiteProblem(
        "scan to email",
        "email",
        "Scan to email never arrives",
        "the scanner says my scan was sent, but the scan to email never arrives in my inbox",
        "desktop-support",
    ),
    SiteProblem(
        "conference speakerphone",
        "hardware",
        "Conference speakerphone cuts out",
        "the conference speakerphone crackles and cuts out whenever someone talks",
        "network",
    ),
    SiteProblem(
        "visitor kiosk",
        "software",
        "Visitor kiosk freezes",
        "the visitor kiosk at reception freezes on the welcome page and guests cannot sign in",
        "desktop-support",
    ),
    SiteProblem(
        "boardroom mailbox",
        "email",
        "Boardroom mailbox declines bookings",
        "the boardroom mailbox declines every booking we send it",
        "app-support",
    ),
)


@dataclass(frozen=True)
class KbError:
    """A recurring error: ``cue`` is what every caller with it says, ``wrong`` the article whose
    title matches, ``real`` the one that fixes it here and ``key_step`` its distinctive step."""

    cue: str
    symptom: str
    wrong: str
    real: str
    key_step: str


KB_ERRORS: tuple[KbError, ...] = (
    KbError(
        "0x800f0922",
        "Windows update keeps failing with error 0x800f0922 and says to restart and check the "
        "network settings",
        "KB0029",
        "KB0014",
        "Turn on Automatically detect settings",
    ),
    KbError(
        "offline on my Mac",
        "my printer shows offline on my Mac although the queue is empty",
        "KB0016",
        "KB0040",
        "Generic PostScript driver",
    ),
    KbError(
        "asking for a license",
        "Adobe Acrobat keeps asking for a license even after I installed the software again",
        "KB0027",
        "KB0024",
        "Open Company Portal",
    ),
    KbError(
        "Bluetooth keeps disconnecting",
        "my keyboard and trackpad are unresponsive and the Bluetooth keeps disconnecting",
        "KB0021",
        "KB0044",
        "USB port away from the dock",
    ),
    KbError(
        "error 809",
        "the VPN fails with error 809 when I connect from the office Wi-Fi",
        "KB0010",
        "KB0011",
        "Wi-Fi Profile repair",
    ),
)

# Slack and Zoom are everyone's from day one: nobody asks for them.
NICKNAMED_APPS = tuple(a for a in STANDARD_APPS if a not in ("slack", "zoom"))
# In-house names no caller uses for anything else (no word of the domain's other tasks).
NICKNAMES = ("Atlas", "Beacon", "Compass", "Harbor", "Orbit", "Quill", "Polaris", "Summit")


# -- the rules of one world -----------------------------------------------------------------------
@dataclass(frozen=True)
class SiteRoute:
    problem: SiteProblem
    site: str


@dataclass(frozen=True)
class Nickname:
    nickname: str
    application: str  # an application id of the catalog


@dataclass(frozen=True)
class TacitRules:
    """The tacit rules of one world, ``RULES_PER_KIND`` of each kind."""

    routes: tuple[SiteRoute, ...]
    kb_errors: tuple[KbError, ...]
    nicknames: tuple[Nickname, ...]


def world_rules(db: sqlite3.Connection) -> TacitRules:
    """The world's tacit rules, seeded by the names of its first employees: no tool writes them,
    so the live world of a stream and the pristine world agree, and world seeds differ."""
    return memo(db, "tacit_rules", lambda: _rules(_world_seed(db)))


def _world_seed(db: sqlite3.Connection) -> int:
    rows = db.execute(
        "SELECT id, first_name, last_name FROM employees ORDER BY id LIMIT 5"
    ).fetchall()
    text = "|".join(" ".join(str(v) for v in row) for row in rows)
    return int.from_bytes(hashlib.sha256(f"tacit/{text}".encode()).digest()[:8], "big")


def _rules(seed: int) -> TacitRules:
    def rng(kind: str) -> random.Random:  # one stream per kind: each kind varies on its own
        return random.Random(f"{seed}/{kind}")

    routing = rng("site_routing")
    problems = routing.sample(SITE_PROBLEMS, RULES_PER_KIND)
    routes = tuple(SiteRoute(p, routing.choice(SITES)) for p in problems)
    errors = tuple(rng("kb_real_fix").sample(KB_ERRORS, RULES_PER_KIND))
    naming = rng("app_nickname")
    apps = naming.sample(NICKNAMED_APPS, RULES_PER_KIND)
    names = naming.sample(NICKNAMES, RULES_PER_KIND)
    nicknames = tuple(Nickname(n, a) for n, a in zip(names, apps, strict=True))
    return TacitRules(routes, errors, nicknames)


# -- the lessons ----------------------------------------------------------------------------------
def route_lesson(route: SiteRoute) -> str:
    p = route.problem
    return (
        f'Tickets about the "{p.label}" at the {route.site} site go to the {p.other} group, '
        f"not to {GROUP_FOR_CATEGORY[p.category]}."
    )


def kb_lesson(error: KbError) -> str:
    real, wrong = ARTICLE_BY_ID[error.real], ARTICLE_BY_ID[error.wrong]
    return (
        f'When a caller reports "{error.cue}", the fix that works is {real.id} ({real.title}), '
        f"not {wrong.id} ({wrong.title}), whatever the titles say."
    )


def nickname_lesson(nick: Nickname) -> str:
    app = APP_BY_ID[nick.application].name
    return f'"{nick.nickname}" is what people here call {app}: a request for it is for {app}.'


# -- the templates --------------------------------------------------------------------------------
def site_routing(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """A problem that the caller's site routes to another group than its category's."""
    route = rng.choice(world_rules(db).routes)
    p, site = route.problem, route.site
    e = _employee_at(db, rng, site)
    urgency, cue = _urgency(rng, (1, 2, 3))
    detail = f"{p.detail}, here in {site}"
    tid = _Ids(db).ticket("incident")
    s = Script()
    _ask_id(s, rng)
    s.call("create_ticket", **_ticket_args(e["id"], "incident", p.category, 3, urgency, p.short))
    s.call("assign_ticket", ticket_id=tid, group=p.other)
    s.say(
        f"Thank you. I've logged this as ticket {tid} and passed it to {_group_name(p.other)}, "
        f"who look after the {p.label} at the {site} site; they'll contact you. "
        f"{_anything_else()}",
        essential=True,
    )
    request = f"{_greeting(rng)} {detail}. {_sentence(cue)}.".strip()
    facts = (Fact("id", tid, "ticket number"),)
    intent = Intent("get my problem fixed", request, "write", "create_ticket", (), facts)
    known = {
        "employee_id": e["id"],
        "name": _name(e),
        "details": f"{detail}; it's just me, and {cue}",
        "error_message": detail,
    }
    draft = _draft([intent], known, s, rng, f"{p.label} at {site}: route to {p.other}")
    key = f"{p.label} @ {site}"
    return dataclasses.replace(
        draft, regularity=Regularity("site_routing", key, route_lesson(route))
    )


def _employee_at(db: sqlite3.Connection, rng: random.Random, site: str) -> dict:
    sql = "SELECT id FROM employees WHERE status = 'active' AND location = ? ORDER BY id"
    ids = memo(db, ("ids", sql, site), lambda: [r[0] for r in db.execute(sql, (site,))])
    if not ids:
        raise NoTask(f"no active employee at the {site} site in this world")
    return memo_rows(db, "SELECT * FROM employees WHERE id = ?", (rng.choice(ids),))[0]


def kb_real_fix(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """A recurring error that the article with the matching title does not fix; another does."""
    error = rng.choice(world_rules(db).kb_errors)
    art: Article = ARTICLE_BY_ID[error.real]
    rows = memo(db, "ids active", lambda: _active_ids(db))
    e = memo_rows(db, "SELECT * FROM employees WHERE id = ?", (rng.choice(rows),))[0]
    urgency, cue = _urgency(rng, (2, 3))
    tid = _Ids(db).ticket("incident")
    symptom = _sentence(error.symptom)
    s = Script()
    _ask_id(s, rng)
    s.call("search_kb", essential=False, query=error.symptom)
    s.call("get_kb_article", essential=False, article_id=art.id)
    s.call(
        "create_ticket",
        **_ticket_args(e["id"], "incident", art.category, 3, urgency, art.title, symptom),
    )
    s.call(
        "resolve_ticket",
        ticket_id=tid,
        resolution_code="kb_solution",
        public_note=f"Walked the caller through {art.id}: {art.title}.",
    )
    steps = " ".join(f"{i}) {step}" for i, step in enumerate(art.steps, 1))
    s.say(
        f"This is a known issue with a documented fix, {art.id} ({art.title}). Here are the "
        f"steps: {steps} I've recorded the fix on your ticket {tid} and resolved it. "
        f"{_anything_else()}",
        essential=True,
    )
    request = f"{_greeting(rng)} {error.symptom}. {_sentence(cue)}.".strip()
    facts = (Fact("text", error.key_step, "key step of the fix"), Fact("id", tid, "ticket number"))
    intent = Intent("fix my problem", request, "write", None, (), facts)
    known = {"employee_id": e["id"], "name": _name(e), "details": symptom}
    draft = _draft([intent], known, s, rng, f"{error.cue}: walk {e['id']} through {art.id}")
    return dataclasses.replace(
        draft, regularity=Regularity("kb_real_fix", error.cue, kb_lesson(error))
    )


def _active_ids(db: sqlite3.Connection) -> list[str]:
    sql = "SELECT id FROM employees WHERE status = 'active' ORDER BY id"
    return [r[0] for r in db.execute(sql)]


def app_nickname(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Access to a standard application that the caller names only by its in-house nickname."""
    nick = rng.choice(world_rules(db).nicknames)
    app = APP_BY_ID[nick.application]
    # Active employees without the application, in id order: two cheap reads instead of a probe
    # of the grants per employee (the grants change with every access task of a stream).
    granted = memo(
        db,
        ("granted", app.id),
        lambda: frozenset(
            r[0]
            for r in db.execute(
                "SELECT employee_id FROM access_grants WHERE application_id = ?", (app.id,)
            )
        ),
    )
    ids = [i for i in memo(db, "ids active", lambda: _active_ids(db)) if i not in granted]
    if not ids:
        raise NoTask(f"every employee has {app.name} in this world")
    e = memo_rows(db, "SELECT * FROM employees WHERE id = ?", (rng.choice(ids),))[0]
    urgency, cue = _urgency(rng, (2, 3))
    tid = _Ids(db).ticket("request")
    request = rng.choice(
        (
            f"{_greeting(rng)} could I get access to {nick.nickname}? {_sentence(cue)}.",
            f"{_greeting(rng)} I need {nick.nickname} access for a new project; {cue}.",
        )
    ).strip()
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=e["id"])
    s.call(
        "create_ticket",
        **_ticket_args(e["id"], "request", "access", 3, urgency, f"Access to {app.name}"),
    )
    s.say(
        f"{nick.nickname} is {app.name}, a standard application, so no approval is needed. "
        f"Shall I grant you access to {app.name} now?",
        essential=True,
    )
    s.call("grant_access", ticket_id=tid, application_id=app.id)
    s.call(
        "resolve_ticket",
        ticket_id=tid,
        resolution_code="access_granted",
        public_note=f"Access to {app.name} granted.",
    )
    s.say(
        f"You now have access to {app.name}. Your request ticket is {tid}, now resolved. "
        f"{_anything_else()}",
        essential=True,
    )
    # The caller knows the application only by its nickname: a proposal naming a catalogue
    # application is one they cannot check, so they take it (no objection tells the value); the
    # grade fails a grant of another one. What they can check is that it is for them.
    wants = (Value("employee", e["id"], required=False),)
    intent = Intent(
        f"access to {nick.nickname}",
        request,
        "write",
        "grant_access",
        (),
        wants=wants,
        facts=(Fact("id", tid, "ticket number"),),
    )
    known = {"employee_id": e["id"], "application": nick.nickname, "name": _name(e)}
    draft = _draft([intent], known, s, rng, f"grant {app.id} ({nick.nickname}) to {e['id']}")
    return dataclasses.replace(
        draft, regularity=Regularity("app_nickname", nick.nickname, nickname_lesson(nick))
    )


REGULARITIES = (
    TaskTemplate(
        "site_routing",
        "Streams only: a problem the caller's site routes to another group than its category's.",
        site_routing,
        tags=("write", "exact-state", "tacit"),
        regularity="site_routing",
    ),
    TaskTemplate(
        "kb_real_fix",
        "Streams only: a recurring error that another article than the title match fixes.",
        kb_real_fix,
        tags=("write", "search", "tacit"),
        regularity="kb_real_fix",
    ),
    TaskTemplate(
        "app_nickname",
        "Streams only: access to a standard application the caller names by its nickname.",
        app_nickname,
        tags=("write", "tacit"),
        regularity="app_nickname",
    ),
)
