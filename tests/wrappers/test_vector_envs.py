"""The RL view under gym.make_vec, sync and async, for every registered utility/* env."""

from __future__ import annotations

from functools import partial

import gymnasium as gym
import numpy as np
import pytest

from utility_gym.wrappers import rl_view


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_vector_envs__rl_view_steps_with_masks(env_id, env_kwargs, mode):
    venv = gym.make_vec(
        env_id, num_envs=2, vectorization_mode=mode, wrappers=[partial(rl_view)], **env_kwargs
    )
    try:
        obs, info = venv.reset(seed=5)
        assert obs.shape == (2, *venv.single_observation_space.shape) and obs.dtype == np.float32
        for _ in range(3):
            mask = np.asarray(info["action_mask"], dtype=bool)
            assert mask.shape == (2, venv.single_action_space.n) and mask.any(axis=1).all()
            actions = np.array([np.flatnonzero(m)[-1] for m in mask])
            new_obs, rewards, terminated, truncated, info = venv.step(actions)
            assert new_obs.shape == obs.shape and rewards.shape == (2,)
            assert (new_obs != obs).any(axis=1).all(), "every sub-env's observation changes"
            obs = new_obs
    finally:
        venv.close()
