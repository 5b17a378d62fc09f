"""The simulated user checks what a proposal states, in real episodes of the customer-service
desk."""

from __future__ import annotations

import re

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401


@pytest.fixture(scope="module")
def env():
    e = gym.make("utility/CustomerService-v1", split="test")
    yield e
    e.close()


def _return_task(env, style: str | None = None):
    # the test split's return tasks first, then train seeds (the split has few of each template)
    ids = [t for t in env.unwrapped.task_ids("test") if "/return_item/" in t]
    for task_id in ids + [f"customer_service/return_item/{seed}" for seed in range(200)]:
        env.reset(options={"task_id": task_id})
        if style is None or env.unwrapped.task.goal.persona.style == style:
            return env.unwrapped.task
    raise AssertionError("no return task of that persona")


def _play_until_proposal(env, task) -> int:
    env.reset(options={"task_id": task.task_id})
    for i, step in enumerate(task.plan):
        if step.say and "proceed with this return" in step.say:
            return i
        env.step(step.action())
    raise AssertionError("no proposal in the plan")


def _user(info) -> tuple[str, set[str]]:
    users = [e for e in info["events"] if e["role"] == "user"]
    return " ".join(e["content"] for e in users), {
        a for e in users for a in e.get("data", {}).get("acts", ())
    }


def _finish(env, task, start: int) -> dict:
    info: dict = {}
    for step in task.plan[start:]:
        _, _, terminated, truncated, info = env.step(step.action())
        if terminated or truncated:
            break
    return info


def test_user__a_wrong_refund_destination_gets_a_no_that_names_the_right_one(env):
    task = _return_task(env)
    i = _play_until_proposal(env, task)
    wrong = re.sub(r"will go back to [^.]*\.", "will be added as store credit.", task.plan[i].say)
    _, _, _, _, info = env.step(wrong)
    text, acts = _user(info)
    assert "deny" in acts and "original payment method" in text
    info = _finish(env, task, i)  # the oracle proposes again, correctly, and carries on
    assert info["grade"]["success"], info["grade"]["reasons"]


def test_user__a_fussy_user_asks_about_a_left_out_detail_and_a_go_ahead_after_the_answer_confirms(
    env,
):
    task = _return_task(env, style="formal")
    i = _play_until_proposal(env, task)
    said = re.sub(r"; the refund of .*? will go back to .*?(?=\. Would)", "", task.plan[i].say)
    _, _, _, _, info = env.step(said)
    text, acts = _user(info)
    assert acts == {"ask_detail"} and "refund" in text
    _, _, _, _, info = env.step("It goes back to your original payment method. Shall I go ahead?")
    assert "affirm" in _user(info)[1]
    info = _finish(env, task, i + 1)
    assert info["grade"]["success"], info["grade"]["reasons"]


def test_user__a_write_after_a_bare_go_ahead_is_not_confirmed(env):
    task = _return_task(env)
    i = _play_until_proposal(env, task)
    _, _, _, _, info = env.step("Shall I go ahead? Please reply yes to confirm.")
    assert "affirm" not in _user(info)[1]
    info = _finish(env, task, i + 1)
    assert not info["grade"]["success"]
    assert any("confirmation" in r for r in info["grade"]["reasons"]), info["grade"]["reasons"]
