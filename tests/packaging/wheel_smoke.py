"""Run by tests/packaging/test_wheel_install.py with the Python of a fresh venv that has the
built wheel installed, from a directory outside the repository: what a user of the wheel gets."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys
from pathlib import Path

import gymnasium as gym

import utility_gym
import utility_gym.agents
import utility_gym.envs

# The installed copy is the one imported, not the repository's.
prefix = Path(sys.prefix).resolve()
for module in (utility_gym, utility_gym.envs, utility_gym.agents):
    assert Path(module.__file__).resolve().is_relative_to(prefix), module.__file__

# Every text env: make, reset, one message step. (The browser env needs Chromium; its own
# tests cover it.)
text_ids = [i for i in gym.registry if i.startswith("utility/") and "Browser" not in i]
assert len(text_ids) >= 7, text_ids
for env_id in text_ids:
    env = gym.make(env_id, size="small")
    obs, info = env.reset(seed=0)
    assert isinstance(obs, str) and obs, env_id
    obs, reward, terminated, truncated, info = env.step("Hello! How can I help you today?")
    assert isinstance(obs, str), env_id
    env.close()
    print("ok", env_id)

# The web shop's site ships its templates and static files.
site = importlib.resources.files("utility_gym.envs.web_shop.site")
templates = [p.name for p in site.joinpath("templates").iterdir()]
static = [p.name for p in site.joinpath("static").iterdir()]
assert any(name.endswith((".html", ".jinja")) for name in templates), templates
assert static, static
import utility_gym.envs.web_shop.site.server  # noqa: E402,F401  (imports its templates)

# Policies and docs the envs read at import time are data files too.
domain = importlib.resources.files("utility_gym.envs.customer_service")
assert domain.joinpath("policy.md").is_file()

# The console script.
bench = Path(sys.executable).with_name("utility-bench")
out = subprocess.run([str(bench), "--help"], capture_output=True, text=True, check=True).stdout
assert "run" in out and "verify" in out, out
print("wheel smoke test passed")
