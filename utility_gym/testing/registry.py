"""The registered utility/* ids, and how to make each one cheaply in tests."""

from __future__ import annotations

import inspect
import os
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

PREFIX = "utility/"


def utility_env_ids(include_browser: bool = True) -> list[str]:
    """Every id registered under ``utility/``, sorted (stable across pytest-xdist workers)."""
    import utility_gym  # noqa: F401  (registers the envs)

    ids = sorted(env_id for env_id in gym.registry if env_id.startswith(PREFIX))
    if not include_browser:
        ids = [env_id for env_id in ids if not needs_browser(env_id)]
    return ids


def fast_kwargs(env_id: str) -> dict[str, Any]:
    """Kwargs that make ``env_id`` quick to build: ``size="small"`` where the env takes ``size``."""
    spec = gym.spec(env_id)
    entry = spec.entry_point
    creator = load_env_creator(entry) if isinstance(entry, str) else entry
    try:
        params = inspect.signature(creator).parameters
    except (TypeError, ValueError):
        return {}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return {"size": "small"} if "size" in params or takes_any else {}


def needs_browser(env_id: str) -> bool:
    """Whether the env drives a real browser (its spec kwargs say ``browser=True``)."""
    spec = gym.spec(env_id)
    return bool(spec.kwargs.get("browser")) or spec.kwargs.get("backend") == "browser"


def browser_skip_reason(env_id: str) -> str | None:
    """Why ``env_id`` cannot run here, or None. Never skips under ``CI=true``: CI must run it.

    Asks the same ``find_chromium`` that the browser env launches, so a test skips exactly when
    the env could not start."""
    if not needs_browser(env_id) or os.environ.get("CI", "").lower() == "true":
        return None
    from utility_gym.envs.web_shop.chromium import ChromiumNotFound, find_chromium

    try:
        find_chromium()
    except ChromiumNotFound as e:
        return f"{env_id} needs Chromium: {e}"
    return None
