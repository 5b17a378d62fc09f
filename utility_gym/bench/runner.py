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
import hashlib
import inspect
import json
import os
import platform
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

from utility_gym.bench.agents import (
    agent_config,
    agent_path,
    agent_usage,
    build_agent,
    declared_name,
    policy_file,
    redact,
)
from utility_gym.bench.execution import Runner, progress_bar
from utility_gym.bench.files import (
    PARTIAL_FILE,
    RESULTS_FILE,
    STATE_FILE,
    TRAJECTORIES_FILE,
    TRAJECTORIES_GZ,
    atomic_write,
    fsync_dir,
    gzip_bytes,
    iter_json_lines,
    json_line,
    trajectory_file,
)
from utility_gym.bench.metrics import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, summarize
from utility_gym.bench.rules import AGENT, FORMAT, SEED_RULE, name_problem
from utility_gym.bench.tiers import task_tiers
from utility_gym.core.tasks import task_set_hash

# Tasks drawn for the unlimited splits (train, heldout) when --limit is not given.
DEFAULT_UNLIMITED_TASKS = 100
QUESTION_ACT = "inform"  # the user answered a request for information
REDUNDANT_ACT = "already_said"  # ... that it had answered before in the episode


class EnvNotFound(ValueError):
    """``--env`` names no registered environment (a user input error)."""


# -- choosing envs, tasks and seeds ------------------------------------------------------------
def registered_env_ids() -> list[str]:
    """Every registered ``utility/*`` id that runs isolated episodes (stream variants excluded)."""
    import utility_gym  # noqa: F401  (registers utility/*)

    ids = []
    for env_id, spec in gym.registry.items():
        if not env_id.startswith("utility/"):
            continue
        if spec.kwargs.get("mode") == "stream" or "Stream" in env_id:
            continue
        ids.append(env_id)
    return sorted(ids)


def unknown_env(name: str) -> str:
    """What to say of an env id that is not registered: the version to use when only its
    version is wrong (a stream id bumped to v2), else what is registered."""
    from gymnasium.envs.registration import find_highest_version, parse_env_id

    env_id = name if name.startswith("utility/") else f"utility/{name}"
    try:
        namespace, base, _ = parse_env_id(env_id)
        latest = find_highest_version(namespace, base)
    except gym.error.Error:
        latest = None
    if latest is not None:
        return f"{name!r} is not a registered version; use utility/{base}-v{latest}"
    known = registered_env_ids()
    return f"unknown env {name!r}; registered: {', '.join(known) or 'none'}"


def select_envs(names: Sequence[str]) -> list[str]:
    """Expand ``all`` (every env), ``text`` (every env without a browser) and short ids."""
    from utility_gym.testing.registry import needs_browser

    known = registered_env_ids()
    chosen: list[str] = []
    for raw in names:
        for name in (n.strip() for n in raw.split(",")):
            if not name:
                continue
            if name == "all":
                ids = known
            elif name == "text":
                ids = [i for i in known if not needs_browser(i)]
            else:
                env_id = name if name.startswith("utility/") else f"utility/{name}"
                if env_id not in gym.registry:
                    raise EnvNotFound(f"{unknown_env(name)} (or 'all', 'text')")
                ids = [env_id]
            chosen.extend(i for i in ids if i not in chosen)
    if not chosen:
        raise EnvNotFound(
            "no env selected; pass --env all or an id such as utility/CustomerService-v1"
        )
    return chosen


def make_kwargs_for(env_id: str, split: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The kwargs to make ``env_id`` with: ``split`` (where the env takes one) plus ``extra``."""
    kwargs = dict(extra or {})
    creator = load_env_creator(gym.spec(env_id).entry_point)
    try:
        params = inspect.signature(creator).parameters
    except (TypeError, ValueError):
        params = {}
    if "split" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs.setdefault("split", split)
    return kwargs


def task_ids_for(env: gym.Env, split: str, limit: int | None) -> list[str]:
    """The tasks of a run: the fixed ``test`` list, or the first distinct tasks seeds 0, 1, ...
    draw."""
    base = env.unwrapped
    if split == "test":
        ids = list(base.task_ids("test"))
        return ids[:limit] if limit is not None else ids
    wanted = limit if limit is not None else DEFAULT_UNLIMITED_TASKS
    ids: list[str] = []
    for seed in range(wanted * 5):
        _, info = env.reset(seed=seed)
        if info["task_id"] not in ids:
            ids.append(info["task_id"])
        if len(ids) == wanted:
            break
    return ids


def episode_seed(base_seed: int, env_id: str, task_id: str, trial: int) -> int:
    """The reset seed of one episode (see ``SEED_RULE``): fixed by the run's base seed."""
    digest = hashlib.sha256(f"{base_seed}|{env_id}|{task_id}|{trial}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def agent_label(name: str) -> str:
    """A short name for an agent, also its results folder: ``heuristic``, ``MyAgent``, ..."""
    label = name.rpartition(":")[2] if ":" in name else name
    return re.sub(r"[^\w.-]+", "_", label) or "agent"


# -- one episode, in a worker ------------------------------------------------------------------
@dataclass(frozen=True)
class Episode:
    index: int
    env_id: str
    make_kwargs: str  # JSON, so the episode is hashable and cheap to send to a worker
    task_id: str
    trial: int
    seed: int
    agent: str  # label
    agent_path: str
    agent_options: str = "{}"  # JSON of --agent-arg keyword arguments


_ENV_CACHE: dict[tuple[str, str], gym.Env] = {}


def cached_env(env_id: str, make_kwargs: str) -> gym.Env:
    """One env per (id, kwargs) per worker process: a reset restores everything an episode needs."""
    key = (env_id, make_kwargs)
    env = _ENV_CACHE.get(key)
    if env is None:
        import utility_gym  # noqa: F401  (registers utility/* in a fresh worker, e.g. on Ray)

        env = gym.make(env_id, **json.loads(make_kwargs))
        _ENV_CACHE[key] = env
    return env


def run_one(episode: Episode) -> dict[str, Any]:
    """Run one episode and return its trajectory record (the line of trajectories.jsonl)."""
    from utility_gym.core.rollout import EpisodeResult, run_episode

    env = cached_env(episode.env_id, episode.make_kwargs)
    usage = None
    start = time.perf_counter()
    try:
        agent = build_agent(
            episode.agent_path, env, episode.seed, json.loads(episode.agent_options)
        )
    except Exception as exc:
        result = EpisodeResult(episode.task_id, episode.seed, False, 0.0, 0.0, 0, 0, {})
        result.error = (
            f"{type(exc).__name__} in building the agent: {' '.join(str(exc).split())[:500]}"
        )
    else:
        result = run_episode(
            env,
            agent,
            seed=episode.seed,
            options={"task_id": episode.task_id},
            record=True,
            catch_errors=True,
        )
        try:
            usage = agent_usage(agent)
        except Exception:  # a broken usage() must not turn a finished episode into an error
            usage = None
    return trajectory_record(episode, result, usage, time.perf_counter() - start)


def run_group(episodes: Sequence[Episode]) -> list[dict[str, Any]]:
    """Run the trials of one task in one worker, so each worker generates each task at most once."""
    return [run_one(episode) for episode in episodes]


def group_by_task(episodes: Sequence[Episode]) -> list[tuple[Episode, ...]]:
    """Consecutive episodes of the same (env, task), in order: the unit of work of a worker."""
    groups: list[list[Episode]] = []
    for episode in episodes:
        if groups and (groups[-1][0].env_id, groups[-1][0].task_id) == (
            episode.env_id,
            episode.task_id,
        ):
            groups[-1].append(episode)
        else:
            groups.append([episode])
    return [tuple(g) for g in groups]


def trajectory_record(
    episode: Episode, result: Any, usage: dict[str, Any] | None, seconds: float
) -> dict[str, Any]:
    questions, redundant = count_questions(result.steps)
    return {
        "env_id": episode.env_id,
        "task_id": episode.task_id,
        "trial": episode.trial,
        "seed": episode.seed,
        "agent": episode.agent,
        "success": result.success,
        "partial": result.partial,
        "reward": result.reward,
        "turns": result.turns,
        "tool_calls": result.tool_calls,
        "questions": questions,
        "redundant_questions": redundant,
        "error": result.error,
        "usage": usage,
        "seconds": seconds,
        "grade": result.grade or None,
        "steps": result.steps,
    }


def count_questions(steps: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """(questions the user answered, of which repeats) from the user's acts, step by step."""
    questions = redundant = 0
    for step in steps:
        acts = step.get("user_acts") or ()
        if QUESTION_ACT in acts:
            questions += 1
            if REDUNDANT_ACT in acts:
                redundant += 1
    return questions, redundant


# -- a whole run -----------------------------------------------------------------------------
@dataclass
class EnvPlan:
    env_id: str
    make_kwargs: dict[str, Any]
    spec: dict[str, Any]
    task_ids: list[str]
    user_simulator: dict[str, Any]


@dataclass
class AgentRun:
    label: str  # the run's agent name: results.json, every trajectory line, its folder
    name: str  # as given to --agent
    paths: dict[str, str]  # env_id -> module:Class
    options: dict[str, Any] = field(default_factory=dict)  # --agent-arg keyword arguments
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class RunSettings:
    agents: list[str]
    env_ids: list[str]
    split: str = "test"
    trials: int = 1
    workers: int = 1
    backend: str = "local"
    out: Path = Path("runs/latest")
    limit: int | None = None
    seed: int = 0
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    resamples: int = BOOTSTRAP_RESAMPLES
    quiet: bool = False
    compress: bool = False
    command: list[str] = field(default_factory=list)
    name: str | None = None  # --name: the agent name of a one-agent run


class RunInterrupted(Exception):
    """Ctrl-C stopped a run; what finished is kept and ``run --resume`` continues it."""

    def __init__(self, out: Path, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done} of {total} episodes")
        self.out, self.done, self.total = out, done, total


class ResumeError(ValueError):
    """``run --resume`` cannot continue this folder (a user input error)."""


def plan_envs(
    env_ids: Sequence[str], split: str, limit: int | None, env_kwargs: dict[str, Any]
) -> list[EnvPlan]:
    """Make each env once here: its spec, its task list and its user simulator, for provenance."""
    plans = []
    for env_id in env_ids:
        kwargs = make_kwargs_for(env_id, split, env_kwargs)
        env = gym.make(env_id, **kwargs)
        try:
            plans.append(
                EnvPlan(
                    env_id=env_id,
                    make_kwargs=kwargs,
                    spec=json.loads(env.spec.to_json()),
                    task_ids=task_ids_for(env, split, limit),
                    user_simulator=describe_user(env),
                )
            )
        finally:
            env.close()
    return plans


def plan_agent(
    name: str,
    envs: Sequence[EnvPlan],
    options: dict[str, Any] | None = None,
    display_name: str | None = None,
) -> AgentRun:
    """Resolve ``name`` for every env and build one agent per env to read its ``config()``.

    The run's agent name is ``display_name`` (``--name``), else a registry name as given
    (``heuristic``), else the class's own ``name`` attribute, else its class name; it must match
    ``rules.NAME_PATTERN`` (AgentNameError otherwise).
    """
    paths = {plan.env_id: agent_path(name, plan.env_id) for plan in envs}
    label = display_name or default_agent_name(name, list(paths.values()))
    problem = name_problem(label)
    if problem:
        raise AgentNameError(f"{problem}; pass --name NAME")
    options = dict(options or {})
    policy = policy_file(name)
    if policy is not None:
        options.setdefault("policy", str(policy))
    run = AgentRun(label=label, name=name, paths=paths, options=options)
    for plan in envs:
        env = gym.make(plan.env_id, **plan.make_kwargs)
        try:
            agent = build_agent(paths[plan.env_id], env, 0, run.options)
            run.configs[plan.env_id] = agent_config(agent, paths[plan.env_id], run.options)
        finally:
            env.close()
    return run


class AgentNameError(ValueError):
    """The agent's name cannot label a run (a user input error)."""


def default_agent_name(name: str, paths: Sequence[str]) -> str:
    policy = policy_file(name)
    if policy is not None:  # policy:runs/ppo/maskable-ppo.zip -> maskable-ppo
        return agent_label(policy.stem)
    if ":" not in name:  # heuristic, random, oracle, ...: the registry name
        return name
    declared = {declared_name(p) for p in paths}
    if len(declared) == 1 and None not in declared:
        return str(declared.pop())
    return agent_label(name)


def describe_user(env: gym.Env) -> dict[str, Any]:
    user = getattr(env.unwrapped, "user", None)
    if user is None:
        return {"class": None}
    info: dict[str, Any] = {"class": f"{type(user).__module__}:{type(user).__qualname__}"}
    getter = getattr(user, "config", None)
    if callable(getter):
        extra = getter()
        if isinstance(extra, dict):
            info.update(extra)
    return info


def plan_episodes(
    agent: AgentRun, envs: Sequence[EnvPlan], trials: int, base_seed: int
) -> list[Episode]:
    """Every (env, task, trial) of the run, in a fixed order, each with its derived seed."""
    episodes = []
    for plan in envs:
        kwargs = json.dumps(plan.make_kwargs, sort_keys=True)
        for task_id in plan.task_ids:
            for trial in range(trials):
                episodes.append(
                    Episode(
                        index=len(episodes),
                        env_id=plan.env_id,
                        make_kwargs=kwargs,
                        task_id=task_id,
                        trial=trial,
                        seed=episode_seed(base_seed, plan.env_id, task_id, trial),
                        agent=agent.label,
                        agent_path=agent.paths[plan.env_id],
                        agent_options=json.dumps(agent.options, sort_keys=True),
                    )
                )
    return episodes


def results_document(
    agent: AgentRun,
    envs: Sequence[EnvPlan],
    trajectories: Sequence[dict[str, Any]],
    settings: RunSettings,
    wall_seconds: float,
    started_at: str,
    *,
    kind: str = AGENT,
    selection: str = "first",
) -> dict[str, Any]:
    """results.json: the summary per env and overall, and the provenance of the run."""
    env_docs: dict[str, Any] = {}
    all_tiers: dict[tuple[str, str], str] = {}
    for plan in envs:
        rows = [t for t in trajectories if t["env_id"] == plan.env_id]
        tiers = task_tiers(plan.env_id, plan.make_kwargs, plan.task_ids)
        all_tiers |= tiers
        env_docs[plan.env_id] = {
            "spec": plan.spec,
            "make_kwargs": plan.make_kwargs,
            "task_set_hash": task_set_hash(plan.task_ids),
            "task_ids": plan.task_ids,
            "user_simulator": plan.user_simulator,
            "agent_class": agent.paths[plan.env_id],
            "agent_config": agent.configs.get(plan.env_id, {}),
            "metrics": summarize(
                rows,
                trials=settings.trials,
                resamples=settings.resamples,
                seed=BOOTSTRAP_SEED,
                tiers=tiers,
            ),
        }
    all_ids = [f"{plan.env_id}::{t}" for plan in envs for t in plan.task_ids]
    agent_doc: dict[str, Any] = {
        "name": agent.label,
        "spec": agent.name,
        "classes": agent.paths,
        "options": redact(agent.options),
    }
    if kind != AGENT:
        agent_doc["kind"] = kind
    doc: dict[str, Any] = {
        "format": FORMAT,
        "agent": agent_doc,
        "split": settings.split,
        "trials": settings.trials,
        "limit": settings.limit,
        "seed": settings.seed,
        "seed_rule": SEED_RULE,
    }
    if selection != "first":
        doc["selection"] = selection
    doc |= {
        "overall": summarize(
            trajectories,
            trials=settings.trials,
            resamples=settings.resamples,
            seed=BOOTSTRAP_SEED,
            tiers=all_tiers,
        ),
        "envs": env_docs,
        "provenance": provenance(settings, wall_seconds, started_at, task_set_hash(all_ids)),
    }
    return doc


def provenance(
    settings: RunSettings, wall_seconds: float, started_at: str, overall_hash: str
) -> dict[str, Any]:
    import numpy

    import utility_gym

    return {
        "package": "utility-gym",
        "version": utility_gym.__version__,
        "gymnasium": gym.__version__,
        "numpy": numpy.__version__,
        "task_set_hash": overall_hash,
        "backend": settings.backend,
        "workers": settings.workers,
        "started_at": started_at,
        "wall_seconds": wall_seconds,
        "command": settings.command,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
    }


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
        atomic_write(state_path, _state_bytes(state))
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
                atomic_write(state_path, _state_bytes(state))
            (out / PARTIAL_FILE).unlink(missing_ok=True)
            fsync_dir(out)
    state_path.unlink(missing_ok=True)
    fsync_dir(settings.out)
    return outcomes


def _state_bytes(state: dict[str, Any]) -> bytes:
    return (json.dumps(state, indent=2) + "\n").encode()


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


STATE_FORMAT = "utility-bench-unfinished/1"


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


def write_run(
    out: Path,
    results: dict[str, Any],
    trajectories: Sequence[dict[str, Any]],
    *,
    compress: bool = False,
) -> None:
    """The final files, each replaced atomically: trajectories, then results.json. ``run``
    removes the partial file and the state only after this: killed in between, the folder is
    still an unfinished run, which ``verify`` refuses and ``run --resume`` writes again."""
    out.mkdir(parents=True, exist_ok=True)
    plain, packed = out / TRAJECTORIES_FILE, out / TRAJECTORIES_GZ
    lines = "".join(json_line(record) for record in trajectories).encode("utf-8")
    if compress:
        atomic_write(packed, gzip_bytes(lines))
    else:
        atomic_write(plain, lines)
    atomic_write(
        out / RESULTS_FILE,
        (json.dumps(results, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    )
    (plain if compress else packed).unlink(missing_ok=True)
    fsync_dir(out)


def read_trajectories(directory: Path) -> list[dict[str, Any]]:
    """The records of ``trajectories.jsonl`` (or ``trajectories.jsonl.gz``) in ``directory``."""
    return [record for _, record in iter_json_lines(trajectory_file(directory))]


def eprint(*parts: object) -> None:
    print(*parts, file=sys.stderr)
