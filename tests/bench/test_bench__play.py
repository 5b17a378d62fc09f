"""play: a person types the agent's side on stdin; the episode is graded and recorded like a run."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
from bench_helpers import CS, bench_cli


def _oracle_lines(task_id: str) -> list[str]:
    """The oracle's actions for ``task_id``, typed the way a person would."""
    env = gym.make(CS, size="small")
    env.reset(seed=0, options={"task_id": task_id})
    lines = []
    for step in env.unwrapped.task.plan:
        action = step.action()
        lines.append(
            f"{action['name']} {json.dumps(action['arguments'])}"
            if isinstance(action, dict)
            else action
        )
    env.close()
    return lines


def _task_id() -> str:
    env = gym.make(CS, size="small")
    task_id = env.unwrapped.task_ids("test")[0]
    env.close()
    return task_id


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "trajectories.jsonl").read_text().splitlines()]


def test_bench__play_from_piped_stdin_succeeds_and_records(tmp_path: Path) -> None:
    task_id = _task_id()
    stdin = "/help\n" + "\n".join(_oracle_lines(task_id)) + "\n"
    done = bench_cli(
        "play", task_id, "--size", "small", "--out", str(tmp_path), stdin=stdin, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"task {task_id}" in done.stdout
    assert "user: " in done.stdout and "/tools lists the tools" in done.stdout
    assert "success: partial credit 1.00" in done.stdout
    (record,) = _records(tmp_path)
    assert record["agent"] == "human" and record["task_id"] == task_id and record["env_id"] == CS
    assert record["success"] is True and record["error"] is None
    assert record["steps"][-1]["terminated"] is True


def test_bench__play_quit_is_a_recorded_failure(tmp_path: Path) -> None:
    stdin = (
        'Hello, how can I help?\n/tools\nfind_customer_by_email not json\n{"name": "no_such_tool", '
        '"arguments": {}}\n/quit\n'
    )
    done = bench_cli(
        "play",
        CS,
        "--size",
        "small",
        "--seed",
        "3",
        "--out",
        str(tmp_path),
        stdin=stdin,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "tools:\n  " in done.stdout and "find_customer_by_email(" in done.stdout
    assert "arguments of find_customer_by_email must be a JSON object" in done.stdout
    assert "error: unknown tool 'no_such_tool'" in done.stdout
    assert "counted as a failure" in done.stdout
    (record,) = _records(tmp_path)
    assert record["success"] is False and "the player quit" in record["error"]
    assert [s.get("action") for s in record["steps"][1:]] == [
        "Hello, how can I help?",
        '{"name": "no_such_tool", "arguments": {}}',
    ]


def test_bench__play_end_of_input_ends_the_episode(tmp_path: Path) -> None:
    done = bench_cli("play", CS, "--size", "small", "--out", str(tmp_path), stdin="", timeout=120)
    assert done.returncode == 0, done.stderr
    (record,) = _records(tmp_path)
    assert "end of input" in record["error"] and record["turns"] == 0


def test_bench__a_played_folder_verifies_and_is_shown_apart(tmp_path: Path) -> None:
    task_id = _task_id()
    stdin = "\n".join(_oracle_lines(task_id)) + "\n"
    first = bench_cli(
        "play", task_id, "--size", "small", "--out", str(tmp_path / "p"), stdin=stdin, timeout=120
    )
    assert first.returncode == 0, first.stderr
    second = bench_cli(
        "play",
        CS,
        "--size",
        "small",
        "--seed",
        "3",
        "--out",
        str(tmp_path / "p"),
        stdin="/quit\n",
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    results = json.loads((tmp_path / "p" / "results.json").read_text())
    assert results["agent"]["kind"] == "human" and results["selection"] == "chosen"
    assert len(results["envs"][CS]["task_ids"]) == 2 and results["overall"]["episodes"] == 2
    assert results["overall"]["success"] == 0.5
    verified = bench_cli("verify", str(tmp_path / "p"), "--workers", "1", "--quiet")
    assert verified.returncode == 0, verified.stdout
    again = bench_cli(
        "play", task_id, "--size", "small", "--out", str(tmp_path / "p"), stdin="", timeout=120
    )
    assert again.returncode == 2 and "already holds a play of" in again.stderr
    board = tmp_path / "board.md"
    built = bench_cli(
        "leaderboard", str(tmp_path / "p"), "--out", str(board), "--workers", "1", "--quiet"
    )
    assert built.returncode == 0, built.stderr
    apart = board.read_text().split("## Shown apart (not ranked)")[1].split("\n## ")[0]
    assert "| – | human |" in apart and "played by a person" in apart


def test_bench__play_refuses_a_task_outside_the_split(tmp_path: Path) -> None:
    done = bench_cli(
        "play",
        "customer_service/cancel_order/5",
        "--size",
        "small",
        "--out",
        str(tmp_path),
        stdin="",
        timeout=120,
    )
    assert done.returncode == 2
    assert "is not in the test split" in done.stderr or "is not a task of" in done.stderr
