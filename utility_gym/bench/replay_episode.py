"""Replay one recorded episode (the worker side of ``utility-bench verify``, step 6): its
recorded actions in a fresh env, where every observation, reward, flag, user act and the grade
must come out as recorded; the row of recomputed figures and what differs."""

from __future__ import annotations

import json
from typing import Any

import gymnasium as gym

from utility_gym.bench.episode_worker import cached_env, count_questions
from utility_gym.bench.metrics import same_value, short_repr

MAX_PROBLEMS_PER_EPISODE = 5
# Fields of a trajectory record that replay recomputes (tokens, cost and time are self-reported).
RECOMPUTED_FIELDS = (
    "success",
    "partial",
    "reward",
    "turns",
    "tool_calls",
    "questions",
    "redundant_questions",
)


def replay_one(job: tuple[str, str, str]) -> dict[str, Any]:
    """Replay one recorded episode; return the recomputed row and what differs (worker side)."""
    env_id, make_kwargs, text = job
    record = json.loads(text)
    problems: list[str] = []
    steps = record["steps"]
    error = record["error"]
    row: dict[str, Any] = {
        "env_id": env_id,
        "task_id": record["task_id"],
        "trial": record["trial"],
        "success": False,
        "partial": 0.0,
        "reward": 0.0,
        "turns": 0,
        "tool_calls": 0,
        "questions": 0,
        "redundant_questions": 0,
        "error": error,
        "usage": record["usage"],
        "seconds": record["seconds"],
    }

    def problem(text: str) -> None:
        if len(problems) < MAX_PROBLEMS_PER_EPISODE:
            problems.append(text)

    if not steps:
        if not error:
            problem("no steps recorded and no error")
        if record["grade"] is not None:
            problem("a grade is recorded, but no step")
        _compare_row(record, row, problem)
        return {"row": row, "problems": problems}

    env = cached_env(env_id, make_kwargs)
    person = record.get("person") or {}
    if person.get("side") == "user":  # a person was the user: their recorded turns are fed back
        from utility_gym.bench.console.people import ReplayUser, replies

        simulated, env.unwrapped.user = (
            env.unwrapped.user,
            ReplayUser(replies(person.get("turns", []))),
        )
        try:
            return _replay_steps(env, record, row, problems, problem)
        finally:
            env.unwrapped.user = simulated
    return _replay_steps(env, record, row, problems, problem)


def _replay_steps(
    env: gym.Env, record: dict[str, Any], row: dict[str, Any], problems: list[str], problem: Any
) -> dict[str, Any]:
    """Step the recorded actions in ``env`` and compare (the second half of ``replay_one``)."""
    from utility_gym.core.rollout import is_tool_call, user_acts

    steps = record["steps"]
    error = record["error"]
    obs, info = env.reset(seed=record["seed"], options={"task_id": record["task_id"]})
    if info.get("task_id") != record["task_id"]:
        problem(f"reset gives task {info.get('task_id')!r}")
    if steps[0]["observation"] != obs:
        problem(
            f"first observation differs: recorded {short_repr(steps[0]['observation'])}, replay "
            f"{short_repr(obs)}"
        )
    ended = False
    replayed_steps: list[dict[str, Any]] = []
    for number, step in enumerate(steps[1:], start=1):
        if ended:
            problem(f"step {number} was recorded after the episode ended")
            break
        action = step["action"]
        obs, reward, terminated, truncated, info = env.step(action)
        terminated, truncated = bool(terminated), bool(truncated)
        acts = user_acts(info)
        replayed_steps.append({"user_acts": acts})
        row["turns"] += 1
        row["reward"] += reward
        if is_tool_call(action, info):
            row["tool_calls"] += 1
        for name, mine in (
            ("observation", obs),
            ("reward", reward),
            ("terminated", terminated),
            ("truncated", truncated),
            ("user_acts", acts),
        ):
            if not same_value(step[name], mine):
                problem(
                    f"step {number} {name}: recorded {short_repr(step[name])}, replay "
                    f"{short_repr(mine)}"
                )
        ended = bool(terminated or truncated)
    row["questions"], row["redundant_questions"] = count_questions(replayed_steps)
    if ended:
        grade = info.get("grade") or {}
        row["success"] = bool(grade.get("success", False))
        row["partial"] = float(grade.get("partial", 0.0))
        if not same_value(record["grade"] or {}, grade):
            problem(
                f"grade differs: recorded {short_repr(record['grade'])}, replay {short_repr(grade)}"
            )
        if error:
            problem("an error is recorded, but the episode had ended")
    else:
        if not error:
            problem("the trajectory stops before the episode ended, and no error is recorded")
        if record["grade"] is not None:
            problem("a grade is recorded, but the episode did not end")
    _compare_row(record, row, problem)
    return {"row": row, "problems": problems}


def _compare_row(record: dict[str, Any], row: dict[str, Any], problem: Any) -> None:
    for name in RECOMPUTED_FIELDS:
        if not same_value(record[name], row[name]):
            problem(f"{name}: recorded {short_repr(record[name])}, replay {short_repr(row[name])}")
