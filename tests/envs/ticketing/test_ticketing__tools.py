"""Ticketing tools: schemas, policy rules enforced by tools, FTS search, duplicates, transactional
failures."""

from __future__ import annotations

import pytest

from utility_gym.core.tools import Toolbox, ToolContext
from utility_gym.core.world import World, build_template, change_facts
from utility_gym.envs.ticketing.generator import build_world
from utility_gym.envs.ticketing.schema import TRACKED_TABLES
from utility_gym.envs.ticketing.tools import TOOLS


@pytest.fixture()
def desk():
    template = build_template("ticketing", 0, "small", build_world, TRACKED_TABLES)
    world = World(template)
    ctx = ToolContext(world.conn, {}, template.meta["now"])
    yield world, ctx, Toolbox(TOOLS)
    world.close()


def _one(world, sql, params=()):
    row = world.conn.execute(sql, params).fetchone()
    assert row is not None, f"the small world has no row for: {sql}"
    return dict(row)


def _ticket_for(box, ctx, employee_id, category="account", kind="incident"):
    out = box.call(
        ctx,
        "create_ticket",
        {
            "requester_id": employee_id,
            "kind": kind,
            "category": category,
            "impact": 3,
            "urgency": 2,
            "short_description": "Caller needs help",
        },
    )
    assert out.ok, out.error
    return out.result["id"]


def test_ticketing__at_least_18_tools_with_openai_schemas(desk):
    _, _, box = desk
    names = {s["function"]["name"] for s in box.schemas}
    assert len(names) >= 18
    assert {
        "end_conversation",
        "transfer_to_human",
        "search_kb",
        "link_duplicate",
        "reset_password",
        "request_approval",
        "order_replacement",
        "escalate_ticket",
        "reopen_ticket",
    } <= names
    create = next(s for s in box.schemas if s["function"]["name"] == "create_ticket")["function"]
    assert create["parameters"]["properties"]["impact"]["enum"] == [1, 2, 3]
    assert "description" not in create["parameters"]["required"]
    confirm = {n for n, t in box.tools.items() if t.confirm}
    assert confirm == {
        "reset_password",
        "unlock_account",
        "grant_access",
        "request_approval",
        "order_replacement",
        "order_repair",
        "reopen_ticket",
        "escalate_ticket",
    }


def test_ticketing__unverified_password_reset_is_an_error_and_writes_nothing(desk):
    world, ctx, box = desk
    e = _one(world, "SELECT id FROM employees WHERE status = 'active' ORDER BY id")
    tid = _ticket_for(box, ctx, e["id"])
    before = world.change_seq()
    out = box.call(ctx, "reset_password", {"ticket_id": tid})
    assert not out.ok and "must be verified first" in out.error
    assert world.change_seq() == before


def test_ticketing__wrong_date_of_birth_does_not_verify(desk):
    world, ctx, box = desk
    e = _one(world, "SELECT id, date_of_birth FROM employees WHERE status = 'active' ORDER BY id")
    out = box.call(ctx, "verify_identity", {"employee_id": e["id"], "date_of_birth": "1900-01-01"})
    assert not out.ok and "NOT verified" in out.error
    assert "verified" not in ctx.state
    tid = _ticket_for(box, ctx, e["id"])
    assert not box.call(ctx, "reset_password", {"ticket_id": tid}).ok


def test_ticketing__verified_reset_writes_the_employee_row(desk):
    world, ctx, box = desk
    e = _one(world, "SELECT id, date_of_birth FROM employees WHERE status = 'active' ORDER BY id")
    assert box.call(
        ctx,
        "verify_identity",
        {"employee_id": e["id"].lower(), "date_of_birth": e["date_of_birth"]},
    ).ok
    tid = _ticket_for(box, ctx, e["id"])
    out = box.call(ctx, "reset_password", {"ticket_id": tid})
    assert out.ok and out.wrote
    facts = change_facts(world.changes())
    assert ("employees", e["id"], "must_change_password", 1) in facts


def test_ticketing__cannot_reset_a_colleagues_password(desk):
    world, ctx, box = desk
    me, other = [
        dict(r)
        for r in world.conn.execute(
            "SELECT id, date_of_birth FROM employees WHERE status = 'active' ORDER BY id LIMIT 2"
        )
    ]
    box.call(
        ctx, "verify_identity", {"employee_id": me["id"], "date_of_birth": me["date_of_birth"]}
    )
    tid = _ticket_for(box, ctx, other["id"])
    out = box.call(ctx, "reset_password", {"ticket_id": tid})
    assert not out.ok and "is verified, not the requester" in out.error


def test_ticketing__unlock_needs_a_locked_account(desk):
    world, ctx, box = desk
    e = _one(
        world,
        "SELECT id, date_of_birth FROM employees WHERE account_locked = 0 AND status = 'active' "
        "ORDER BY id",
    )
    box.call(ctx, "verify_identity", {"employee_id": e["id"], "date_of_birth": e["date_of_birth"]})
    tid = _ticket_for(box, ctx, e["id"])
    out = box.call(ctx, "unlock_account", {"ticket_id": tid})
    assert not out.ok and "not locked" in out.error


def test_ticketing__priority_follows_the_impact_urgency_matrix(desk):
    world, ctx, box = desk
    e = _one(world, "SELECT id FROM employees ORDER BY id")
    seen = {}
    for impact in (1, 2, 3):
        for urgency in (1, 2, 3):
            out = box.call(
                ctx,
                "create_ticket",
                {
                    "requester_id": e["id"],
                    "kind": "incident",
                    "category": "network",
                    "impact": impact,
                    "urgency": urgency,
                    "short_description": "VPN down",
                },
            )
            seen[impact, urgency] = out.result["priority"]
    assert seen == {
        (1, 1): 1,
        (1, 2): 2,
        (1, 3): 3,
        (2, 1): 2,
        (2, 2): 3,
        (2, 3): 4,
        (3, 1): 3,
        (3, 2): 4,
        (3, 3): 5,
    }
    out = box.call(ctx, "update_ticket", {"ticket_id": out.result["id"], "impact": 1, "urgency": 1})
    assert out.result["priority"] == 1


def test_ticketing__fts_search_finds_the_article_for_a_callers_words(desk):
    _, ctx, box = desk
    out = box.call(ctx, "search_kb", {"query": "Outlook keeps asking me for my password"})
    assert out.ok and out.result[0]["id"] == "KB0004"
    out = box.call(ctx, "search_kb", {"query": 'vpn "error 809" OR AND NOT ( *'})
    assert out.ok and out.result[0]["id"] == "KB0010"  # FTS syntax in the query is neutralized
    assert not box.call(ctx, "search_kb", {"query": "the and of"}).ok
    article = box.call(ctx, "get_kb_article", {"article_id": "kb0004"})
    assert article.ok and "Credential Manager" in article.result["body"]


def test_ticketing__duplicates_link_to_an_open_parent_and_resolve(desk):
    world, ctx, box = desk
    truth = _one(
        world,
        "SELECT ticket_id, parent_id FROM _triage_truth WHERE scenario = 'duplicate' ORDER BY "
        "ticket_id",
    )
    found = box.call(
        ctx,
        "search_tickets",
        {
            "query": _one(
                world, "SELECT short_description FROM tickets WHERE id = ?", (truth["parent_id"],)
            )["short_description"]
        },
    )
    assert truth["parent_id"] in [t["id"] for t in found.result]
    out = box.call(
        ctx, "link_duplicate", {"ticket_id": truth["ticket_id"], "parent_id": truth["parent_id"]}
    )
    assert out.ok
    facts = change_facts(world.changes())
    assert ("tickets", truth["ticket_id"], "parent_id", truth["parent_id"]) in facts
    assert ("tickets", truth["ticket_id"], "resolution_code", "duplicate") in facts
    again = box.call(
        ctx, "link_duplicate", {"ticket_id": truth["ticket_id"], "parent_id": truth["parent_id"]}
    )
    assert not again.ok and "resolved" in again.error


def test_ticketing__cannot_link_to_a_closed_ticket_or_itself(desk):
    world, ctx, box = desk
    new = _one(world, "SELECT id FROM tickets WHERE status = 'new' ORDER BY id")
    closed = _one(world, "SELECT id FROM tickets WHERE status = 'closed' ORDER BY id")
    out = box.call(ctx, "link_duplicate", {"ticket_id": new["id"], "parent_id": closed["id"]})
    assert not out.ok and "link only to an open ticket" in out.error
    out = box.call(ctx, "link_duplicate", {"ticket_id": new["id"], "parent_id": new["id"]})
    assert not out.ok and "itself" in out.error
    assert world.changes() == []


def test_ticketing__a_parent_of_other_tickets_cannot_become_a_duplicate(desk):
    world, ctx, box = desk
    parent = _one(
        world,
        "SELECT p.id FROM tickets p WHERE p.status IN ('new', 'assigned', 'in_progress', "
        "'on_hold') "
        "AND p.parent_id IS NULL AND EXISTS (SELECT 1 FROM tickets c WHERE c.parent_id = p.id) "
        "ORDER BY p.id",
    )
    other = _one(
        world,
        "SELECT id FROM tickets WHERE status = 'new' AND parent_id IS NULL AND id != ? AND NOT "
        "EXISTS "
        "(SELECT 1 FROM tickets c WHERE c.parent_id = tickets.id) ORDER BY id",
        (parent["id"],),
    )
    out = box.call(ctx, "link_duplicate", {"ticket_id": parent["id"], "parent_id": other["id"]})
    assert not out.ok and f"{parent['id']} is the parent of other tickets" in out.error
    assert world.changes() == []
    # The other way round is a link like any other.
    assert box.call(ctx, "link_duplicate", {"ticket_id": other["id"], "parent_id": parent["id"]}).ok


def test_ticketing__sensitive_access_needs_approval_and_standard_does_not(desk):
    world, ctx, box = desk
    e = _one(
        world,
        "SELECT e.id FROM employees e WHERE e.status = 'active' AND e.manager_id IS NOT NULL AND "
        "NOT EXISTS "
        "(SELECT 1 FROM access_grants g WHERE g.employee_id = e.id AND g.application_id = "
        "'sap-finance') AND NOT EXISTS "
        "(SELECT 1 FROM approvals a WHERE a.employee_id = e.id AND a.application_id = "
        "'sap-finance') ORDER BY e.id",
    )
    tid = _ticket_for(box, ctx, e["id"], category="access", kind="request")
    out = box.call(ctx, "grant_access", {"ticket_id": tid, "application_id": "sap-finance"})
    assert not out.ok and "request_approval" in out.error
    out = box.call(
        ctx,
        "request_approval",
        {"ticket_id": tid, "application_id": "SAP Finance", "justification": "month-end close"},
    )
    assert out.ok and out.result["ticket_status"] == "on_hold"
    std = box.call(
        ctx,
        "request_approval",
        {"ticket_id": tid, "application_id": "miro", "justification": "boards"},
    )
    assert not std.ok and "standard application" in std.error


def test_ticketing__replacement_only_under_warranty_or_with_damage_report(desk):
    world, ctx, box = desk
    now = ctx.now[:10]
    old = _one(
        world,
        "SELECT a.id, a.employee_id, a.warranty_until FROM assets a WHERE a.warranty_until < ? AND "
        "a.status = 'in_use' "
        "AND NOT EXISTS (SELECT 1 FROM damage_reports d WHERE d.asset_id = a.id) ORDER BY a.id",
        (now,),
    )
    tid = _ticket_for(box, ctx, old["employee_id"], category="hardware")
    out = box.call(
        ctx,
        "order_replacement",
        {"ticket_id": tid, "asset_id": old["id"], "reason": "warranty", "deliver_to": "office"},
    )
    assert not out.ok and old["warranty_until"] in out.error
    out = box.call(
        ctx,
        "order_replacement",
        {"ticket_id": tid, "asset_id": old["id"], "reason": "damage", "deliver_to": "office"},
    )
    assert not out.ok and "no damage report" in out.error
    young = _one(
        world,
        "SELECT a.id, a.employee_id, e.location FROM assets a JOIN employees e ON e.id = "
        "a.employee_id "
        "WHERE a.warranty_until >= ? AND a.status = 'in_use' ORDER BY a.id",
        (now,),
    )
    tid = _ticket_for(box, ctx, young["employee_id"], category="hardware")
    wrong = "office" if young["location"] == "Remote" else "home"
    out = box.call(
        ctx,
        "order_replacement",
        {"ticket_id": tid, "asset_id": young["id"], "reason": "warranty", "deliver_to": wrong},
    )
    assert not out.ok and young["location"] in out.error
    right = "home" if wrong == "office" else "office"
    out = box.call(
        ctx,
        "order_replacement",
        {"ticket_id": tid, "asset_id": young["id"], "reason": "warranty", "deliver_to": right},
    )
    assert out.ok and out.result["order_id"].startswith("RO")


def test_ticketing__repair_only_out_of_warranty_and_billed_to_the_department_on_record(desk):
    world, ctx, box = desk
    now = ctx.now[:10]
    old = _one(
        world,
        "SELECT a.id, a.employee_id, e.department_id FROM assets a JOIN employees e "
        "ON e.id = a.employee_id WHERE a.warranty_until < ? AND a.status = 'in_use' "
        "ORDER BY a.id",
        (now,),
    )
    tid = _ticket_for(box, ctx, old["employee_id"], category="hardware")
    other = "FIN" if old["department_id"] != "FIN" else "ENG"
    args = {"ticket_id": tid, "asset_id": old["id"], "fault": "display", "cost_centre": other}
    out = box.call(ctx, "order_repair", args)
    assert not out.ok and old["department_id"] in out.error
    assert _one(world, "SELECT count(*) AS n FROM repair_orders")["n"] == 0
    out = box.call(ctx, "order_repair", args | {"cost_centre": old["department_id"].lower()})
    assert (
        out.ok
        and out.result["repair_id"] == "RP00001"
        and out.result["cost_centre"] == old["department_id"]
    )
    young = _one(
        world,
        "SELECT id, employee_id FROM assets WHERE warranty_until >= ? AND status = 'in_use' "
        "ORDER BY id",
        (now,),
    )
    tid = _ticket_for(box, ctx, young["employee_id"], category="hardware")
    dept = _one(world, "SELECT department_id FROM employees WHERE id = ?", (young["employee_id"],))[
        "department_id"
    ]
    out = box.call(
        ctx,
        "order_repair",
        {"ticket_id": tid, "asset_id": young["id"], "fault": "no_power", "cost_centre": dept},
    )
    assert not out.ok and "replacement instead" in out.error


def test_ticketing__temporary_read_only_access_has_a_bounded_expiry(desk):
    world, ctx, box = desk
    e = _one(
        world,
        "SELECT e.id FROM employees e WHERE e.status = 'active' AND NOT EXISTS (SELECT 1 FROM "
        "access_grants g WHERE g.employee_id = e.id AND g.application_id = 'miro') "
        "ORDER BY e.id",
    )
    tid = _ticket_for(box, ctx, e["id"], category="access", kind="request")
    args = {"ticket_id": tid, "application_id": "miro", "role": "read-only"}
    for bad in ("2026-06-15", "2026-12-31", "soon"):
        assert not box.call(ctx, "grant_access", args | {"expires_on": bad}).ok
    out = box.call(ctx, "grant_access", args | {"expires_on": "2026-07-31"})
    assert out.ok and (out.result["role"], out.result["expires_on"]) == ("read-only", "2026-07-31")
    row = _one(
        world, "SELECT role, expires_on FROM access_grants WHERE id = ?", (out.result["grant_id"],)
    )
    assert (row["role"], row["expires_on"]) == ("read-only", "2026-07-31")


def test_ticketing__escalate_only_past_due_and_reopen_only_recent(desk):
    world, ctx, box = desk
    late = _one(
        world,
        "SELECT id FROM tickets WHERE status IN ('assigned', 'in_progress') AND due_at < ? ORDER "
        "BY id",
        (ctx.now,),
    )
    ok = _one(
        world,
        "SELECT id FROM tickets WHERE status IN ('assigned', 'in_progress') AND due_at >= ? ORDER "
        "BY id",
        (ctx.now,),
    )
    assert box.call(
        ctx, "escalate_ticket", {"ticket_id": late["id"], "reason": "caller chasing"}
    ).ok
    out = box.call(ctx, "escalate_ticket", {"ticket_id": ok["id"], "reason": "caller chasing"})
    assert not out.ok and "past their due time" in out.error
    closed = _one(world, "SELECT id FROM tickets WHERE status = 'closed' ORDER BY id")
    out = box.call(ctx, "reopen_ticket", {"ticket_id": closed["id"], "reason": "again"})
    assert not out.ok and "open a new ticket" in out.error
    recent = _one(
        world,
        "SELECT id FROM tickets WHERE status = 'resolved' AND resolution_code != 'duplicate' "
        "ORDER BY id",
    )
    assert box.call(
        ctx, "reopen_ticket", {"ticket_id": recent["id"], "reason": "it broke again"}
    ).ok


def test_ticketing__desk_cannot_resolve_a_routed_ticket(desk):
    world, ctx, box = desk
    routed = _one(world, "SELECT id FROM tickets WHERE status = 'assigned' ORDER BY id")
    out = box.call(
        ctx,
        "resolve_ticket",
        {
            "ticket_id": routed["id"],
            "resolution_code": "kb_solution",
            "public_note": "Fixed it for you.",
        },
    )
    assert not out.ok and "only that group can resolve it" in out.error


@pytest.mark.parametrize(
    "arguments",
    [
        {"query": "'; DROP TABLE tickets; --"},
        {"query": "Robert'); DELETE FROM employees WHERE ('1'='1"},
        {"query": "\u202e\u0000"[:1] + "émoji 🎉 ∑"},
    ],
)
def test_ticketing__injection_strings_are_plain_text(desk, arguments):
    world, ctx, box = desk
    n = world.conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    for name in ("search_kb", "search_tickets", "find_employee"):
        box.call(ctx, name, dict(arguments))
    assert world.conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == n
    assert world.changes() == []


def test_ticketing__bad_arguments_are_reported_not_raised(desk):
    world, ctx, box = desk
    e = _one(world, "SELECT id FROM employees ORDER BY id")
    bad = [
        (
            "create_ticket",
            {
                "requester_id": e["id"],
                "kind": "incident",
                "category": "network",
                "impact": "high",
                "urgency": 1,
                "short_description": "x y z",
            },
            "impact",
        ),
        (
            "create_ticket",
            {
                "requester_id": e["id"],
                "kind": "incident",
                "category": "network",
                "impact": 4,
                "urgency": 1,
                "short_description": "x y z",
            },
            "must be one of",
        ),
        (
            "create_ticket",
            {
                "requester_id": "E0",
                "kind": "incident",
                "category": "network",
                "impact": 3,
                "urgency": 1,
                "short_description": "vpn",
            },
            "no employee",
        ),
        ("assign_ticket", {"ticket_id": "INC0000000", "group": "network"}, "no ticket"),
        ("assign_ticket", {"ticket_id": "INC0010001", "group": "facilities"}, "must be one of"),
        ("get_asset", {"asset_id": "nope"}, "no asset"),
        ("resolve_ticket", {"ticket_id": "INC0010001"}, "missing required argument"),
    ]
    for name, args, fragment in bad:
        out = box.call(ctx, name, args)
        assert not out.ok and fragment in out.error, (name, out.error)
    assert world.changes() == []
