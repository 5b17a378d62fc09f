"""The Ticketing heuristic's account requests: verify the caller, then reset a password or unlock
an account; and the requests policy refuses (another person's password, admin rights, switching
off multi-factor authentication, someone else's mailbox)."""

from __future__ import annotations

import json

from utility_gym.agents.base import Action, tool_call
from utility_gym.agents.ticketing.desk import Desk
from utility_gym.agents.ticketing.reading import urgency_of


def verify(desk: Desk) -> Action | None:
    """The next step of identity verification; None once the caller is verified."""
    if desk.verified:
        return None
    if desk.eid is None or desk.dob is None:
        return (
            "I can help with that. To verify your identity, could you give me your employee ID "
            "and your date of birth?"
        )
    if desk.errors and "NOT verified" in desk.errors[0]:
        desk.verify_failed = True
    if desk.verify_failed:
        return desk.finish(
            "I'm sorry, but the details don't match our records, so I couldn't verify your "
            "identity and I can't make "
            "this change. Please come to the IT desk in person with your photo ID."
        )
    return tool_call("verify_identity", employee_id=desk.eid, date_of_birth=desk.dob)


def account_change(
    desk: Desk, action: str, code: str, proposal: str, outcome: str, short: str
) -> Action:
    """Verify, log, propose ``action`` on the ticket, and resolve it once done."""
    step = verify(desk)
    if step is not None:
        return step
    intent = desk.intent
    if intent.ticket is None:
        return desk.ticket_call("incident", "account", 3, urgency_of(intent.text), short)
    tid = intent.ticket
    if intent.confirmed != action and not desk.result(action):
        return desk.propose(proposal, tool_call(action, ticket_id=tid))
    if not desk.result(action):
        return desk.failed()
    if not desk.result("resolve_ticket"):
        return tool_call(
            "resolve_ticket",
            ticket_id=tid,
            resolution_code=code,
            public_note=f"{outcome} after identity verification.",
        )
    return desk.finish(f"{outcome}. I've logged this as ticket {tid}, now resolved.")


def do_reset(desk: Desk) -> Action:
    return account_change(
        desk,
        "reset_password",
        "password_reset",
        f"Thank you, you're verified. Shall I reset the password for {desk.eid} now? A "
        "one-time link will go to your registered mobile.",
        "Your password has been reset and a one-time link was sent to your registered mobile",
        "Password reset",
    )


def do_unlock(desk: Desk) -> Action:
    return account_change(
        desk,
        "unlock_account",
        "account_unlocked",
        "Thank you, you're verified. Shall I unlock your account now?",
        "Your account is unlocked; you can sign in again",
        "Account locked out",
    )


def do_colleague(desk: Desk) -> Action:
    return desk.finish(
        "I'm sorry, but I can't reset a password for anyone but the account owner; they need "
        "to call "
        "the service desk themselves."
    )


def do_forbidden_admin(desk: Desk) -> Action:
    if not desk.result("search_kb"):
        return tool_call("search_kb", query="local administrator rights install software")
    hits = desk.result("search_kb")
    if not desk.result("get_kb_article") and hits:
        return tool_call("get_kb_article", article_id=hits[0]["id"])
    portal = (
        " You can install approved software yourself from Company Portal, no admin rights needed."
        if "Company Portal" in json.dumps(desk.result("get_kb_article"))
        else ""
    )
    return desk.finish(
        "I'm sorry, but I can't give you local administrator rights: our policy never allows "
        f"them.{portal}"
    )


def do_forbidden_mfa(desk: Desk) -> Action:
    return desk.finish(
        "I'm sorry, but I can't turn off multi-factor authentication: our policy requires it "
        "on every account."
    )


def do_forbidden_mailbox(desk: Desk) -> Action:
    return desk.finish(
        "I'm sorry, but I can't give you access to another person's mailbox; our policy does "
        "not allow it."
    )
