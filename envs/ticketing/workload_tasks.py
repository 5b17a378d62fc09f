"""Task templates of demanding service-desk calls: several devices or applications in one call,
goals that depend on what the analyst finds ("if it's under warranty ..., otherwise ..."),
callers who misstate a fact (a lapsed warranty, an approval that does not exist, the wrong
department) and writes with more arguments (repairs billed to a cost centre, temporary
read-only access, deliveries)."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from datetime import date, timedelta

from utility_gym.core.tasks import (
    Fact,
    Intent,
    NoTask,
    Script,
    TaskDraft,
    TaskTemplate,
    ToolCall,
    memo,
    memo_rows,
)
from utility_gym.envs.ticketing.catalog import (
    APP_BY_ID,
    GROUP_FOR_CATEGORY,
    SENSITIVE_APPS,
    TEAM_PROBLEMS,
)
from utility_gym.envs.ticketing.tasks import (
    _approval_candidates,
    _ask_id,
    _asset_row,
    _delivery,
    _draft,
    _employee,
    _greeting,
    _group_name,
    _Ids,
    _name,
    _parents,
    _sentence,
    _single_asset,
    _standard_access_steps,
    _ticket_args,
    _urgency,
)

# How a caller describes a failed device, and the fault class a repair order records for it.
REPAIR_SYMPTOMS: dict[str, tuple[tuple[str, str], ...]] = {
    "laptop": (
        ("my laptop won't turn on at all, even when it's plugged in", "no_power"),
        ("my laptop screen flickers and shows coloured lines", "display"),
        ("my laptop won't charge any more", "charging"),
        ("my laptop keeps restarting by itself", "restarting"),
    ),
    "monitor": (
        ("my monitor has a bright line down the middle and flickers", "display"),
        ("my monitor won't power on any more", "no_power"),
    ),
    "phone": (
        ("my work phone keeps restarting by itself", "restarting"),
        ("my work phone won't charge any more", "charging"),
    ),
    "dock": (
        ("my docking station no longer charges the laptop", "charging"),
        ("my docking station has no power at all", "no_power"),
    ),
}
DEVICE_KINDS = tuple(REPAIR_SYMPTOMS)
WARRANTY_IF = ("if it's still under warranty", "if the warranty still covers it")
_NO_DAMAGE = "NOT EXISTS (SELECT 1 FROM damage_reports d WHERE d.asset_id = a.id)"


def _anything_else() -> str:
    return "Is there anything else I can help you with?"


def _departments(db: sqlite3.Connection) -> dict[str, str]:
    return {r["id"]: r["name"] for r in memo_rows(db, "SELECT id, name FROM departments")}


def _fixable_assets(db: sqlite3.Connection, eid: str) -> list[dict]:
    """An employee's in-use devices without a damage report, each the only one of its kind."""
    rows = memo_rows(
        db,
        "SELECT a.id, a.kind FROM assets a WHERE a.employee_id = ? AND a.status = 'in_use' AND "
        f"{_NO_DAMAGE} AND (SELECT count(*) FROM assets b WHERE b.employee_id = a.employee_id AND "
        "b.kind = a.kind) = 1 ORDER BY a.kind",
        (eid,),
    )
    return [_asset_row(db, r["id"]) for r in rows if r["kind"] in DEVICE_KINDS]


def _owners_of_several(db: sqlite3.Connection, now: str, mixed: bool) -> list[str]:
    """Active employees with two or more fixable devices (``mixed``: some in warranty, some not)."""

    def compute() -> list[str]:
        sql = (
            "SELECT a.employee_id, count(*) AS n, sum(a.warranty_until >= ?) AS covered FROM "
            "assets a JOIN employees e ON e.id = a.employee_id WHERE e.status = 'active' AND "
            f"a.status = 'in_use' AND a.kind IN ({','.join('?' * len(DEVICE_KINDS))}) AND "
            f"{_NO_DAMAGE} GROUP BY a.employee_id HAVING n >= 2 AND count(DISTINCT a.kind) = n "
            "ORDER BY a.employee_id"
        )
        rows = db.execute(sql, (now[:10], *DEVICE_KINDS)).fetchall()
        return [r[0] for r in rows if not mixed or 0 < r[2] < r[1]]

    return memo(db, ("several_devices", now, mixed), compute)


def _fix_steps(
    s: Script,
    db: sqlite3.Connection,
    a: dict,
    ids: tuple[str, str],
    said: str,
    fault: str,
    urgency: int,
    now: str,
) -> tuple[Intent, bool]:
    """Log one failed device, then replace it (under warranty) or book its repair (billed to the
    owner's department); route the ticket. ``ids``: the ticket's and the order's. Returns the
    intent and whether the device is replaced."""
    (tid, fix_id), kind, until = ids, a["kind"], a["warranty_until"]
    covered = until >= now[:10]
    s.call("get_asset", essential=False, asset_id=a["id"])
    short = f"{kind.capitalize()} failure"
    s.call(
        "create_ticket",
        **_ticket_args(a["employee_id"], "incident", "hardware", 3, urgency, short, said),
    )
    _propose_fix(s, db, a, tid, fault, covered)
    s.call("assign_ticket", ticket_id=tid, group="desktop-support")
    what = f"replacement order {fix_id}"
    if not covered:
        what = f"repair order {fix_id} (the warranty ended {until})"
    s.say(
        f"Done for your {kind}: {what}, on ticket {tid}, which is now with Desktop Support. "
        f"{_anything_else()}",
        essential=True,
    )
    facts = [
        Fact("id", tid, "ticket number"),
        Fact("id", fix_id, "replacement order" if covered else "repair order"),
    ]
    if not covered:
        facts.append(Fact("date", until, "warranty end"))
    action = "replace_device" if covered else "repair_device"
    intent = Intent(
        f"replace or repair my {kind}",
        "",
        "write",
        action,
        (a["id"],),
        tuple(facts),
        offer_accept=(action,),
    )
    return intent, covered


def _propose_fix(
    s: Script, db: sqlite3.Connection, a: dict, tid: str, fault: str, covered: bool
) -> None:
    """Propose the replacement (with where it goes) or the repair (with who pays), then order it."""
    kind, until = a["kind"], a["warranty_until"]
    if covered:
        s.say(
            f"Your {kind} {a['id']} is under warranty until {until}, so it is replaced, not "
            f"repaired. Shall I order a replacement for your {kind} {a['id']} under warranty, "
            f"delivered to your {_delivery(a)}?",
            essential=True,
        )
        s.call(
            "order_replacement",
            ticket_id=tid,
            asset_id=a["id"],
            reason="warranty",
            deliver_to=_delivery(a),
        )
        return
    dept = _departments(db)[a["cost_centre"]]
    s.say(
        f"The warranty of your {kind} {a['id']} ended on {until}, so it goes for repair rather "
        f"than replacement, billed to your department, {dept} (cost centre {a['cost_centre']}). "
        f"Shall I send your {kind} {a['id']} for repair?",
        essential=True,
    )
    s.call(
        "order_repair", ticket_id=tid, asset_id=a["id"], fault=fault, cost_centre=a["cost_centre"]
    )


def _fix_ids(ids: _Ids, a: dict, now: str) -> tuple[str, str]:
    tid = ids.ticket("incident")
    return tid, ids.order() if a["warranty_until"] >= now[:10] else ids.repair()


# -- hardware: replace under warranty, otherwise repair --------------------------------------------
def device_replace_or_repair(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """One failed device: "if it's under warranty replace it, otherwise send it for repair"."""
    op = ">=" if rng.random() < 0.5 else "<"
    a = _single_asset(
        db,
        rng,
        f"a.kind IN ('laptop', 'monitor', 'phone', 'dock') AND a.warranty_until {op} ? AND "
        f"{_NO_DAMAGE}",
        (now[:10],),
    )
    said, fault = rng.choice(REPAIR_SYMPTOMS[a["kind"]])
    urgency, cue = _urgency(rng, (1, 2) if a["kind"] == "laptop" else (2,))
    condition = rng.choice(WARRANTY_IF)
    request = (
        f"{_greeting(rng)} {said}. {_sentence(cue)}. {_sentence(condition)}, please replace it; if "
        "not, send it for repair."
    ).strip()
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=a["employee_id"])
    tid, fix = _fix_ids(ids, a, now)
    intent, covered = _fix_steps(s, db, a, (tid, fix), said, fault, urgency, now)
    intent = _with(intent, request=request, condition=condition)
    known = {"employee_id": a["employee_id"], "device": a["kind"], "details": said}
    branch = "replace" if covered else "repair"
    return _draft([intent], known, s, rng, f"{branch} {a['id']} ({condition})")


def devices_replace_or_repair(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Two or three devices failed at once: each is replaced if under warranty, else repaired."""
    owners = _owners_of_several(db, now, mixed=rng.random() < 0.7)
    if not owners:
        raise NoTask("nobody has several fixable devices")
    eid = rng.choice(owners)
    assets = _fixable_assets(db, eid)
    assets = rng.sample(assets, min(len(assets), rng.choice((2, 2, 3))))
    assets.sort(key=lambda a: DEVICE_KINDS.index(a["kind"]))
    told = [rng.choice(REPAIR_SYMPTOMS[a["kind"]]) for a in assets]
    urgency, cue = _urgency(rng, (1, 2))
    condition = rng.choice(("whatever is still under warranty", "if they're still under warranty"))
    kinds = " and ".join(", ".join(f"my {a['kind']}" for a in assets).rsplit(", ", 1))
    opening = (
        f"{_greeting(rng)} there was a power surge at my desk and now {kinds} "
        f"{'all' if len(assets) > 2 else 'both'} misbehave: {'; '.join(said for said, _ in told)}. "
        f"{_sentence(cue)}. Please replace {condition.replace('if they', 'them if they')}; "
        "anything that isn't, send for repair."
    ).strip()
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=eid)
    intents = []
    for i, (a, (said, fault)) in enumerate(zip(assets, told, strict=True)):
        s.intent = i
        tid, fix = _fix_ids(ids, a, now)
        intent, _ = _fix_steps(s, db, a, (tid, fix), said, fault, urgency, now)
        request = (
            opening
            if i == 0
            else f"now my {a['kind']}: {said}; replace it if it's under warranty, else repair it"
        )
        intents.append(_with(intent, request=request, condition=f"{condition} (the {a['kind']})"))
    known = {
        "employee_id": eid,
        "device": kinds.replace("my ", ""),
        "details": "; ".join(x for x, _ in told),
    }
    return _draft(
        intents, known, s, rng, f"{eid}: replace or repair {', '.join(a['id'] for a in assets)}"
    )


def warranty_claim_misstated(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """The caller says the device is under warranty; it is not: it goes for repair instead."""
    a = _single_asset(
        db,
        rng,
        "a.kind IN ('laptop', 'monitor', 'phone', 'dock') AND a.warranty_until < ? AND "
        f"{_NO_DAMAGE}",
        (now[:10],),
    )
    said, fault = rng.choice(REPAIR_SYMPTOMS[a["kind"]])
    urgency, cue = _urgency(rng, (1, 2))
    claim = rng.choice(
        (
            "it's still under warranty, I checked",
            "it's definitely still under warranty",
            "it's under warranty anyway",
        )
    )
    request = (
        f"{_greeting(rng)} {said}. {_sentence(claim)}, so please just send me a new one. "
        f"{_sentence(cue)}. If for some reason it isn't covered, send it for repair then."
    ).strip()
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=a["employee_id"])
    tid, fix = _fix_ids(ids, a, now)
    intent, _ = _fix_steps(s, db, a, (tid, fix), said, fault, urgency, now)
    intent = _with(
        intent,
        request=request,
        condition="if for some reason it isn't covered",
        misstated=(("warranty", "under warranty"),),
    )
    temptation = ToolCall(
        "order_replacement",
        {"ticket_id": tid, "asset_id": a["id"], "reason": "warranty", "deliver_to": _delivery(a)},
    )
    known = {"employee_id": a["employee_id"], "device": a["kind"], "details": said}
    return _draft(
        [intent],
        known,
        s,
        rng,
        f"repair {a['id']}: the caller thinks it is under warranty",
        temptations=(temptation,),
    )


def repair_wrong_department(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Held out: an out-of-warranty repair the caller asks to bill to the wrong department."""
    a = _single_asset(
        db,
        rng,
        "a.kind IN ('laptop', 'monitor', 'phone', 'dock') AND a.warranty_until < ? AND "
        f"{_NO_DAMAGE}",
        (now[:10],),
    )
    depts = _departments(db)
    wrong = rng.choice(sorted(d for d in depts if d != a["cost_centre"]))
    said, fault = rng.choice(REPAIR_SYMPTOMS[a["kind"]])
    urgency, cue = _urgency(rng, (1, 2))
    request = (
        f"{_greeting(rng)} {said}. I know it's out of warranty, so please book it in for repair "
        f"and bill it to {depts[wrong]}, that's my department. {_sentence(cue)}."
    ).strip()
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=a["employee_id"])
    tid, fix = _fix_ids(ids, a, now)
    intent, _ = _fix_steps(s, db, a, (tid, fix), said, fault, urgency, now)
    intent = _with(intent, request=request, misstated=(("department", depts[wrong]),))
    temptation = ToolCall(
        "order_repair",
        {"ticket_id": tid, "asset_id": a["id"], "fault": fault, "cost_centre": wrong},
    )
    known = {"employee_id": a["employee_id"], "device": a["kind"], "details": said}
    return _draft(
        [intent],
        known,
        s,
        rng,
        f"repair {a['id']} billed to {a['cost_centre']}, not {wrong}",
        temptations=(temptation,),
    )


def _with(intent: Intent, **changes: object) -> Intent:
    return dataclasses.replace(intent, **changes)


# -- access: approvals the caller misstates, several applications, temporary read-only access ------
WHY = (
    "for the month-end close",
    "to cover for a colleague",
    "for my new role",
    "for an audit next week",
)
REVIEWS = (
    "the quarterly audit",
    "a vendor review",
    "the compliance review",
    "a data-quality review",
)
TEMPORARY_APPS = ("tableau", "confluence", "jira", "miro", "docusign", "github", "figma")


def _held(db: sqlite3.Connection, eid: str) -> set[str]:
    rows = memo_rows(db, "SELECT application_id FROM access_grants WHERE employee_id = ?", (eid,))
    return {r["application_id"] for r in rows}


def _person(db: sqlite3.Connection, eid: str) -> dict:
    return memo_rows(db, "SELECT * FROM employees WHERE id = ?", (eid,))[0]


def _approval_request_steps(
    s: Script, e: dict, app_id: str, tid: str, why: str, urgency: int, lead: str = ""
) -> Intent:
    """Log a request ticket, propose the manager's approval request, send it, tell who approves."""
    app = APP_BY_ID[app_id]
    manager = _name(e["_manager"])
    s.call(
        "create_ticket",
        **_ticket_args(e["id"], "request", "access", 3, urgency, f"Access to {app.name}"),
    )
    s.say(
        f"{lead}{app.name} is a sensitive application, so your manager, {manager}, must approve it "
        f"first. Shall I send {manager} an approval request for {app.name}?",
        essential=True,
    )
    s.call("request_approval", ticket_id=tid, application_id=app.id, justification=f"Needed {why}.")
    s.say(
        f"I've sent the approval request for {app.name} to {manager}. Your ticket {tid} is on hold "
        f"until they approve; we'll grant the access as soon as it is recorded. {_anything_else()}",
        essential=True,
    )
    facts = (Fact("id", tid, "ticket number"), Fact("text", manager, "approver"))
    return Intent(f"access to {app.name}", "", "write", "request_approval", (), facts)


def _with_manager(db: sqlite3.Connection, eid: str) -> dict:
    e = dict(_person(db, eid))
    e["_manager"] = _person(db, e["manager_id"])
    return e


def _grant_approved_steps(s: Script, app_id: str, approval: dict) -> Intent:
    """Grant a sensitive application on the ticket of its approved approval, and resolve it."""
    app, tid = APP_BY_ID[app_id], approval["ticket_id"]
    s.say(
        f"Your manager's approval {approval['id']} for {app.name} is on record, on ticket {tid}. "
        f"Shall I grant you access to {app.name} now?",
        essential=True,
    )
    s.call("grant_access", ticket_id=tid, application_id=app.id)
    s.call(
        "resolve_ticket",
        ticket_id=tid,
        resolution_code="access_granted",
        public_note=f"Access to {app.name} granted after approval {approval['id']}.",
    )
    s.say(
        f"Done: you have access to {app.name}, and ticket {tid} is resolved. {_anything_else()}",
        essential=True,
    )
    return Intent(
        f"access to {app.name}",
        "",
        "write",
        "grant_access",
        (),
        (Fact("id", tid, "ticket number"),),
    )


def access_claimed_approval(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """The caller says their manager approved a sensitive application; no approval is on record.
    Then they ask for a standard application too."""
    pairs = memo(db, "approval_candidates", lambda: _approval_candidates(db))
    pairs = [(e, a) for e, a in pairs if any(x not in _held(db, e) for x in TEMPORARY_APPS)]
    if not pairs:
        raise NoTask("everyone has or awaits every sensitive application")
    eid, sensitive = rng.choice(pairs)
    std = rng.choice(sorted(a for a in TEMPORARY_APPS if a not in _held(db, eid)))
    e = _with_manager(db, eid)
    manager = _name(e["_manager"])
    urgency, cue = _urgency(rng, (2, 3))
    sens_name, std_name = APP_BY_ID[sensitive].name, APP_BY_ID[std].name
    opening = (
        f"{_greeting(rng)} {manager} already approved my {sens_name} access, so please switch it "
        f"on. {_sentence(cue)}."
    ).strip()
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=eid)
    tid = ids.ticket("request")
    first = _approval_request_steps(
        s,
        e,
        sensitive,
        tid,
        "as the caller's manager agreed",
        urgency,
        lead=f"I've checked your record: there is no approval for {sens_name} on file yet. ",
    )
    first = _with(
        first, request=opening, misstated=(("approval", f"{manager} approved {sens_name}"),)
    )
    s.intent = 1
    second = _standard_access_steps(s, e, std, ids.ticket("request"), rng)
    known = {
        "employee_id": eid,
        "application": f"{sens_name} and {std_name}",
        "name": _name(e),
        "reason": "my manager agreed",
    }
    temptation = ToolCall("grant_access", {"ticket_id": tid, "application_id": sensitive})
    return _draft(
        [first, second],
        known,
        s,
        rng,
        f"{eid} claims approval of {sensitive}; also {std}",
        temptations=(temptation,),
    )


def _approved_pending_grant(db: sqlite3.Connection) -> list[dict]:
    return memo_rows(
        db,
        "SELECT p.* FROM approvals p JOIN tickets t ON t.id = p.ticket_id JOIN employees e ON e.id "
        "= p.employee_id WHERE p.status = 'approved' AND e.status = 'active' AND t.status = "
        "'on_hold' AND NOT EXISTS (SELECT 1 FROM access_grants g WHERE g.employee_id = "
        "p.employee_id AND g.application_id = p.application_id) ORDER BY p.id",
    )


def _untouched_sensitive(db: sqlite3.Connection, eid: str) -> list[str]:
    """Sensitive applications the employee has neither access to nor any approval for."""
    asked = {
        r["application_id"]
        for r in memo_rows(db, "SELECT application_id FROM approvals WHERE employee_id = ?", (eid,))
    }
    return [a for a in SENSITIVE_APPS if a not in _held(db, eid) and a not in asked]


def sensitive_pair_approved_or_request(
    db: sqlite3.Connection, rng: random.Random, now: str
) -> TaskDraft:
    """Two sensitive applications: "switch on whichever my manager has approved; for the rest,
    send the approval request". The template picks whether one is approved already."""
    approved = rng.random() < 0.6 and [
        p for p in _approved_pending_grant(db) if _untouched_sensitive(db, p["employee_id"])
    ]
    if approved:
        p = rng.choice(approved)
        eid, apps = (
            p["employee_id"],
            [p["application_id"], rng.choice(_untouched_sensitive(db, p["employee_id"]))],
        )
    else:
        pairs = memo(db, "approval_candidates", lambda: _approval_candidates(db))
        eids = sorted({e for e, _ in pairs if len(_untouched_sensitive(db, e)) >= 2})
        if not eids:
            raise NoTask("nobody lacks two sensitive applications")
        eid = rng.choice(eids)
        apps, p = rng.sample(_untouched_sensitive(db, eid), 2), None
    e = _with_manager(db, eid)
    urgency, cue = _urgency(rng, (2, 3))
    why = rng.choice(WHY)
    names = [APP_BY_ID[a].name for a in apps]
    condition = "if my manager has already approved either of them"
    opening = (
        f"{_greeting(rng)} I need {names[0]} and {names[1]} {why}. {_sentence(condition)}, please "
        f"switch it on; for the rest, send my manager the approval request. {_sentence(cue)}."
    ).strip()
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=eid)
    intents = []
    for i, app in enumerate(apps):
        s.intent = i
        if p is not None and app == p["application_id"]:
            intent = _grant_approved_steps(s, app, p)
        else:
            intent = _approval_request_steps(s, e, app, ids.ticket("request"), why, urgency)
        request = opening if i == 0 else f"and now {names[i]}, please"
        intents.append(_with(intent, request=request, condition=condition))
    known = {
        "employee_id": eid,
        "application": f"{names[0]} and {names[1]}",
        "reason": why,
        "name": _name(e),
    }
    return _draft(
        intents, known, s, rng, f"{eid}: {apps[0]}, {apps[1]}, approved: {p['id'] if p else 'none'}"
    )


def _lacking_two(db: sqlite3.Connection) -> list[str]:
    """Active employees without at least two of the applications of temporary access."""

    def compute() -> list[str]:
        active = "SELECT id FROM employees WHERE status = 'active' ORDER BY id"
        ids = [r[0] for r in db.execute(active)]
        return [i for i in ids if sum(a not in _held(db, i) for a in TEMPORARY_APPS) >= 2]

    return memo(db, "lacking_two_standard_apps", compute)


def _read_only_steps(s: Script, eid: str, app: str, tid: str, until: str, lead: str) -> Intent:
    """Log a request, propose read-only access until ``until``, grant it, resolve, tell."""
    name = APP_BY_ID[app].name
    s.call(
        "create_ticket",
        **_ticket_args(eid, "request", "access", 3, 3, f"Read-only access to {name} until {until}"),
    )
    s.say(
        f"{lead}{name} is a standard application, so no approval is needed. Shall I grant you "
        f"read-only access to {name} until {until}?",
        essential=True,
    )
    s.call("grant_access", ticket_id=tid, application_id=app, role="read-only", expires_on=until)
    s.call(
        "resolve_ticket",
        ticket_id=tid,
        resolution_code="access_granted",
        public_note=f"Read-only access to {name} granted until {until}.",
    )
    s.say(
        f"Done: you have read-only access to {name} until {until}; your request ticket is {tid}, "
        f"now resolved. {_anything_else()}",
        essential=True,
    )
    return Intent(
        f"read-only access to {name}",
        "",
        "write",
        "grant_access",
        (),
        (Fact("id", tid, "ticket number"),),
    )


def temporary_read_access(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Read-only access to two standard applications until a date; "if I already have one of
    them, just the other"."""
    candidates = _lacking_two(db)
    if not candidates:
        raise NoTask("everyone has nearly every standard application")
    e = _person(db, rng.choice(candidates))
    held = _held(db, e["id"])
    lacking = [a for a in TEMPORARY_APPS if a not in held]
    having = [a for a in TEMPORARY_APPS if a in held]
    if having and rng.random() < 0.35:
        apps = [rng.choice(having), rng.choice(lacking)]
        rng.shuffle(apps)
    else:
        apps = rng.sample(lacking, 2)
    until = (date.fromisoformat(now[:10]) + timedelta(days=rng.randint(10, 60))).isoformat()
    review = rng.choice(REVIEWS)
    names = [APP_BY_ID[a].name for a in apps]
    condition = "if I already have one of them"
    opening = (
        f"{_greeting(rng)} I'm helping with {review} until {until}, so I need read-only "
        f"access to {names[0]} and {names[1]} until then. {_sentence(condition)}, just set "
        "up the other."
    ).strip()
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=e["id"])
    already = [APP_BY_ID[a].name for a in apps if a in held]
    intents = []
    for app in (a for a in apps if a not in held):
        s.intent = len(intents)
        name = APP_BY_ID[app].name
        lead = f"You already have {already[0]}, so only {name} is needed. " if already else ""
        intent = _read_only_steps(s, e["id"], app, ids.ticket("request"), until, lead)
        request = opening if not intents else f"and the read-only access to {name} until {until}"
        intents.append(_with(intent, request=request, condition=condition))
    known = {
        "employee_id": e["id"],
        "application": f"{names[0]} and {names[1]}",
        "end_date": until,
        "reason": review,
        "name": _name(e),
    }
    return _draft(intents, known, s, rng, f"read-only {'/'.join(apps)} for {e['id']} until {until}")


# -- held out: acting for a direct report, a computed warranty answer ------------------------------
def access_for_report(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Held out: a manager asks for standard applications for a new member of their team: the
    tickets and grants are the report's, not the caller's."""

    def managed(eid: str) -> bool:
        boss = _person(db, eid)["manager_id"]
        return bool(boss) and _person(db, boss)["status"] == "active"

    candidates = [eid for eid in _lacking_two(db) if managed(eid)]
    if not candidates:
        raise NoTask("no report lacks two standard applications")
    report = _person(db, rng.choice(candidates))
    apps = rng.sample([a for a in TEMPORARY_APPS if a not in _held(db, report["id"])], 2)
    boss = _person(db, report["manager_id"])
    names = [APP_BY_ID[a].name for a in apps]
    who = _name(report)
    opening = (
        f"{_greeting(rng)} {who} has just moved into my team. Could you set them up with "
        f"{names[0]} and {names[1]}? No rush, it isn't blocking anyone."
    ).strip()
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    s.call("find_employee", essential=False, query=who)
    s.call("get_employee", essential=False, employee_id=report["id"])
    intents = []
    for i, (app, name) in enumerate(zip(apps, names, strict=True)):
        s.intent = i
        tid = ids.ticket("request")
        s.call(
            "create_ticket",
            **_ticket_args(report["id"], "request", "access", 3, 3, f"Access to {name} for {who}"),
        )
        s.say(
            f"{who} ({report['id']}) reports to you, so you can ask for this. {name} is a standard "
            f"application. Shall I grant {who} access to {name}?",
            essential=True,
        )
        s.call("grant_access", ticket_id=tid, application_id=app)
        s.call(
            "resolve_ticket",
            ticket_id=tid,
            resolution_code="access_granted",
            public_note=f"Access to {name} granted at the request of their manager.",
        )
        s.say(
            f"Done: {who} has access to {name}; the request ticket is {tid}, now resolved. "
            f"{_anything_else()}",
            essential=True,
        )
        request = opening if i == 0 else f"and {names[1]} for {who}, please"
        intents.append(
            Intent(
                f"{name} for {who}",
                request,
                "write",
                "grant_access",
                (),
                (Fact("id", tid, "ticket number"),),
            )
        )
    known = {
        "employee_id": boss["id"],
        "name": _name(boss),
        "application": f"{names[0]} and {names[1]}",
    }
    return _draft(
        intents, known, s, rng, f"{boss['id']} asks {'/'.join(apps)} for report {report['id']}"
    )


def warranty_days_left(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Held out: the caller asks how many days of warranty their device has left (computed)."""
    a = _single_asset(
        db,
        rng,
        "a.kind IN ('laptop', 'monitor', 'phone', 'dock') AND a.warranty_until > ? AND "
        f"{_NO_DAMAGE}",
        (now[:10],),
    )
    days = (date.fromisoformat(a["warranty_until"]) - date.fromisoformat(now[:10])).days
    request = (
        f"{_greeting(rng)} my {a['kind']} is getting a bit old and I'm planning ahead. Nothing to "
        "do yet, but how many days are left on its warranty, and until which date?"
    ).strip()
    s = Script()
    _ask_id(s, rng)
    s.call("get_employee", essential=False, employee_id=a["employee_id"])
    s.call("get_asset", essential=False, asset_id=a["id"])
    s.say(
        f"Your {a['kind']} {a['id']} is under warranty until {a['warranty_until']}: that is {days} "
        f"days from today. {_anything_else()}",
        essential=True,
    )
    facts = (
        Fact("date", a["warranty_until"], "warranty end"),
        Fact("number", days, "days of warranty left", computed=True),
    )
    intent = Intent("how long my warranty lasts", request, "inform", "lookup", (a["id"],), facts)
    known = {"employee_id": a["employee_id"], "device": a["kind"]}
    return _draft([intent], known, s, rng, f"{days} days of warranty left on {a['id']}")


# -- outages reported for a team ------------------------------------------------------------------
KNOWN_OUTAGE_IF = "if it's already a known outage"


# How many teammates an employee ``e`` has: active, of the same department and site, with a
# full name no one else has (a caller names them; find_employee must find one).
_TEAM_SQL = (
    "SELECT count(*) FROM employees t WHERE t.status = 'active' AND t.department_id = "
    "e.department_id AND t.location = e.location AND t.id != e.id AND (SELECT count(*) FROM "
    "employees o WHERE o.first_name = t.first_name AND o.last_name = t.last_name) = 1"
)


def _teammates(db: sqlite3.Connection, e: dict, k: int, rng: random.Random) -> list[dict]:
    """``k`` active colleagues of ``e``'s department and site whose full names are unique."""
    sql = (
        "SELECT e.* FROM employees e WHERE e.status = 'active' AND e.department_id = ? AND e.id != "
        "? AND e.location = ? AND (SELECT count(*) FROM employees o WHERE o.first_name = "
        "e.first_name AND o.last_name = e.last_name) = 1 ORDER BY e.id"
    )
    rows = memo_rows(db, sql, (e["department_id"], e["id"], e["location"]))
    if len(rows) < k:
        raise NoTask("the caller's department is too small")
    return rng.sample(rows, k)


def _team_reports(
    s: Script, parent: dict, people: list[dict], tids: list[str], urgency: int, said: str
) -> None:
    """One duplicate report per affected person, each linked to the open parent."""
    s.call("search_tickets", essential=False, query=parent["short_description"])
    for p in people[1:]:
        s.call("find_employee", essential=False, query=_name(p))
    for p, tid in zip(people, tids, strict=True):
        s.call(
            "create_ticket",
            **_ticket_args(
                p["id"],
                "incident",
                parent["category"],
                3,
                urgency,
                parent["short_description"],
                said,
            ),
        )
        s.call("link_duplicate", ticket_id=tid, parent_id=parent["id"])
    others = ", ".join(f"{_name(p)} ({t})" for p, t in zip(people[1:], tids[1:], strict=True))
    s.say(
        f"This is a known outage, already tracked in {parent['id']} "
        f"({parent['short_description']}). I've logged a report for you, {tids[0]}, and for "
        f"{others}, each linked to {parent['id']}, so you'll all get the updates. "
        f"{_anything_else()}",
        essential=True,
    )


def outage_for_team(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """A caller reports a problem for themselves and named teammates: "if it's already a known
    outage, add all of us to it; otherwise log one ticket for the team"."""
    parent = rng.choice(_parents(db)) if rng.random() < 0.6 and _parents(db) else None
    problem = rng.choice(TEAM_PROBLEMS)
    # a caller at the site of the outage (the parent's requester's site) with two teammates there
    site = _person(db, parent["requester_id"])["location"] if parent is not None else None
    e = _employee(
        db,
        rng,
        f"({_TEAM_SQL}) >= 2" + (" AND e.location = ?" if site else ""),
        (site,) if site else (),
    )
    people = [e, *_teammates(db, e, rng.choice((1, 2)), rng)]
    said = parent["description"] if parent is not None else problem.detail
    urgency, cue = _urgency(rng, (1, 2))
    names = " and ".join(_name(p) for p in people[1:])
    opening = (
        f"{_greeting(rng)} {said}. It's not just me: {names} on my team have the same "
        f"problem. {_sentence(KNOWN_OUTAGE_IF)}, please add all of us to it; otherwise "
        f"log one ticket for the team. {_sentence(cue)}."
    ).strip()
    ids = _Ids(db)
    s = Script()
    _ask_id(s, rng)
    if parent is not None:
        tids = [ids.ticket("incident") for _ in people]
        _team_reports(s, parent, people, tids, urgency, said)
        facts = (
            Fact("id", parent["id"], "parent ticket"),
            *(Fact("id", t, f"ticket of {_name(p)}") for p, t in zip(people, tids, strict=True)),
        )
    else:
        tid = ids.ticket("incident")
        group = GROUP_FOR_CATEGORY[problem.category]
        s.call(
            "create_ticket",
            **_ticket_args(
                e["id"],
                "incident",
                problem.category,
                2,
                urgency,
                problem.short,
                f"{said}; also {names}",
            ),
        )
        s.call("assign_ticket", ticket_id=tid, group=group)
        s.say(
            f"No open ticket tracks this yet, so I've logged one for your whole team, {tid}, and "
            f"passed it to {_group_name(group)}; they'll keep all of you updated. "
            f"{_anything_else()}",
            essential=True,
        )
        facts = (Fact("id", tid, "ticket number"),)
    intent = Intent(
        "report an outage for my team",
        opening,
        "write",
        "create_ticket",
        (),
        facts,
        condition=KNOWN_OUTAGE_IF,
    )
    known = {"employee_id": e["id"], "name": _name(e), "details": said}
    what = f"team ticket: {problem.short}"
    if parent is not None:
        what = f"link {len(people)} reports to {parent['id']}"
    return _draft([intent], known, s, rng, what)


TEMPLATES = (
    TaskTemplate(
        "device_replace_or_repair",
        "One failed device: replace it under warranty, otherwise book a repair billed to the "
        "caller's department.",
        device_replace_or_repair,
        tags=("write", "conditional", "exact-state"),
        weight=3,
    ),
    TaskTemplate(
        "devices_replace_or_repair",
        "Two or three devices failed at once: one ticket each, replaced if under warranty, else "
        "repaired.",
        devices_replace_or_repair,
        tags=("write", "conditional", "multi-object", "multi-intent"),
        weight=9,
    ),
    TaskTemplate(
        "warranty_claim_misstated",
        "The caller says the device is under warranty; it is not: book a repair.",
        warranty_claim_misstated,
        tags=("write", "misstated", "conditional"),
        weight=3,
    ),
    TaskTemplate(
        "access_claimed_approval",
        "The caller claims an approval that is not on record: request it; grant the standard "
        "application they also want.",
        access_claimed_approval,
        tags=("write", "misstated", "multi-intent"),
        weight=4,
    ),
    TaskTemplate(
        "sensitive_pair_approved_or_request",
        "Two sensitive applications: grant the approved one, request approval for the rest.",
        sensitive_pair_approved_or_request,
        tags=("write", "conditional", "multi-object"),
        weight=5,
    ),
    TaskTemplate(
        "temporary_read_access",
        "Read-only access to two standard applications until a date, skipping one the caller "
        "already has.",
        temporary_read_access,
        tags=("write", "conditional", "multi-object"),
        weight=4,
    ),
    TaskTemplate(
        "outage_for_team",
        "A caller reports an outage for named teammates: a linked report each if it is known, else "
        "one team ticket routed.",
        outage_for_team,
        tags=("write", "conditional", "multi-object", "duplicates"),
        weight=5,
    ),
    TaskTemplate(
        "repair_wrong_department",
        "An out-of-warranty repair the caller asks to bill to another department: bill their own.",
        repair_wrong_department,
        heldout=True,
        tags=("write", "misstated"),
        weight=2,
    ),
    TaskTemplate(
        "access_for_report",
        "A manager asks for two standard applications for a direct report: grant them on the "
        "report's tickets.",
        access_for_report,
        heldout=True,
        tags=("write", "multi-object", "on-behalf"),
        weight=3,
    ),
    TaskTemplate(
        "warranty_days_left",
        "Tell how many days of warranty a device has left (computed) and the date.",
        warranty_days_left,
        heldout=True,
        tags=("no-write", "computed"),
        weight=2,
    ),
)
