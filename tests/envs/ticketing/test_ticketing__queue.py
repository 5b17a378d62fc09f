"""TicketingQueue-v0: asynchronous requesters, and benchmark validity over its test split."""

from __future__ import annotations

import dataclasses
import json

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import (
    DoNothingAgent,
    OracleAgent,
    RandomAgent,
    RefuseEverythingAgent,
    TransferAtOnceAgent,
)
from utility_gym.core.rollout import run_episode
from utility_gym.core.tasks import ToolCall
from utility_gym.envs.ticketing.catalog import GROUP_FOR_CATEGORY

ENV_ID = "utility/TicketingQueue-v0"
FREE_TEXT = {"short_description", "description", "public_note", "justification", "reason", "summary", "body"}


@pytest.fixture(scope="module")
def env():
    e = gym.make(ENV_ID, split="test")
    yield e
    e.close()


@pytest.fixture(scope="module")
def small():
    e = gym.make(ENV_ID, size="small", split="test")
    yield e
    e.close()


@pytest.fixture(scope="module")
def test_ids(env):
    return env.unwrapped.task_ids("test")


def _call(name, **arguments):
    return json.dumps({"name": name, "arguments": arguments})


def _vague_task(env):
    for task_id in env.unwrapped.task_ids("test"):
        env.reset(seed=0, options={"task_id": task_id})
        if env.unwrapped.task.ask_required:
            return env.unwrapped.task
    raise AssertionError("no queue task with a vague ticket")


def _vague_ticket(task):
    """The ticket the oracle asks its requester about."""
    return next(s.call.arguments["ticket_id"] for s in task.plan if s.call and s.call.name == "add_comment")


def test_ticketing__queue_lists_the_tickets_and_no_caller(small):
    obs, info = small.reset(seed=1)
    task = small.unwrapped.task
    assert obs.startswith("system: queue:")
    for intent in task.goal.intents:
        assert f"queue ticket {intent.targets[0]}" in obs
    assert "ticketing" == info["domain"] and "Working the queue" in info["policy"]
    obs, *_ = small.step("Hello, how can I help?")
    assert obs.startswith("error: no caller is on the line")


def test_ticketing__queue_requester_answers_a_public_comment_on_the_next_observation(small):
    task = _vague_task(small)
    tid = _vague_ticket(task)
    obs, _, _, _, info = small.step(_call("add_comment", ticket_id=tid, visibility="public",
                                          body="Could you describe what exactly happens, with any error message?"))
    assert obs.startswith("tool add_comment:") and "user:" not in obs
    obs, _, _, _, info = small.step(_call("get_ticket", ticket_id=tid))
    first, rest = obs.split("\n", 1)
    assert first.startswith(f"user: public comment on {tid} from ")
    answer = first.split(": ", 2)[2]
    assert info["events"][0]["role"] == "user" and info["events"][0]["data"]["ticket_id"] == tid
    ticket = json.loads(rest.removeprefix("tool get_ticket: "))
    assert ticket["comments"][-1]["body"] == answer and ticket["comments"][-1]["visibility"] == "public"
    assert "details" in small.unwrapped._episode["record"].asked_slots


def test_ticketing__queue_internal_comments_and_other_tickets_get_no_answer(small):
    task = _vague_task(small)
    tid = _vague_ticket(task)
    small.step(_call("add_comment", ticket_id=tid, visibility="internal", body="What error do they see?"))
    obs, *_ = small.step(_call("get_ticket", ticket_id=tid))
    assert "user:" not in obs
    other = small.unwrapped.world.conn.execute("SELECT id FROM tickets WHERE status = 'closed' ORDER BY id").fetchone()[0]
    small.step(_call("add_comment", ticket_id=other, visibility="public", body="Any news?"))
    obs, *_ = small.step(_call("get_ticket", ticket_id=other))
    assert "user:" not in obs


def test_ticketing__queue_fork_keeps_a_pending_answer(small):
    task = _vague_task(small)
    tid = _vague_ticket(task)
    small.step(_call("add_comment", ticket_id=tid, visibility="public", body="What exactly happens? Any error message?"))
    snap = small.unwrapped.snapshot()
    a, *_ = small.step(_call("get_ticket", ticket_id=tid))
    small.reset(options={"fork": snap})
    b, *_ = small.step(_call("get_ticket", ticket_id=tid))
    assert a == b and a.startswith("user: public comment")


def test_ticketing__queue_test_split_has_100_tasks_from_every_train_template(env, test_ids):
    assert len(test_ids) == 100 == len(set(test_ids))
    templates = {t.name for t in env.unwrapped.domain.templates if not t.heldout}
    seen = set()
    for task_id in test_ids:
        env.reset(options={"task_id": task_id})
        seen.add(env.unwrapped.task.template)
    assert seen == templates


def test_ticketing__queue_oracle_solves_every_test_and_heldout_task(env, test_ids):
    failures = []
    heldout = [f"ticketing/{t.name}/{s}" for t in env.unwrapped.domain.templates if t.heldout for s in range(4)]
    for task_id in list(test_ids) + heldout:
        result = run_episode(env, OracleAgent(env), seed=7, options={"task_id": task_id})
        if not result.success:
            failures.append((task_id, result.grade.get("reasons")))
    assert not failures, failures[:5]


class AcceptAsFiledAgent:
    """A naive analyst: routes every queued ticket by the category its requester filed, reads nothing."""

    name = "accept-as-filed"

    def reset(self) -> None:
        self._queue: list[str] = []

    def act(self, obs, info):
        if "queue ticket" in obs:
            for line in obs.splitlines():
                if line.startswith("system: queue ticket "):
                    tid = line.split()[3]
                    filed = line.split("filed as ")[1].split()[0]
                    self._queue.append(_call("assign_ticket", ticket_id=tid, group=GROUP_FOR_CATEGORY[filed]))
        if self._queue:
            return self._queue.pop(0)
        return _call("end_conversation")


@pytest.mark.parametrize(
    "make_agent",
    [lambda env: DoNothingAgent(), lambda env: RefuseEverythingAgent(), lambda env: TransferAtOnceAgent(),
     lambda env: RandomAgent(seed=1), lambda env: AcceptAsFiledAgent()],
    ids=["do-nothing", "refuse-everything", "transfer-at-once", "random", "accept-as-filed"],
)
def test_ticketing__queue_degenerate_agents_fail(env, test_ids, make_agent):
    # The agree-to-everything agent has no meaning here: no requester asks for an action
    # in conversation; accepting each ticket as filed is the queue's naive policy instead.
    agent = make_agent(env)
    passed = [t for t in test_ids if run_episode(env, agent, seed=11, options={"task_id": t}).success]
    assert not passed, passed[:5]


def test_ticketing__queue_oracle_with_an_essential_step_dropped_fails(env, test_ids):
    survived = []
    for task_id in test_ids[:40]:
        env.reset(options={"task_id": task_id})
        task = env.unwrapped.task
        for i, step in enumerate(task.plan):
            if step.essential and run_episode(env, OracleAgent(env, skip=[i]), seed=3, options={"task_id": task_id}).success:
                survived.append((task_id, i, step.call.name if step.call else step.say))
    assert not survived, survived[:5]


def _mutations(value, schema):
    if "enum" in schema:
        return [v for v in schema["enum"] if v != value][:1]
    if isinstance(value, int):
        return [value + 1]
    if isinstance(value, str):
        return [value + "9", value[::-1]]
    return []


def test_ticketing__queue_oracle_with_a_write_argument_changed_fails(env, test_ids):
    toolbox = env.unwrapped.toolbox
    survived = []
    mutated = 0
    for task_id in test_ids[:40]:
        env.reset(options={"task_id": task_id})
        for i, step in enumerate(env.unwrapped.task.plan):
            # A non-essential write is a no-op (an update to the values already filed): a broken one changes nothing.
            if step.call is None or not toolbox.tools[step.call.name].writes or not step.essential:
                continue
            schema = toolbox.tools[step.call.name].schema["function"]["parameters"]["properties"]
            for arg, value in step.call.arguments.items():
                if arg in FREE_TEXT and "enum" not in schema[arg]:
                    continue
                for new in _mutations(value, schema[arg]):
                    replaced = dataclasses.replace(step, call=ToolCall(step.call.name, dict(step.call.arguments) | {arg: new}))
                    mutated += 1
                    if run_episode(env, OracleAgent(env, replace={i: replaced}), seed=3, options={"task_id": task_id}).success:
                        survived.append((task_id, step.call.name, arg, new))
    assert mutated >= 150
    assert not survived, survived[:5]
