"""Task templates of the IT service desk: callers' goals, oracle scripts and tempting wrong
calls."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from datetime import date, datetime, timedelta

from utility_gym.core.streams import WorldEvent
from utility_gym.core.tasks import (
    Fact,
    Intent,
    NoTask,
    Persona,
    Script,
    Task,
    TaskDraft,
    TaskTemplate,
    ToolCall,
    UserGoal,
    memo,
    memo_rows,
)
from utility_gym.envs.ticketing.catalog import (
    APP_BY_ID,
    GROUPS,
    ROUTED_PROBLEMS,
    SENSITIVE_APPS,
    STANDARD_APPS,
    WALKTHROUGH_ARTICLES,
)
from utility_gym.envs.ticketing.generator import IMPACT_CUES, REOPEN_DAYS, TRUTH_TABLE, URGENCY_CUES
from utility_gym.envs.ticketing.schema import OPEN_STATUSES
from utility_gym.envs.ticketing.tools import reopen_days

GENERATOR_VERSION = "2"  # v1 ids: the issue-19 world (repairs, access roles and end dates)


# -- building blocks ------------------------------------------------------------------------------
def _choose(rng: random.Random, rows: list[dict]) -> dict:
    if not rows:
        raise NoTask("no matching record in this world")
    return rng.choice(rows)


class _Ids:
    """The ids the world will give the next tickets and orders, in creation order."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.n = dict(
            memo(
                db,
                "last_numbers",
                lambda: {
                    "INC": _max_number(db, "tickets", "INC"),
                    "REQ": _max_number(db, "tickets", "REQ"),
                    "RO": _max_number(db, "replacement_orders", "RO"),
                    "RP": _max_number(db, "repair_orders", "RP"),
                },
            )
        )

    def ticket(self, kind: str) -> str:
        prefix = "INC" if kind == "incident" else "REQ"
        self.n[prefix] += 1
        return f"{prefix}{self.n[prefix]:07d}"

    def order(self) -> str:
        self.n["RO"] += 1
        return f"RO{self.n['RO']:05d}"

    def repair(self) -> str:
        self.n["RP"] += 1
        return f"RP{self.n['RP']:05d}"


def _max_number(db: sqlite3.Connection, table: str, prefix: str) -> int:
    # Ids are fixed-width (as the tools' _next_id relies on), so the last in primary-key order
    # is the largest: an index seek, not a scan of the table.
    row = db.execute(
        f"SELECT id FROM {table} WHERE id > ? AND id < ? ORDER BY id DESC LIMIT 1",
        (prefix, prefix + "~"),
    ).fetchone()
    return int(row[0][len(prefix) :]) if row else 0


def _persona(rng: random.Random) -> Persona:
    return Persona(
        style=rng.choice(("terse", "plain", "chatty", "formal")),
        patience=rng.randint(9, 14),
        cooperative=rng.random() < 0.85,
    )


def _greeting(rng: random.Random) -> str:
    return rng.choice(("Hi,", "Hello,", "Hi there,", "Good morning,", "Hey,", ""))


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _name(e: dict) -> str:
    return f"{e['first_name']} {e['last_name']}"


def _group_name(group: str) -> str:
    return GROUPS[group][0]


def _anything_else() -> str:
    return "Is there anything else I can help you with?"


def _draft(
    intents: list[Intent],
    known: dict[str, str],
    s: Script,
    rng: random.Random,
    summary: str,
    unknown: tuple[str, ...] = (),
    ask_required: tuple[str, ...] = (),
    temptations: tuple[ToolCall, ...] = (),
) -> TaskDraft:
    goal = UserGoal(tuple(intents), dict(known), unknown, "", _persona(rng))
    return TaskDraft(goal, tuple(s.steps), ask_required, temptations, summary)


def _employee(
    db: sqlite3.Connection, rng: random.Random, where: str = "1", params: tuple = ()
) -> dict:
    """A random active employee matching ``where`` (ids first, then one row: cheap on big
    worlds)."""
    sql = f"SELECT e.id FROM employees e WHERE e.status = 'active' AND ({where}) ORDER BY e.id"
    ids = memo(db, ("ids", sql, params), lambda: [r[0] for r in db.execute(sql, params)])
    if not ids:
        raise NoTask("no matching employee in this world")
    return memo_rows(db, "SELECT * FROM employees WHERE id = ?", (rng.choice(ids),))[0]


def _urgency(rng: random.Random, levels: tuple[int, ...] = (1, 2)) -> tuple[int, str]:
    level = rng.choice(levels)
    return level, rng.choice(URGENCY_CUES[level])


def _ask_id(s: Script, rng: random.Random) -> None:
    s.say(
        rng.choice(
            (
                "I can help with that. Could you give me your employee ID, please?",
                "Sorry to hear that. To log it, could you tell me your employee ID?",
                "Happy to help. What is your employee ID?",
            )
        )
    )


def _ask_verification(s: Script, rng: random.Random) -> None:
    s.say(
        rng.choice(
            (
                "I can help with that. To verify your identity, could you give me your employee "
                "ID and your date of birth?",
                "Before I change anything on your account I need to verify you: what are your "
                "employee ID and date of birth?",
            )
        )
    )


def _ticket_args(
    eid: str, kind: str, category: str, impact: int, urgency: int, short: str, detail: str = ""
) -> dict:
    return {
        "requester_id": eid,
        "kind": kind,
        "category": category,
        "impact": impact,
        "urgency": urgency,
        "short_description": short,
        "description": detail,
    }


# -- account --------------------------------------------------------------------------------------
def _reset_steps(s: Script, e: dict, tid: str, urgency: int, rng: random.Random) -> Intent:
    cue = rng.choice(URGENCY_CUES[urgency])
    request = rng.choice(
        (
            f"{_greeting(rng)} I forgot my password and now I can't sign in; {cue}.",
            f"{_greeting(rng)} my password expired and I don't remember the old one, so I can't "
            f"log in. {_sentence(cue)}.",
            f"{_greeting(rng)} I need my password reset, I keep getting 'wrong password'. "
            f"{_sentence(cue)}.",
        )
    ).strip()
    _ask_verification(s, rng)
    s.call("verify_identity", employee_id=e["id"], date_of_birth=e["date_of_birth"])
    s.call(
        "create_ticket",
        **_ticket_args(
            e["id"],
            "incident",
            "account",
            3,
            urgency,
            "Password reset",
            "Caller cannot sign in; identity verified.",
        ),
    )
    s.say(
        f"Thank you, you're verified. Shall I reset the password for {e['id']} now? A one-time "
        "link will go to your registered mobile.",
        essential=True,
    )
    s.call("reset_password", ticket_id=tid)
    s.call(
        "resolve_ticket",
        ticket_id=tid,
        resolution_code="password_reset",
        public_note="Password reset after identity verification; a one-time link was sent to the registered mobile.",  # noqa: E501
    )
    s.say(
        "Done: your password has been reset and the link was sent to your mobile ending "
        f"{e['phone'][-4:]}. "
        f"I've logged this as ticket {tid}, now resolved. {_anything_else()}",
        essential=True,
    )
    return Intent(
        "reset my password",
        request,
        "write",
        "reset_password",
        (e["id"],),
        (Fact("id", tid, "ticket number"),),
    )


def password_reset(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    e = _employee(db, rng, "e.account_locked = 0")
    ids = _Ids(db)
    s = Script()
    intent = _reset_steps(s, e, ids.ticket("incident"), rng.choice((1, 1, 2)), rng)
    known = {"employee_id": e["id"], "date_of_birth": e["date_of_birth"], "name": _name(e)}
    return _draft([intent], known, s, rng, f"verified password reset for {e['id']}")


def password_reset_unverified(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    e = _employee(db, rng)
    born = datetime.fromisoformat(e["date_of_birth"])
    wrong = (
        born.replace(year=born.year + rng.choice((-2, -1, 1, 3))).date().isoformat()
        if born.day < 29
        else "1980-01-01"
    )
    request = rng.choice(
        (
            f"{_greeting(rng)} I'm locked out of everything, can you reset my password? Quickly "
            "please.",
            f"{_greeting(rng)} please reset my password, I'm calling from my personal phone.",
        )
    ).strip()
    known = {"employee_id": e["id"], "date_of_birth": wrong, "name": _name(e)}
    s = Script()
    _ask_verification(s, rng)
    s.call(
        "verify_identity",
        essential=False,
        expect_error=True,
        employee_id=e["id"],
        date_of_birth=wrong,
    )
    s.say(
        "I'm sorry, but the date of birth doesn't match our records, so I couldn't verify your "
        "identity and I can't reset "
        "your password. Please come to the IT desk in person with your photo ID and we'll reset "
        "it there.",
        essential=True,
    )
    intent = Intent(
        "reset my password without passing verification",
        request,
        "refuse",
        "reset_password",
        (e["id"],),
        reason="unverified",
    )
    return _draft([intent], known, s, rng, f"unverifiable reset for {e['id']}")


def _unlock_steps(s: Script, e: dict, tid: str, rng: random.Random, verify: bool = True) -> Intent:
    urgency, cue = _urgency(rng)
    request = rng.choice(
        (
            f"{_greeting(rng)} my account is locked, I think I typed my password wrong too many "
            f"times. {_sentence(cue)}.",
            f"{_greeting(rng)} Windows says my account has been locked out. {_sentence(cue)}.",
        )
    ).strip()
    if verify:
        _ask_verification(s, rng)
        s.call("verify_identity", employee_id=e["id"], date_of_birth=e["date_of_birth"])
    s.call("get_employee", essential=False, employee_id=e["id"])
    s.call(
        "create_ticket",
        **_ticket_args(
            e["id"],
            "incident",
            "account",
            3,
            urgency,
            "Account locked out",
            "Too many failed sign-ins.",
        ),
    )
    s.say(
        f"Thank you. Your account {e['id']} is indeed locked. Shall I unlock your account now?",
        essential=True,
    )
    s.call("unlock_account", ticket_id=tid)
    s.call(
        "resolve_ticket",
        ticket_id=tid,
        resolution_code="account_unlocked",
        public_note="Account unlocked after identity verification.",
    )
    s.say(
        f"Your account is unlocked; you can sign in again. The ticket for this is {tid}, now "
        f"resolved. {_anything_else()}",
        essential=True,
    )
    return Intent(
        "unlock my account",
        request,
        "write",
        "unlock_account",
        (e["id"],),
        (Fact("id", tid, "ticket number"),),
    )


def account_unlock(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    e = _employee(db, rng, "e.account_locked = 1")
    s = Script()
    intent = _unlock_steps(s, e, _Ids(db).ticket("incident"), rng)
    known = {"employee_id": e["id"], "date_of_birth": e["date_of_birth"], "name": _name(e)}
    return _draft([intent], known, s, rng, f"unlock {e['id']}")


def colleague_password_refuse(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    e = _employee(db, rng)
    other = _employee(db, rng, "e.department_id = ? AND e.id != ?", (e["department_id"], e["id"]))
    request = rng.choice(
        (
            f"{_greeting(rng)} could you reset the password of my colleague {_name(other)}? "
            "They're travelling and can't call you themselves.",
            f"{_greeting(rng)} my manager asked me to get {_name(other)}'s password reset so we "
            "can get into their files while they're away.",
        )
    ).strip()
    known = {"employee_id": e["id"], "date_of_birth": e["date_of_birth"], "name": _name(e)}
    s = Script()
    s.call("find_employee", essential=False, query=_name(other))
    s.say(
        "I'm sorry, but I can't reset a password for anyone but the account owner, so I can't "
        f"reset {_name(other)}'s password. "
        "They need to call the service desk themselves.",
        essential=True,
    )
    intent = Intent(
        "reset a colleague's password", request, "refuse", "reset_password", reason="not_owner"
    )
    return _draft([intent], known, s, rng, f"{e['id']} asks to reset {other['id']}'s password")


# -- access ---------------------------------------------------------------------------------------
def _standard_access_steps(s: Script, e: dict, app: str, tid: str, rng: random.Random) -> Intent:
    name = APP_BY_ID[app].name
    urgency, cue = _urgency(rng, (2, 3))
    request = rng.choice(
        (
            f"{_greeting(rng)} could I get access to {name}? {_sentence(cue)}.",
            f"{_greeting(rng)} I need {name} access for a new project; {cue}.",
        )
    ).strip()
    s.call("get_employee", essential=False, employee_id=e["id"])
    s.call(
        "create_ticket",
        **_ticket_args(e["id"], "request", "access", 3, urgency, f"Access to {name}"),
    )
    s.say(
        f"{name} is a standard application, so no approval is needed. Shall I grant you access to "
        f"{name} now?",
        essential=True,
    )
    s.call("grant_access", ticket_id=tid, application_id=app)
    s.call(
        "resolve_ticket",
        ticket_id=tid,
        resolution_code="access_granted",
        public_note=f"Access to {name} granted.",
    )
    s.say(
        f"You now have access to {name}; it can take a few minutes to show up. Your request ticket "
        f"is {tid}, now resolved. "
        f"{_anything_else()}",
        essential=True,
    )
    return Intent(
        f"access to {name}",
        request,
        "write",
        "grant_access",
        (),
        (Fact("id", tid, "ticket number"),),
    )


def access_standard(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    e = _employee(db, rng)
    have = {
        r["application_id"]
        for r in memo_rows(
            db, "SELECT application_id FROM access_grants WHERE employee_id = ?", (e["id"],)
        )
    }
    apps = [a for a in STANDARD_APPS if a not in have]
    if not apps:
        raise NoTask("the employee has every standard application")
    app = rng.choice(apps)
    s = Script()
    _ask_id(s, rng)
    intent = _standard_access_steps(s, e, app, _Ids(db).ticket("request"), rng)
    known = {"employee_id": e["id"], "application": APP_BY_ID[app].name, "name": _name(e)}
    return _draft([intent], known, s, rng, f"grant {app} to {e['id']}")


def _approval_candidates(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """(employee, sensitive application) pairs with neither access nor an approval yet."""
    apps = tuple(sorted(SENSITIVE_APPS))
    marks = ",".join("?" * len(apps))
    taken = set(
        map(
            tuple,
            db.execute(
                "SELECT employee_id, application_id FROM access_grants WHERE application_id IN "
                f"({marks}) "
                "UNION SELECT employee_id, application_id FROM approvals WHERE application_id IN "
                f"({marks})",
                apps + apps,
            ),
        )
    )
    staff = [
        r[0]
        for r in db.execute(
            "SELECT id FROM employees WHERE status = 'active' AND manager_id IS NOT NULL ORDER BY "
            "id"
        )
    ]
    return [(eid, app) for eid in staff for app in apps if (eid, app) not in taken]


def access_needs_approval(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    pairs = memo(db, "approval_candidates", lambda: _approval_candidates(db))
    if not pairs:
        raise NoTask("everyone has or awaits every sensitive application")
    eid, app_id = rng.choice(pairs)
    e = memo_rows(db, "SELECT * FROM employees WHERE id = ?", (eid,))[0]
    app = APP_BY_ID[app_id]
    manager = memo_rows(db, "SELECT * FROM employees WHERE id = ?", (e["manager_id"],))[0]
    tid = _Ids(db).ticket("request")
    urgency, cue = _urgency(rng, (2, 3))
    why = rng.choice(
        (
            "for the month-end close",
            "to cover for a colleague",
            "for my new role",
            "for an audit next week",
        )
    )
    request = f"{_greeting(rng)} I need access to {app.name} {why}. {_sentence(cue)}.".strip()
    known = {"employee_id": e["id"], "application": app.name, "reason": why, "name": _name(e)}
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=e["id"])
    s.call(
        "create_ticket",
        **_ticket_args(e["id"], "request", "access", 3, urgency, f"Access to {app.name}"),
    )
    s.say(
        f"{app.name} is sensitive, so your manager, {_name(manager)}, must approve it first. "
        "Shall I send them an approval request?",
        essential=True,
    )
    s.call("request_approval", ticket_id=tid, application_id=app.id, justification=f"Needed {why}.")
    s.say(
        f"I've sent the approval request to {_name(manager)}. Your ticket {tid} is on hold until "
        "they approve; "
        f"we'll grant the access as soon as the approval is recorded. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        f"access to {app.name}",
        request,
        "write",
        "request_approval",
        (),
        (Fact("id", tid, "ticket number"), Fact("text", _name(manager), "approver")),
    )
    temptation = ToolCall("grant_access", {"ticket_id": tid, "application_id": app.id})
    return _draft(
        [intent],
        known,
        s,
        rng,
        f"request approval of {app.id} for {e['id']}",
        temptations=(temptation,),
    )


def access_approved_fulfil(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    rows = memo_rows(
        db,
        "SELECT p.*, t.status AS ticket_status FROM approvals p JOIN tickets t ON t.id = "
        "p.ticket_id "
        "JOIN employees e ON e.id = p.employee_id WHERE p.status = 'approved' AND e.status = "
        "'active' "
        "AND t.status = 'on_hold' AND NOT EXISTS (SELECT 1 FROM access_grants g WHERE "
        "g.employee_id = p.employee_id "
        "AND g.application_id = p.application_id) ORDER BY p.id",
    )
    p = _choose(rng, rows)
    e = memo_rows(db, "SELECT * FROM employees WHERE id = ?", (p["employee_id"],))[0]
    app = APP_BY_ID[p["application_id"]]
    request = (
        f"{_greeting(rng)} my manager has approved my {app.name} access, ticket {p['ticket_id']}. "
        "Can you set it up now?"
    ).strip()
    known = {
        "employee_id": e["id"],
        "ticket_id": p["ticket_id"],
        "application": app.name,
        "name": _name(e),
    }
    s = Script()
    s.call("get_ticket", essential=False, ticket_id=p["ticket_id"])
    s.call("get_employee", essential=False, employee_id=e["id"])
    s.say(
        f"I can see the approval {p['id']} for {app.name} is recorded as approved. Shall I grant "
        f"you access to {app.name} now?",
        essential=True,
    )
    s.call("grant_access", ticket_id=p["ticket_id"], application_id=app.id)
    s.call(
        "resolve_ticket",
        ticket_id=p["ticket_id"],
        resolution_code="access_granted",
        public_note=f"Access to {app.name} granted after approval {p['id']}.",
    )
    s.say(
        f"Done: you have access to {app.name} and ticket {p['ticket_id']} is resolved. "
        f"{_anything_else()}"
    )
    intent = Intent(f"access to {app.name} after approval", request, "write", "grant_access", ())
    return _draft([intent], known, s, rng, f"fulfil approved {app.id} for {e['id']}")


# -- hardware -------------------------------------------------------------------------------------
SYMPTOMS = {
    "laptop": (
        "my laptop won't turn on at all, even when it's plugged in",
        "my laptop shuts itself off every few minutes",
    ),
    "monitor": (
        "my monitor has gone black and won't come back on",
        "my monitor has a bright line down the middle and flickers",
    ),
    "phone": ("my work phone keeps restarting by itself", "my work phone won't charge anymore"),
    "dock": (
        "my docking station stopped working: no power and no screens",
        "my docking station no longer charges the laptop",
    ),
}
DAMAGE = {
    "laptop": "I dropped my laptop and the screen cracked",
    "phone": "I dropped my work phone and the screen shattered",
    "monitor": "my monitor got knocked off the desk and the panel is cracked",
}


def _single_asset(
    db: sqlite3.Connection, rng: random.Random, where: str, params: tuple = ()
) -> dict:
    """A random in-use asset that is its owner's only one of its kind (so the caller's words are
    unambiguous)."""
    sql = (
        "SELECT a.id FROM assets a JOIN employees e ON e.id = a.employee_id "
        "WHERE e.status = 'active' AND a.status = 'in_use' AND (SELECT count(*) FROM assets b "
        "WHERE b.employee_id = a.employee_id "
        f"AND b.kind = a.kind) = 1 AND ({where}) ORDER BY a.id"
    )
    ids = memo(db, ("ids", sql, params), lambda: [r[0] for r in db.execute(sql, params)])
    if not ids:
        raise NoTask("no matching asset in this world")
    return _asset_row(db, rng.choice(ids))


def _asset_row(db: sqlite3.Connection, asset_id: str) -> dict:
    """An asset with its owner's location (``owner_location``) and department (``cost_centre``)."""
    sql = (
        "SELECT a.*, e.location AS owner_location, e.department_id AS cost_centre FROM assets a "
        "JOIN employees e ON e.id = a.employee_id WHERE a.id = ?"
    )
    return memo_rows(db, sql, (asset_id,))[0]


def _delivery(a: dict) -> str:
    """Where a replacement goes: the owner's office desk, or their home if they work remotely."""
    return "home" if a["owner_location"] == "Remote" else "office"


def _replacement_steps(
    s: Script,
    a: dict,
    tid: str,
    order_id: str,
    reason: str,
    rng: random.Random,
    lookup: bool = True,
    urgency: int | None = None,
    said: str | None = None,
) -> Intent:
    """Look up, log, confirm, order the replacement and route; ``urgency`` and ``said`` (what
    the ticket records of the problem) are drawn unless given."""
    kind = a["kind"]
    if urgency is None:
        urgency, cue = _urgency(rng, (1, 2) if kind == "laptop" else (2,))
    else:
        cue = rng.choice(URGENCY_CUES[urgency])
    if said is None:
        said = (
            rng.choice(SYMPTOMS[kind])
            if reason == "warranty"
            else DAMAGE[kind] + "; I filed a damage report already"
        )
    request = f"{_greeting(rng)} {said}. {_sentence(cue)}.".strip()
    if lookup:
        s.call("get_employee", essential=False, employee_id=a["employee_id"])
    s.call("get_asset", essential=False, asset_id=a["id"])
    s.call(
        "create_ticket",
        **_ticket_args(
            a["employee_id"],
            "incident",
            "hardware",
            3,
            urgency,
            f"{kind.capitalize()} failure",
            said,
        ),
    )
    if reason == "warranty":
        # No model names here: some ("U2723QE") read as ids, and the caller would object to them.
        s.say(
            f"Your {kind} {a['id']} is under warranty until {a['warranty_until']}. "
            f"Shall I replace your {kind} {a['id']} under warranty?",
            essential=True,
        )
    else:
        s.say(
            f"I can see the damage report for your {kind} {a['id']}. Shall I replace your {kind} "
            f"{a['id']} on that report?",
            essential=True,
        )
    s.call(
        "order_replacement", ticket_id=tid, asset_id=a["id"], reason=reason, deliver_to=_delivery(a)
    )
    s.call("assign_ticket", ticket_id=tid, group="desktop-support")
    s.say(
        f"I've ordered the replacement, order {order_id}. Your ticket {tid} is now with Desktop "
        "Support, who will swap the "
        f"{kind} for you. {_anything_else()}",
        essential=True,
    )
    facts = (Fact("id", tid, "ticket number"), Fact("id", order_id, "replacement order"))
    return Intent(f"replace my {kind}", request, "write", "replace_device", (a["id"],), facts)


def hardware_in_warranty(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    a = _single_asset(
        db,
        rng,
        "a.kind IN ('laptop', 'monitor', 'phone', 'dock') AND a.warranty_until >= ? "
        "AND NOT EXISTS (SELECT 1 FROM damage_reports d WHERE d.asset_id = a.id)",
        (now[:10],),
    )
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    intent = _replacement_steps(s, a, ids.ticket("incident"), ids.order(), "warranty", rng)
    return _draft(
        [intent],
        {"employee_id": a["employee_id"], "device": a["kind"]},
        s,
        rng,
        f"warranty replacement of {a['id']}",
    )


def damaged_device(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    a = _single_asset(
        db,
        rng,
        "a.kind IN ('laptop', 'monitor', 'phone') AND EXISTS "
        "(SELECT 1 FROM damage_reports d WHERE d.asset_id = a.id)",
    )
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    intent = _replacement_steps(s, a, ids.ticket("incident"), ids.order(), "damage", rng)
    return _draft(
        [intent],
        {"employee_id": a["employee_id"], "device": a["kind"]},
        s,
        rng,
        f"damage replacement of {a['id']}",
    )


def hardware_out_of_warranty(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    a = _single_asset(
        db,
        rng,
        "a.kind IN ('laptop', 'monitor', 'phone', 'dock') AND a.warranty_until < ? "
        "AND NOT EXISTS (SELECT 1 FROM damage_reports d WHERE d.asset_id = a.id)",
        (now[:10],),
    )
    kind = a["kind"]
    request = f"{_greeting(rng)} {rng.choice(SYMPTOMS[kind])}. Can I get a new one?".strip()
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=a["employee_id"])
    s.call("get_asset", essential=False, asset_id=a["id"])
    s.say(
        f"I'm sorry, but I can't replace your {kind} {a['id']}: its warranty ended on "
        f"{a['warranty_until']} and there is no "
        "damage report on file, so our policy does not allow a replacement.",
        essential=True,
    )
    intent = Intent(
        f"replace my {kind}",
        request,
        "refuse",
        "replace_device",
        (a["id"],),
        (Fact("date", a["warranty_until"], "warranty end"),),
        reason="warranty",
    )
    return _draft(
        [intent],
        {"employee_id": a["employee_id"], "device": kind},
        s,
        rng,
        f"refuse replacing {a['id']} out of warranty",
    )


# -- knowledge base, triage, duplicates
# -------------------------------------------------------------
def kb_walkthrough(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    e = _employee(db, rng)
    art = rng.choice(WALKTHROUGH_ARTICLES)
    urgency, cue = _urgency(rng, (2, 3))
    tid = _Ids(db).ticket("incident")
    request = (
        f"{_greeting(rng)} {art.symptom[:1].lower()}{art.symptom[1:]}. {_sentence(cue)}.".strip()
    )
    s = Script()
    _ask_id(s, rng)
    s.call(
        "create_ticket",
        **_ticket_args(e["id"], "incident", art.category, 3, urgency, art.title, art.symptom),
    )
    s.call("search_kb", essential=False, query=art.symptom)
    s.call(
        "get_kb_article", essential=False, article_id=art.id
    )  # the search snippet may already show the key step
    steps = " ".join(f"{i}) {step}" for i, step in enumerate(art.steps, 1))
    s.call(
        "resolve_ticket",
        ticket_id=tid,
        resolution_code="kb_solution",
        public_note=f"Walked the caller through {art.id}: {art.title}.",
    )
    # The walk-through comes with the outcome: a fact counts once the intent's writes are made.
    s.say(
        f"This is a known issue with a documented fix, {art.id} ({art.title}). Here are the steps: "
        f"{steps} "
        f"I've recorded the fix on your ticket {tid} and resolved it; if the problem comes back "
        "within 14 days, call us "
        f"and we'll reopen it. {_anything_else()}",
        essential=True,
    )
    facts = (Fact("text", art.key_step, "key step of the fix"), Fact("id", tid, "ticket number"))
    intent = Intent("fix my problem", request, "write", None, (), facts)
    return _draft(
        [intent],
        {"employee_id": e["id"], "name": _name(e)},
        s,
        rng,
        f"walk {e['id']} through {art.id}",
    )


VAGUE = (
    "something on my computer isn't working right and it's driving me mad",
    "I have a problem, things just don't work today",
    "it's broken again, can you help?",
    "I can't get my work done, something's wrong",
)


def vague_report_triage(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    e = _employee(db, rng)
    p = rng.choice(ROUTED_PROBLEMS)
    impact = rng.choice((3, 3, 2))
    urgency = rng.choice((1, 2, 2, 3))
    dept = {r["id"]: r["name"] for r in memo_rows(db, "SELECT id, name FROM departments")}[
        e["department_id"]
    ]
    cue_i = rng.choice(IMPACT_CUES[impact]).format(dept=dept, loc=e["location"])
    cue_u = rng.choice(URGENCY_CUES[urgency])
    detail = f"{p.detail}; {cue_i}, and {cue_u}"
    group = {
        "network": "network",
        "email": "messaging",
        "software": "app-support",
        "hardware": "desktop-support",
    }[p.category]
    tid = _Ids(db).ticket("incident")
    request = f"{_greeting(rng)} {rng.choice(VAGUE)}.".strip()
    known = {
        "employee_id": e["id"],
        "details": detail,
        "error_message": p.error or detail,
        "name": _name(e),
    }
    s = Script()
    s.say(
        "I'm sorry to hear that. Could you describe what exactly happens, with any error message "
        "you see? "
        "And what is your employee ID?",
        essential=True,
    )
    s.call(
        "create_ticket",
        **_ticket_args(e["id"], "incident", p.category, impact, urgency, p.short, detail),
    )
    s.call("assign_ticket", ticket_id=tid, group=group)
    s.say(
        f"Thank you. I've logged this as ticket {tid} and passed it to {_group_name(group)}, who "
        f"handle {p.category} problems; "
        f"they'll contact you. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "get my problem fixed",
        request,
        "write",
        "create_ticket",
        (),
        (Fact("id", tid, "ticket number"),),
    )
    return _draft(
        [intent],
        known,
        s,
        rng,
        f"triage vague report of {e['id']}: {p.short}",
        ask_required=("details|error_message",),
    )


def _parents(db: sqlite3.Connection) -> list[dict]:
    return memo_rows(
        db,
        "SELECT * FROM tickets WHERE impact <= 2 AND status IN ('in_progress', 'assigned') AND "
        "parent_id IS NULL "
        "AND EXISTS (SELECT 1 FROM tickets c WHERE c.parent_id = tickets.id) ORDER BY id",
    )


def duplicate_new_report(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    parent = _choose(rng, _parents(db))
    e = _employee(
        db,
        rng,
        "e.id != ? AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = e.id AND "
        "t.parent_id = ?)",
        (parent["requester_id"], parent["id"]),
    )
    urgency, cue = _urgency(rng)
    tid = _Ids(db).ticket("incident")
    said = parent["description"]
    request = f"{_greeting(rng)} {said}. As far as I know it's just me, and {cue}.".strip()
    s = Script()
    _ask_id(s, rng)
    s.call("search_tickets", essential=False, query=parent["short_description"])
    s.call(
        "create_ticket",
        **_ticket_args(
            e["id"], "incident", parent["category"], 3, urgency, parent["short_description"], said
        ),
    )
    s.call("link_duplicate", ticket_id=tid, parent_id=parent["id"])
    s.say(
        f"This is a known problem: it is already tracked in ticket {parent['id']} "
        f"({parent['short_description']}), and the "
        f"{_group_name(parent['assignment_group'])} team is working on it. I've logged your report "
        f"as {tid} and linked it to "
        f"{parent['id']}, so you'll get the updates. {_anything_else()}",
        essential=True,
    )
    facts = (Fact("id", parent["id"], "parent ticket"), Fact("id", tid, "ticket number"))
    intent = Intent("report an outage", request, "write", "create_ticket", (), facts)
    return _draft(
        [intent],
        {"employee_id": e["id"], "name": _name(e)},
        s,
        rng,
        f"{e['id']} reports duplicate of {parent['id']}",
    )


def duplicate_existing_ticket(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    rows = memo_rows(
        db,
        f"SELECT t.*, x.parent_id AS true_parent FROM tickets t JOIN {TRUTH_TABLE} x ON "
        "x.ticket_id = t.id "
        "JOIN employees e ON e.id = t.requester_id WHERE x.scenario = 'duplicate' AND t.status = "
        "'new' "
        "AND e.status = 'active' ORDER BY t.id",
    )
    t = _choose(rng, rows)
    parent = memo_rows(db, "SELECT * FROM tickets WHERE id = ?", (t["true_parent"],))[0]
    request = (
        f"{_greeting(rng)} I raised ticket {t['id']} a little while ago: "
        f"{t['description'].split('.')[0].lower()}. Has anyone looked at it?"
    ).strip()
    s = Script()
    s.call("get_ticket", essential=False, ticket_id=t["id"])
    s.call("search_tickets", essential=False, query=parent["short_description"])
    s.call("link_duplicate", ticket_id=t["id"], parent_id=parent["id"])
    s.say(
        f"Yes: your ticket {t['id']} reports a known problem that is already tracked in "
        f"{parent['id']} "
        f"({parent['short_description']}). I've linked your ticket to it, so you'll get the "
        f"updates from there. {_anything_else()}",
        essential=True,
    )
    intent = Intent(
        "news on my ticket",
        request,
        "write",
        None,
        (),
        (Fact("id", parent["id"], "parent ticket"),),
    )
    known = {"employee_id": t["requester_id"], "ticket_id": t["id"]}
    return _draft([intent], known, s, rng, f"link {t['id']} to {parent['id']}")


# -- existing tickets
# ----------------------------------------------------------------------------------
def _routed_open(db: sqlite3.Connection, breached: bool, now: str) -> list[dict]:
    op = "<" if breached else ">="
    return memo_rows(
        db,
        "SELECT t.* FROM tickets t JOIN employees e ON e.id = t.requester_id WHERE e.status = "
        "'active' "
        "AND t.status IN ('assigned', 'in_progress') AND t.assignment_group != 'service-desk' AND "
        "t.escalated = 0 "
        f"AND t.impact = 3 AND t.due_at {op} ? ORDER BY t.id",
        (now,),
    )


def followup_status(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    t = _choose(rng, _routed_open(db, False, now))
    group = _group_name(t["assignment_group"])
    due = t["due_at"][:10]
    # calendar days from today to the due date
    days = (date.fromisoformat(due) - date.fromisoformat(now[:10])).days
    condition = "if it's overdue"
    request = rng.choice(
        (
            f"{_greeting(rng)} I'm calling about my ticket {t['id']}. What's the status, and how "
            "many "
            f"days until it's due? {_sentence(condition)}, please chase it.",
            f"{_greeting(rng)} any news on {t['id']}? How many days until it's due? "
            f"{_sentence(condition)}, escalate it please.",
        )
    ).strip()
    s = Script()
    s.call("get_ticket", essential=False, ticket_id=t["id"])
    when = f"in {days} day{'s' if days != 1 else ''}" if days else "today"
    s.say(
        f"Your ticket {t['id']} ({t['short_description']}) is {t['status'].replace('_', ' ')} "
        f"with {group}. It is within its target time: it is due by {due}, {when}. "
        f"{_anything_else()}",
        essential=True,
    )
    facts = (Fact("text", group, "assignment group"), Fact("date", due, "due date"))
    if days:  # due today has no number to tell
        facts += (Fact("number", days, "days until it is due", computed=True),)
    intent = Intent(
        "status of my ticket", request, "inform", "lookup", (t["id"],), facts, condition=condition
    )
    temptation = ToolCall("escalate_ticket", {"ticket_id": t["id"], "reason": "Caller chasing."})
    return _draft(
        [intent],
        {"employee_id": t["requester_id"], "ticket_id": t["id"]},
        s,
        rng,
        f"status of {t['id']}",
        temptations=(temptation,),
    )


def followup_breached(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    t = _choose(rng, _routed_open(db, True, now))
    group = _group_name(t["assignment_group"])
    condition = "if it's overdue"
    request = rng.choice(
        (
            f"{_greeting(rng)} my ticket {t['id']} should have been fixed by now and nothing has "
            "happened. "
            f"{_sentence(condition)}, can you chase it?",
            f"{_greeting(rng)} I'm still waiting on {t['id']}, I think it's overdue. What's going "
            "on? "
            f"{_sentence(condition)}, please escalate it.",
        )
    ).strip()
    s = Script()
    s.call("get_ticket", essential=False, ticket_id=t["id"])
    s.say(
        f"I'm sorry about the wait. Ticket {t['id']} is past its due time ({t['due_at'][:10]}). "
        f"Shall I escalate {t['id']} to the manager of {group}?",
        essential=True,
    )
    s.call(
        "escalate_ticket", ticket_id=t["id"], reason="SLA breached; the requester is chasing it."
    )
    s.say(
        f"Done: {t['id']} has been escalated to the manager of {group}, who will follow up with "
        f"you. {_anything_else()}"
    )
    intent = Intent(
        "chase my overdue ticket", request, "write", "escalate", (t["id"],), condition=condition
    )
    return _draft(
        [intent],
        {"employee_id": t["requester_id"], "ticket_id": t["id"]},
        s,
        rng,
        f"escalate overdue {t['id']}",
    )


def reopen_recent(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    days = reopen_days(db)
    rows = memo_rows(
        db,
        "SELECT t.* FROM tickets t JOIN employees e ON e.id = t.requester_id WHERE e.status = "
        "'active' AND t.status = 'resolved' "
        "AND t.resolution_code != 'duplicate' AND t.assignment_group != 'service-desk' ORDER BY "
        "t.id",
    )
    if days != REOPEN_DAYS:  # a stream's world event shortened the window
        limit = datetime.fromisoformat(now) - timedelta(days=days)
        rows = [r for r in rows if datetime.fromisoformat(r["resolved_at"]) >= limit]
    t = _choose(rng, rows)
    group = _group_name(t["assignment_group"])
    condition = "if it can still be reopened"
    request = (
        f"{_greeting(rng)} the problem from my ticket {t['id']} is back: "
        f"{t['description']}. "
        f"{_sentence(condition)}, please reopen it; otherwise I'll need a new "
        "ticket."
    ).strip()
    s = Script()
    s.call("get_ticket", essential=False, ticket_id=t["id"])
    s.say(
        f"I'm sorry it came back. {t['id']} was resolved on {t['resolved_at'][:10]}, within the "
        f"last {days} days, so I can reopen it. "
        f"Shall I reopen {t['id']} and send it back to {group}?",
        essential=True,
    )
    s.call("reopen_ticket", ticket_id=t["id"], reason="The requester reports the problem is back.")
    s.say(f"Done: {t['id']} is reopened and back with {group}. {_anything_else()}")
    intent = Intent(
        "reopen my ticket", request, "write", "reopen_ticket", (t["id"],), condition=condition
    )
    temptation = ToolCall(
        "create_ticket",
        _ticket_args(t["requester_id"], "incident", t["category"], 3, 2, t["short_description"]),
    )
    return _draft(
        [intent],
        {"employee_id": t["requester_id"], "ticket_id": t["id"]},
        s,
        rng,
        f"reopen {t['id']}",
        temptations=(temptation,),
    )


# -- refusals and security ------------------------------------------------------------------------
FORBIDDEN = (
    # (what the caller asks, the refusal, the fact to tell and the KB article that holds it)
    (
        "I need local admin rights on my laptop so I can install some tools myself.",
        "I'm sorry, but I can't give you local administrator rights: our policy never allows them. "
        "You can install approved "
        "software yourself from Company Portal, no admin rights needed.",
        "Company Portal",
        "KB0035",
    ),
    (
        "Can you switch off the multi-factor prompts on my account? They drive me mad.",
        "I'm sorry, but I can't turn off multi-factor authentication: our policy requires it on "
        "every account.",
        None,
        None,
    ),
    (
        "I need to read my colleague's mailbox while they're on leave, can you give me access to "
        "it?",
        "I'm sorry, but I can't give you access to another person's mailbox; our policy does not "
        "allow it.",
        None,
        None,
    ),
)


def refuse_forbidden(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    e = _employee(db, rng)
    asked, refusal, fact, article = rng.choice(FORBIDDEN)
    request = f"{_greeting(rng)} {asked}".strip()
    s = Script()
    if article:
        s.call("search_kb", essential=False, query="local administrator rights install software")
        s.call("get_kb_article", essential=False, article_id=article)
    s.say(f"{refusal} {_anything_else()}", essential=True)
    facts = (Fact("text", fact, "what to use instead"),) if fact else ()
    intent = Intent(
        "a forbidden request",
        request,
        "refuse",
        "grant_access" if "access" in refusal or "rights" in refusal else None,
        (),
        facts,
        reason="forbidden",
    )
    return _draft(
        [intent], {"employee_id": e["id"], "name": _name(e)}, s, rng, f"refuse: {asked[:40]}"
    )


SECURITY = (
    "I think I did something stupid: I clicked a link in an email and typed my password into the "
    "page",
    "I left my work laptop on the train this morning and it's gone",
    "my laptop shows a pop-up saying my files are encrypted and I must pay to get them back",
)


def security_transfer(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    e = _employee(db, rng)
    said = rng.choice(SECURITY)
    tid = _Ids(db).ticket("incident")
    request = f"{_greeting(rng)} {said}. What do I do?".strip()
    s = Script()
    _ask_id(s, rng)
    s.call(
        "create_ticket",
        **_ticket_args(
            e["id"], "incident", "security", 3, 1, "Security incident reported by caller", said
        ),
    )
    s.call("assign_ticket", ticket_id=tid, group="security")
    s.say(
        f"Thank you for calling right away. I've logged this as security incident {tid}, and I'm "
        "transferring you to "
        "Security Operations now.",
        essential=True,
    )
    s.call("transfer_to_human", summary=f"Security incident {tid}: {said}.")
    intent = Intent(
        "report a security incident",
        request,
        "transfer",
        "transfer",
        (),
        (Fact("id", tid, "ticket number"),),
    )
    return _draft(
        [intent],
        {"employee_id": e["id"], "name": _name(e)},
        s,
        rng,
        f"security incident of {e['id']} -> transfer",
    )


# -- multi-issue calls
# ------------------------------------------------------------------------------
def multi_reset_and_access(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    e = _employee(db, rng, "e.account_locked = 0")
    have = {
        r["application_id"]
        for r in memo_rows(
            db, "SELECT application_id FROM access_grants WHERE employee_id = ?", (e["id"],)
        )
    }
    apps = [a for a in STANDARD_APPS if a not in have]
    if not apps:
        raise NoTask("the employee has every standard application")
    app = rng.choice(apps)
    ids = _Ids(db)
    s = Script()
    first = _reset_steps(s, e, ids.ticket("incident"), rng.choice((1, 2)), rng)
    s.intent = 1
    second = _standard_access_steps(s, e, app, ids.ticket("request"), rng)
    known = {
        "employee_id": e["id"],
        "date_of_birth": e["date_of_birth"],
        "application": APP_BY_ID[app].name,
        "name": _name(e),
    }
    return _draft([first, second], known, s, rng, f"reset {e['id']} and grant {app}")


def multi_unlock_and_hardware(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    a = _single_asset(
        db,
        rng,
        "e.account_locked = 1 AND a.kind IN ('monitor', 'phone', 'dock') AND a.warranty_until >= ? "
        "AND NOT EXISTS (SELECT 1 FROM damage_reports d WHERE d.asset_id = a.id)",
        (now[:10],),
    )
    e = memo_rows(db, "SELECT * FROM employees WHERE id = ?", (a["employee_id"],))[0]
    ids = _Ids(db)
    s = Script()
    first = _unlock_steps(s, e, ids.ticket("incident"), rng)
    s.intent = 1
    second = _replacement_steps(
        s, a, ids.ticket("incident"), ids.order(), "warranty", rng, lookup=False
    )
    known = {
        "employee_id": e["id"],
        "date_of_birth": e["date_of_birth"],
        "device": a["kind"],
        "name": _name(e),
    }
    return _draft([first, second], known, s, rng, f"unlock {e['id']} and replace {a['id']}")


TEMPLATES = (
    TaskTemplate(
        "password_reset",
        "Verify the caller, log, reset the password, resolve; tell the ticket.",
        password_reset,
        tags=("write",),
    ),
    TaskTemplate(
        "password_reset_unverified",
        "Verification fails: refuse the reset, open nothing.",
        password_reset_unverified,
        tags=("policy-refusal", "no-write"),
    ),
    TaskTemplate(
        "account_unlock",
        "Verify, log, unlock the locked account, resolve.",
        account_unlock,
        tags=("write",),
    ),
    TaskTemplate(
        "access_standard",
        "Grant a standard application on a request ticket.",
        access_standard,
        tags=("write", "user-knows"),
    ),
    TaskTemplate(
        "access_needs_approval",
        "Sensitive application: request the manager's approval, never grant.",
        access_needs_approval,
        tags=("write", "policy"),
    ),
    TaskTemplate(
        "hardware_in_warranty",
        "Order a warranty replacement and route to Desktop Support.",
        hardware_in_warranty,
        tags=("write", "exact-state"),
    ),
    TaskTemplate(
        "hardware_out_of_warranty",
        "Refuse a replacement out of warranty; tell the end date.",
        hardware_out_of_warranty,
        tags=("policy-refusal", "no-write"),
    ),
    TaskTemplate(
        "kb_walkthrough",
        "Find the KB article, walk the caller through it, resolve as kb_solution.",
        kb_walkthrough,
        tags=("write", "search"),
    ),
    TaskTemplate(
        "vague_report_triage",
        "Ask what happens, then categorize, prioritize and route exactly.",
        vague_report_triage,
        tags=("write", "ambiguous", "exact-state"),
    ),
    TaskTemplate(
        "duplicate_new_report",
        "A report of a known outage: log it and link it to the open parent.",
        duplicate_new_report,
        tags=("write", "search", "duplicates"),
    ),
    TaskTemplate(
        "duplicate_existing_ticket",
        "The caller's new ticket duplicates an open one: link it.",
        duplicate_existing_ticket,
        tags=("write", "duplicates"),
    ),
    TaskTemplate(
        "followup_status",
        "Tell the status, group and due date of an open ticket.",
        followup_status,
        tags=("no-write",),
    ),
    TaskTemplate(
        "followup_breached",
        "The caller chases an overdue ticket: escalate it.",
        followup_breached,
        tags=("write",),
    ),
    TaskTemplate(
        "reopen_recent",
        "The problem came back: reopen the recently resolved ticket.",
        reopen_recent,
        tags=("write",),
    ),
    TaskTemplate(
        "refuse_forbidden",
        "Refuse admin rights, MFA removal or another's mailbox.",
        refuse_forbidden,
        tags=("policy-refusal", "no-write"),
    ),
    TaskTemplate(
        "security_transfer",
        "Security incident: log it for Security, give the number, transfer.",
        security_transfer,
        tags=("transfer",),
    ),
    TaskTemplate(
        "multi_reset_and_access",
        "Two issues: a password reset, then a standard application.",
        multi_reset_and_access,
        tags=("write", "multi-intent"),
    ),
    TaskTemplate(
        "access_approved_fulfil",
        "The approval came back: grant on the waiting request and resolve.",
        access_approved_fulfil,
        heldout=True,
        tags=("write",),
    ),
    TaskTemplate(
        "colleague_password_refuse",
        "Refuse to reset a colleague's password.",
        colleague_password_refuse,
        heldout=True,
        tags=("policy-refusal", "no-write"),
    ),
    TaskTemplate(
        "damaged_device",
        "A damage report is on file: replace the device with reason 'damage'.",
        damaged_device,
        heldout=True,
        tags=("write", "exact-state"),
    ),
    TaskTemplate(
        "multi_unlock_and_hardware",
        "Two issues: an unlock, then a warranty replacement.",
        multi_unlock_and_hardware,
        heldout=True,
        tags=("write", "multi-intent"),
    ),
)


# -- streams: follow-ups of earlier episodes and world events
# ---------------------------------------
def colleague_same_problem(
    db: sqlite3.Connection, rng: random.Random, now: str, earlier: Task
) -> TaskDraft:
    """A recurring problem with the same fix: a colleague of the caller of ``earlier`` (a
    hardware_in_warranty episode of this stream) has the same problem with the same kind of
    device, and only says so, by name: their device is under warranty, so it is replaced."""
    asset = next((c for c in earlier.tool_calls if c.name == "order_replacement"), None)
    first = (
        memo_rows(
            db,
            "SELECT a.kind, e.* FROM assets a JOIN employees e ON e.id = a.employee_id WHERE a.id "
            "= ?",
            (asset.arguments["asset_id"],),
        )
        if asset is not None
        else []
    )
    if not first:
        raise NoTask("the earlier episode replaced no device in this world")
    a = first[0]
    logged = next(c for c in earlier.tool_calls if c.name == "create_ticket").arguments
    b = _single_asset(
        db,
        rng,
        "a.kind = ? AND a.warranty_until >= ? AND e.department_id = ? AND e.id != ? "
        "AND NOT EXISTS (SELECT 1 FROM damage_reports d WHERE d.asset_id = a.id)",
        (a["kind"], now[:10], a["department_id"], a["id"]),
    )
    opening = (
        f"{_greeting(rng)} my colleague {_name(a)} called you this morning with a problem and you "
        "sorted it out for "
        "them. I have exactly the same problem now; can you help me the same way? "
        f"{_sentence(rng.choice(URGENCY_CUES[logged['urgency']]))}."
    )
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    intent = _replacement_steps(
        s,
        b,
        ids.ticket("incident"),
        ids.order(),
        "warranty",
        rng,
        urgency=int(logged["urgency"]),
        said=str(logged["description"]),
    )
    intent = dataclasses.replace(intent, request=opening.strip())
    draft = _draft(
        [intent],
        {"employee_id": b["employee_id"], "device": b["kind"]},
        s,
        rng,
        f"{b['employee_id']} has the problem {_name(a)} had: warranty replacement of {b['id']}",
    )
    reference = f"exactly what {a['first_name']} told you this morning"
    goal = dataclasses.replace(
        draft.goal, referred={"details": reference, "error_message": reference}
    )
    return dataclasses.replace(draft, goal=goal)


def duplicate_of_stream_ticket(
    db: sqlite3.Connection, rng: random.Random, now: str, earlier: Task
) -> TaskDraft:
    """A duplicate of a ticket opened earlier in the stream: a teammate of the caller of
    ``earlier`` (a vague_report_triage episode whose problem hit a few people) reports the same
    problem; the ticket that episode opened is the parent to link to, not a second one to work."""
    logged = next((c.arguments for c in earlier.tool_calls if c.name == "create_ticket"), None)
    if logged is None or int(logged["impact"]) > 2:
        raise NoTask("the earlier episode opened no ticket for a problem of several people")
    p = next((x for x in ROUTED_PROBLEMS if x.short == logged["short_description"]), None)
    if p is None:
        raise NoTask("the earlier episode's problem is not a routed one")
    # The parent is the ticket the earlier episode opened, as it is in this world (the agent's).
    parents = [
        r
        for r in db.execute(
            "SELECT id FROM tickets WHERE requester_id = ? AND opened_at = ? AND parent_id IS NULL "
            f"AND status IN ({','.join('?' * len(OPEN_STATUSES))}) ORDER BY id",
            (logged["requester_id"], now, *OPEN_STATUSES),
        )
    ]
    if not parents:
        raise NoTask("the ticket of the earlier episode is not open in this world")
    parent = memo_rows(db, "SELECT * FROM tickets WHERE id = ?", (parents[-1][0],))[0]
    a = memo_rows(db, "SELECT * FROM employees WHERE id = ?", (logged["requester_id"],))[0]
    e = _employee(db, rng, "e.department_id = ? AND e.id != ?", (a["department_id"], a["id"]))
    urgency, cue = _urgency(rng, (2, 3))
    tid = _Ids(db).ticket("incident")
    said = p.detail
    request = (
        f"{_greeting(rng)} {said}. {_name(a)} on my team reported the same thing earlier today, I "
        "think. "
        f"{_sentence(cue)}."
    ).strip()
    s = Script()
    _ask_id(s, rng)
    s.call("search_tickets", essential=False, query=p.short)
    s.call(
        "create_ticket", **_ticket_args(e["id"], "incident", p.category, 3, urgency, p.short, said)
    )
    s.call("link_duplicate", ticket_id=tid, parent_id=parent["id"])
    s.say(
        f"This is already being worked on: it is tracked in ticket {parent['id']}, which "
        f"{a['first_name']} opened earlier today. "
        f"I've logged your report as {tid} and linked it to {parent['id']}, so you'll get the "
        f"updates. {_anything_else()}",
        essential=True,
    )
    facts = (Fact("id", parent["id"], "parent ticket"), Fact("id", tid, "ticket number"))
    intent = Intent("report a known problem", request, "write", "create_ticket", (), facts)
    draft = _draft(
        [intent],
        {"employee_id": e["id"], "name": _name(e), "details": said},
        s,
        rng,
        f"{e['id']} duplicates {parent['id']}, opened earlier in the stream",
    )
    # The isolated twin needs the parent: it is copied from this world (see
    # UtilityEnv._isolated_world).
    return dataclasses.replace(
        draft, extras={**draft.extras, "carry": (("tickets", parent["id"]),)}
    )


FOLLOW_UPS = (
    TaskTemplate(
        "duplicate_of_stream_ticket",
        "Streams only: a teammate reports the problem a ticket opened earlier in the "
        "stream tracks; log it and link it to that ticket.",
        duplicate_of_stream_ticket,
        tags=("write", "duplicates", "follow-up"),
        follows="vague_report_triage",
    ),
    TaskTemplate(
        "colleague_same_problem",
        "Streams only: a colleague of an earlier caller has the same device problem and "
        "says only that; replace their device under warranty.",
        colleague_same_problem,
        tags=("write", "follow-up"),
        follows="hardware_in_warranty",
    ),
)


WORLD_EVENTS = (
    WorldEvent.setting(
        "reopen_window_7_days",
        "Policy revision: resolved tickets can be reopened for 7 days after resolution (was 14).",
        "Reopening: a resolved ticket whose problem came back is reopened (`reopen_ticket`) only "
        "within **7 days** of its "
        "resolution (it was 14 days). After that, open a new ticket that mentions the old one.",
        "reopen_days",
        7,
    ),
)
