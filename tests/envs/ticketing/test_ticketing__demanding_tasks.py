"""Demanding Ticketing tasks (issue 19): the test split's structure, conditional goals resolved
against the world, misstated facts, and a user that restates a condition instead of naming the
branch that holds."""

from __future__ import annotations

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.core.tasks import NoTask

ENV_ID = "utility/Ticketing-v1"


@pytest.fixture(scope="module")
def desk():
    env = gym.make(ENV_ID, split="test")
    yield env.unwrapped
    env.close()


def _tasks(u, template, n=12):
    out = []
    for seed in range(n):
        try:
            out.append(u.make_task(template, seed))
        except NoTask:
            continue
    return out


def test_ticketing__test_split_is_as_demanding_as_the_issue_asks(desk):
    tasks = [desk.make_task(t.split("/")[1], int(t.split("/")[2])) for t in desk.task_ids("test")]
    confirmed = [[c for c in t.tool_calls if desk.toolbox.tools[c.name].confirm] for t in tasks]
    writes = [c for w in confirmed for c in w]
    n = len(tasks)
    assert sum(len(t.tool_calls) for t in tasks) / n >= 5
    assert sum(len(w) >= 2 for w in confirmed) / n >= 0.30
    assert sum(len(c.arguments) for c in writes) / len(writes) >= 3
    assert sum(any(i.condition for i in t.goal.intents) for t in tasks) / n >= 0.40
    assert sum(any(i.misstated for i in t.goal.intents) for t in tasks) / n >= 0.10
    assert any(f.computed for t in tasks for f in t.required_facts)


def test_ticketing__replace_or_repair_takes_the_branch_the_warranty_decides(desk):
    now = desk.template.meta["now"][:10]
    branches = set()
    tasks = _tasks(desk, "device_replace_or_repair") + _tasks(desk, "devices_replace_or_repair", 6)
    for task in tasks:
        orders = {
            c.arguments["asset_id"]: c.name
            for c in task.tool_calls
            if c.name in ("order_replacement", "order_repair")
        }
        for intent in task.goal.intents:
            asset = intent.targets[0]
            until = desk.world.conn.execute(
                "SELECT warranty_until FROM assets WHERE id = ?", (asset,)
            ).fetchone()[0]
            covered = until >= now
            assert intent.condition
            assert intent.action == ("replace_device" if covered else "repair_device")
            assert orders[asset] == ("order_replacement" if covered else "order_repair")
            branches.add(covered)
    assert branches == {True, False}


def test_ticketing__misstated_facts_are_false_in_the_world(desk):
    now = desk.template.meta["now"][:10]
    for task in _tasks(desk, "warranty_claim_misstated", 6):
        intent = task.goal.intents[0]
        assert intent.misstated == (("warranty", "under warranty"),)
        until = desk.world.conn.execute(
            "SELECT warranty_until FROM assets WHERE id = ?", (intent.targets[0],)
        ).fetchone()[0]
        assert until < now and "under warranty" in intent.request
    for task in _tasks(desk, "access_claimed_approval", 6):
        assert task.goal.intents[0].misstated
        call = next(c for c in task.tool_calls if c.name == "request_approval")
        approved = desk.world.conn.execute(
            "SELECT count(*) FROM approvals WHERE employee_id = ? AND application_id = ? "
            "AND status = 'approved'",
            (task.goal.known["employee_id"], call.arguments["application_id"]),
        ).fetchone()[0]
        assert approved == 0
        assert [c.name for c in task.temptations] == ["grant_access"]


def test_ticketing__user_answers_by_the_branch_that_holds():
    # "If it's still under warranty replace it, otherwise repair it", for a device out of
    # warranty: a proposed replacement gets a no, the repair a yes.
    env = gym.make(ENV_ID, split="train")
    try:
        u = env.unwrapped
        task = next(
            t
            for t in _tasks(u, "device_replace_or_repair")
            if t.goal.intents[0].action == "repair_device"
        )
        asset = next(c for c in task.tool_calls if c.name == "order_repair").arguments["asset_id"]
        kind = task.goal.known["device"]
        env.reset(options={"task_id": task.task_id})
        wrong, _, _, _, info = env.step(
            f"Shall I order a replacement for your {kind} {asset} under warranty?"
        )
        assert "deny" in info["events"][-1]["data"]["acts"] and "repaired" in wrong, wrong
        right, _, _, _, info = env.step(
            f"Its warranty has ended. Shall I send your {kind} {asset} for repair?"
        )
        assert "affirm" in info["events"][-1]["data"]["acts"], right
    finally:
        env.close()


def test_ticketing__days_until_due_is_a_computed_number(desk):
    computed = 0
    for task in _tasks(desk, "followup_status", 12):
        due = next(f for f in task.required_facts if f.kind == "date").value
        days = [f for f in task.required_facts if f.computed]
        assert due in task.plan[-1].say
        if days:
            assert days[0].kind == "number" and days[0].value >= 1
            assert f"in {days[0].value} day" in task.plan[-1].say
            computed += 1
        else:
            assert "today" in task.plan[-1].say
    assert computed >= 6


def test_ticketing__caller_tells_the_end_date_of_temporary_access():
    env = gym.make(ENV_ID, split="train")
    try:
        task = _tasks(env.unwrapped, "temporary_read_access", 3)[0]
        env.reset(options={"task_id": task.task_id})
        obs, *_ = env.step("Until when do you need the read-only access?")
        assert task.goal.known["end_date"] in obs, obs
        grants = [c for c in task.tool_calls if c.name == "grant_access"]
        assert grants and all(c.arguments["role"] == "read-only" for c in grants)
        assert {c.arguments["expires_on"] for c in grants} == {task.goal.known["end_date"]}
    finally:
        env.close()
