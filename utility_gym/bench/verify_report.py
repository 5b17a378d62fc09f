"""What ``utility-bench verify`` reports about a run, and what its checks share: the problem
list (bounded), the stop once later checks would only repeat a problem, and the run's plan as
the code makes it (`RunPlan`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from utility_gym.bench.files import RESULTS_FILE

MAX_PROBLEMS = 200
REPLAYED, RERUN = "replayed", "re-run"


@dataclass
class VerifyReport:
    directory: Path
    results: dict[str, Any]
    episodes: int = 0
    problems: list[str] = field(default_factory=list)
    checked: str = REPLAYED  # or RERUN: the agent itself was run again
    manifest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class RunPlan:
    """The episodes a run must hold, as the code makes its envs now."""

    task_ids: dict[str, list[str]] = field(default_factory=dict)  # env id -> its task ids
    step_caps: dict[str, int] = field(default_factory=dict)  # env id -> max_episode_steps
    make_kwargs: dict[str, str] = field(default_factory=dict)  # env id -> kwargs as JSON


class Stop(Exception):
    """Enough found: later checks would only repeat it."""


class Checker:
    """One verification's report and where its problems are written."""

    def __init__(self, report: VerifyReport) -> None:
        self.report = report
        self.dir = report.directory
        self.results_path = f"{self.dir / RESULTS_FILE}"

    def problem(self, text: str) -> None:
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(text)

    def stop_if_problems(self) -> None:
        if self.report.problems:
            raise Stop


def episode_name(key: tuple[Any, Any, Any]) -> str:
    """An episode as problems name it: env, task and trial."""
    env_id, task_id, trial = key
    return f"{env_id} {task_id} trial {trial}"
