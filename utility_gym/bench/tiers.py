"""Difficulty tiers of a run's tasks (``core.difficulty``), for success per tier in results."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from utility_gym.core.difficulty import confirm_tools_of, tier
from utility_gym.core.tasks import NoTask, parse_task_id

TierKey = tuple[str, str]  # (env id, task id)


def task_tiers(
    env_id: str, make_kwargs: Mapping[str, Any], task_ids: Iterable[str]
) -> dict[TierKey, str]:
    """``{(env_id, task_id): tier}`` for the tasks of one env of a run; empty for an env whose
    tasks cannot be made outside an episode (no ``make_task`` or tool box)."""
    from utility_gym.bench.episode_worker import cached_env

    env = cached_env(env_id, json.dumps(dict(make_kwargs), sort_keys=True))
    base = env.unwrapped
    if not hasattr(base, "make_task") or not hasattr(base, "toolbox"):
        return {}
    confirm = confirm_tools_of(env)
    out: dict[TierKey, str] = {}
    for task_id in task_ids:
        try:
            _, template, seed = parse_task_id(task_id)
            out[(env_id, task_id)] = tier(base.make_task(template, seed), confirm)
        except (ValueError, KeyError, NoTask):
            return {}  # a task id this env cannot make: no tiers rather than partial ones
    return out
