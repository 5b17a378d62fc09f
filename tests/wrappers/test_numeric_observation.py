"""NumericObservation: a fixed-shape Box view, deterministic and stable across processes."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np

from utility_gym.testing import check_wrapped_env
from utility_gym.wrappers import AdmissibleActions, NumericObservation

CS = "utility/CustomerService-v1"


def _rollout(env: gym.Env, seed: int, steps: int = 10) -> list[np.ndarray]:
    obs, info = env.reset(seed=seed)
    out = [obs]
    for _ in range(steps):
        allowed = np.flatnonzero(info["action_mask"])
        obs, _, terminated, truncated, info = env.step(int(allowed[len(out) % len(allowed)]))
        out.append(obs)
        if terminated or truncated:
            break
    return out


def test_numeric_observation__passes_check_env(env_id, env_kwargs):
    env = NumericObservation(gym.make(env_id, **env_kwargs))
    try:
        check_wrapped_env(env)
    finally:
        env.close()


def test_numeric_observation__fixed_shape_in_bounds_and_named(env_id, env_kwargs):
    env = AdmissibleActions(NumericObservation(gym.make(env_id, **env_kwargs)))
    try:
        names = env.get_wrapper_attr("feature_names")()
        assert len(names) == env.observation_space.shape[0] == len(set(names))
        for seed in range(3):
            for obs in _rollout(env, seed):
                assert obs in env.observation_space, obs
    finally:
        env.close()


def test_numeric_observation__same_seeds_same_vectors_inside_or_outside(env_id, env_kwargs):
    inside = AdmissibleActions(NumericObservation(gym.make(env_id, **env_kwargs)))
    outside = NumericObservation(AdmissibleActions(gym.make(env_id, **env_kwargs)))
    try:
        a, b = _rollout(inside, 4), _rollout(outside, 4)
        assert len(a) == len(b)
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    finally:
        inside.close()
        outside.close()


def test_numeric_observation__state_features_follow_the_dialogue():
    env = AdmissibleActions(NumericObservation(gym.make(CS, size="small")))
    try:
        names = env.get_wrapper_attr("feature_names")()
        obs, info = env.reset(seed=0, options={"task_id": "customer_service/cancel_pending/3"})
        assert obs[names.index("first_turn")] == 1.0 and obs[names.index("role:user")] == 1.0
        ask = next(i for i, s in enumerate(env.layout) if s.label == "ask:email")
        obs, *_, info = env.step(ask)
        assert obs[names.index("asked:email")] == 1.0 and obs[names.index("given:email")] == 1.0
        assert (
            obs[names.index("agent_act:request")] == 1.0
            and obs[names.index("user_act:inform")] == 1.0
        )
        find = next(
            i for i, s in enumerate(env.layout) if s.label == "tool:find_customer_by_email#0"
        )
        obs, *_ = env.step(find)
        assert (
            obs[names.index("verified")] == 1.0
            and obs[names.index("last_call:find_customer_by_email")] == 1.0
        )
        assert obs[names.index("role:tool")] == 1.0 and obs[names.index("role:user")] == 0.0
    finally:
        env.close()


def test_numeric_observation__hashing_is_stable_across_processes():
    code = (
        "import gymnasium as gym, utility_gym, hashlib;"
        "from utility_gym.wrappers import NumericObservation;"
        "e = NumericObservation(gym.make('utility/CustomerService-v1', size='small'));"
        "o, _ = e.reset(seed=7); print(hashlib.sha256(o.tobytes()).hexdigest())"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(s), "PATH": ""},
        ).stdout
        for s in (1, 2)
    }
    assert len(outs) == 1, outs
