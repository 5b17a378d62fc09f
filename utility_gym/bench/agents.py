"""Which agent class ``--agent NAME`` means for an env, and how a worker builds one per episode."""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

# The policy-following heuristic agent of each domain (``Domain.name`` -> "module:Class"). An env
# id as key overrides its domain's entry, for a variant that needs its own heuristic.
HEURISTIC_AGENTS: dict[str, str] = {
    "customer_service": "utility_gym.agents.heuristic_customer_service:CustomerServiceHeuristicAgent",
    "ticketing": "utility_gym.agents.heuristic_ticketing:TicketingHeuristicAgent",
    "web_shop": "utility_gym.agents.heuristic_web_shop:WebShopHeuristicAgent",
}

# Agents that work on every domain.
NAMED_AGENTS: dict[str, str] = {
    "random": "utility_gym.agents.random_agent:RandomAgent",
    "oracle": "utility_gym.agents.oracle:OracleAgent",
    "memory": "utility_gym.agents.memory:MemoryHeuristicAgent",
    "llm": "utility_gym.agents.llm:LLMAgent",
    "do-nothing": "utility_gym.agents.degenerate:DoNothingAgent",
    "refuse-everything": "utility_gym.agents.degenerate:RefuseEverythingAgent",
    "transfer-at-once": "utility_gym.agents.degenerate:TransferAtOnceAgent",
    "agree-to-everything": "utility_gym.agents.degenerate:AgreeToEverythingAgent",
}

_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class AgentNotFound(ValueError):
    """``--agent`` names no agent, or none for this env (a user input error)."""


def known_agent_names() -> list[str]:
    return ["heuristic", *NAMED_AGENTS]


def env_domain(env_id: str) -> str:
    """The domain name of a registered env, read from its class without building a world."""
    creator = load_env_creator(gym.spec(env_id).entry_point)
    domain = getattr(creator, "domain", None)
    name = getattr(domain, "name", None)
    if isinstance(name, str):
        return name
    module = getattr(creator, "__module__", "")
    parts = module.split(".")
    return parts[parts.index("envs") + 1] if "envs" in parts[:-1] else env_id


def agent_path(name: str, env_id: str) -> str:
    """The ``module:Class`` of agent ``name`` for ``env_id``; raises AgentNotFound with what to do."""
    if name == "heuristic":
        domain = env_domain(env_id)
        path = HEURISTIC_AGENTS.get(env_id) or HEURISTIC_AGENTS.get(domain)
        if path is None:
            raise AgentNotFound(
                f"no heuristic agent for {env_id} (domain {domain!r}); add it to "
                "utility_gym.bench.agents.HEURISTIC_AGENTS or pass --agent module:Class"
            )
        try:
            load_agent_class(path)
        except AgentNotFound as e:
            raise AgentNotFound(f"the heuristic agent for {env_id} is missing: {e}") from None
        return path
    path = NAMED_AGENTS.get(name, name)
    if not _PATH.match(path):
        raise AgentNotFound(
            f"unknown agent {name!r}; use one of {', '.join(known_agent_names())} or package.module:Class"
        )
    load_agent_class(path)
    return path


def load_agent_class(path: str) -> type:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        raise AgentNotFound(f"cannot import {module_name} for agent {path} ({e})") from None
    cls = getattr(module, attr, None)
    if cls is None or not callable(cls):
        raise AgentNotFound(f"{module_name} has no agent class {attr!r}")
    return cls


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
