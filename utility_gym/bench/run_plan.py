"""What a run is before anything runs: its settings, each env's plan (kwargs, spec, tasks, user
simulator), the agent resolved for every env, and every episode with its derived seed.

An episode is fully described by ``(env_id, make kwargs, task_id, trial, seed, agent class)``;
the seed is derived from the run's base seed (``episode_seed``), never drawn at run time, so a
run can be replayed and checked episode by episode (``verify``).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

from utility_gym.bench.agents import (
    agent_config,
    agent_path,
    build_agent,
    declared_name,
    policy_file,
)
from utility_gym.bench.metrics import BOOTSTRAP_RESAMPLES
from utility_gym.bench.rules import name_problem

# Tasks drawn for the unlimited splits (train, heldout) when --limit is not given.
DEFAULT_UNLIMITED_TASKS = 100


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


class AgentNameError(ValueError):
    """The agent's name cannot label a run (a user input error)."""


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
