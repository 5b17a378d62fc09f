"""--agent policy:PATH: a trained policy acts through the admissible-action view of the text env,
exactly as on the RL view it was trained on, and its runs verify."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from utility_gym.agents.policy import PolicyAgent, PolicyError, save_numpy_policy
from utility_gym.bench.cli import main
from utility_gym.wrappers import make_rl_env

CS = "utility/CustomerService-v1"
VIEW = {"env_id": CS, "hash_dim": 256, "per_tool": 4, "n_actions": None}


def _random_policy(path: Path, seed: int = 0) -> np.ndarray:
    env = make_rl_env(CS, size="small")
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(env.action_space.n, env.observation_space.shape[0] + 1))
    save_numpy_policy(path, weights, VIEW)
    return weights


def _run_policy(policy: Path, out: Path, limit: int) -> int:
    args = [
        "--env",
        CS,
        "--limit",
        str(limit),
        "--trials",
        "1",
        "--workers",
        "1",
        "--size",
        "small",
    ]
    return main(["run", "--agent", f"policy:{policy}", *args, "--quiet", "--out", str(out)])


def test_policy_agent__acts_as_the_policy_does_on_the_rl_view(tmp_path):
    weights = _random_policy(tmp_path / "p.npz")
    rl = make_rl_env(CS, size="small")
    text = gym.make(CS, size="small")
    agent = PolicyAgent(text, tmp_path / "p.npz")
    for seed in range(3):
        x, info = rl.reset(seed=seed)
        obs, tinfo = text.reset(seed=seed)
        agent.reset()
        done = False
        while not done:
            logits = weights @ np.append(x, 1.0)
            index = int(np.argmax(np.where(info["action_mask"].astype(bool), logits, -np.inf)))
            assert agent.act(obs, tinfo) == info["action_strings"][index]
            x, _, term, trunc, info = rl.step(index)
            obs, _, _, _, tinfo = text.step(info_text := agent._last)
            assert obs == info["text"], info_text
            done = term or trunc


def test_policy_agent__refuses_a_policy_made_for_another_view(tmp_path):
    path = save_numpy_policy(tmp_path / "small.npz", np.zeros((3, 5)), VIEW)
    with pytest.raises(PolicyError, match="expects 4 observation floats and 3 actions"):
        PolicyAgent(gym.make(CS, size="small"), path)


def test_policy_agent__numpy_policy_runs_verifies_and_is_named_after_its_file(tmp_path):
    _random_policy(tmp_path / "linear-policy.npz")
    out = tmp_path / "run"
    assert _run_policy(tmp_path / "linear-policy.npz", out, limit=2) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["agent"]["name"] == "linear-policy"
    config = results["envs"][CS]["agent_config"]
    assert config["policy_kind"] == "numpy-linear" and len(config["policy_sha256"]) == 64
    assert main(["verify", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["verify", str(out), "--workers", "1", "--quiet", "--rerun"]) == 0


def test_policy_agent__missing_file_is_a_usage_error(tmp_path, capsys):
    code = main(
        [
            "run",
            "--agent",
            f"policy:{tmp_path / 'nope.zip'}",
            "--env",
            CS,
            "--limit",
            "1",
            "--size",
            "small",
            "--quiet",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    assert code == 2 and "no policy file" in capsys.readouterr().err


def test_policy_agent__maskable_ppo_zip_runs_and_verifies(tmp_path):
    if importlib.util.find_spec("sb3_contrib") is None:
        if os.environ.get("CI") and os.environ.get("UTILITY_GYM_CI_RL"):
            pytest.fail("CI installs the rl extra, but sb3_contrib is missing")
        pytest.skip("sb3-contrib is not installed (pip install 'utility-gym[rl]')")
    from sb3_contrib import MaskablePPO

    model = MaskablePPO(
        "MlpPolicy", make_rl_env(CS, size="small"), n_steps=64, batch_size=32, seed=0, device="cpu"
    )
    model.learn(total_timesteps=64)
    model.utility_gym_view = VIEW
    model.save(tmp_path / "ppo.zip", include=["utility_gym_view"])
    out = tmp_path / "run"
    assert _run_policy(tmp_path / "ppo.zip", out, limit=1) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["envs"][CS]["agent_config"]["policy_kind"] == "sb3:MaskablePPO"
    assert main(["verify", str(out), "--workers", "1", "--quiet"]) == 0
