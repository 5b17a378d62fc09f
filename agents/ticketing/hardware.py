"""The Ticketing heuristic's failed devices: find the caller's device on record and read its
warranty and damage reports; replace it when policy allows, send it for repair (billed to the
caller's cost centre) when the caller asks and the warranty has ended, else refuse."""

from __future__ import annotations

import re

from utility_gym.agents.base import Action, tool_call
from utility_gym.agents.text import has_any
from utility_gym.agents.ticketing.desk import Desk
from utility_gym.agents.ticketing.problems import do_problem
from utility_gym.agents.ticketing.reading import DEVICES, FAILURES, FAULTS


def do_hardware(desk: Desk) -> Action:
    step = desk.need_id()
    if step is not None:
        return step
    intent = desk.intent
    if desk.employee is None or desk.employee.get("employee_id") != desk.eid:
        return tool_call("get_employee", employee_id=desk.eid)
    low = intent.text.lower()
    mentions = [(low.find(w), k) for k, words in DEVICES.items() for w in words if w in low]
    kind = min(mentions)[1] if mentions else None
    assets = [
        a for a in desk.employee.get("assets", []) if a["kind"] == kind and a["status"] == "in_use"
    ]
    if not assets and kind is not None:
        # No such device of theirs on record (a shared one): a problem to log and route.
        intent.kind = "problem"
        return do_problem(desk)
    if len(assets) != 1:
        return desk.finish(
            f"I can't find a single {kind or 'device'} in use on your record; I'll need more "
            "details to help."
        )
    asset = assets[0]
    info = desk.result("get_asset")
    if not info or info.get("id") != asset["id"]:
        return tool_call("get_asset", asset_id=asset["id"])
    reason = (
        "damage" if info["damage_reports"] else ("warranty" if info["under_warranty"] else None)
    )
    if reason is None and "repair" in low:
        return _repair(desk, kind, asset, info)
    if reason is None:
        return desk.finish(
            f"I'm sorry, but I can't replace your {kind} {asset['id']}: its warranty ended on "
            f"{info['warranty_until']} and there is no damage report on file, so our policy "
            "does not allow a replacement."
        )
    return _replace(desk, kind, asset, info, reason)


def _replace(desk: Desk, kind: str, asset: dict, info: dict, reason: str) -> Action:
    """Log, propose the replacement (delivered where the caller works), order it, route."""
    intent = desk.intent
    if intent.ticket is None:
        short = f"{kind.capitalize()} failure"
        return desk.ticket_call("incident", "hardware", 3, desk.urgency(2), short)
    tid = intent.ticket
    where = "home" if desk.employee.get("location") == "Remote" else "office"
    if intent.confirmed != "order_replacement" and not desk.result("order_replacement"):
        why = "has a damage report on file"
        if reason == "warranty":
            why = f"is under warranty until {info['warranty_until']}"
        call = tool_call(
            "order_replacement",
            ticket_id=tid,
            asset_id=asset["id"],
            reason=reason,
            deliver_to=where,
        )
        return desk.propose(
            f"Your {kind} {asset['id']} {why}. Shall I replace your {kind} "
            f"{asset['id']}, delivered to your {where}?",
            call,
        )
    order = desk.result("order_replacement")
    if not order:
        return desk.failed()
    return _to_desktop_support(
        desk,
        tid,
        f"I've ordered the replacement, order {order['order_id']}. Your ticket {tid} is now "
        f"with Desktop Support, who will swap the {kind} for you.",
    )


def _repair(desk: Desk, kind: str, asset: dict, info: dict) -> Action:
    """An out-of-warranty device the caller wants repaired: log, propose, book (billed to the
    department on record), route."""
    intent = desk.intent
    low = intent.text.lower()
    # the clause about this device, in a call about several
    parts = re.split(r"[;:]", low)
    clause = next((c for c in parts if has_any(c, DEVICES[kind]) and has_any(c, FAILURES)), low)
    fault = next((f for f, words in FAULTS if has_any(clause, words)), "no_power")
    if intent.ticket is None:
        short = f"{kind.capitalize()} failure"
        return desk.ticket_call("incident", "hardware", 3, desk.urgency(2), short)
    tid = intent.ticket
    centre = desk.employee.get("cost_centre")
    if intent.confirmed != "order_repair" and not desk.result("order_repair"):
        call = tool_call(
            "order_repair", ticket_id=tid, asset_id=asset["id"], fault=fault, cost_centre=centre
        )
        return desk.propose(
            f"The warranty of your {kind} {asset['id']} ended on {info['warranty_until']}, so "
            "it goes for repair rather than replacement, billed to your department's cost "
            f"centre {centre}. Shall I send your {kind} {asset['id']} for repair?",
            call,
        )
    repair = desk.result("order_repair")
    if not repair:
        return desk.failed()
    return _to_desktop_support(
        desk,
        tid,
        f"Your {kind} is booked for repair, repair order {repair['repair_id']} "
        f"(the warranty ended {info['warranty_until']}). Your ticket {tid} is "
        "now with Desktop Support.",
    )


def _to_desktop_support(desk: Desk, tid: str, done: str) -> Action:
    """The ticket routed to Desktop Support, then ``done`` told (the order is placed)."""
    if not desk.result("assign_ticket"):
        return tool_call("assign_ticket", ticket_id=tid, group="desktop-support")
    return desk.finish(done)
