"""TicketingQueue-v0: asynchronous requesters, and benchmark validity over its test split."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.envs.ticketing.catalog import GROUP_FOR_CATEGORY
from utility_gym.testing import validity

ENV_ID = "utility/TicketingQueue-v0"
FREE_TEXT = {
    "short_description",
    "description",
    "public_note",
    "justification",
    "reason",
    "summary",
    "body",
}


@pytest.fixture(scope="module")
def small():
    e = gym.make(ENV_ID, size="small", split="test")
    yield e
    e.close()


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
    return next(
        s.call.arguments["ticket_id"] for s in task.plan if s.call and s.call.name == "add_comment"
    )


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
    obs, _, _, _, info = small.step(
        _call(
            "add_comment",
            ticket_id=tid,
            visibility="public",
            body="Could you describe what exactly happens, with any error message?",
        )
    )
    assert obs.startswith("tool add_comment:") and "user:" not in obs
    obs, _, _, _, info = small.step(_call("get_ticket", ticket_id=tid))
    first, rest = obs.split("\n", 1)
    assert first.startswith(f"user: public comment on {tid} from ")
    answer = first.split(": ", 2)[2]
    assert info["events"][0]["role"] == "user" and info["events"][0]["data"]["ticket_id"] == tid
    ticket = json.loads(rest.removeprefix("tool get_ticket: "))
    assert (
        ticket["comments"][-1]["body"] == answer
        and ticket["comments"][-1]["visibility"] == "public"
    )
    assert "details" in small.unwrapped.episode.record.asked_slots


def test_ticketing__queue_internal_comments_and_other_tickets_get_no_answer(small):
    task = _vague_task(small)
    tid = _vague_ticket(task)
    small.step(
        _call("add_comment", ticket_id=tid, visibility="internal", body="What error do they see?")
    )
    obs, *_ = small.step(_call("get_ticket", ticket_id=tid))
    assert "user:" not in obs
    other = small.unwrapped.world.conn.execute(
        "SELECT id FROM tickets WHERE status = 'closed' ORDER BY id"
    ).fetchone()[0]
    small.step(_call("add_comment", ticket_id=other, visibility="public", body="Any news?"))
    obs, *_ = small.step(_call("get_ticket", ticket_id=other))
    assert "user:" not in obs


def test_ticketing__queue_fork_keeps_a_pending_answer(small):
    task = _vague_task(small)
    tid = _vague_ticket(task)
    small.step(
        _call(
            "add_comment",
            ticket_id=tid,
            visibility="public",
            body="What exactly happens? Any error message?",
        )
    )
    snap = small.unwrapped.snapshot()
    a, *_ = small.step(_call("get_ticket", ticket_id=tid))
    small.reset(options={"fork": snap})
    b, *_ = small.step(_call("get_ticket", ticket_id=tid))
    assert a == b and a.startswith("user: public comment")


def test_ticketing__queue_test_split_has_100_tasks_from_every_train_template(env, test_ids):
    assert len(test_ids) == 100 == len(set(test_ids))
    assert validity.templates_of(env, test_ids) == validity.train_templates(env)


def test_ticketing__queue_oracle_solves_every_test_and_heldout_task(env, test_ids):
    failures = validity.oracle_failures(
        env, list(test_ids) + validity.heldout_task_ids(env, per_template=4)
    )
    assert not failures, failures[:5]


class AcceptAsFiledAgent:
    """A naive analyst: routes every queued ticket by the category its requester filed, reads
    nothing."""

    name = "accept-as-filed"

    def reset(self) -> None:
        self._queue: list[str] = []

    def act(self, obs, info):
        if "queue ticket" in obs:
            for line in obs.splitlines():
                if line.startswith("system: queue ticket "):
                    tid = line.split()[3]
                    filed = line.split("filed as ")[1].split()[0]
                    self._queue.append(
                        _call("assign_ticket", ticket_id=tid, group=GROUP_FOR_CATEGORY[filed])
                    )
        if self._queue:
            return self._queue.pop(0)
        return _call("end_conversation")


QUEUE_AGENTS = {
    a: make for a, make in validity.DEGENERATE_AGENTS.items() if a != "agree-to-everything"
}
QUEUE_AGENTS["accept-as-filed"] = lambda env: AcceptAsFiledAgent()


@pytest.mark.parametrize("agent", list(QUEUE_AGENTS))
def test_ticketing__queue_degenerate_agents_fail(env, test_ids, agent):
    # The agree-to-everything agent has no meaning here: no requester asks for an action
    # in conversation; accepting each ticket as filed is the queue's naive policy instead.
    passed = validity.degenerate_successes(env, test_ids, QUEUE_AGENTS[agent](env))
    assert not passed, passed[:5]


def test_ticketing__queue_oracle_with_an_essential_step_dropped_fails(env, test_ids):
    survived = validity.dropped_step_survivors(env, test_ids[:40])
    assert not survived, survived[:5]


def _essential_write(env, step) -> bool:
    # A non-essential write is a no-op (an update to the values already filed): a broken one changes
    # nothing.
    return validity.writes(env, step) and step.essential


def test_ticketing__queue_oracle_with_a_write_argument_changed_fails(env, test_ids):
    survived = validity.mutated_argument_survivors(
        env, test_ids[:40], steps=_essential_write, free_text=FREE_TEXT
    )
    assert survived.checked >= 150
    assert not survived, survived[:5]
