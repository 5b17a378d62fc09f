"""Tools of the IT service desk. Each enforces the policy rules a tool can check."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from typing import Literal

from utility_gym.core.streams import read_setting
from utility_gym.core.tools import ToolContext, ToolError, tool
from utility_gym.envs.ticketing.catalog import GROUPS, RESOLVE_HOURS
from utility_gym.envs.ticketing.constants import REOPEN_DAYS
from utility_gym.envs.ticketing.schema import OPEN_STATUSES, PRIORITY

MAX_VERIFY_ATTEMPTS = 3
MAX_TEMPORARY_DAYS = 90  # temporary access ends at most this many days from today

Category = Literal["account", "access", "hardware", "software", "email", "network", "security"]
Group = Literal[
    "service-desk",
    "desktop-support",
    "network",
    "messaging",
    "app-support",
    "identity-access",
    "security",
]
Level = Literal[1, 2, 3]
Role = Literal["user", "read-only"]
Fault = Literal["no_power", "display", "charging", "restarting"]
ResolutionCode = Literal[
    "password_reset",
    "account_unlocked",
    "access_granted",
    "kb_solution",
    "resolved_by_caller",
    "not_reproducible",
]

_STOPWORDS = frozenset(
    "a an and are as at be but by can cant could do does dont for from has have how i im in is it "
    "its "
    "me my not of on or our so that the this to was we what when where which why will with you "
    "your "
    "keeps keep get gets got just any all".split()
)


# -- helpers ------------------------------------------------------------------------------------


def reopen_days(db) -> int:
    """How long a resolved ticket can be reopened (a stream's world event may shorten it)."""
    return read_setting(db, "reopen_days", REOPEN_DAYS)


def _norm_id(value: str) -> str:
    return value.strip().lstrip("#").strip().upper()


# get_employee's profile row: the employee with their department's and manager's names, in one
# query.
_PROFILE_SQL = (
    "SELECT e.*, d.name AS department_name, m.id AS manager_found, m.first_name AS "
    "manager_first_name, "
    "m.last_name AS manager_last_name FROM employees e LEFT JOIN departments d ON d.id = "
    "e.department_id "
    "LEFT JOIN employees m ON m.id = e.manager_id WHERE e.id = ?"
)


def _employee(
    ctx: ToolContext, employee_id: str, sql: str = "SELECT * FROM employees WHERE id = ?"
) -> dict:
    eid = _norm_id(employee_id)
    row = ctx.one(sql, (eid,))
    if row is None:
        raise _no_employee(employee_id)
    return row


def _no_employee(employee_id: str) -> ToolError:
    return ToolError(
        f"no employee {employee_id!r}; employee ids look like E12345 (find_employee searches by "
        "name or email)"
    )


def _ticket(
    ctx: ToolContext, ticket_id: str, sql: str = "SELECT * FROM tickets WHERE id = ?"
) -> dict:
    tid = _norm_id(ticket_id)
    row = ctx.one(sql, (tid,))
    if row is None:
        raise ToolError(
            f"no ticket {ticket_id!r}; ticket ids look like INC0012345 or REQ0023456 "
            "(search_tickets finds them)"
        )
    return row


def _open_ticket(
    ctx: ToolContext, ticket_id: str, sql: str = "SELECT * FROM tickets WHERE id = ?"
) -> dict:
    t = _ticket(ctx, ticket_id, sql)
    if t["status"] not in OPEN_STATUSES:
        raise ToolError(
            f"ticket {t['id']} is {t['status']}; only open tickets ({', '.join(OPEN_STATUSES)}) "
            "can be changed"
        )
    return t


def _application(ctx: ToolContext, application: str) -> dict:
    key = application.strip().lower()
    row = ctx.one("SELECT * FROM applications WHERE id = ? OR lower(name) = ?", (key, key))
    if row is None:
        names = ", ".join(r["id"] for r in ctx.all("SELECT id FROM applications ORDER BY id"))
        raise ToolError(f"no application {application!r}; application ids: {names}")
    return row


def _verified_requester(ctx: ToolContext, ticket: dict, action: str) -> dict:
    verified = ctx.state.get("verified")
    if verified != ticket["requester_id"]:
        who = f"{verified} is verified, not the requester" if verified else "nobody is verified yet"
        raise ToolError(
            f"cannot {action}: the requester {ticket['requester_id']} of {ticket['id']} must be "
            "verified first "
            f"({who}); use verify_identity with their employee id and date of birth"
        )
    e = _employee(ctx, ticket["requester_id"])
    if e["status"] != "active":
        raise ToolError(
            f"employee {e['id']} is {e['status']}; their account cannot be changed by the service "
            "desk"
        )
    return e


def _next_id(ctx: ToolContext, table: str, prefix: str, width: int) -> str:
    # Ids are fixed-width, so the last one in primary-key order is the largest: an index seek,
    # not a scan of the table.
    row = ctx.one(
        f"SELECT id FROM {table} WHERE id > ? AND id < ? ORDER BY id DESC LIMIT 1",
        (prefix, prefix + "~"),
    )
    return _after(row["id"] if row else None, prefix, width)


def _after(last_id: str | None, prefix: str, width: int) -> str:
    last = int(last_id[len(prefix) :]) if last_id else 0
    return f"{prefix}{last + 1:0{width}d}"


def _ticket_prefix(kind: str) -> str:
    return "INC" if kind == "incident" else "REQ"


def next_ticket_id(ctx: ToolContext, kind: str) -> str:
    """The id the next ticket of ``kind`` will get (sequential, per prefix)."""
    return _next_id(ctx, "tickets", _ticket_prefix(kind), 7)


# create_ticket's look-ups in one statement: whether the requester exists, and the last ticket id
# of the kind (as in _next_id).
_REQUESTER_AND_LAST_TICKET_SQL = (
    "SELECT (SELECT id FROM employees WHERE id = ?) AS employee_id, "
    "(SELECT id FROM tickets WHERE id > ? AND id < ? ORDER BY id DESC LIMIT 1) AS last_id"
)


@functools.lru_cache(maxsize=4096)  # called with the world's clock over and over; strftime is slow
def _due(opened_at: str, priority: int) -> str:
    return (datetime.fromisoformat(opened_at) + timedelta(hours=RESOLVE_HOURS[priority])).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )


def _comment(
    ctx: ToolContext, ticket_id: str, visibility: str, body: str, author: str = "Service Desk"
) -> int:
    cur = ctx.db.execute(
        "INSERT INTO ticket_comments (ticket_id, author, visibility, body, created_at) VALUES (?, "
        "?, ?, ?, ?)",
        (ticket_id, author, visibility, body, ctx.now),
    )
    return int(cur.lastrowid)


def _text(value: str, what: str, minimum: int = 3) -> str:
    text = " ".join(value.split())
    if len(text) < minimum:
        raise ToolError(f"{what} is empty or too short; write at least {minimum} characters")
    return text


_VIEW = (
    "id",
    "kind",
    "requester_id",
    "short_description",
    "category",
    "impact",
    "urgency",
    "priority",
    "status",
    "assignment_group",
    "parent_id",
    "opened_at",
    "due_at",
)


def _ticket_view(t: dict) -> dict:
    return {k: t[k] for k in _VIEW}


# A ticket's view columns only (not its long description and notes): what the tools that change
# a ticket's triage, group or status read and show.
_VIEW_SQL = f"SELECT {', '.join(_VIEW)} FROM tickets WHERE id = ?"
# The same, and whether other tickets name it as their parent (a parent cannot become a duplicate).
_VIEW_WITH_CHILDREN_SQL = (
    f"SELECT {', '.join(_VIEW)}, EXISTS (SELECT 1 FROM tickets c WHERE c.parent_id = tickets.id) "
    "AS has_children "
    "FROM tickets WHERE id = ?"
)


def _words(text: str) -> list[str]:
    return [
        w for w in re.findall(r"[a-z0-9]+", text.casefold()) if w not in _STOPWORDS and len(w) > 1
    ][:12]


# -- people -------------------------------------------------------------------------------------
@tool
def find_employee(ctx: ToolContext, query: str) -> list:
    """Find employees by employee id, email address or (part of) their name.

    Args:
        query: An employee id (E12345), an email address, or a first, last or full name.
    """
    q = query.strip()
    if len(q) < 2:
        raise ToolError(
            "query is too short; give an employee id, an email or at least two letters of a name"
        )
    like = f"%{q.casefold()}%"
    rows = ctx.all(
        "SELECT e.id, e.first_name, e.last_name, e.email, e.title, e.location, d.name AS "
        "department "
        "FROM employees e JOIN departments d ON d.id = e.department_id "
        "WHERE e.id = ? OR lower(e.email) = ? OR lower(e.first_name || ' ' || e.last_name) LIKE ? "
        "OR lower(e.last_name) LIKE ? ORDER BY e.last_name, e.first_name LIMIT 10",
        (_norm_id(q), q.casefold(), like, like),
    )
    if not rows:
        raise ToolError(f"no employee matches {query!r}; try the last name or the email address")
    return [
        {
            "employee_id": r["id"],
            "name": f"{r['first_name']} {r['last_name']}",
            "email": r["email"],
            "title": r["title"],
            "department": r["department"],
            "location": r["location"],
        }
        for r in rows
    ]


@tool
def get_employee(ctx: ToolContext, employee_id: str) -> dict:
    """An employee's profile: department, manager, account state, assets, application access and
    approvals.

    Args:
        employee_id: The employee id, such as E12345.
    """
    e = _employee(ctx, employee_id, _PROFILE_SQL)
    manager = None
    if e["manager_id"] and e["manager_found"] is not None:
        manager = {
            "employee_id": e["manager_found"],
            "name": f"{e['manager_first_name']} {e['manager_last_name']}",
        }
    assets = ctx.all(
        "SELECT id, kind, model, warranty_until, status FROM assets WHERE employee_id = ? ORDER "
        "BY kind, id",
        (e["id"],),
    )
    access = [
        r["application_id"]
        for r in ctx.all(
            "SELECT application_id FROM access_grants WHERE employee_id = ? ORDER BY "
            "application_id",
            (e["id"],),
        )
    ]
    approvals = ctx.all(
        "SELECT id, application_id, status, ticket_id, decided_at FROM approvals WHERE "
        "employee_id = ? ORDER BY id",
        (e["id"],),
    )
    return {
        "employee_id": e["id"],
        "name": f"{e['first_name']} {e['last_name']}",
        "email": e["email"],
        "phone": e["phone"],
        "title": e["title"],
        "department": e["department_name"],
        "cost_centre": e["department_id"],
        "location": e["location"],
        "status": e["status"],
        "vip": bool(e["vip"]),
        "manager": manager,
        "account_locked": bool(e["account_locked"]),
        "password_changed_at": e["password_changed_at"],
        "assets": assets,
        "access": access,
        "approvals": approvals,
    }


@tool(session=True)
def verify_identity(ctx: ToolContext, employee_id: str, date_of_birth: str) -> dict:
    """Verify the caller's identity: their employee id and the date of birth on record must match.

    Args:
        employee_id: The id the caller gives, such as E12345.
        date_of_birth: The date of birth the caller gives, as YYYY-MM-DD.
    """
    e = _employee(ctx, employee_id)
    attempts = ctx.state.setdefault("verify_attempts", {})
    if attempts.get(e["id"], 0) >= MAX_VERIFY_ATTEMPTS:
        raise ToolError(
            f"{MAX_VERIFY_ATTEMPTS} failed verifications for {e['id']} in this call; identity "
            "cannot be verified by phone"
        )
    given = _parse_date(date_of_birth)
    if given is None:
        raise ToolError(f"cannot read the date {date_of_birth!r}; write it as YYYY-MM-DD")
    if given != e["date_of_birth"]:
        attempts[e["id"]] = attempts.get(e["id"], 0) + 1
        raise ToolError(
            f"the date of birth does not match the record of {e['id']}; the caller is NOT verified"
        )
    ctx.state["verified"] = e["id"]
    return {"employee_id": e["id"], "name": f"{e['first_name']} {e['last_name']}", "verified": True}


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_date(text: str) -> str | None:
    text = text.strip().rstrip(".")
    if _ISO_DATE.fullmatch(text):
        try:  # the usual answer, read without strptime (slow); the same date as its first format
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%d %B %Y", "%b %d, %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


# -- knowledge base -----------------------------------------------------------------------------
@tool
def search_kb(ctx: ToolContext, query: str) -> list:
    """Full-text search of the knowledge base; the best five articles with a snippet.

    Args:
        query: Words describing the problem, such as "outlook password prompt".
    """
    words = _words(query)
    if not words:
        raise ToolError(
            "the query has no searchable words; describe the problem, e.g. 'vpn error 809'"
        )
    match = " OR ".join(f'"{w}"' for w in words)
    rows = ctx.all(
        "SELECT id, title, snippet(kb_fts, 2, '', '', ' ... ', 12) AS snippet FROM kb_fts WHERE "
        "kb_fts MATCH ? "
        "ORDER BY bm25(kb_fts, 0.0, 4.0, 1.0, 2.0), id LIMIT 5",
        (match,),
    )
    if not rows:
        raise ToolError(f"no article matches {query!r}; try other words")
    return rows


@tool
def get_kb_article(ctx: ToolContext, article_id: str) -> dict:
    """The full text of a knowledge-base article.

    Args:
        article_id: The article id, such as KB0004.
    """
    row = ctx.one(
        "SELECT id, title, category, body, updated_at FROM kb_articles WHERE id = ?",
        (_norm_id(article_id),),
    )
    if row is None:
        raise ToolError(
            f"no article {article_id!r}; article ids look like KB0004 (search_kb finds them)"
        )
    return row


# -- tickets ------------------------------------------------------------------------------------
@tool
def search_tickets(
    ctx: ToolContext,
    query: str | None = None,
    requester_id: str | None = None,
    status: Literal["open", "closed", "any"] = "open",
) -> list:
    """Search tickets by words of their description and/or requester, best matches first (at most
    10).

    Args:
        query: Words of the problem, such as "vpn london".
        requester_id: Only tickets of this employee.
        status: "open" (new, assigned, in progress, on hold), "closed" (resolved, closed, cancelled)
        or "any".
    """
    where, params = [], []
    if requester_id:
        where.append("requester_id = ?")
        params.append(_norm_id(requester_id))
    marks = ",".join("?" * len(OPEN_STATUSES))
    if status == "open":
        where.append(f"status IN ({marks})")
        params.extend(OPEN_STATUSES)
    elif status == "closed":
        where.append(f"status NOT IN ({marks})")
        params.extend(OPEN_STATUSES)
    words = _words(query or "")
    if query is not None and not words:
        raise ToolError(
            "the query has no searchable words; describe the problem, e.g. 'vpn london'"
        )
    if not words and not requester_id:
        raise ToolError("give a query, a requester_id, or both")
    score = " + ".join("(instr(text, ?) > 0)" for _ in words) or "0"
    # Filter first (status and requester use indexes), then score only what is left. Best match
    # first; among equals, the widest impact (major incidents), then the newest.
    rows = ctx.all(
        f"SELECT {', '.join(_VIEW)}, ({score}) AS score FROM (SELECT *, "
        "lower(short_description || ' ' || coalesce(description, '')) AS text FROM tickets"
        + (" WHERE " + " AND ".join(where) if where else "")
        + ") WHERE score > 0 ORDER BY score DESC, impact, opened_at DESC LIMIT 10"
        if words
        else f"SELECT {', '.join(_VIEW)} FROM tickets"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY opened_at DESC LIMIT 10",
        tuple(words) + tuple(params),
    )
    if not rows:
        raise ToolError("no ticket matches; try other words or status 'any'")
    return [_ticket_view(r) for r in rows]


@tool
def get_ticket(ctx: ToolContext, ticket_id: str) -> dict:
    """A ticket with its full description, SLA state and comments (public and internal).

    Args:
        ticket_id: The ticket id, such as INC0012345.
    """
    t = _ticket(ctx, ticket_id)
    out = dict(t)
    group = GROUPS.get(t["assignment_group"] or "")
    out["assignment_group_name"] = group[0] if group else None
    out["sla_breached"] = (
        t["status"] in OPEN_STATUSES and t["due_at"] is not None and t["due_at"] < ctx.now
    )
    out["comments"] = ctx.all(
        "SELECT author, visibility, body, created_at FROM ticket_comments WHERE ticket_id = ? "
        "ORDER BY id",
        (t["id"],),
    )
    return out


@tool(writes=True, confirm=False)
def create_ticket(
    ctx: ToolContext,
    requester_id: str,
    kind: Literal["incident", "request"],
    category: Category,
    impact: Level,
    urgency: Level,
    short_description: str,
    description: str = "",
) -> dict:
    """Open a ticket for an employee; the priority follows from impact and urgency. It starts new,
    with the service desk.

    Args:
        requester_id: The employee the ticket is for, such as E12345.
        kind: "incident" when something is broken, "request" when asking for something new.
        category: account, access, hardware, software, email, network or security.
        impact: 1 = a whole department, site or the company; 2 = several people; 3 = one person.
        urgency: 1 = cannot work at all; 2 = can work with a workaround; 3 = no effect on work now.
        short_description: One line saying what is wrong or wanted.
        description: Details: symptoms, error messages, what was tried.
    """
    prefix = _ticket_prefix(kind)
    found = ctx.db.execute(
        _REQUESTER_AND_LAST_TICKET_SQL, (_norm_id(requester_id), prefix, prefix + "~")
    ).fetchone()
    eid = found["employee_id"]
    if eid is None:
        raise _no_employee(requester_id)
    short = _text(short_description, "short_description")
    tid = _after(found["last_id"], prefix, 7)
    priority = PRIORITY[impact][urgency]
    due = _due(ctx.now, priority)
    ctx.db.execute(
        "INSERT INTO tickets (id, kind, requester_id, channel, short_description, description, "
        "category, impact, "
        "urgency, priority, status, assignment_group, escalated, reopen_count, opened_at, "
        "updated_at, due_at) "
        "VALUES (?, ?, ?, 'phone', ?, ?, ?, ?, ?, ?, 'new', 'service-desk', 0, 0, ?, ?, ?)",
        (
            tid,
            kind,
            eid,
            short,
            description.strip(),
            category,
            impact,
            urgency,
            priority,
            ctx.now,
            ctx.now,
            due,
        ),
    )
    return {
        "id": tid,
        "kind": kind,
        "requester_id": eid,
        "short_description": short,
        "category": category,
        "impact": impact,
        "urgency": urgency,
        "priority": priority,
        "status": "new",
        "assignment_group": "service-desk",
        "parent_id": None,
        "opened_at": ctx.now,
        "due_at": due,
    }


@tool(writes=True, confirm=False)
def update_ticket(
    ctx: ToolContext,
    ticket_id: str,
    category: Category | None = None,
    impact: Level | None = None,
    urgency: Level | None = None,
    short_description: str | None = None,
) -> dict:
    """Change an open ticket's category, impact, urgency or short description; the priority and due
    time follow.

    Args:
        ticket_id: The ticket id, such as INC0012345.
        category: The new category.
        impact: The new impact (1 = department or more, 2 = several people, 3 = one person).
        urgency: The new urgency (1 = cannot work, 2 = workaround, 3 = no effect now).
        short_description: A clearer one-line description.
    """
    t = _open_ticket(ctx, ticket_id, _VIEW_SQL)
    if category is None and impact is None and urgency is None and short_description is None:
        raise ToolError("nothing to update; give category, impact, urgency or short_description")
    new = {
        "category": category or t["category"],
        "impact": impact or t["impact"],
        "urgency": urgency or t["urgency"],
        "short_description": _text(short_description, "short_description")
        if short_description is not None
        else t["short_description"],
    }
    new["priority"] = priority = PRIORITY[new["impact"]][new["urgency"]]
    new["due_at"] = _due(t["opened_at"], priority)
    ctx.db.execute(
        "UPDATE tickets SET category = ?, impact = ?, urgency = ?, priority = ?, short_description "
        "= ?, due_at = ?, "
        "updated_at = ? WHERE id = ?",
        (
            new["category"],
            new["impact"],
            new["urgency"],
            priority,
            new["short_description"],
            new["due_at"],
            ctx.now,
            t["id"],
        ),
    )
    return _ticket_view(t | new)


@tool(writes=True, confirm=False)
def assign_ticket(ctx: ToolContext, ticket_id: str, group: Group) -> dict:
    """Route an open ticket to an assignment group; a ticket leaving the service desk becomes
    'assigned'.

    Args:
        ticket_id: The ticket id, such as INC0012345.
        group: The assignment group.
    """
    t = _open_ticket(ctx, ticket_id, _VIEW_SQL)
    if t["assignment_group"] == group:
        raise ToolError(f"ticket {t['id']} is already with {group}")
    status = "in_progress" if group == "service-desk" else "assigned"
    ctx.db.execute(
        "UPDATE tickets SET assignment_group = ?, status = ?, updated_at = ? WHERE id = ?",
        (group, status, ctx.now, t["id"]),
    )
    return _ticket_view(t | {"assignment_group": group, "status": status})


@tool(writes=True, confirm=False)
def add_comment(
    ctx: ToolContext, ticket_id: str, body: str, visibility: Literal["public", "internal"]
) -> dict:
    """Add a comment to a ticket: public comments are emailed to the requester, internal ones only
    to IT staff.

    Args:
        ticket_id: The ticket id, such as INC0012345.
        body: The comment.
        visibility: "public" (the requester sees it) or "internal" (IT only).
    """
    t = _ticket(ctx, ticket_id)
    text = _text(body, "body", 2)
    cid = _comment(ctx, t["id"], visibility, text)
    return {"ticket_id": t["id"], "comment_id": cid, "visibility": visibility}


@tool(writes=True, confirm=False)
def link_duplicate(ctx: ToolContext, ticket_id: str, parent_id: str) -> dict:
    """Link a ticket to the open ticket it duplicates; the duplicate is resolved (code 'duplicate')
    and its requester follows the parent.

    Args:
        ticket_id: The duplicate ticket.
        parent_id: The open ticket that already tracks the same problem.
    """
    t = _open_ticket(ctx, ticket_id, _VIEW_WITH_CHILDREN_SQL)
    p = _ticket(ctx, parent_id, _VIEW_SQL)
    if p["id"] == t["id"]:
        raise ToolError("a ticket cannot duplicate itself")
    if p["status"] not in OPEN_STATUSES:
        raise ToolError(f"parent {p['id']} is {p['status']}; link only to an open ticket")
    if p["parent_id"]:
        raise ToolError(
            f"{p['id']} is itself a duplicate of {p['parent_id']}; link to {p['parent_id']} instead"
        )
    if t["has_children"]:
        raise ToolError(f"{t['id']} is the parent of other tickets; it cannot become a duplicate")
    note = f"Duplicate of {p['id']} ({p['short_description']}); you will be updated there."
    ctx.db.execute(
        "UPDATE tickets SET parent_id = ?, status = 'resolved', resolution_code = 'duplicate', "
        "resolution_note = ?, "
        "resolved_at = ?, updated_at = ? WHERE id = ?",
        (p["id"], note, ctx.now, ctx.now, t["id"]),
    )
    _comment(ctx, t["id"], "public", note)
    return {
        "ticket_id": t["id"],
        "parent_id": p["id"],
        "status": "resolved",
        "resolution_code": "duplicate",
    }


@tool(writes=True, confirm=False)
def resolve_ticket(
    ctx: ToolContext, ticket_id: str, resolution_code: ResolutionCode, public_note: str
) -> dict:
    """Resolve an open service-desk ticket with a resolution code and a public note to the
    requester.

    Args:
        ticket_id: The ticket id, such as INC0012345.
        resolution_code: password_reset, account_unlocked, access_granted, kb_solution (cite the
        article), resolved_by_caller or not_reproducible.
        public_note: What was done, for the requester (sent by email).
    """
    t = _open_ticket(ctx, ticket_id, _VIEW_SQL)
    if t["assignment_group"] != "service-desk":
        raise ToolError(
            f"ticket {t['id']} is assigned to {t['assignment_group']}; only that group can resolve "
            "it"
        )
    note = _text(public_note, "public_note", 10)
    ctx.db.execute(
        "UPDATE tickets SET status = 'resolved', resolution_code = ?, resolution_note = ?, "
        "resolved_at = ?, updated_at = ? WHERE id = ?",
        (resolution_code, note, ctx.now, ctx.now, t["id"]),
    )
    _comment(ctx, t["id"], "public", note)
    return {"ticket_id": t["id"], "status": "resolved", "resolution_code": resolution_code}


@tool(writes=True)
def reopen_ticket(ctx: ToolContext, ticket_id: str, reason: str) -> dict:
    """Reopen a resolved ticket whose problem came back (within 14 days of resolution; closed
    tickets cannot be reopened).

    Args:
        ticket_id: The ticket id, such as INC0012345.
        reason: What the requester reports.
    """
    t = _ticket(ctx, ticket_id)
    if t["status"] != "resolved":
        hint = "; open a new ticket that mentions it" if t["status"] == "closed" else ""
        raise ToolError(
            f"ticket {t['id']} is {t['status']}; only resolved tickets can be reopened{hint}"
        )
    if t["resolution_code"] == "duplicate":
        raise ToolError(f"{t['id']} is a duplicate of {t['parent_id']}; follow the parent instead")
    days = reopen_days(ctx.db)
    if datetime.fromisoformat(ctx.now) - datetime.fromisoformat(t["resolved_at"]) > timedelta(
        days=days
    ):
        raise ToolError(
            f"{t['id']} was resolved more than {days} days ago; open a new ticket that mentions it"
        )
    status = "in_progress" if t["assignment_group"] == "service-desk" else "assigned"
    ctx.db.execute(
        "UPDATE tickets SET status = ?, reopen_count = reopen_count + 1, resolution_code = NULL, "
        "resolution_note = NULL, "
        "resolved_at = NULL, updated_at = ? WHERE id = ?",
        (status, ctx.now, t["id"]),
    )
    _comment(ctx, t["id"], "internal", f"Reopened: {_text(reason, 'reason')}")
    return _ticket_view(_ticket(ctx, t["id"]))


@tool(writes=True)
def escalate_ticket(ctx: ToolContext, ticket_id: str, reason: str) -> dict:
    """Escalate an open ticket that is past its due time (SLA breached) to the assignment group's
    manager.

    Args:
        ticket_id: The ticket id, such as INC0012345.
        reason: Why it is escalated.
    """
    t = _open_ticket(ctx, ticket_id)
    if t["escalated"]:
        raise ToolError(f"{t['id']} is already escalated")
    if not t["due_at"] or t["due_at"] >= ctx.now:
        raise ToolError(
            f"{t['id']} is due {t['due_at']}; only tickets past their due time are escalated, tell "
            "the caller when it is due"
        )
    ctx.db.execute(
        "UPDATE tickets SET escalated = 1, updated_at = ? WHERE id = ?", (ctx.now, t["id"])
    )
    _comment(
        ctx,
        t["id"],
        "internal",
        f"Escalated to the {t['assignment_group']} manager: {_text(reason, 'reason')}",
    )
    return {"ticket_id": t["id"], "escalated": True, "assignment_group": t["assignment_group"]}


# -- fulfilment -----------------------------------------------------------------------------------
@tool(writes=True)
def reset_password(ctx: ToolContext, ticket_id: str) -> dict:
    """Reset the password of a ticket's requester (verified first); a one-time link goes to their
    registered mobile.

    Args:
        ticket_id: The requester's open ticket for this reset.
    """
    t = _open_ticket(ctx, ticket_id)
    e = _verified_requester(ctx, t, "reset the password")
    ctx.db.execute(
        "UPDATE employees SET password_changed_at = ?, must_change_password = 1 WHERE id = ?",
        (ctx.now, e["id"]),
    )
    return {
        "employee_id": e["id"],
        "password_reset": True,
        "link_sent_to": f"mobile ending {e['phone'][-4:]}",
        "note": "the account stays locked if it was locked; unlocking is separate",
    }


@tool(writes=True)
def unlock_account(ctx: ToolContext, ticket_id: str) -> dict:
    """Unlock the locked account of a ticket's requester (verified first).

    Args:
        ticket_id: The requester's open ticket for this unlock.
    """
    t = _open_ticket(ctx, ticket_id)
    e = _verified_requester(ctx, t, "unlock the account")
    if not e["account_locked"]:
        raise ToolError(f"the account of {e['id']} is not locked")
    ctx.db.execute(
        "UPDATE employees SET account_locked = 0, failed_logins = 0 WHERE id = ?", (e["id"],)
    )
    return {"employee_id": e["id"], "account_locked": False}


@tool
def list_applications(ctx: ToolContext) -> list:
    """The application catalog: ids, names, and which are sensitive (need a manager's approval)."""
    return [
        {
            "application_id": r["id"],
            "name": r["name"],
            "sensitive": bool(r["sensitive"]),
            "description": r["description"],
        }
        for r in ctx.all("SELECT * FROM applications ORDER BY sensitive, id")
    ]


def _access_ticket(
    ctx: ToolContext, ticket_id: str, application_id: str
) -> tuple[dict, dict, dict]:
    t = _open_ticket(ctx, ticket_id)
    if t["category"] != "access":
        raise ToolError(
            f"ticket {t['id']} is a {t['category']} ticket; access is handled on an access ticket"
        )
    app = _application(ctx, application_id)
    e = _employee(ctx, t["requester_id"])
    if e["status"] != "active":
        raise ToolError(
            f"employee {e['id']} is {e['status']}; access changes wait until they are active"
        )
    if ctx.one(
        "SELECT id FROM access_grants WHERE employee_id = ? AND application_id = ?",
        (e["id"], app["id"]),
    ):
        raise ToolError(f"{e['id']} already has access to {app['name']}")
    return t, app, e


@tool(writes=True)
def grant_access(
    ctx: ToolContext,
    ticket_id: str,
    application_id: str,
    role: Role = "user",
    expires_on: str | None = None,
) -> dict:
    """Give a ticket's requester access to an application. Sensitive applications need an approved
    approval on record.

    Args:
        ticket_id: The requester's open access ticket.
        application_id: The application id, such as figma (see list_applications).
        role: "user" (full use, the default) or "read-only" (view only: audits and reviews).
        expires_on: For temporary access, the last day (YYYY-MM-DD, at most 90 days from today);
            omit for permanent access.
    """
    t, app, e = _access_ticket(ctx, ticket_id, application_id)
    until = _expiry(ctx, expires_on) if expires_on is not None else None
    if app["sensitive"]:
        approved = ctx.one(
            "SELECT id FROM approvals WHERE employee_id = ? AND application_id = ? AND status = "
            "'approved'",
            (e["id"], app["id"]),
        )
        if approved is None:
            raise ToolError(
                f"{app['name']} is sensitive and {e['id']} has no approved approval for it; use "
                "request_approval, do not grant"
            )
    gid = _next_id(ctx, "access_grants", "AG", 6)
    ctx.db.execute(
        "INSERT INTO access_grants (id, employee_id, application_id, ticket_id, granted_at, role, "
        "expires_on) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (gid, e["id"], app["id"], t["id"], ctx.now, role, until),
    )
    ctx.db.execute(
        "UPDATE tickets SET application_id = ?, updated_at = ? WHERE id = ?",
        (app["id"], ctx.now, t["id"]),
    )
    return {
        "grant_id": gid,
        "employee_id": e["id"],
        "application_id": app["id"],
        "role": role,
        "expires_on": until,
    }


def _expiry(ctx: ToolContext, expires_on: str) -> str:
    """A temporary grant's last day: a real date after today, at most MAX_TEMPORARY_DAYS ahead."""
    day = _parse_date(expires_on)
    if day is None:
        raise ToolError(f"cannot read the date {expires_on!r}; write it as YYYY-MM-DD")
    ahead = (date.fromisoformat(day) - date.fromisoformat(ctx.now[:10])).days
    if not 0 < ahead <= MAX_TEMPORARY_DAYS:
        raise ToolError(
            f"expires_on {day} must be after today and at most {MAX_TEMPORARY_DAYS} days ahead"
        )
    return day


@tool(writes=True)
def request_approval(
    ctx: ToolContext, ticket_id: str, application_id: str, justification: str
) -> dict:
    """Ask the requester's manager to approve access to a sensitive application; the ticket waits on
    hold.

    Args:
        ticket_id: The requester's open access ticket.
        application_id: The sensitive application's id, such as sap-finance.
        justification: Why the requester needs it, in their words.
    """
    t, app, e = _access_ticket(ctx, ticket_id, application_id)
    if not app["sensitive"]:
        raise ToolError(
            f"{app['name']} is a standard application; no approval is needed, grant it directly"
        )
    existing = ctx.one(
        "SELECT id, status FROM approvals WHERE employee_id = ? AND application_id = ? AND status "
        "IN ('pending', 'approved')",
        (e["id"], app["id"]),
    )
    if existing:
        raise ToolError(
            f"approval {existing['id']} for {app['name']} is already {existing['status']}"
        )
    if not e["manager_id"]:
        raise ToolError(
            f"{e['id']} has no manager on record; transfer to a human for an executive approval"
        )
    manager = _employee(ctx, e["manager_id"])
    aid = _next_id(ctx, "approvals", "APR", 4)
    ctx.db.execute(
        "INSERT INTO approvals (id, employee_id, application_id, approver_id, ticket_id, status, "
        "justification, requested_at) "
        "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
        (
            aid,
            e["id"],
            app["id"],
            manager["id"],
            t["id"],
            _text(justification, "justification"),
            ctx.now,
        ),
    )
    ctx.db.execute(
        "UPDATE tickets SET status = 'on_hold', application_id = ?, updated_at = ? WHERE id = ?",
        (app["id"], ctx.now, t["id"]),
    )
    return {
        "approval_id": aid,
        "approver": f"{manager['first_name']} {manager['last_name']}",
        "approver_id": manager["id"],
        "ticket_status": "on_hold",
    }


@tool
def get_asset(ctx: ToolContext, asset_id: str) -> dict:
    """An asset's owner, model, warranty end date, whether it is under warranty today, and damage
    reports.

    Args:
        asset_id: The asset tag, such as AST20417.
    """
    a = ctx.one("SELECT * FROM assets WHERE id = ?", (_norm_id(asset_id),))
    if a is None:
        raise ToolError(
            f"no asset {asset_id!r}; asset tags look like AST20417 (get_employee lists an "
            "employee's assets)"
        )
    a["under_warranty"] = a["warranty_until"] >= ctx.now[:10]
    a["damage_reports"] = ctx.all(
        "SELECT id, filed_at, description FROM damage_reports WHERE asset_id = ? ORDER BY id",
        (a["id"],),
    )
    return a


@tool(writes=True)
def order_replacement(
    ctx: ToolContext,
    ticket_id: str,
    asset_id: str,
    reason: Literal["warranty", "damage"],
    deliver_to: Literal["office", "home"],
) -> dict:
    """Order a replacement for a requester's failed device: under warranty, or with a damage report
    on file.

    Args:
        ticket_id: The requester's open hardware ticket.
        asset_id: The asset tag of the failed device.
        reason: "warranty" (under warranty today) or "damage" (a damage report is on file).
        deliver_to: "office" (the requester's office desk) or "home" (only for employees whose
            location is Remote).
    """
    t = _open_ticket(ctx, ticket_id)
    if t["category"] != "hardware":
        raise ToolError(
            f"ticket {t['id']} is a {t['category']} ticket; replacements are ordered on a hardware "
            "ticket"
        )
    a = ctx.one("SELECT * FROM assets WHERE id = ?", (_norm_id(asset_id),))
    if a is None or a["employee_id"] != t["requester_id"]:
        raise ToolError(
            f"asset {asset_id!r} is not assigned to {t['requester_id']}; check get_employee's "
            "asset list"
        )
    if a["status"] != "in_use":
        raise ToolError(f"asset {a['id']} is {a['status']}")
    if reason == "warranty" and a["warranty_until"] < ctx.now[:10]:
        raise ToolError(
            f"asset {a['id']} is out of warranty since {a['warranty_until']}; without a damage "
            "report it cannot be replaced"
        )
    if reason == "damage" and not ctx.one(
        "SELECT id FROM damage_reports WHERE asset_id = ?", (a["id"],)
    ):
        raise ToolError(f"asset {a['id']} has no damage report on file")
    where = ctx.one("SELECT location FROM employees WHERE id = ?", (a["employee_id"],))["location"]
    if (deliver_to == "home") != (where == "Remote"):
        raise ToolError(
            f"{a['employee_id']} works at {where}: replacements go to "
            f"{'their home' if where == 'Remote' else 'their office desk'} (deliver_to "
            f"{'home' if where == 'Remote' else 'office'})"
        )
    oid = _next_id(ctx, "replacement_orders", "RO", 5)
    ctx.db.execute(
        "INSERT INTO replacement_orders (id, asset_id, employee_id, ticket_id, reason, status, "
        "created_at, deliver_to) "
        "VALUES (?, ?, ?, ?, ?, 'ordered', ?, ?)",
        (oid, a["id"], a["employee_id"], t["id"], reason, ctx.now, deliver_to),
    )
    ctx.db.execute("UPDATE assets SET status = 'replacement_ordered' WHERE id = ?", (a["id"],))
    ctx.db.execute(
        "UPDATE tickets SET asset_id = ?, updated_at = ? WHERE id = ?", (a["id"], ctx.now, t["id"])
    )
    return {
        "order_id": oid,
        "asset_id": a["id"],
        "reason": reason,
        "status": "ordered",
        "deliver_to": deliver_to,
    }


@tool(writes=True)
def order_repair(
    ctx: ToolContext, ticket_id: str, asset_id: str, fault: Fault, cost_centre: str
) -> dict:
    """Send a requester's failed device out of warranty for repair, billed to their department's
    cost centre.

    Args:
        ticket_id: The requester's open hardware ticket.
        asset_id: The asset tag of the failed device.
        fault: no_power (does not turn on, or switches itself off), display (black, flickering or
            lined screen), charging (does not charge, or no longer charges what is plugged in) or
            restarting (restarts by itself).
        cost_centre: The requester's department code on record (get_employee's cost_centre),
            such as FIN.
    """
    t = _open_ticket(ctx, ticket_id)
    if t["category"] != "hardware":
        raise ToolError(
            f"ticket {t['id']} is a {t['category']} ticket; repairs are ordered on a "
            "hardware ticket"
        )
    a = ctx.one("SELECT * FROM assets WHERE id = ?", (_norm_id(asset_id),))
    if a is None or a["employee_id"] != t["requester_id"]:
        raise ToolError(
            f"asset {asset_id!r} is not assigned to {t['requester_id']}; check "
            "get_employee's asset list"
        )
    if a["status"] != "in_use":
        raise ToolError(f"asset {a['id']} is {a['status']}")
    if a["warranty_until"] >= ctx.now[:10]:
        raise ToolError(
            f"asset {a['id']} is under warranty until {a['warranty_until']}; order a "
            "replacement instead"
        )
    e = _employee(ctx, t["requester_id"])
    centre = cost_centre.strip().upper()
    if centre != e["department_id"]:
        raise ToolError(
            "repairs are billed to the requester's department; "
            f"{e['id']}'s cost centre is "
            f"{e['department_id']}, not {cost_centre!r}"
        )
    rid = _next_id(ctx, "repair_orders", "RP", 5)
    ctx.db.execute(
        "INSERT INTO repair_orders (id, asset_id, employee_id, ticket_id, fault, cost_centre, "
        "status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'booked', ?)",
        (rid, a["id"], e["id"], t["id"], fault, centre, ctx.now),
    )
    ctx.db.execute("UPDATE assets SET status = 'in_repair' WHERE id = ?", (a["id"],))
    ctx.db.execute(
        "UPDATE tickets SET asset_id = ?, updated_at = ? WHERE id = ?", (a["id"], ctx.now, t["id"])
    )
    return {
        "repair_id": rid,
        "asset_id": a["id"],
        "fault": fault,
        "cost_centre": centre,
        "status": "booked",
    }


# -- ending -------------------------------------------------------------------------------------
@tool(writes=True, confirm=False, outcome="transferred")
def transfer_to_human(ctx: ToolContext, summary: str) -> dict:
    """Hand the call to a human (security incidents go to Security Operations), with a summary. Ends
    the conversation.

    Args:
        summary: What the caller reports and what was done so far.
    """
    tid = _next_id(ctx, "transfers", "TR", 5)
    ctx.db.execute(
        "INSERT INTO transfers (id, summary, created_at) VALUES (?, ?, ?)",
        (tid, _text(summary, "summary"), ctx.now),
    )
    return {"transfer_id": tid, "status": "transferred"}


@tool(terminal=True)
def end_conversation(ctx: ToolContext) -> dict:
    """End the conversation with the caller."""
    return {"status": "ended"}


TOOLS = (
    find_employee,
    get_employee,
    verify_identity,
    search_kb,
    get_kb_article,
    search_tickets,
    get_ticket,
    create_ticket,
    update_ticket,
    assign_ticket,
    add_comment,
    link_duplicate,
    resolve_ticket,
    reopen_ticket,
    escalate_ticket,
    reset_password,
    unlock_account,
    list_applications,
    grant_access,
    request_approval,
    get_asset,
    order_replacement,
    order_repair,
    transfer_to_human,
    end_conversation,
)
