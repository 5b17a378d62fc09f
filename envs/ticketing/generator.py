"""Seeded generator of the ticketing world: people, assets, access, knowledge base and ticket
history."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlite_utils
from faker import Faker

from utility_gym.envs.ticketing.catalog import (
    APP_BY_ID,
    APPLICATIONS,
    ARTICLES,
    ASSET_KINDS,
    DEPARTMENTS,
    GROUP_FOR_CATEGORY,
    GROUPS,
    LOCATIONS,
    MAJOR_INCIDENTS,
    RESOLVE_HOURS,
    ROUTED_PROBLEMS,
    SENSITIVE_APPS,
    SLA,
    STANDARD_APPS,
    WALKTHROUGH_ARTICLES,
)
from utility_gym.envs.ticketing.constants import REOPEN_DAYS
from utility_gym.envs.ticketing.schema import PRIORITY, create_tables

NOW = datetime(2026, 6, 15, 10, 0, 0)
COUNTS = {"small": 60, "default": 300, "large": 3_000}  # employees
TRUTH_TABLE = "_triage_truth"  # hidden from tools: what a correct triage of each new ticket is

URGENCY_CUES = {
    1: ("I can't work at all", "I'm completely blocked", "nothing I need works, so I'm stuck"),
    2: (
        "I can still work around it for now",
        "I can keep working on other things, but it's slowing me down",
    ),
    3: ("it's not urgent", "no rush, it isn't blocking me"),
}
IMPACT_CUES = {
    1: (
        "the whole {dept} department is affected",
        "everyone in the {loc} office has the same problem",
    ),
    2: ("a few people on my team have the same problem", "three colleagues have the same issue"),
    3: ("it's only me", "as far as I know it's just me"),
}


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


def build_world(db: sqlite_utils.Database, fake: Faker, rng: random.Random, size: str) -> None:
    create_tables(db)
    db["_meta"].insert_all(
        [
            {"key": "now", "value": iso(NOW)},
            {"key": "company", "value": "Lumen Analytics"},
            {"key": "reopen_days", "value": str(REOPEN_DAYS)},
        ]
    )
    db.execute(
        f"CREATE TABLE {TRUTH_TABLE} (ticket_id TEXT PRIMARY KEY, scenario TEXT NOT NULL, kind "
        "TEXT, "
        "category TEXT, impact INTEGER, urgency INTEGER, assignment_group TEXT, parent_id TEXT, "
        "article_id TEXT, detail TEXT, cue_impact TEXT, cue_urgency TEXT)"
    )
    _reference_data(db)
    employees = _people(db, fake, rng, COUNTS[size])
    assets = _assets(db, rng, employees)
    _access(db, rng, employees)
    _tickets(db, fake, rng, employees, assets)


def _reference_data(db: sqlite_utils.Database) -> None:
    db["assignment_groups"].insert_all(
        {"id": gid, "name": name, "handles": handles, "tier": tier}
        for gid, (name, handles, tier) in GROUPS.items()
    )
    db["sla"].insert_all(
        {"priority": p, "label": label, "response_hours": r, "resolve_hours": h}
        for p, label, r, h in SLA
    )
    db["applications"].insert_all(
        {
            "id": a.id,
            "name": a.name,
            "sensitive": int(a.sensitive),
            "description": a.description,
            "support_group": a.support_group,
        }
        for a in APPLICATIONS
    )
    updated = iso(NOW - timedelta(days=40))
    db["kb_articles"].insert_all(
        {
            "id": a.id,
            "title": a.title,
            "category": a.category,
            "body": a.body,
            "keywords": a.keywords,
            "updated_at": updated,
        }
        for a in ARTICLES
    )
    db.execute(
        "INSERT INTO kb_fts (id, title, body, keywords) SELECT id, title, body, keywords FROM "
        "kb_articles"
    )


def _people(db: sqlite_utils.Database, fake: Faker, rng: random.Random, n: int) -> list[dict]:
    ids = rng.sample(range(10_000, 99_999), n)
    emails: set[str] = set()
    employees: list[dict] = []
    departments = []
    per_dept = [
        n // len(DEPARTMENTS) + (1 if i < n % len(DEPARTMENTS) else 0)
        for i in range(len(DEPARTMENTS))
    ]
    k = 0
    for (dept_id, dept_name, titles, _apps), count in zip(DEPARTMENTS, per_dept):
        location = rng.choice(LOCATIONS[:3])
        manager_id = None
        for j in range(count):
            first, last = fake.first_name(), fake.last_name()
            email = f"{first}.{last}@lumen.example".lower().replace("'", "")
            while email in emails:
                email = f"{first}.{last}{rng.randint(2, 99)}@lumen.example".lower().replace("'", "")
            emails.add(email)
            eid = f"E{ids[k]}"
            k += 1
            loc = location if rng.random() < 0.8 else rng.choice(LOCATIONS)
            area = "+44 20 7946" if loc == "London" else rng.choice(("+1 617 555", "+1 512 555"))
            born = date(1962, 1, 1) + timedelta(days=rng.randint(0, 40 * 365))
            locked = rng.random() < 0.07
            e = {
                "id": eid,
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": f"{area} {rng.randint(0, 9999):04d}",
                "department_id": dept_id,
                "manager_id": manager_id,
                "title": f"Head of {dept_name}" if j == 0 else rng.choice(titles),
                "location": loc,
                "date_of_birth": born.isoformat(),
                "status": "on_leave" if j > 0 and rng.random() < 0.03 else "active",
                "vip": int(j == 0),
                "account_locked": int(locked),
                "failed_logins": 5 if locked else rng.choice((0, 0, 0, 1, 2)),
                "password_changed_at": iso(
                    NOW - timedelta(days=rng.randint(1, 89), hours=rng.randint(0, 9))
                ),
                "must_change_password": 0,
            }
            if j == 0:
                manager_id = eid
                departments.append(
                    {"id": dept_id, "name": dept_name, "manager_id": eid, "location": location}
                )
            employees.append(e)
    db["departments"].insert_all(departments)
    db["employees"].insert_all(employees)
    return employees


def _assets(db: sqlite_utils.Database, rng: random.Random, employees: list[dict]) -> list[dict]:
    tags = iter(rng.sample(range(20_000, 99_999), len(employees) * 4))
    assets, reports = [], []
    report_no = itertools.count(3001)
    for e in employees:
        for kind, models, years, share in ASSET_KINDS:
            if rng.random() >= share:
                continue
            bought = (NOW - timedelta(days=rng.randint(60, int(365 * (years + 1.3))))).date()
            until = (
                bought.replace(year=bought.year + years)
                if not (bought.month == 2 and bought.day == 29)
                else date(bought.year + years, 2, 28)
            )
            a = {
                "id": f"AST{next(tags)}",
                "employee_id": e["id"],
                "kind": kind,
                "model": rng.choice(models),
                "serial": f"SN{rng.randint(10**8, 10**9 - 1)}",
                "purchased_on": bought.isoformat(),
                "warranty_until": until.isoformat(),
                "status": "in_use",
            }
            assets.append(a)
            if kind in ("laptop", "phone", "monitor") and rng.random() < 0.05:
                what = {
                    "laptop": "dropped; the screen is cracked",
                    "phone": "the screen shattered after a fall",
                    "monitor": "knocked off the desk; the panel is cracked",
                }[kind]
                reports.append(
                    {
                        "id": f"DR{next(report_no)}",
                        "asset_id": a["id"],
                        "employee_id": e["id"],
                        "filed_at": iso(NOW - timedelta(days=rng.randint(1, 20))),
                        "description": f"{kind.capitalize()} {what}.",
                    }
                )
    db["assets"].insert_all(assets)
    db["damage_reports"].insert_all(reports)
    return assets


def _access(db: sqlite_utils.Database, rng: random.Random, employees: list[dict]) -> None:
    dept_apps = {d[0]: d[3] for d in DEPARTMENTS}
    grants = []
    n = itertools.count(1)
    for e in employees:
        apps = {"slack", "zoom"}
        for app in dept_apps[e["department_id"]]:
            if rng.random() < (0.55 if APP_BY_ID[app].sensitive else 0.8):
                apps.add(app)
        apps.update(rng.sample(STANDARD_APPS, rng.randint(0, 2)))
        for app in sorted(apps):
            grants.append(
                {
                    "id": f"AG{next(n):06d}",
                    "employee_id": e["id"],
                    "application_id": app,
                    "ticket_id": None,
                    "granted_at": iso(NOW - timedelta(days=rng.randint(30, 900))),
                    "role": "user",
                    "expires_on": None,
                }
            )
    db["access_grants"].insert_all(grants)


class _Tickets:
    """Numbers and writes history tickets in time order, with their comments."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.rows: list[dict] = []
        self.comments: list[dict] = []

    def add(self, **t) -> dict:
        impact, urgency = t.get("impact", 3), t.get("urgency", 3)
        opened = t["opened_at"]
        priority = PRIORITY[impact][urgency]
        row = {
            "id": None,
            "kind": "incident",
            "requester_id": None,
            "channel": "phone",
            "short_description": "",
            "description": "",
            "category": "software",
            "impact": impact,
            "urgency": urgency,
            "priority": priority,
            "status": "new",
            "assignment_group": "service-desk",
            "parent_id": None,
            "asset_id": None,
            "application_id": None,
            "resolution_code": None,
            "resolution_note": None,
            "escalated": 0,
            "reopen_count": 0,
            "updated_at": None,
            "resolved_at": None,
            "due_at": iso(opened + timedelta(hours=RESOLVE_HOURS[priority])),
        }
        row.update({k: v for k, v in t.items() if k != "opened_at"})
        row["opened_at"] = iso(opened)
        row["updated_at"] = row["updated_at"] or (row["resolved_at"] or row["opened_at"])
        self.rows.append(row)
        return row

    def comment(self, ticket: dict, author: str, visibility: str, body: str, at: str) -> None:
        self.comments.append(
            {
                "ticket": ticket,
                "author": author,
                "visibility": visibility,
                "body": body,
                "created_at": at,
            }
        )

    def write(self) -> None:
        self.rows.sort(key=lambda r: r["opened_at"])
        counters = {"incident": itertools.count(10_001), "request": itertools.count(20_001)}
        for r in self.rows:
            prefix = "INC" if r["kind"] == "incident" else "REQ"
            r["id"] = f"{prefix}{next(counters[r['kind']]):07d}"
        for r in self.rows:
            if isinstance(r["parent_id"], dict):
                r["parent_id"] = r["parent_id"]["id"]
            for key in ("approval",):
                r.pop(key, None)
        self.db["tickets"].insert_all(self.rows)
        self.comments.sort(key=lambda c: (c["created_at"], c["ticket"]["id"]))
        self.db["ticket_comments"].insert_all(
            {
                "id": i,
                "ticket_id": c["ticket"]["id"],
                "author": c["author"],
                "visibility": c["visibility"],
                "body": c["body"],
                "created_at": c["created_at"],
            }
            for i, c in enumerate(self.comments, 1)
        )


def _cue(rng: random.Random, table: dict, level: int, e: dict, dept: str) -> str:
    return rng.choice(table[level]).format(dept=dept, loc=e["location"])


@dataclass
class _History:
    """What every step of the ticket history shares; the steps draw from one rng, in order."""

    tk: _Tickets
    rng: random.Random
    employees: list[dict]
    staff: list[dict]  # active employees: people on leave file no new tickets
    n: int  # head count, which scales how many tickets of each kind there are
    truth: list[tuple[dict, dict]] = field(default_factory=list)  # new tickets, correct triage

    def ago(self, days_lo: float, days_hi: float) -> datetime:
        minutes = self.rng.randint(int(days_lo * 1440), int(days_hi * 1440))
        return NOW - timedelta(minutes=minutes)


def _tickets(
    db: sqlite_utils.Database,
    fake: Faker,
    rng: random.Random,
    employees: list[dict],
    assets: list[dict],
) -> None:
    staff = [e for e in employees if e["status"] == "active"]
    h = _History(tk=_Tickets(db), rng=rng, employees=employees, staff=staff, n=len(employees))
    # The order of these steps is the order of the rng draws: changing it changes every world.
    _closed_history(h)
    _recently_resolved(h)
    _open_routed_incidents(h)
    approvals = _access_requests(h, db)
    _major_incidents(h)
    _new_self_service(h)
    h.tk.write()  # numbers the tickets, which the approval and truth rows below refer to
    _write_approvals(db, approvals)
    _write_truth(db, h.truth)


def _closed_history(h: _History) -> None:
    """1. Closed and resolved history: resets, unlocks, KB fixes, routed problems."""
    rng, tk = h.rng, h.tk
    for _ in range(int(h.n * 1.2)):
        e = rng.choice(h.employees)
        opened = h.ago(1, 200)
        resolved = min(opened + timedelta(hours=rng.randint(1, 60)), NOW - timedelta(hours=1))
        status = "closed" if NOW - resolved > timedelta(days=REOPEN_DAYS) else "resolved"
        kind = rng.random()
        if kind < 0.3:
            tk.add(
                requester_id=e["id"],
                short_description="Password reset",
                category="account",
                impact=3,
                urgency=1,
                status=status,
                resolution_code="password_reset",
                resolution_note="Password reset after verification.",
                opened_at=opened,
                resolved_at=iso(resolved),
            )
        elif kind < 0.5:
            art = rng.choice(WALKTHROUGH_ARTICLES)
            tk.add(
                requester_id=e["id"],
                short_description=art.title,
                category=art.category,
                impact=3,
                urgency=2,
                status=status,
                resolution_code="kb_solution",
                resolution_note=f"Walked the caller through {art.id}.",
                opened_at=opened,
                resolved_at=iso(resolved),
            )
        elif kind < 0.65:
            app = rng.choice(STANDARD_APPS)
            tk.add(
                kind="request",
                requester_id=e["id"],
                short_description=f"Access to {APP_BY_ID[app].name}",
                category="access",
                impact=3,
                urgency=3,
                status=status,
                application_id=app,
                resolution_code="access_granted",
                resolution_note="Access granted.",
                opened_at=opened,
                resolved_at=iso(resolved),
            )
        else:
            p = rng.choice(ROUTED_PROBLEMS)
            group = GROUP_FOR_CATEGORY[p.category]
            t = tk.add(
                requester_id=e["id"],
                short_description=p.short,
                description=p.detail,
                category=p.category,
                impact=3,
                urgency=rng.choice((1, 2)),
                status=status,
                assignment_group=group,
                resolution_code=rng.choice(
                    ("resolved_by_caller", "not_reproducible", "kb_solution")
                ),
                resolution_note="Fixed by the resolver group.",
                opened_at=opened,
                resolved_at=iso(resolved),
            )
            tk.comment(
                t,
                "Analyst",
                "internal",
                f"Routed to {GROUPS[group][0]}.",
                iso(opened + timedelta(minutes=5)),
            )


def _recently_resolved(h: _History) -> None:
    """2. Recently resolved routed problems (reopenable: resolved within REOPEN_DAYS)."""
    rng, tk = h.rng, h.tk
    for _ in range(max(4, h.n // 25)):
        e = rng.choice(h.staff)
        p = rng.choice(ROUTED_PROBLEMS)
        opened = h.ago(4, REOPEN_DAYS - 1)
        resolved = opened + timedelta(hours=rng.randint(2, 48))
        t = tk.add(
            requester_id=e["id"],
            short_description=p.short,
            description=p.detail,
            category=p.category,
            impact=3,
            urgency=2,
            status="resolved",
            assignment_group=GROUP_FOR_CATEGORY[p.category],
            resolution_code="resolved_by_caller",
            resolution_note="The caller confirmed it works again.",
            opened_at=opened,
            resolved_at=iso(resolved),
        )
        tk.comment(
            t,
            "Analyst",
            "public",
            "Resolved: the caller confirmed it works again.",
            t["resolved_at"],
        )


def _open_routed_incidents(h: _History) -> None:
    """3. Open routed incidents, every other one past its SLA due time."""
    rng, tk = h.rng, h.tk
    for i in range(max(8, h.n // 10)):
        e = rng.choice(h.staff)
        p = rng.choice(ROUTED_PROBLEMS)
        urgency = rng.choice((1, 2, 2))
        breached = i % 2 == 0
        priority = PRIORITY[3][urgency]
        hours = RESOLVE_HOURS[priority]
        if breached:
            opened = NOW - timedelta(hours=hours + rng.randint(2, 30))
        else:
            opened = NOW - timedelta(hours=rng.randint(1, max(2, hours - 2)))
        group = GROUP_FOR_CATEGORY[p.category]
        t = tk.add(
            requester_id=e["id"],
            short_description=p.short,
            description=p.detail,
            category=p.category,
            impact=3,
            urgency=urgency,
            status=rng.choice(("assigned", "in_progress")),
            assignment_group=group,
            opened_at=opened,
        )
        tk.comment(
            t,
            "Analyst",
            "internal",
            f"Routed to {GROUPS[group][0]}.",
            iso(opened + timedelta(minutes=5)),
        )


def _access_requests(h: _History, db: sqlite_utils.Database) -> list[tuple[dict, dict]]:
    """4. Access requests waiting on approval (pending), approved ones awaiting fulfilment,
    rejected ones. Returns (ticket, approval row) pairs, written once tickets have ids."""
    rng, tk = h.rng, h.tk
    approvals: list[tuple[dict, dict]] = []
    has = {(r["employee_id"], r["application_id"]) for r in db["access_grants"].rows}
    candidates = [
        (e, app)
        for e in h.staff
        if e["manager_id"]
        for app in SENSITIVE_APPS
        if (e["id"], app) not in has
    ]
    rng.shuffle(candidates)
    quota = {
        "pending": max(4, h.n // 30),
        "approved": max(6, h.n // 25),
        "rejected": max(2, h.n // 60),
    }
    used: set[str] = set()  # one request per employee, so a task about it is unambiguous
    for e, app in candidates:
        state = next((s for s, q in quota.items() if q > 0), None)
        if state is None:
            break
        if e["id"] in used:
            continue
        used.add(e["id"])
        quota[state] -= 1
        opened = h.ago(1, 6)
        decided = opened + timedelta(hours=rng.randint(2, 20)) if state != "pending" else None
        # A rejected request is cancelled; the others wait on hold for the approval or its
        # fulfilment.
        t = tk.add(
            kind="request",
            requester_id=e["id"],
            short_description=f"Access to {APP_BY_ID[app].name}",
            category="access",
            impact=3,
            urgency=rng.choice((2, 3)),
            application_id=app,
            status="cancelled" if state == "rejected" else "on_hold",
            opened_at=opened,
            updated_at=iso(decided) if decided else None,
        )
        approvals.append(
            (
                t,
                {
                    "employee_id": e["id"],
                    "application_id": app,
                    "approver_id": e["manager_id"],
                    "status": state,
                    "justification": "Needed for my role.",
                    "requested_at": iso(opened + timedelta(minutes=10)),
                    "decided_at": iso(decided) if decided else None,
                },
            )
        )
        tk.comment(
            t,
            "Analyst",
            "public",
            f"Approval requested from your manager for {APP_BY_ID[app].name}.",
            iso(opened + timedelta(minutes=10)),
        )
    return approvals


def _major_incidents(h: _History) -> None:
    """5. Major incidents with linked duplicates, and new self-service reports not yet linked."""
    rng, tk = h.rng, h.tk
    for cat, short, said, loc in MAJOR_INCIDENTS:
        owner = rng.choice([e for e in h.staff if e["location"] == loc] or h.staff)
        opened = h.ago(0.1, 0.9)
        parent = tk.add(
            requester_id=owner["id"],
            short_description=short,
            description=said,
            category=cat,
            impact=1 if "company" in short or "office" in short else 2,
            urgency=1,
            status="in_progress",
            assignment_group=GROUP_FOR_CATEGORY[cat],
            opened_at=opened,
        )
        tk.comment(
            parent,
            "Analyst",
            "public",
            f"Major incident: {short}. Updates every hour.",
            iso(opened + timedelta(minutes=20)),
        )
        _linked_duplicates(h, parent, cat, short, said, opened)
        _unlinked_reports(h, parent, cat, short, said)


def _linked_duplicates(
    h: _History, parent: dict, cat: str, short: str, said: str, opened: datetime
) -> None:
    """Duplicates already resolved against the major incident, as an analyst would have."""
    rng = h.rng
    for _ in range(rng.randint(1, 3)):
        e = rng.choice(h.staff)
        t_open = opened + timedelta(minutes=rng.randint(20, 200))
        resolved = min(t_open + timedelta(minutes=15), NOW - timedelta(minutes=1))
        h.tk.add(
            requester_id=e["id"],
            channel="self-service",
            short_description=short.split(" for ")[0],
            description=said,
            category=cat,
            impact=3,
            urgency=1,
            status="resolved",
            parent_id=parent,
            assignment_group="service-desk",
            resolution_code="duplicate",
            resolution_note="Duplicate of the major incident; you will be updated there.",
            opened_at=min(t_open, NOW - timedelta(minutes=5)),
            resolved_at=iso(resolved),
        )


def _unlinked_reports(h: _History, parent: dict, cat: str, short: str, said: str) -> None:
    """New reports of the major incident: triage tasks whose right answer is to link them."""
    rng = h.rng
    for _ in range(max(2, h.n // 60)):
        e = rng.choice(h.staff)
        t_open = NOW - timedelta(minutes=rng.randint(5, 90))
        ask = rng.choice(("Please help.", "Is something down?", "Can someone look?"))
        text = f"{said[:1].upper()}{said[1:]}. {ask}"
        t = h.tk.add(
            requester_id=e["id"],
            channel="self-service",
            short_description=_self_service_title(short, rng),
            description=text,
            category=rng.choice((cat, "software")),
            impact=3,
            urgency=3,
            status="new",
            opened_at=t_open,
        )
        h.truth.append((t, {"scenario": "duplicate", "parent_id": parent, "category": cat}))


def _new_self_service(h: _History) -> None:
    """6. New self-service tickets: KB-solvable, routable, vague, password requests."""
    rng = h.rng
    dept_name = {d[0]: d[1] for d in DEPARTMENTS}
    for i in range(max(10, h.n // 8)):
        e = rng.choice(h.staff)
        t_open = NOW - timedelta(minutes=rng.randint(5, 600))
        impact = rng.choice((3, 3, 3, 2))
        urgency = rng.choice((1, 2, 2, 3))
        cue_i = _cue(rng, IMPACT_CUES, impact, e, dept_name[e["department_id"]])
        cue_u = _cue(rng, URGENCY_CUES, urgency, e, dept_name[e["department_id"]])
        cues = f"{cue_i[:1].upper()}{cue_i[1:]}, and {cue_u}."
        graded = {"impact": impact, "urgency": urgency, "cue_impact": cue_i, "cue_urgency": cue_u}
        _self_service_ticket(h, i, e, t_open, cues, graded)


def _self_service_ticket(
    h: _History, i: int, e: dict, t_open: datetime, cues: str, graded: dict
) -> None:
    """The ``i``-th new self-service ticket: by turns KB-solvable, routable and vague."""
    mode = i % 3
    new = {"requester_id": e["id"], "channel": "self-service", "category": "software"}
    new |= {"impact": 3, "urgency": 3, "status": "new", "opened_at": t_open}
    if mode == 0:
        art = WALKTHROUGH_ARTICLES[i // 3 % len(WALKTHROUGH_ARTICLES)]
        t = h.tk.add(
            short_description=art.symptom.split(",")[0][:60],
            description=f"{art.symptom}. {cues}",
            **new,
        )
        h.truth.append(
            (t, {"scenario": "kb", "category": art.category, **graded, "article_id": art.id})
        )
    elif mode == 1:
        p = ROUTED_PROBLEMS[i // 3 % len(ROUTED_PROBLEMS)]
        t = h.tk.add(
            short_description=p.short,
            description=f"{p.detail[:1].upper()}{p.detail[1:]}. {cues}",
            **new,
        )
        group = GROUP_FOR_CATEGORY[p.category]
        h.truth.append(
            (t, {"scenario": "route", "category": p.category, **graded, "assignment_group": group})
        )
    else:
        p = ROUTED_PROBLEMS[(i * 7 + 3) % len(ROUTED_PROBLEMS)]
        vague = h.rng.choice(_VAGUE_REPORTS)
        t = h.tk.add(short_description=vague[:40], description=vague, **new)
        # The vague text hides the problem: the detail is what the caller says when asked.
        truth = {"scenario": "vague", "category": p.category, **graded}
        truth |= {"assignment_group": GROUP_FOR_CATEGORY[p.category]}
        truth |= {"detail": f"{p.detail[:1].upper()}{p.detail[1:]}. {cues}"}
        h.truth.append((t, truth))


_VAGUE_REPORTS = (
    "Something is broken, please help.",
    "It stopped working again!!",
    "Nothing works the way it should.",
    "Same problem as before, please fix.",
)


def _write_approvals(db: sqlite_utils.Database, approvals: list[tuple[dict, dict]]) -> None:
    apr = itertools.count(5001)
    db["approvals"].insert_all(
        {"id": f"APR{next(apr)}", "ticket_id": t["id"], **a} for t, a in approvals
    )


def _write_truth(db: sqlite_utils.Database, truth: list[tuple[dict, dict]]) -> None:
    rows = []
    for t, info in truth:
        parent = info.get("parent_id")
        rows.append(
            {
                "ticket_id": t["id"],
                "scenario": info["scenario"],
                "kind": "incident",
                "category": info.get("category"),
                "impact": info.get("impact"),
                "urgency": info.get("urgency"),
                "assignment_group": info.get("assignment_group"),
                "parent_id": parent["id"] if isinstance(parent, dict) else parent,
                "article_id": info.get("article_id"),
                "detail": info.get("detail"),
                "cue_impact": info.get("cue_impact"),
                "cue_urgency": info.get("cue_urgency"),
            }
        )
    db[TRUTH_TABLE].insert_all(rows)


def _self_service_title(short: str, rng: random.Random) -> str:
    head = short.split(" for ")[0].split(" on ")[0]
    return rng.choice((head, f"{head}?", f"Problem: {head.lower()}"))
