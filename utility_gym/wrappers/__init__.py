"""RL views of the utility envs: admissible-action Discrete spaces with masks, numeric
observations, a task curriculum and JSONL transcript recording.

The usual stack, for any registered id::

    env = make_rl_env("utility/CustomerService-v1", templates=["cancel_pending"])
    obs, info = env.reset(seed=0)          # obs: float32 vector; info["action_mask"]
    obs, r, term, trunc, info = env.step(int(np.flatnonzero(info["action_mask"])[0]))

or with vector envs: ``gym.make_vec(id, 8, vectorization_mode="async", wrappers=[rl_view])``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import gymnasium as gym

from utility_gym.wrappers.admissible import (
    ActionEnumerator,
    ActionListing,
    AdmissibleActions,
    Slot,
    ToolInfo,
    describe_result,
)
from utility_gym.wrappers.curriculum import TaskCurriculum
from utility_gym.wrappers.entities import Entity, EntityTracker
from utility_gym.wrappers.numeric import NumericObservation
from utility_gym.wrappers.recorder import TranscriptRecorder, read_transcripts

__all__ = [
    "ActionEnumerator",
    "ActionListing",
    "AdmissibleActions",
    "Entity",
    "EntityTracker",
    "NumericObservation",
    "Slot",
    "TaskCurriculum",
    "ToolInfo",
    "TranscriptRecorder",
    "describe_result",
    "make_rl_env",
    "read_transcripts",
    "rl_view",
]


def rl_view(
    env: gym.Env,
    templates: Sequence[str] | None = None,
    *,
    per_tool: int = 4,
    n_actions: int | None = None,
    hash_dim: int = 256,
    record: str | os.PathLike[str] | None = None,
    seed_pool: int | None = None,
) -> gym.Env:
    """Wrap a made utility env for RL: [curriculum] -> NumericObservation -> AdmissibleActions
    [-> recorder].

    The recorder, outermost, writes each step's action index, its text, the action mask and
    the text observation (``info["text"]``): a dataset of the RL view and of the text view at once.
    """
    if templates:
        env = TaskCurriculum(env, templates, seed_pool=seed_pool)
    env = NumericObservation(env, hash_dim=hash_dim)
    env = AdmissibleActions(env, per_tool=per_tool, n=n_actions)
    if record is not None:
        env = TranscriptRecorder(env, record, include_masks=True)
    return env


def make_rl_env(
    env_id: str = "utility/CustomerService-v1",
    templates: Sequence[str] | None = None,
    *,
    per_tool: int = 4,
    n_actions: int | None = None,
    hash_dim: int = 256,
    record: str | os.PathLike[str] | None = None,
    seed_pool: int | None = None,
    **kwargs: Any,
) -> gym.Env:
    """``gym.make(env_id, **kwargs)`` wrapped by ``rl_view``."""
    return rl_view(
        gym.make(env_id, **kwargs),
        templates,
        per_tool=per_tool,
        n_actions=n_actions,
        hash_dim=hash_dim,
        record=record,
        seed_pool=seed_pool,
    )
