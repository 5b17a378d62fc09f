"""Recorded episodes replayed into the full step data an exporter needs (text, info, RL view)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from utility_gym.wrappers.mirror import RLViewMirror, ViewStep


class ExportError(ValueError):
    """A run cannot be exported (unreadable, or its replay differs from the recording)."""


@dataclass
class ReplayedEpisode:
    """One recorded episode, replayed: ``observations`` has one entry more than ``actions``."""

    env_id: str
    task_id: str
    seed: int
    trial: int
    success: bool
    observations: list[str] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    terminations: list[bool] = field(default_factory=list)
    truncations: list[bool] = field(default_factory=list)
    infos: list[dict[str, Any]] = field(default_factory=list)
    views: list[ViewStep] = field(default_factory=list)

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.infos[0].get("tools", [])) if self.infos else []

    @property
    def policy(self) -> str:
        return str(self.infos[0].get("policy", "")) if self.infos else ""


def replay(
    env: gym.Env, record: dict[str, Any], mirror: RLViewMirror | None = None
) -> ReplayedEpisode:
    """Replay ``record`` (a trajectory line) in ``env``; every observation must match."""
    steps = record["steps"]
    episode = ReplayedEpisode(
        record["env_id"],
        record["task_id"],
        int(record["seed"]),
        int(record.get("trial", 0)),
        bool(record.get("success", False)),
    )
    obs, info = env.reset(seed=episode.seed, options={"task_id": episode.task_id})
    _check(obs, steps[0]["observation"], episode, 0)
    episode.observations.append(obs)
    episode.infos.append(info)
    if mirror is not None:
        episode.views.append(mirror.start(obs, info))
    for number, step in enumerate(steps[1:], start=1):
        action = step["action"]
        obs, reward, terminated, truncated, info = env.step(action)
        _check(obs, step["observation"], episode, number)
        episode.actions.append(action)
        episode.observations.append(obs)
        episode.rewards.append(float(reward))
        episode.terminations.append(bool(terminated))
        episode.truncations.append(bool(truncated))
        episode.infos.append(info)
        if mirror is not None:
            episode.views.append(mirror.advance(action, obs, info, reward, terminated, truncated))
    return episode


def action_text(action: Any) -> str:
    """The text form of an action (tool calls as JSON), as the env reads it."""
    return action if isinstance(action, str) else json.dumps(action, ensure_ascii=False)


def stacked(views: list[ViewStep]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.stack([v.observation for v in views]).astype(np.float32),
        np.stack([v.action_mask for v in views]).astype(np.int8),
    )


def _check(fresh: Any, recorded: Any, episode: ReplayedEpisode, number: int) -> None:
    if fresh != recorded:
        raise ExportError(
            f"{episode.task_id} (seed {episode.seed}) step {number}: the replay's observation "
            "differs "
            "from the recorded one; run `utility-bench verify` on this run first"
        )
