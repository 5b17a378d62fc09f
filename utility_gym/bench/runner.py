"""``utility-bench run``: plan the episodes, run them on workers, write results and trajectories.

An episode is fully described by ``(env_id, make kwargs, task_id, trial, seed, agent class)``;
the seed is derived from the run's base seed (``episode_seed``), never drawn at run time, so a
run can be replayed and checked episode by episode (``verify``).

A run survives crashes (``run_benchmark``): its plan is written first and marks the folder as
unfinished until the very end, every finished episode is appended to a partial file and flushed,
the final files are written atomically, and ``resume=True`` continues from what was kept.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from utility_gym.bench.env_selection import (
    EnvNotFound,
    registered_env_ids,
    select_envs,
    unknown_env,
)
from utility_gym.bench.episode_worker import (
    QUESTION_ACT,
    REDUNDANT_ACT,
    cached_env,
    count_questions,
    group_by_task,
    run_group,
    run_one,
    trajectory_record,
)
from utility_gym.bench.execution import Runner, progress_bar
from utility_gym.bench.files import (
    PARTIAL_FILE,
    RESULTS_FILE,
    STATE_FILE,
    atomic_write,
    fsync_dir,
    json_line,
)
from utility_gym.bench.resume import (
    STATE_FORMAT,
    ResumeError,
    RunInterrupted,
    check_resumable,
    read_partial,
    read_state,
    run_state,
    state_bytes,
)
from utility_gym.bench.run_plan import (
    DEFAULT_UNLIMITED_TASKS,
    AgentNameError,
    AgentRun,
    EnvPlan,
    Episode,
    RunSettings,
    agent_label,
    default_agent_name,
    describe_user,
    episode_seed,
    make_kwargs_for,
    plan_agent,
    plan_envs,
    plan_episodes,
    task_ids_for,
)
from utility_gym.bench.run_results import (
    provenance,
    read_trajectories,
    results_document,
    write_run,
)

__all__ = [
    "DEFAULT_UNLIMITED_TASKS",
    "QUESTION_ACT",
    "REDUNDANT_ACT",
    "STATE_FORMAT",
    "AgentNameError",
    "AgentRun",
    "EnvNotFound",
    "EnvPlan",
    "Episode",
    "ResumeError",
    "RunInterrupted",
    "RunOutcome",
    "RunSettings",
    "agent_folder",
    "agent_label",
    "append_line",
    "cached_env",
    "check_resumable",
    "count_questions",
    "default_agent_name",
    "describe_user",
    "episode_seed",
    "eprint",
    "finished_outcome",
    "group_by_task",
    "make_kwargs_for",
    "plan_agent",
    "plan_envs",
    "plan_episodes",
    "provenance",
    "read_partial",
    "read_state",
    "read_trajectories",
    "registered_env_ids",
    "results_document",
    "run_benchmark",
    "run_group",
    "run_one",
    "run_state",
    "select_envs",
    "task_ids_for",
    "trajectory_record",
    "unknown_env",
    "write_run",
]


@dataclass
class RunOutcome:
    agent: AgentRun
    out: Path
    results: dict[str, Any]
    resumed: int = 0  # episodes taken from an interrupted attempt
    trajectories: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def errors(self) -> list[str]:
        """The error of every errored episode (``run`` exits non-zero when there is any)."""
        return [str(t["error"]) for t in self.trajectories if t.get("error")]


def agent_folder(settings: RunSettings, agent: AgentRun, n_agents: int) -> Path:
    return settings.out if n_agents == 1 else settings.out / agent.label


def run_benchmark(
    settings: RunSettings,
    envs: Sequence[EnvPlan],
    agents: Sequence[AgentRun],
    *,
    resume: bool = False,
) -> list[RunOutcome]:
    """Run every agent on every env; write ``results.json`` and the trajectories per agent.

    Crash safety: ``unfinished-run.json`` (the plan) is written first and removed last; each
    finished episode is appended to ``trajectories.partial.jsonl`` and flushed; the final files
    are written atomically (``files.atomic_write``). A killed run leaves a folder that ``verify``
    refuses as unfinished and that ``resume=True`` continues: finished episodes are kept, the
    others run, and the files written are those an uninterrupted run writes.
    """
    folders = [agent_folder(settings, agent, len(agents)) for agent in agents]
    state_path = settings.out / STATE_FILE
    state = run_state(settings, envs, agents)
    if resume and state_path.exists():
        state["finished"] = check_resumable(state_path, state)
    else:  # the state first: from then on the folder is an unfinished run, and resumable
        settings.out.mkdir(parents=True, exist_ok=True)
        atomic_write(state_path, state_bytes(state))
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / PARTIAL_FILE, "w", encoding="utf-8"):
                pass
            fsync_dir(folder)
    outcomes = []
    with Runner(settings.workers, settings.backend) as runner:
        for agent, out in zip(agents, folders, strict=True):
            if agent.label in state["finished"]:
                outcomes.append(finished_outcome(agent, out))  # finished before the interruption
            else:
                outcomes.append(_run_agent(settings, envs, agent, out, runner))
                state["finished"].append(agent.label)
                atomic_write(state_path, state_bytes(state))
            (out / PARTIAL_FILE).unlink(missing_ok=True)
            fsync_dir(out)
    state_path.unlink(missing_ok=True)
    fsync_dir(settings.out)
    return outcomes


def _run_agent(
    settings: RunSettings, envs: Sequence[EnvPlan], agent: AgentRun, out: Path, runner: Runner
) -> RunOutcome:
    episodes = plan_episodes(agent, envs, settings.trials, settings.seed)
    done = read_partial(out / PARTIAL_FILE, episodes)
    resumed = len(done)
    todo = [e for e in episodes if e.index not in done]
    started_at = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    start = time.perf_counter()
    groups = group_by_task(todo)
    with (
        open(out / PARTIAL_FILE, "a", encoding="utf-8") as partial,
        progress_bar(len(episodes), agent.label, quiet=settings.quiet) as bar,
    ):
        bar.update(resumed)
        try:
            for index, records in runner.imap(run_group, groups):
                for episode, record in zip(groups[index], records, strict=True):
                    append_line(partial, json_line(record))
                    done[episode.index] = record
                bar.update(len(records))
        except KeyboardInterrupt:
            runner.abort()
            partial.flush()
            raise RunInterrupted(out, len(done), len(episodes)) from None
        os.fsync(partial.fileno())
    trajectories = [done[e.index] for e in episodes]
    wall = time.perf_counter() - start
    results = results_document(agent, envs, trajectories, settings, wall, started_at)
    if resumed:
        results["provenance"]["resumed"] = resumed
    write_run(out, results, trajectories, compress=settings.compress)
    return RunOutcome(agent, out, results, resumed, trajectories)


def append_line(partial: Any, line: str) -> None:
    """Append one finished episode and flush it: kept whatever happens to the process next."""
    partial.write(line)
    partial.flush()


def finished_outcome(agent: AgentRun, out: Path) -> RunOutcome:
    results = json.loads((out / RESULTS_FILE).read_text(encoding="utf-8"))
    return RunOutcome(agent, out, results, 0, read_trajectories(out))


def eprint(*parts: object) -> None:
    print(*parts, file=sys.stderr)
