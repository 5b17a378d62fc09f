"""Helpers for the utility-bench tests: run the CLI in this process or as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from utility_gym.bench.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CS = "utility/CustomerService-v1"
QUICK = ["--size", "small", "--quiet"]


def bench_cli(
    *args: str, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``utility-bench ARGS`` in a fresh interpreter (real worker processes, real exit status)."""
    path = os.pathsep.join([str(ROOT), str(HERE), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path)
    return subprocess.run(
        [sys.executable, "-m", "utility_gym.bench.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


def bench_main(*args: str) -> int:
    """``utility-bench ARGS`` in this process (single worker only: no forking the test runner)."""
    return main(list(args))


def run_small_oracle(out: Path, *extra: str) -> int:
    """The oracle on the first 3 CustomerService tasks x 2 trials, one worker, into ``out``."""
    return bench_main(
        "run",
        "--agent",
        "oracle",
        "--env",
        CS,
        "--limit",
        "3",
        "--trials",
        "2",
        "--workers",
        "1",
        *extra,
        "--out",
        str(out),
        *QUICK,
    )


def comparable(run: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A run's results and trajectories without what may differ between machines: time,
    provenance."""
    results = json.loads((run / "results.json").read_text())
    results.pop("provenance")
    for summary in [results["overall"], *(doc["metrics"] for doc in results["envs"].values())]:
        summary.pop("seconds")
    records = [json.loads(line) for line in (run / "trajectories.jsonl").read_text().splitlines()]
    for record in records:
        record.pop("seconds")
    return results, records


class CrashingAgent:
    """Says hello, then fails like an unreachable endpoint; reports the tokens it spent."""

    name = "crashing"

    def __init__(self) -> None:
        self.turn = 0

    def reset(self) -> None:
        self.turn = 0

    def act(self, obs: str, info: dict[str, Any]) -> str:
        self.turn += 1
        if self.turn == 2:
            raise ConnectionError("endpoint http://127.0.0.1:9/v1 unreachable")
        return "Hello! How can I help you today?"

    def usage(self) -> dict[str, Any]:
        return {"prompt_tokens": 50 * self.turn, "completion_tokens": 5 * self.turn, "cost": 0.001}

    def config(self) -> dict[str, Any]:
        return {"model": "none", "temperature": 0.0}


class SlowOracle:
    """The oracle, 30 ms per action: a run long enough to be killed at a random moment."""

    name = "slow-oracle"
    deterministic = True

    def __init__(self, env: Any) -> None:
        from utility_gym.agents.oracle import OracleAgent

        self.inner = OracleAgent(env)

    def reset(self) -> None:
        self.inner.reset()

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        import time

        time.sleep(0.03)
        return self.inner.act(obs, info)


def stuck_group(jobs: object) -> list:
    """A replay job that never returns in time (importable, so a spawned worker runs it too)."""
    import time

    time.sleep(60)
    raise AssertionError("not reached")
