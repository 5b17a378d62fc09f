"""What lets a killed run continue (``run --resume``): the unfinished-run state written before
anything runs, and the episodes an interrupted attempt finished (its partial file).

The state holds the settings and a hash of the planned episodes; a run resumes only when this
code and these settings plan the same episodes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from utility_gym.bench.agents import redact
from utility_gym.bench.files import STATE_FILE
from utility_gym.bench.run_plan import AgentRun, EnvPlan, Episode, RunSettings, plan_episodes

STATE_FORMAT = "utility-bench-unfinished/1"


class RunInterrupted(Exception):
    """Ctrl-C stopped a run; what finished is kept and ``run --resume`` continues it."""

    def __init__(self, out: Path, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done} of {total} episodes")
        self.out, self.done, self.total = out, done, total


class ResumeError(ValueError):
    """``run --resume`` cannot continue this folder (a user input error)."""


def run_state(
    settings: RunSettings, envs: Sequence[EnvPlan], agents: Sequence[AgentRun]
) -> dict[str, Any]:
    """What ``unfinished-run.json`` holds: the settings to rebuild the plan, and its hash."""
    plan = [
        [e.env_id, e.task_id, e.trial, e.seed, e.agent, e.agent_path]
        for agent in agents
        for e in plan_episodes(agent, envs, settings.trials, settings.seed)
    ]
    return {
        "format": STATE_FORMAT,
        "agents": settings.agents,
        "name": settings.name,
        "env_ids": settings.env_ids,
        "split": settings.split,
        "trials": settings.trials,
        "limit": settings.limit,
        "seed": settings.seed,
        "env_kwargs": settings.env_kwargs,
        "agent_options": redact(agents[0].options) if agents else {},
        "resamples": settings.resamples,
        "compress": settings.compress,
        "command": settings.command,
        "episodes": len(plan),
        "plan_hash": hashlib.sha256(json.dumps(plan).encode()).hexdigest(),
        "finished": [],  # agents whose final files are written
    }


def state_bytes(state: dict[str, Any]) -> bytes:
    return (json.dumps(state, indent=2) + "\n").encode()


def read_state(out: Path) -> dict[str, Any]:
    """The unfinished run's state in ``out`` (ResumeError when there is none or it is damaged)."""
    path = out / STATE_FILE
    if not path.is_file():
        raise ResumeError(
            f"{out} holds no unfinished run ({STATE_FILE} is missing): nothing to resume"
        )
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ResumeError(f"{path} is damaged ({e}); start the run again") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ResumeError(f"{path} is not a {STATE_FORMAT} file; start the run again")
    return state


def check_resumable(state_path: Path, planned: dict[str, Any]) -> list[str]:
    """The agents the interrupted run finished; ResumeError when it planned other episodes."""
    stored = read_state(state_path.parent)
    if stored.get("plan_hash") != planned["plan_hash"]:
        raise ResumeError(
            f"the unfinished run in {state_path.parent} planned other episodes than this code and "
            "these "
            "settings give (the package, the tasks or the options changed); start it again without "
            "--resume"
        )
    finished = stored.get("finished")
    return [str(label) for label in finished] if isinstance(finished, list) else []


def read_partial(path: Path, episodes: Sequence[Episode]) -> dict[int, dict[str, Any]]:
    """The finished episodes of an interrupted attempt, by plan index.

    A last line cut short by the kill is dropped (and cut from the file, so appending goes on
    from a whole line); any other line that is not a planned episode means the file is not this
    run's, and resuming stops with ResumeError.
    """
    if not path.exists():
        return {}
    by_key = {(e.env_id, e.task_id, e.trial): e for e in episodes}
    done: dict[int, dict[str, Any]] = {}
    data = path.read_bytes()
    whole = data[: data.rfind(b"\n") + 1]
    if len(whole) != len(data):
        with open(path, "r+b") as f:
            f.truncate(len(whole))
    for number, line in enumerate(whole.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            episode = by_key[(record["env_id"], record["task_id"], record["trial"])]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ResumeError(
                f"{path} line {number} is not an episode of this run; start it again"
            ) from None
        if record.get("seed") != episode.seed or record.get("agent") != episode.agent:
            raise ResumeError(
                f"{path} line {number} has another seed or agent than planned; start it again"
            )
        done[episode.index] = record
    return done
