"""The policy-following heuristic agent of each domain, and how to build one for an env.

``utility-bench --agent heuristic`` resolves through `HEURISTIC_AGENTS`; so does
`MemoryHeuristicAgent`, which wraps the env's own heuristic. It lives with the agents (not in
the bench) so that an agent can find its sibling without importing the benchmark runner.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

# The policy-following heuristic agent of each domain (``Domain.name`` -> "module:Class"). An env
# id as key overrides its domain's entry, for a variant that needs its own heuristic.
HEURISTIC_AGENTS: dict[str, str] = {
    "customer_service": (
        "utility_gym.agents.heuristic_customer_service:CustomerServiceHeuristicAgent"
    ),
    "ticketing": "utility_gym.agents.heuristic_ticketing:TicketingHeuristicAgent",
    "web_shop": "utility_gym.agents.heuristic_web_shop:WebShopHeuristicAgent",
}


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


def heuristic_path(env_id: str) -> str | None:
    """The ``module:Class`` of the heuristic agent for ``env_id``; None when there is none."""
    return HEURISTIC_AGENTS.get(env_id) or HEURISTIC_AGENTS.get(env_domain(env_id))


def build_heuristic(env: Any, seed: int = 0) -> Any:
    """The env's heuristic agent, built as ``utility-bench`` builds it for an episode."""
    spec = getattr(env, "spec", None)
    env_id = spec.id if spec is not None else ""
    path = heuristic_path(env_id)
    if path is None:
        raise LookupError(f"no heuristic agent for {env_id!r}; see HEURISTIC_AGENTS")
    module, _, name = path.partition(":")
    cls = getattr(importlib.import_module(module), name)
    params = inspect.signature(cls).parameters
    kwargs: dict[str, Any] = {"env": env} if "env" in params else {}
    if "seed" in params:
        kwargs["seed"] = seed
    return cls(**kwargs)
