"""Which agent class ``--agent NAME`` means for an env, and how a worker builds one per episode."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import re
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym

from utility_gym.agents.heuristics import HEURISTIC_AGENTS, env_domain  # noqa: F401 (API)

# Agents that work on every domain.
NAMED_AGENTS: dict[str, str] = {
    "random": "utility_gym.agents.random_agent:RandomAgent",
    "oracle": "utility_gym.agents.oracle:OracleAgent",
    "memory": "utility_gym.agents.memory:MemoryHeuristicAgent",
    "learner": "utility_gym.agents.lessons:LessonHeuristicAgent",
    "llm": "utility_gym.agents.llm:LLMAgent",
    "do-nothing": "utility_gym.agents.degenerate:DoNothingAgent",
    "refuse-everything": "utility_gym.agents.degenerate:RefuseEverythingAgent",
    "transfer-at-once": "utility_gym.agents.degenerate:TransferAtOnceAgent",
    "agree-to-everything": "utility_gym.agents.degenerate:AgreeToEverythingAgent",
}

# ``--agent policy:PATH``: a trained policy file acting through the admissible-action view.
POLICY_PREFIX = "policy:"
POLICY_AGENT = "utility_gym.agents.policy:PolicyAgent"

_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_FILE_PATH = re.compile(r"^(?P<file>[^:]+\.py):(?P<cls>[A-Za-z_]\w*)$")

# Baselines whose actions are a function of the env, the episode seed and their options: the ones
# ``verify --rerun`` may re-run without the class saying so. Another class opts in with a class
# attribute ``deterministic = True`` (and must then be importable as package.module:Class).
DETERMINISTIC_BASELINES = frozenset(
    {
        *HEURISTIC_AGENTS.values(),
        *(NAMED_AGENTS[n] for n in NAMED_AGENTS if n not in ("llm", "memory", "learner")),
    }
)


class AgentNotFound(ValueError):
    """``--agent`` names no agent, or none for this env (a user input error)."""


def known_agent_names() -> list[str]:
    return ["heuristic", *NAMED_AGENTS, "policy:PATH"]


def policy_file(name: str) -> Path | None:
    """The policy file ``--agent policy:PATH`` names (absolute), or None for other agents."""
    if not name.startswith(POLICY_PREFIX):
        return None
    return Path(name[len(POLICY_PREFIX) :]).expanduser().resolve()


def agent_path(name: str, env_id: str) -> str:
    """The ``module:Class`` of agent ``name`` for ``env_id``; raises AgentNotFound with what to
    do."""
    if name == "heuristic":
        domain = env_domain(env_id)
        path = HEURISTIC_AGENTS.get(env_id) or HEURISTIC_AGENTS.get(domain)
        if path is None:
            raise AgentNotFound(
                f"no heuristic agent for {env_id} (domain {domain!r}); add it to "
                "utility_gym.agents.heuristics.HEURISTIC_AGENTS or pass --agent module:Class"
            )
        try:
            load_agent_class(path)
        except AgentNotFound as e:
            raise AgentNotFound(f"the heuristic agent for {env_id} is missing: {e}") from None
        return path
    policy = policy_file(name)
    if policy is not None:
        if policy.suffix not in (".zip", ".npz") or not policy.is_file():
            raise AgentNotFound(
                f"no policy file {policy} (policy:PATH takes an SB3 .zip or a numpy .npz)"
            )
        return POLICY_AGENT
    path = NAMED_AGENTS.get(name, name)
    if not (_PATH.match(path) or _FILE_PATH.match(path)):
        raise AgentNotFound(
            f"unknown agent {name!r}; use one of {', '.join(known_agent_names())}, "
            "package.module:Class or path/to/file.py:Class"
        )
    load_agent_class(path)
    return path


def load_agent_class(path: str) -> type:
    """The class ``package.module:Class`` or ``path/to/file.py:Class`` names.

    Modules are found on ``sys.path`` and then in the current directory (appended, so an
    installed package of the same name wins); files are loaded by path, relative to the current
    directory.
    """
    file_match = _FILE_PATH.match(path)
    if file_match:
        module = _load_file(file_match["file"], path)
        attr = file_match["cls"]
        module_name = file_match["file"]
    else:
        module_name, _, attr = path.partition(":")
        cwd = os.getcwd()
        if cwd not in sys.path and "" not in sys.path:
            sys.path.append(cwd)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            raise AgentNotFound(
                f"cannot import {module_name} for agent {path} ({e}; looked on sys.path and in "
                f"{cwd})"
            ) from None
    cls = getattr(module, attr, None)
    if cls is None or not callable(cls):
        raise AgentNotFound(f"{module_name} has no agent class {attr!r}")
    return cls


def _load_file(file: str, path: str) -> Any:
    source = Path(file)
    if not source.is_file():
        raise AgentNotFound(
            f"no file {file} for agent {path} (paths are relative to {os.getcwd()})"
        )
    resolved = source.resolve()
    module_name = "_utility_bench_agent_" + hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise AgentNotFound(f"cannot load {file} for agent {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # before running it: dataclasses and pickling look it up
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        del sys.modules[module_name]
        raise AgentNotFound(
            f"{file} raised {type(e).__name__} on import: {' '.join(str(e).split())[:200]}"
        ) from None
    return module


def declared_name(path: str) -> str | None:
    """The agent class's own ``name`` (a class attribute that is a string), if it has one."""
    try:
        cls = load_agent_class(path)
    except AgentNotFound:
        return None
    name = inspect.getattr_static(cls, "name", None)
    return name if isinstance(name, str) else None


def rerun_problem(path: str) -> str | None:
    """Why ``verify --rerun`` cannot re-run the agent ``path``, or None when it can."""
    if path in DETERMINISTIC_BASELINES:
        return None
    if _FILE_PATH.match(path):
        return f"{path} is loaded from a file; only package.module:Class agents can be re-run"
    if not _PATH.match(path):
        return f"{path} is not package.module:Class"
    try:
        cls = load_agent_class(path)
    except AgentNotFound as e:
        return f"{path} cannot be loaded here ({e})"
    if inspect.getattr_static(cls, "deterministic", False) is not True:
        return f"{path} does not declare deterministic = True"
    return None


def build_agent(path: str, env: gym.Env, seed: int, options: dict[str, Any] | None = None) -> Any:
    """Build one agent for one episode: ``cls(env)`` if it takes an env, ``seed=`` if it takes one.

    ``options`` (``--agent-arg KEY=VALUE``) are passed as keyword arguments. Agents are built per
    episode so that no state leaks from one episode to the next: a result never depends on
    which worker ran which episodes before it.
    """
    cls = load_agent_class(path)
    kwargs: dict[str, Any] = dict(options or {})
    args: list[Any] = []
    params = _init_params(cls)
    if "env" in params:
        kwargs["env"] = env
    elif params and _first_required(cls) not in (None, *kwargs):
        args.append(env)
    if "seed" in params and "seed" not in kwargs:
        kwargs["seed"] = seed
    return cls(*args, **kwargs)


def agent_config(agent: Any, path: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """What identifies the agent in provenance: class, ``--agent-arg`` options, its ``config()``."""
    config: dict[str, Any] = {"class": path}
    if options:
        config["options"] = redact(options)
    getter = getattr(agent, "config", None)
    if callable(getter):
        extra = getter()
        if isinstance(extra, dict):
            config.update(extra)
    return config


_SECRET = re.compile(r"key|token|secret|password|auth", re.IGNORECASE)


def redact(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with the values of secret-looking keys (``api_key``, ``token``, ...) hidden."""
    return {k: ("***" if _SECRET.search(k) and v else v) for k, v in options.items()}


def redact_command(argv: list[str]) -> list[str]:
    """A command line with the values of secret-looking ``KEY=VALUE`` arguments hidden."""
    out = []
    for arg in argv:
        option, body = ("", arg)
        if arg.startswith("--") and "=" in arg:  # --agent-arg=api_key=...
            option, body = arg.split("=", 1)
            option += "="
        key, sep, value = body.partition("=")
        out.append(f"{option}{key}=***" if sep and value and _SECRET.search(key) else arg)
    return out


def agent_usage(agent: Any) -> dict[str, Any] | None:
    """The agent's ``usage()`` (tokens, cost) for the episode, if it reports one."""
    getter = getattr(agent, "usage", None)
    if not callable(getter):
        return None
    usage = getter()
    return dict(usage) if isinstance(usage, dict) else None


def _init_params(cls: type) -> dict[str, inspect.Parameter]:
    try:
        params = dict(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        return {}
    return params


def _first_required(cls: type) -> str | None:
    """The first positional parameter without a default (taken to be the env), if any."""
    for name, p in _init_params(cls).items():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty:
            return name
    return None
