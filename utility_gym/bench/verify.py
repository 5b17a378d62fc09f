"""``utility-bench verify``: replay every trajectory in fresh envs and recompute every score.

A run is accepted only if nothing in it depends on trusting its files:

- the env specs are the registered ones, and the task list is the one the split defines now;
- every (env, task, trial) episode is there exactly once, with the seed the run's base seed gives;
- replaying each episode's actions reproduces every observation, reward, termination flag,
  user act and the final grade;
- the summaries in results.json equal those recomputed from the replays.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from utility_gym.bench.execution import Runner, progress_bar
from utility_gym.bench.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    compare_summaries,
    same_value,
    short_repr,
    summarize,
)
from utility_gym.bench.runner import (
    FORMAT,
    RESULTS_FILE,
    TRAJECTORIES_FILE,
    cached_env,
    count_questions,
    episode_seed,
    read_trajectories,
    registered_env_ids,
    task_ids_for,
)
from utility_gym.core.tasks import task_set_hash

MAX_PROBLEMS_PER_EPISODE = 5
# Fields of a trajectory record that replay recomputes (tokens, cost and time are self-reported).
RECOMPUTED_FIELDS = (
    "success",
    "partial",
    "reward",
    "turns",
    "tool_calls",
    "questions",
    "redundant_questions",
)


class RunUnreadable(ValueError):
    """DIR holds no readable run (a user input error)."""


@dataclass
class VerifyReport:
    directory: Path
    results: dict[str, Any]
    episodes: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def run_directories(paths: Sequence[str | Path]) -> list[Path]:
    """Each path that holds results.json, or its subfolders that do (``--out`` of a multi-agent run)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            raise RunUnreadable(f"{path} is not a readable directory")
        if (path / RESULTS_FILE).is_file():
            found.append(path)
            continue
        subs = sorted(p for p in path.iterdir() if (p / RESULTS_FILE).is_file())
        if not subs:
            raise RunUnreadable(
                f"{path} holds no {RESULTS_FILE} (nor do its subfolders); pass the --out folder of a run"
            )
        found.extend(subs)
    return found


def load_run(directory: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    try:
        results = json.loads((directory / RESULTS_FILE).read_text(encoding="utf-8"))
        trajectories = read_trajectories(directory)
    except FileNotFoundError as e:
        raise RunUnreadable(f"{directory}: {Path(e.filename).name} is missing") from None
    except (OSError, UnicodeDecodeError, EOFError) as e:
        raise RunUnreadable(f"{directory}: cannot read ({e})") from None
    except json.JSONDecodeError as e:
        raise RunUnreadable(f"{directory}: not valid JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(results, dict) or results.get("format") != FORMAT:
        raise RunUnreadable(f"{directory}/{RESULTS_FILE} is not a {FORMAT} results file")
    for key in ("envs", "overall", "trials", "seed", "split"):
        if key not in results:
            raise RunUnreadable(f"{directory}/{RESULTS_FILE} lacks '{key}'")
    return results, trajectories


def verify_run(directory: Path, runner: Runner, *, quiet: bool = True) -> VerifyReport:
    results, trajectories = load_run(directory)
    report = VerifyReport(directory, results, episodes=len(trajectories))
    problems = report.problems
    trials = int(results["trials"])
    split = str(results["split"])
    base_seed = int(results["seed"])
    limit = results.get("limit")
    label = results.get("agent", {}).get("name")

    # The envs and their task lists, as the installed package defines them.
    expected: dict[tuple[str, str, int], int] = {}
    env_kwargs: dict[str, str] = {}
    for env_id, doc in results["envs"].items():
        trouble = _check_env(env_id, doc)
        if trouble:
            problems.append(f"{env_id}: {trouble}")
            continue
        env_kwargs[env_id] = json.dumps(doc.get("make_kwargs", {}), sort_keys=True)
        env = gym.make(env_id, **doc.get("make_kwargs", {}))
        try:
            task_ids = task_ids_for(env, split, limit)
        finally:
            env.close()
        if doc.get("task_ids") != task_ids:
            problems.append(
                f"{env_id}: the task list differs from the {split} split's ({len(task_ids)} tasks)"
            )
        if doc.get("task_set_hash") != task_set_hash(task_ids):
            problems.append(
                f"{env_id}: task_set_hash {doc.get('task_set_hash')} is not the {split} split's {task_set_hash(task_ids)}"
            )
        for task_id in task_ids:
            for trial in range(trials):
                expected[(env_id, task_id, trial)] = episode_seed(base_seed, env_id, task_id, trial)

    # Every episode once, with its derived seed.
    seen = Counter((t.get("env_id"), t.get("task_id"), t.get("trial")) for t in trajectories)
    for key, count in sorted(seen.items(), key=repr):
        if count > 1:
            problems.append(f"{_where(key)}: recorded {count} times")
    for key in expected:
        if key not in seen:
            problems.append(f"{_where(key)}: episode missing from {TRAJECTORIES_FILE}")
    jobs = []
    for record in trajectories:
        key = (record.get("env_id"), record.get("task_id"), record.get("trial"))
        if key not in expected:
            problems.append(f"{_where(key)}: not an episode of this run (wrong env, task or trial)")
            continue
        if record.get("seed") != expected[key]:
            problems.append(
                f"{_where(key)}: seed {record.get('seed')} is not the run's seed {expected[key]} for it"
            )
            continue
        if label is not None and record.get("agent") != label:
            problems.append(
                f"{_where(key)}: agent {record.get('agent')!r} is not the run's agent {label!r}"
            )
        jobs.append((record["env_id"], env_kwargs[record["env_id"]], json.dumps(record)))

    # Replays of the same task go to the same worker, which then generates the task only once.
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for job in jobs:
        groups.setdefault((job[0], json.loads(job[2])["task_id"]), []).append(job)
    ordered = [job for group in groups.values() for job in group]
    with progress_bar(len(jobs), f"verify {label or directory.name}", quiet=quiet) as bar:
        done = runner.map(replay_group, list(groups.values()), bar, weight=len)
    jobs = ordered
    replays = [replay for group in done for replay in group]
    rows: list[dict[str, Any]] = []
    for (_, _, text), replay in zip(jobs, replays, strict=True):
        record = json.loads(text)
        problems.extend(
            f"{_where((record['env_id'], record['task_id'], record['trial']))}: {p}"
            for p in replay["problems"]
        )
        rows.append(replay["row"])

    # Summaries, from the replayed rows only.
    if rows:
        for env_id, doc in results["envs"].items():
            env_rows = [r for r in rows if r["env_id"] == env_id]
            if env_rows and "metrics" in doc:
                recomputed = summarize(
                    env_rows,
                    trials=trials,
                    resamples=_resamples(doc["metrics"]),
                    seed=BOOTSTRAP_SEED,
                )
                problems.extend(compare_summaries(doc["metrics"], recomputed, f"{env_id} summary"))
        overall = summarize(
            rows, trials=trials, resamples=_resamples(results["overall"]), seed=BOOTSTRAP_SEED
        )
        problems.extend(compare_summaries(results["overall"], overall, "overall summary"))
    return report


def _resamples(summary: dict[str, Any]) -> int:
    """The resamples the run used; never fewer than the standard (narrower-looking intervals)."""
    return max(
        int(summary.get("bootstrap", {}).get("resamples", BOOTSTRAP_RESAMPLES)), BOOTSTRAP_RESAMPLES
    )


def _check_env(env_id: str, doc: dict[str, Any]) -> str | None:
    if env_id not in gym.registry:
        return f"not a registered env here (registered: {', '.join(registered_env_ids())})"
    registered = gym.spec(env_id)
    spec = doc.get("spec") or {}
    for key in ("entry_point", "max_episode_steps", "nondeterministic"):
        if spec.get(key) != getattr(registered, key):
            return f"spec {key} is {spec.get(key)!r}, the registered env has {getattr(registered, key)!r}"
    if registered.nondeterministic:
        return "is registered nondeterministic (an LLM user): its episodes cannot be replayed"
    kwargs = {**registered.kwargs, **doc.get("make_kwargs", {})}
    if spec.get("kwargs") != json.loads(json.dumps(kwargs)):
        return f"spec kwargs {spec.get('kwargs')!r} are not the registered ones plus make_kwargs {doc.get('make_kwargs')!r}"
    return None


def _where(key: tuple[Any, Any, Any]) -> str:
    env_id, task_id, trial = key
    return f"{env_id} {task_id} trial {trial}"


def replay_group(jobs: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    return [replay_one(job) for job in jobs]


def replay_one(job: tuple[str, str, str]) -> dict[str, Any]:
    """Replay one recorded episode; return the recomputed row and what differs (worker side)."""
    from utility_gym.core.rollout import is_tool_call, user_acts

    env_id, make_kwargs, text = job
    record = json.loads(text)
    problems: list[str] = []
    steps = record.get("steps") or []
    error = record.get("error")
    row: dict[str, Any] = {
        "env_id": env_id,
        "task_id": record["task_id"],
        "trial": record["trial"],
        "success": False,
        "partial": 0.0,
        "reward": 0.0,
        "turns": 0,
        "tool_calls": 0,
        "questions": 0,
        "redundant_questions": 0,
        "error": error,
        "usage": record.get("usage"),
        "seconds": record.get("seconds", 0.0),
    }

    def problem(text: str) -> None:
        if len(problems) < MAX_PROBLEMS_PER_EPISODE:
            problems.append(text)

    if not steps:
        if not error:
            problem("no steps recorded and no error")
        _compare_row(record, row, problem)
        return {"row": row, "problems": problems}

    env = cached_env(env_id, make_kwargs)
    obs, info = env.reset(seed=record["seed"], options={"task_id": record["task_id"]})
    if info.get("task_id") != record["task_id"]:
        problem(f"reset gives task {info.get('task_id')!r}")
    if steps[0].get("observation") != obs:
        problem(
            f"first observation differs: recorded {short_repr(steps[0].get('observation'))}, replay {short_repr(obs)}"
        )
    ended = False
    replayed_steps: list[dict[str, Any]] = []
    for number, step in enumerate(steps[1:], start=1):
        if ended:
            problem(f"step {number} was recorded after the episode ended")
            break
        if "action" not in step:
            problem(f"step {number} has no action")
            break
        action = step["action"]
        obs, reward, terminated, truncated, info = env.step(action)
        terminated, truncated = bool(terminated), bool(truncated)
        acts = user_acts(info)
        replayed_steps.append({"user_acts": acts})
        row["turns"] += 1
        row["reward"] += reward
        if is_tool_call(action, info):
            row["tool_calls"] += 1
        for name, mine in (
            ("observation", obs),
            ("reward", reward),
            ("terminated", terminated),
            ("truncated", truncated),
            ("user_acts", acts),
        ):
            if not same_value(step.get(name), mine):
                problem(
                    f"step {number} {name}: recorded {short_repr(step.get(name))}, replay {short_repr(mine)}"
                )
        ended = bool(terminated or truncated)
    row["questions"], row["redundant_questions"] = count_questions(replayed_steps)
    if ended:
        grade = info.get("grade") or {}
        row["success"] = bool(grade.get("success", False))
        row["partial"] = float(grade.get("partial", 0.0))
        if not same_value(record.get("grade") or {}, grade):
            problem(
                f"grade differs: recorded {short_repr(record.get('grade'))}, replay {short_repr(grade)}"
            )
        if error:
            problem("an error is recorded, but the episode had ended")
    elif not error:
        problem("the trajectory stops before the episode ended, and no error is recorded")
    _compare_row(record, row, problem)
    return {"row": row, "problems": problems}


def _compare_row(record: dict[str, Any], row: dict[str, Any], problem: Any) -> None:
    for name in RECOMPUTED_FIELDS:
        if not same_value(record.get(name), row[name]):
            problem(
                f"{name}: recorded {short_repr(record.get(name))}, replay {short_repr(row[name])}"
            )
