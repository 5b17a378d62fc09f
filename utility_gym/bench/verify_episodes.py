"""Step 5 of ``utility-bench verify``: every planned (env, task, trial) episode exactly once in
the trajectories file, each line of the right shape, with its derived seed, the run's agent and
within the env's step cap."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from utility_gym.bench.files import iter_json_lines, json_line
from utility_gym.bench.rules import HUMAN_USER
from utility_gym.bench.runner import episode_seed
from utility_gym.bench.schema import check_trajectory
from utility_gym.bench.verify_report import Checker, RunPlan, episode_name

Records = list[tuple[dict[str, Any], int]]  # each trajectory record and its line number


def check_episodes(
    ck: Checker, results: dict[str, Any], plan: RunPlan, traj_path: Path
) -> tuple[Records, list[str]]:
    """Every trajectory line: its shape, one per (env, task, trial) of the plan, with the
    run's seed, agent and the env's step cap; the records and their raw lines."""
    expected: dict[tuple[str, str, int], int] = {}
    for env_id, task_ids in plan.task_ids.items():
        for task_id in task_ids:
            for trial in range(results["trials"]):
                expected[(env_id, task_id, trial)] = episode_seed(
                    results["seed"], env_id, task_id, trial
                )
    records: Records = []
    raw_lines: list[str] = []
    for number, record in iter_json_lines(traj_path, max_lines=len(expected)):
        check_trajectory(record, f"{traj_path} line {number}")
        records.append((record, number))
        raw_lines.append(json_line(record))
    ck.report.episodes = len(records)
    seen = Counter((r["env_id"], r["task_id"], r["trial"]) for r, _ in records)
    for key, count in sorted(seen.items(), key=repr):
        if count > 1:
            ck.problem(f"{episode_name(key)}: recorded {count} times")
    for key in expected:
        if key not in seen:
            ck.problem(f"{episode_name(key)}: episode missing from {traj_path.name}")
    for record, number in records:
        at = f"{episode_name(_key(record))} ({traj_path.name} line {number})"
        _check_record(ck, results, plan, expected, record, at)
    return records, raw_lines


def _key(record: dict[str, Any]) -> tuple[str, str, int]:
    return (record["env_id"], record["task_id"], record["trial"])


def _check_record(
    ck: Checker,
    results: dict[str, Any],
    plan: RunPlan,
    expected: dict[tuple[str, str, int], int],
    record: dict[str, Any],
    at: str,
) -> None:
    """One trajectory record against the plan: its episode, seed, agent, person and steps."""
    key = _key(record)
    name = results["agent"]["name"]
    if key not in expected:
        ck.problem(f"{at}: not an episode of this run (wrong env, task or trial)")
    elif record["seed"] != expected[key]:
        ck.problem(f"{at}: seed {record['seed']} is not the run's seed {expected[key]} for it")
    if record["agent"] != name:
        ck.problem(f"{at}: agent {record['agent']!r} is not the run's agent {name!r}")
    check_person(ck, record, results, at)
    cap = plan.step_caps.get(record["env_id"])
    if cap is not None and len(record["steps"]) > cap + 1:
        ck.problem(f"{at}: {len(record['steps']) - 1} steps, more than the env's cap of {cap}")


def check_person(ck: Checker, record: dict[str, Any], results: dict[str, Any], at: str) -> None:
    """A person's turns as the user (console) belong to, and only to, a run of that kind."""
    person_side = (record.get("person") or {}).get("side")
    if (person_side == "user") != (results["agent"].get("kind") == HUMAN_USER):
        ck.problem(
            f"{at}: a person's turns as the user (person.side 'user') belong to, and only "
            f"to, a run of kind {HUMAN_USER!r}"
        )
