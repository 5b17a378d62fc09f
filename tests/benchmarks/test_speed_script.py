"""benchmarks/speed.py: wall-clock medians, with each sample put in Taxi steps of its moment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "speed.py"


def test_speed__every_figure_in_microseconds_taxi_steps_and_at_the_reference_speed(tmp_path):
    out = tmp_path / "speed.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--env", "utility/CustomerService-v1", "--size", "small", "--repeats", "150", "--json", str(out)],  # noqa: E501
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(out.read_text())
    env = results["envs"]["utility/CustomerService-v1"]
    # A Taxi burst every 100 samples: 150 steps and 37 resets of each kind, the final steps too.
    assert len(results["taxi_bursts_steps_per_s"]) >= 4
    assert all(rate > 0 for rate in results["taxi_bursts_steps_per_s"])
    for key in ("reset_new_task", "reset_cached_task", "step_tool_call", "step_user_turn"):
        figure = env[key]
        assert figure["n"] > 0 and figure["median_us"] > 0
        assert figure["median_us_at_reference"] == pytest.approx(
            figure["median_taxi_steps"] * 1e6 / results["reference_taxi_steps_per_s"]
        )
    assert env["step_tool_call"]["n"] == 150
    # The cached-task resets find their tasks in the task cache, every one.
    assert env["reset_cached_task"]["task_cache_hits"] == env["reset_cached_task"]["n"]
    assert env["episode_loop"]["taxi_steps_per_s"] > 0
    assert "target < 100 µs: " in proc.stdout and "at 141k Taxi/s" in proc.stdout
