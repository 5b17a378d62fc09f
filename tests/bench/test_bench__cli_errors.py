"""Mistakes on the command line: one line on stderr, exit status 2, nothing run."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_helpers import CS, bench_cli, bench_main

from utility_gym.bench import agents


def _one_line_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert bench_main(*args) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("utility-bench")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--agent", "genius", "--env", CS], "unknown agent 'genius'"),
        (["run", "--agent", "no_such_module:Agent", "--env", CS], "cannot import no_such_module"),
        (
            ["run", "--agent", "utility_gym.agents.oracle:Nope", "--env", CS],
            "no agent class 'Nope'",
        ),
        (["run", "--agent", "random", "--env", "Nowhere-v9"], "unknown env 'Nowhere-v9'"),
        (
            ["run", "--agent", "random", "--env", CS, "--split", "validation"],
            "unknown split 'validation'",
        ),
        (
            ["run", "--agent", "random", "--env", CS, "--trials", "0"],
            "--trials: must be at least 1, got 0",
        ),
        (
            ["run", "--agent", "random", "--env", CS, "--workers", "x"],
            "--workers: expected a whole number",
        ),
        (
            ["run", "--agent", "random", "--env", CS, "--backend", "slurm"],
            "unknown backend 'slurm'",
        ),
        (
            ["run", "--agent", "random", "--env", CS, "--size", "huge"],
            "cannot make the env: ValueError: unknown world size 'huge'",
        ),
        (
            ["run", "--agent", "random", "--env", CS, "--agent-arg", "temperature=2"],
            "cannot build agent 'random': TypeError",
        ),
        (["run", "--agent", "random", "--env", CS, "--env-arg", "novalue"], "expected KEY=VALUE"),
        (["run", "--env", CS], "--agent is required (or --resume"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["verify", "/nonexistent/run"], "/nonexistent/run is not a readable directory"),
        (
            ["leaderboard", "/nonexistent/run", "--out", "x.md"],
            "/nonexistent/run is not a readable directory",
        ),
        (["play", "Nowhere-v9"], "neither a registered env"),
        (["serve", "bank"], "unknown site 'bank'"),
    ],
)
def test_bench__cli_input_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    assert expected in _one_line_error(capsys, *args)


def test_bench__cli_error_for_a_folder_without_a_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert "holds no results.json" in _one_line_error(capsys, "verify", str(tmp_path))
    # A folder with a run in it is verified: malformed content fails verification (exit 1) with
    # one line naming the file and line, it is not a usage error.
    (tmp_path / "results.json").write_text("{not json")
    assert bench_main("verify", str(tmp_path)) == 1
    out = capsys.readouterr().out
    assert f"MISMATCH {tmp_path}/results.json line 1: not valid JSON" in out


def test_bench__cli_error_when_the_heuristic_agent_is_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        agents.HEURISTIC_AGENTS, "customer_service", "utility_gym.agents.no_such_heuristic:Agent"
    )
    line = _one_line_error(capsys, "run", "--agent", "heuristic", "--env", CS)
    assert "heuristic agent for utility/CustomerService-v1 is missing" in line
    monkeypatch.delitem(agents.HEURISTIC_AGENTS, "customer_service")
    assert "no heuristic agent for utility/CustomerService-v1" in _one_line_error(
        capsys, "run", "--agent", "heuristic", "--env", CS
    )


def test_bench__console_script_exit_status(tmp_path: Path) -> None:
    done = bench_cli("run", "--agent", "nobody", "--env", CS, "--out", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "unknown agent 'nobody'" in done.stderr
    assert not any(tmp_path.iterdir())


def test_bench__cli_error_for_an_unwritable_board(
    capsys: pytest.CaptureFixture[str], oracle_run: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    line = _one_line_error(
        capsys,
        "leaderboard",
        str(oracle_run),
        "--out",
        str(blocker / "board.md"),
        "--workers",
        "1",
        "--quiet",
    )
    assert "cannot write the board" in line
