"""Tables of the ticketing world: a mid-size company's IT service desk (ServiceNow-style)."""

from __future__ import annotations

import sqlite_utils

# Tables whose changes are graded. Comments are not: analysts (and requesters, in the queue)
# may write as many as they like; resolutions carry their public note on the ticket itself.
TRACKED_TABLES = (
    "employees",
    "tickets",
    "access_grants",
    "approvals",
    "assets",
    "replacement_orders",
    "repair_orders",
    "transfers",
)

# Free text whose wording is the agent's own: graded by presence (tools require it), not value.
IGNORED_COLUMNS = frozenset(
    {
        ("tickets", "short_description"),
        ("tickets", "description"),
        ("tickets", "resolution_note"),
        ("approvals", "justification"),
        ("transfers", "summary"),
    }
)

TICKET_KINDS = ("incident", "request")
TICKET_STATUSES = ("new", "assigned", "in_progress", "on_hold", "resolved", "closed", "cancelled")
OPEN_STATUSES = ("new", "assigned", "in_progress", "on_hold")
CATEGORIES = ("account", "access", "hardware", "software", "email", "network", "security")
RESOLUTION_CODES = (
    "password_reset",
    "account_unlocked",
    "access_granted",
    "kb_solution",
    "duplicate",
    "resolved_by_caller",
    "not_reproducible",
)

ACCESS_ROLES = ("user", "read-only")  # a grant's role; read-only access is for audits and reviews
# What failed, on a repair order: a technician's fault classes.
REPAIR_FAULTS = ("no_power", "display", "charging", "restarting")

# ServiceNow's default matrix: PRIORITY[impact][urgency]; 1 is critical, 5 is planning.
PRIORITY = {
    1: {1: 1, 2: 2, 3: 3},
    2: {1: 2, 2: 3, 3: 4},
    3: {1: 3, 2: 4, 3: 5},
}


def create_tables(db: sqlite_utils.Database) -> None:
    # Tables are created in this order, and the order is part of the world's bytes: keep it.
    _create_people_tables(db)
    _create_asset_tables(db)
    _create_desk_tables(db)
    _create_indexes(db)


def _create_people_tables(db: sqlite_utils.Database) -> None:
    """Departments, employees, applications, and who has (or asked for) access to which."""
    db["departments"].create(
        {"id": str, "name": str, "manager_id": str, "location": str},
        pk="id",
    )
    db["employees"].create(
        {
            "id": str,
            "first_name": str,
            "last_name": str,
            "email": str,
            "phone": str,
            "department_id": str,
            "manager_id": str,
            "title": str,
            "location": str,
            "date_of_birth": str,
            "status": str,
            "vip": int,
            "account_locked": int,
            "failed_logins": int,
            "password_changed_at": str,
            "must_change_password": int,
        },
        pk="id",
        not_null={"first_name", "last_name", "email", "department_id", "status"},
        foreign_keys=[("department_id", "departments", "id")],
    )
    db["applications"].create(
        {"id": str, "name": str, "sensitive": int, "description": str, "support_group": str},
        pk="id",
    )
    db["access_grants"].create(
        {
            "id": str,
            "employee_id": str,
            "application_id": str,
            "ticket_id": str,
            "granted_at": str,
            "role": str,
            "expires_on": str,
        },
        pk="id",
        foreign_keys=[("employee_id", "employees", "id"), ("application_id", "applications", "id")],
    )
    db["approvals"].create(
        {
            "id": str,
            "employee_id": str,
            "application_id": str,
            "approver_id": str,
            "ticket_id": str,
            "status": str,
            "justification": str,
            "requested_at": str,
            "decided_at": str,
        },
        pk="id",
        foreign_keys=[("employee_id", "employees", "id"), ("application_id", "applications", "id")],
    )


def _create_asset_tables(db: sqlite_utils.Database) -> None:
    """Hardware, its damage reports, and the replacement and repair orders raised for it."""
    db["assets"].create(
        {
            "id": str,
            "employee_id": str,
            "kind": str,
            "model": str,
            "serial": str,
            "purchased_on": str,
            "warranty_until": str,
            "status": str,
        },
        pk="id",
        foreign_keys=[("employee_id", "employees", "id")],
    )
    db["damage_reports"].create(
        {"id": str, "asset_id": str, "employee_id": str, "filed_at": str, "description": str},
        pk="id",
        foreign_keys=[("asset_id", "assets", "id")],
    )
    db["replacement_orders"].create(
        {
            "id": str,
            "asset_id": str,
            "employee_id": str,
            "ticket_id": str,
            "reason": str,
            "status": str,
            "created_at": str,
            "deliver_to": str,
        },
        pk="id",
    )
    db["repair_orders"].create(
        {
            "id": str,
            "asset_id": str,
            "employee_id": str,
            "ticket_id": str,
            "fault": str,
            "cost_centre": str,
            "status": str,
            "created_at": str,
        },
        pk="id",
    )


def _create_desk_tables(db: sqlite_utils.Database) -> None:
    """The service desk itself: groups, SLAs, the knowledge base, tickets and transfers."""
    db["assignment_groups"].create(
        {"id": str, "name": str, "handles": str, "tier": int},
        pk="id",
    )
    db["sla"].create(
        {"priority": int, "label": str, "response_hours": int, "resolve_hours": int},
        pk="priority",
    )
    db["kb_articles"].create(
        {"id": str, "title": str, "category": str, "body": str, "keywords": str, "updated_at": str},
        pk="id",
    )
    db["tickets"].create(
        {
            "id": str,
            "kind": str,
            "requester_id": str,
            "channel": str,
            "short_description": str,
            "description": str,
            "category": str,
            "impact": int,
            "urgency": int,
            "priority": int,
            "status": str,
            "assignment_group": str,
            "parent_id": str,
            "asset_id": str,
            "application_id": str,
            "resolution_code": str,
            "resolution_note": str,
            "escalated": int,
            "reopen_count": int,
            "opened_at": str,
            "updated_at": str,
            "resolved_at": str,
            "due_at": str,
        },
        pk="id",
        not_null={"kind", "requester_id", "status", "category"},
        foreign_keys=[("requester_id", "employees", "id")],
    )
    db["ticket_comments"].create(
        {
            "id": int,
            "ticket_id": str,
            "author": str,
            "visibility": str,
            "body": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("ticket_id", "tickets", "id")],
    )
    db["transfers"].create(
        {"id": str, "summary": str, "created_at": str},
        pk="id",
    )
    db.execute(
        "CREATE VIRTUAL TABLE kb_fts USING fts5(id UNINDEXED, title, body, keywords, "
        "tokenize='porter unicode61')"
    )


def _create_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for the lookups the tools make; unique ones also guard against duplicate rows."""
    db["employees"].create_index(["last_name", "first_name"])
    db["employees"].create_index(["email"], unique=True)
    db["assets"].create_index(["employee_id", "kind"])
    db["damage_reports"].create_index(["asset_id"])
    db["access_grants"].create_index(["employee_id", "application_id"], unique=True)
    db["approvals"].create_index(["employee_id", "application_id"])
    db["tickets"].create_index(["requester_id"])
    db["tickets"].create_index(["status"])
    db["tickets"].create_index(["parent_id"])
    db["ticket_comments"].create_index(["ticket_id"])
