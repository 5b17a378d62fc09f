"""Step 6 of ``utility-bench verify``: each episode replayed (its recorded actions in a fresh
env, see ``replay_episode``) or, with ``--rerun``, the agent itself run again (the trajectory
line must come out byte-identical, time aside), as jobs on the runner within a time budget."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from utility_gym.bench.execution import DeadlineExceeded, Runner, progress_bar
from utility_gym.bench.files import json_line
from utility_gym.bench.metrics import short_repr
from utility_gym.bench.replay_episode import replay_one
from utility_gym.bench.rules import AGENT
from utility_gym.bench.runner import Episode, run_group
from utility_gym.bench.verify_report import REPLAYED, RERUN, Checker, RunPlan, Stop, episode_name

# Wall-clock budget of the replay (or re-run) of one run: a bound on what any input can cost,
# far above what a real run needs (the 1,600 episodes of a baseline replay in well under a minute).
SECONDS_BASE, SECONDS_PER_EPISODE = 120.0, 2.0

Ordered = list[tuple[dict[str, Any], str]]  # each trajectory record and its raw line


class EpisodeChecks:
    """Replay (or re-run) every episode of a checked plan; the rows of recomputed figures."""

    def __init__(
        self, ck: Checker, runner: Runner, plan: RunPlan, quiet: bool, rerun: bool | str | None
    ) -> None:
        self.ck = ck
        self.runner = runner
        self.plan = plan
        self.quiet = quiet
        self.rerun = rerun

    def run(
        self,
        results: dict[str, Any],
        records: list[tuple[dict[str, Any], int]],
        raw_lines: list[str],
    ) -> list[dict[str, Any]]:
        """The episodes in the plan's order (env, task, then trial), replayed or re-run."""
        position = {
            (env_id, t): (i, j)
            for i, (env_id, ids) in enumerate(self.plan.task_ids.items())
            for j, t in enumerate(ids)
        }
        ordered = [(r, line) for (r, _), line in zip(records, raw_lines, strict=True)]
        ordered.sort(
            key=lambda item: (position[(item[0]["env_id"], item[0]["task_id"])], item[0]["trial"])
        )
        if self.wants_rerun(results):
            return self.rerun_all(results, ordered)
        return self.replay_all(results, ordered)

    def wants_rerun(self, results: dict[str, Any]) -> bool:
        from utility_gym.bench.agents import DETERMINISTIC_BASELINES, rerun_problem

        if self.rerun is False:
            return False
        agent = results["agent"]
        classes = set(agent["classes"].values())
        if self.rerun is None and not classes <= DETERMINISTIC_BASELINES:
            # Unasked, verify imports no agent code a run names: only the built-in baselines.
            return False
        reasons = [] if agent.get("kind", AGENT) == AGENT else ["a person played it"]
        reasons += [p for p in map(rerun_problem, sorted(set(agent["classes"].values()))) if p]
        if any(v == "***" for v in agent["options"].values()):
            reasons.append("its options hold a secret that is not recorded")
        if not reasons:
            return True
        if self.rerun is True:
            self.ck.problem(
                f"{self.ck.dir}: cannot re-run the agent: {'; '.join(reasons)} (verify without "
                "--rerun replays it)"
            )
            raise Stop
        return False

    def runner_map(self, fn: Any, groups: list[Any], bar: Any, episodes: int) -> list[Any]:
        """The jobs on the runner, within the time budget (a problem, and a stop, past it)."""
        budget = SECONDS_BASE + SECONDS_PER_EPISODE * episodes
        try:
            return self.runner.map(fn, groups, bar, weight=len, deadline=time.monotonic() + budget)
        except DeadlineExceeded:
            self.ck.problem(
                f"{self.ck.dir}: checking took longer than its budget of {budget:.0f} s "
                f"({episodes} episodes); stopped"
            )
            raise Stop from None

    def replay_all(self, results: dict[str, Any], ordered: Ordered) -> list[dict[str, Any]]:
        groups: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for record, line in ordered:
            groups.setdefault((record["env_id"], record["task_id"]), []).append(
                (record["env_id"], self.plan.make_kwargs[record["env_id"]], line)
            )
        label = results["agent"]["name"]
        with progress_bar(len(ordered), f"verify {label}", quiet=self.quiet) as bar:
            done = self.runner_map(replay_group, list(groups.values()), bar, len(ordered))
        rows = []
        for replay in (r for group in done for r in group):
            if "crashed" in replay:
                record = json.loads(replay["job"][2])
                key = (record["env_id"], record["task_id"], record["trial"])
                self.ck.problem(f"{episode_name(key)}: the replay raised {replay['crashed']}")
                continue
            key = (replay["row"]["env_id"], replay["row"]["task_id"], replay["row"]["trial"])
            for p in replay["problems"]:
                self.ck.problem(f"{episode_name(key)}: {p}")
            rows.append(replay["row"])
        self.ck.report.checked = REPLAYED
        return rows

    def rerun_all(self, results: dict[str, Any], ordered: Ordered) -> list[dict[str, Any]]:
        agent = results["agent"]
        options = json.dumps(agent["options"], sort_keys=True)
        groups: dict[tuple[str, str], list[Episode]] = {}
        recorded: dict[tuple[str, str, int], tuple[dict[str, Any], str]] = {}
        for index, (record, line) in enumerate(ordered):
            env_id = record["env_id"]
            episode = Episode(
                index, env_id, self.plan.make_kwargs[env_id], record["task_id"], record["trial"],
                record["seed"], agent["name"], agent["classes"][env_id], options,
            )  # fmt: skip
            groups.setdefault((env_id, record["task_id"]), []).append(episode)
            recorded[(env_id, record["task_id"], record["trial"])] = (record, line)
        with progress_bar(len(ordered), f"re-run {agent['name']}", quiet=self.quiet) as bar:
            done = self.runner_map(
                rerun_group, [tuple(g) for g in groups.values()], bar, len(ordered)
            )
        rows = []
        for outcome in (r for group in done for r in group):
            if "crashed" in outcome:
                episode = outcome["job"]
                key = (episode.env_id, episode.task_id, episode.trial)
                self.ck.problem(f"{episode_name(key)}: the re-run raised {outcome['crashed']}")
                continue
            fresh = outcome["record"]
            key = (fresh["env_id"], fresh["task_id"], fresh["trial"])
            record, line = recorded[key]
            fresh["seconds"] = record["seconds"]  # time is the one thing a re-run cannot repeat
            if json_line(fresh) != line:
                self.ck.problem(
                    f"{episode_name(key)}: the re-run agent's trajectory differs: "
                    f"{first_difference(record, fresh)}"
                )
            rows.append(fresh)
        self.ck.report.checked = RERUN
        return rows


def replay_group(jobs: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    return [_guarded(replay_one, job) for job in jobs]


def rerun_group(episodes: Sequence[Episode]) -> list[dict[str, Any]]:
    return [_guarded(lambda e: {"record": run_group([e])[0], "problems": []}, e) for e in episodes]


def _guarded(check: Any, job: Any) -> dict[str, Any]:
    """``check(job)``; whatever it raises becomes the episode's problem (never the verifier's
    crash)."""
    try:
        return check(job)
    except Exception as e:
        return {"crashed": f"{type(e).__name__}: {' '.join(str(e).split())[:300]}", "job": job}


def first_difference(recorded: Any, fresh: Any, path: str = "") -> str:
    """Where two trajectory records first differ, for a readable message."""
    if isinstance(recorded, dict) and isinstance(fresh, dict):
        for key in list(recorded) + [k for k in fresh if k not in recorded]:
            if key not in fresh or key not in recorded:
                return f"{path}.{key} is in one only"
            if recorded[key] != fresh[key] or type(recorded[key]) is not type(fresh[key]):
                return first_difference(recorded[key], fresh[key], f"{path}.{key}")
        return f"{path or 'the line'}: key order or formatting"
    if isinstance(recorded, list) and isinstance(fresh, list):
        for i, (a, b) in enumerate(zip(recorded, fresh)):
            if a != b:
                return first_difference(a, b, f"{path}[{i}]")
        return f"{path}: {len(recorded)} items recorded, {len(fresh)} in the re-run"
    return f"{path.lstrip('.')}: recorded {short_repr(recorded)}, re-run {short_repr(fresh)}"
