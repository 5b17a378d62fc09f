"""Ticketing-v1 through the env API: policy errors as observations, bad input, grading details."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import OracleAgent
from utility_gym.core.rollout import run_episode

ENV_ID = "utility/Ticketing-v1"


@pytest.fixture()
def env():
    e = gym.make(ENV_ID, size="small", split="test")
    yield e
    e.close()


def _call(name, **arguments):
    return json.dumps({"name": name, "arguments": arguments})


def _reset_to(env, template):
    task_id = next(t for t in env.unwrapped.task_ids("test") if f"/{template}/" in t)
    return env.reset(seed=0, options={"task_id": task_id})


def test_ticketing__unverified_password_reset_is_an_error_observation_and_no_write(env):
    _reset_to(env, "password_reset")
    eid = env.unwrapped.task.goal.known["employee_id"]
    obs, *_ = env.step(
        _call(
            "create_ticket",
            requester_id=eid,
            kind="incident",
            category="account",
            impact=3,
            urgency=1,
            short_description="Password reset",
        )
    )
    tid = json.loads(obs.removeprefix("tool create_ticket: "))["id"]
    world = env.unwrapped.world
    before = world.change_seq()
    obs, reward, terminated, truncated, info = env.step(_call("reset_password", ticket_id=tid))
    assert obs.startswith("error: cannot reset the password") and "verify_identity" in obs
    assert info["events"] == [{"role": "error", "content": obs.removeprefix("error: ")}]
    assert world.change_seq() == before and not terminated


def test_ticketing__a_write_without_the_callers_yes_fails_the_task(env):
    _reset_to(env, "account_unlock")
    task = env.unwrapped.task
    plan = [s for s in task.plan if not (s.say and "Shall I" in s.say)]
    for step in plan:
        obs, reward, terminated, truncated, info = env.step(step.action())
        if terminated:
            break
    else:
        obs, reward, terminated, truncated, info = env.step(_call("end_conversation"))
    grade = info["grade"]
    assert not grade["success"] and any("explicit confirmation" in r for r in grade["reasons"])


def test_ticketing__telling_a_fact_before_the_write_does_not_count(env):
    _reset_to(env, "access_standard")
    task = env.unwrapped.task
    ticket = task.required_facts[0].value
    obs, *_ = env.step(f"Your ticket number will be {ticket}.")
    assert 0 not in env.unwrapped.episode.record.told_facts


@pytest.mark.parametrize(
    "action",
    [
        '{"name": "search_tickets", "arguments": {"query": "x\'); DROP TABLE tickets; --"}}',
        '{"name": "get_ticket", "arguments": {"ticket_id": "INC0010001 OR 1=1"}}',
        '{"name": "create_ticket", "arguments": {"requester_id": "E1", "kind": "incident"}}',
        '{"name": "update_ticket", "arguments": {"ticket_id": "INC0010001", "impact": "1"}}',
        '{"name": "assign_ticket", "arguments": {"ticket_id": ["INC0010001"], "group": "network"}}',
        '{"name": "search_kb", "arguments": {"query": "\u202e\u0301 🙂 NEAR( OR \\"x"}}',
        '{"name": "resolve_ticket", "arguments": {"ticket_id": "INC0010001", "resolution_code": '
        '"duplicate", "public_note": "done done"}}',
        "x" * 100_001,
        '{"name": "link_duplicate", "arguments": {"ticket_id": "INC0010001", "parent_id": '
        '"INC0010001"',
    ],
)
def test_ticketing__bad_input_is_answered_and_changes_nothing(env, action):
    env.reset(seed=3)
    world = env.unwrapped.world
    data = world.snapshot()
    obs, reward, terminated, truncated, info = env.step(action)
    assert obs.startswith(("error: ", "tool search_tickets: ", "tool search_kb: ")), obs[:200]
    assert not terminated and reward == 0.0
    assert world.conn.execute("SELECT count(*) FROM tickets").fetchone()[0] > 0
    assert world.changes() == [] and world.snapshot() == data


def test_ticketing__fork_mid_call_resumes_the_same_conversation(env):
    _reset_to(env, "password_reset")
    plan = [s.action() for s in env.unwrapped.task.plan]
    for action in plan[:3]:
        env.step(action)
    snap = env.unwrapped.snapshot()
    first = [env.step(a)[0] for a in plan[3:]]
    env.reset(options={"fork": snap})
    second = [env.step(a)[0] for a in plan[3:]]
    assert first == second


def test_ticketing__reward_modes_agree_on_success(env):
    task_id = env.unwrapped.task_ids("test")[4]
    for mode in ("success", "partial", "shaped"):
        e = gym.make(ENV_ID, size="small", split="test", reward_mode=mode)
        try:
            result = run_episode(e, OracleAgent(e), seed=1, options={"task_id": task_id})
            assert result.success and result.reward == pytest.approx(1.0), (mode, result.reward)
        finally:
            e.close()
