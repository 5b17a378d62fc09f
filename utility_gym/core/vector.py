"""Vector envs of every domain: worker processes, text passed by pipe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
from gymnasium.wrappers import OrderEnforcing, TimeLimit


def vector_env_factory(env_cls: type[gym.Env]) -> Callable[..., gym.vector.VectorEnv]:
    """A ``vector_entry_point`` for ``env_cls``: worker processes, strings passed by pipe.

    Gymnasium's shared-memory path is not used for text observations (see ``core.spaces``).
    """

    def make_vector_env(
        num_envs: int = 1, max_episode_steps: int | None = None, **kwargs: Any
    ) -> gym.vector.VectorEnv:
        def make_one() -> gym.Env:
            inner = env_cls(**kwargs)
            inner.step_cap = max_episode_steps
            env: gym.Env = OrderEnforcing(inner)
            if max_episode_steps is not None:
                env = TimeLimit(env, max_episode_steps)
            return env

        return gym.vector.AsyncVectorEnv([make_one for _ in range(num_envs)], shared_memory=False)

    return make_vector_env
