"""Training on the RL view: the numpy REINFORCE learner, and sb3-contrib's MaskablePPO when
installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from utility_gym.agents.learners import (
    Adam,
    MaskedRandomAgent,
    ReinforceAgent,
    evaluate,
    train,
    wilson_interval,
)
from utility_gym.wrappers import make_rl_env

CS = "utility/CustomerService-v1"
ROOT = Path(__file__).resolve().parents[2]


def test_reinforce__learns_to_refuse_what_policy_forbids():
    env = make_rl_env(CS, ["discount_refuse"], seed_pool=20, size="small")
    eval_env = make_rl_env(CS, ["discount_refuse"], size="small")
    try:
        agent = ReinforceAgent(env.observation_space.shape[0], env.action_space.n, lr=0.05, seed=0)
        curve = train(env, agent, 160, window=40)
        assert len(curve.success) == 4 and curve.steps > 0
        seeds = range(500, 530)
        learned = evaluate(eval_env, agent, seeds)
        chance = evaluate(eval_env, MaskedRandomAgent(env.action_space.n, seed=0), seeds)
        assert sum(learned) >= 27 and sum(chance) <= 15, (sum(learned), sum(chance))
    finally:
        env.close()
        eval_env.close()


def test_reinforce__never_picks_a_masked_action_and_state_round_trips():
    agent = ReinforceAgent(4, 5, seed=1)
    mask = np.array([0, 1, 0, 1, 0], np.int8)
    picks = {agent.act(np.ones(4, np.float32), {"action_mask": mask}) for _ in range(50)}
    assert picks <= {1, 3}
    agent.observe(1.0)
    agent.learn()
    other = ReinforceAgent(4, 5)
    other.load_state_dict(agent.state_dict())
    np.testing.assert_array_equal(other.W, agent.W)


def test_learners__adam_ascends_and_wilson_interval_brackets_the_rate():
    x = np.array([0.0])
    opt = Adam([x], lr=0.1)
    for _ in range(200):
        opt.ascend([-2 * (x - 3.0)])  # maximize -(x - 3)^2
    assert abs(x[0] - 3.0) < 0.05
    low, high = wilson_interval(30, 100)
    assert low < 0.3 < high and 0.2 < low and high < 0.41
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_maskable_ppo__trains_a_few_hundred_steps_on_the_rl_view():
    pytest.importorskip("torch", reason="MaskablePPO needs the 'rl' extra (CPU torch)")
    pytest.importorskip("sb3_contrib", reason="MaskablePPO needs the 'rl' extra (sb3-contrib)")
    spec = importlib.util.spec_from_file_location(
        "train_maskable_ppo", ROOT / "examples" / "train_maskable_ppo.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    model = script.build(
        ["discount_refuse", "cancel_pending"],
        env_id=CS,
        seed_pool=10,
        size="small",
        n_envs=2,
        seed=0,
        n_steps=64,
        batch_size=32,
        n_epochs=2,
    )
    model.learn(total_timesteps=256)
    assert model.num_timesteps >= 256
    env = make_rl_env(CS, ["cancel_pending"], size="small")
    try:
        agent = script.MaskablePolicyAgent(model)
        obs, info = env.reset(seed=3)
        for _ in range(5):
            action = agent.act(obs, info)
            assert info["action_mask"][action] == 1
            obs, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                break
    finally:
        env.close()
