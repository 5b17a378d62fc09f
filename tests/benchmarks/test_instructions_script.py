"""benchmarks/instructions.py: per-operation instruction counts under valgrind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "instructions.py"


def _valgrind_or_skip() -> None:
    if shutil.which("valgrind") is None:
        if os.environ.get("CI"):
            pytest.fail("valgrind is missing in CI (Debian: apt-get install valgrind)")
        pytest.skip("valgrind is not installed (Debian: apt-get install valgrind)")


def test_instructions__counts_each_reset_and_tool_call_against_taxi(tmp_path):
    _valgrind_or_skip()
    out = tmp_path / "instr.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--env", "utility/Ticketing-v1", "--size", "small", "--steps", "10", "--resets", "5",  # noqa: E501
         "--jobs", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(out.read_text())
    taxi = figures["taxi"]
    assert taxi["n"] == 200
    # A Taxi step is some tens of thousands of instructions; a count of 0 means nothing was
    # collected.
    assert 10_000 < taxi["median"] < 500_000
    env = figures["envs"]["utility/Ticketing-v1"]
    assert env["reset"]["n"] == 5 and env["tool"]["n"] == 10
    # A tool call does more than a Taxi step (parse, validate, SQL, JSON), and a new-task reset
    # (task generation, oracle replay) more than a tool call.
    assert taxi["median"] < env["tool"]["median"] < env["reset"]["median"]
    assert env["tool"]["taxi_steps"] == pytest.approx(env["tool"]["median"] / taxi["median"])
    assert "step: tool call" in proc.stdout and "Taxi steps" in proc.stdout


def test_instructions__usage_errors_say_what_to_fix():
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--steps", "3"], capture_output=True, text=True, check=False
    )
    if shutil.which("valgrind") is None:
        assert proc.returncode == 2 and "apt-get install valgrind" in proc.stderr
    else:
        assert proc.returncode == 2 and "--steps must be at least 10" in proc.stderr


def test_instructions__loops_counts_whole_episodes_of_the_speed_loop(tmp_path):
    _valgrind_or_skip()
    out = tmp_path / "instr.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--env", "utility/WebShop-v1", "--size", "small", "--steps", "10", "--resets", "5",  # noqa: E501
         "--loops", "2", "--jobs", "2", "--json", str(out)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    env = json.loads(out.read_text())["envs"]["utility/WebShop-v1"]
    assert env["loop"]["n"] == 2
    # An episode is a new task's reset and a dozen steps: more than a reset alone.
    assert env["loop"]["median"] > env["reset"]["median"]
    assert "episode, new task" in proc.stdout
