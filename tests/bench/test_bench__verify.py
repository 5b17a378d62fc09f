"""verify replays every trajectory: untouched runs pass; edits, drops and swaps fail per episode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_helpers import bench_main

from utility_gym.bench.execution import Runner
from utility_gym.bench.verify import verify_run


def _lines(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "trajectories.jsonl").read_text().splitlines()]


def _write_lines(run: Path, records: list[dict]) -> None:
    (run / "trajectories.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def _problems(run: Path) -> list[str]:
    with Runner(1) as runner:
        return verify_run(run, runner).problems


def test_bench__verify_accepts_an_untouched_run(
    oracle_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench_main("verify", str(oracle_run), "--workers", "1", "--quiet") == 0
    assert "every score matches" in capsys.readouterr().out


def test_bench__verify_catches_an_edited_step_reward(
    run_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _lines(run_copy)
    records[1]["steps"][-1]["reward"] = 0.0  # the success reward of the final step
    _write_lines(run_copy, records)
    assert bench_main("verify", str(run_copy), "--workers", "1", "--quiet") == 1
    out = capsys.readouterr().out
    where = f"{records[1]['task_id']} trial {records[1]['trial']}"
    assert any(
        where in line and "reward" in line
        for line in out.splitlines()
        if line.startswith("MISMATCH")
    )


def test_bench__verify_catches_an_edited_episode_outcome(run_copy: Path) -> None:
    records = _lines(run_copy)
    records[0]["success"] = False
    records[0]["partial"] = 0.5
    _write_lines(run_copy, records)
    problems = _problems(run_copy)
    assert any("success: recorded False, replay True" in p for p in problems)
    assert any("partial" in p for p in problems)


def test_bench__verify_catches_an_edited_summary(run_copy: Path) -> None:
    results = json.loads((run_copy / "results.json").read_text())
    env_id = next(iter(results["envs"]))
    results["envs"][env_id]["metrics"]["pass_hat_k"]["2"] = 1.5
    results["overall"]["success"] = 0.99
    (run_copy / "results.json").write_text(json.dumps(results))
    problems = _problems(run_copy)
    assert any(p.startswith(f"{env_id} summary: pass_hat_k") for p in problems)
    assert any(p.startswith("overall summary: success") for p in problems)


def test_bench__verify_catches_a_dropped_episode(run_copy: Path) -> None:
    records = _lines(run_copy)
    dropped = records.pop(3)
    _write_lines(run_copy, records)
    problems = _problems(run_copy)
    assert (
        f"{dropped['env_id']} {dropped['task_id']} trial {dropped['trial']}: episode missing from "
        "trajectories.jsonl" in problems
    )


def test_bench__verify_catches_a_swapped_task(run_copy: Path) -> None:
    records = _lines(run_copy)
    original, other = records[0]["task_id"], records[2]["task_id"]
    assert original != other
    records[0]["task_id"] = other  # claim episode 0 was played on another task
    _write_lines(run_copy, records)
    problems = _problems(run_copy)
    assert any(original in p and "missing" in p for p in problems)
    assert any(other in p and "recorded 2 times" in p for p in problems)


def test_bench__verify_catches_a_changed_task_set(run_copy: Path) -> None:
    results = json.loads((run_copy / "results.json").read_text())
    env_id = next(iter(results["envs"]))
    results["envs"][env_id]["task_set_hash"] = "0" * 16
    (run_copy / "results.json").write_text(json.dumps(results))
    assert any("task_set_hash" in p for p in _problems(run_copy))


def test_bench__verify_catches_a_cherry_picked_seed(run_copy: Path) -> None:
    records = _lines(run_copy)
    records[0]["seed"] += 1
    _write_lines(run_copy, records)
    assert any("is not the run's seed" in p for p in _problems(run_copy))


def test_bench__verify_catches_an_edited_observation(run_copy: Path) -> None:
    records = _lines(run_copy)
    records[2]["steps"][1]["observation"] = "user: whatever you say"
    _write_lines(run_copy, records)
    assert any("step 1 observation" in p for p in _problems(run_copy))
