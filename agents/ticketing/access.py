"""The Ticketing heuristic's access requests: find the application asked for, grant a standard
one (or a sensitive one with its approval on record) after the caller's yes, or ask the
manager's approval for a sensitive one."""

from __future__ import annotations

from utility_gym.agents.base import Action, tool_call
from utility_gym.agents.text import has_any
from utility_gym.agents.ticketing.desk import Desk
from utility_gym.agents.ticketing.reading import ISO_DATE, TICKET_NUMBER


def do_access(desk: Desk) -> Action:
    step = desk.need_id()
    if step is not None:
        return step
    intent = desk.intent
    if desk.apps is None:
        return tool_call("list_applications")
    if desk.employee is None or desk.employee.get("employee_id") != desk.eid:
        return tool_call("get_employee", employee_id=desk.eid)
    app = intent.app or wanted_app(desk, intent.text.lower())
    if app is None:
        return "Which application do you need access to?"
    intent.app = app
    name, aid = app["name"], app["application_id"]
    if aid in desk.employee.get("access", []) and not desk.result("grant_access"):
        return desk.finish(f"You already have access to {name}.")
    approved = next(
        (
            p
            for p in desk.employee.get("approvals", [])
            if p["application_id"] == aid and p["status"] == "approved"
        ),
        None,
    )
    ref = TICKET_NUMBER.search(intent.text)
    tid = (
        intent.ticket
        or (approved or {}).get("ticket_id")
        or (ref.group(1) if ref and approved else None)
    )
    if app["sensitive"] and approved is None:
        return _approval(desk, app)
    return _grant(desk, app, tid)


def _grant(desk: Desk, app: dict, tid: str | None) -> Action:
    """Log the request (unless a ticket holds it), propose the grant, grant, resolve."""
    intent = desk.intent
    name, aid = app["name"], app["application_id"]
    low = intent.text.lower()
    until = ISO_DATE.search(intent.text) if "until" in low else None
    role = "read-only" if has_any(low, ("read-only", "read only")) else "user"
    short = f"{'Read-only access' if role == 'read-only' else 'Access'} to {name}"
    if tid is None:
        return desk.ticket_call("request", "access", 3, desk.urgency(3), short)
    intent.ticket = tid
    extra: dict[str, str] = {"role": role} if role != "user" or until else {}
    if until:
        extra["expires_on"] = until.group(1)
    if intent.confirmed != "grant_access" and not desk.result("grant_access"):
        why = (
            "your approval is on record"
            if app["sensitive"]
            else f"{name} is a standard application, so no approval is needed"
        )
        what = f"{'read-only ' if role == 'read-only' else ''}access to {name}"
        what += f" until {until.group(1)}" if until else ""
        call = tool_call("grant_access", ticket_id=tid, application_id=aid, **extra)
        return desk.propose(f"{why[:1].upper()}{why[1:]}. Shall I grant you {what} now?", call)
    if not desk.result("grant_access"):
        return desk.failed()
    if not desk.result("resolve_ticket"):
        return tool_call(
            "resolve_ticket",
            ticket_id=tid,
            resolution_code="access_granted",
            public_note=f"{short} granted.",
        )
    return desk.finish(
        f"You now have access to {name}. Your request ticket is {tid}, now resolved."
    )


def wanted_app(desk: Desk, low: str) -> dict | None:
    """The first application the request names that the caller does not have yet (else the
    first named)."""
    found = [(low.find(a["name"].lower()), a) for a in desk.apps if a["name"].lower() in low]
    named = [a for _, a in sorted(found, key=lambda x: x[0])]
    have = set(desk.employee.get("access", [])) if desk.employee else set()
    first = named[0] if named else None
    return next((a for a in named if a["application_id"] not in have), first)


def _approval(desk: Desk, app: dict) -> Action:
    intent = desk.intent
    manager = (desk.employee or {}).get("manager") or {}
    if intent.ticket is None:
        short = f"Access to {app['name']}"
        return desk.ticket_call("request", "access", 3, desk.urgency(3), short)
    tid = intent.ticket
    if intent.confirmed != "request_approval" and not desk.result("request_approval"):
        return desk.propose(
            f"{app['name']} is sensitive, so your manager, "
            f"{manager.get('name', 'your manager')}, must approve it first. "
            "Shall I send them an approval request?",
            tool_call(
                "request_approval",
                ticket_id=tid,
                application_id=app["application_id"],
                justification=intent.text[:300],
            ),
        )
    result = desk.result("request_approval")
    if not result:
        return desk.failed()
    return desk.finish(
        f"I've sent the approval request to {result['approver']}. Your ticket {tid} is on hold "
        "until they "
        "approve; we'll grant the access as soon as the approval is recorded."
    )
