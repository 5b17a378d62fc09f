"""Determinism checks: the same seeds and actions give the same transcript in any process."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import gymnasium as gym

FIRST_TOOL = "$first_tool"
"""Stands for the name of the first tool in ``info["tools"]``, so one script fits every domain."""

DEFAULT_SCRIPT: tuple[str | dict[str, Any], ...] = (
    "Hello! Thanks for contacting support. How can I help you today?",
    {"name": "no_such_tool", "arguments": {}},
    {"name": FIRST_TOOL, "arguments": {}},
    "Could you please tell me the email address on your account?",
)
"""A short script every env must run: a greeting, an unknown tool, the first tool with no
arguments and a question for the user's email."""

HASH_SEEDS = ("0", "4242")


def resolve_action(action: Any, info: dict[str, Any]) -> Any:
    """Fill in ``FIRST_TOOL``; tool calls given as dicts become JSON strings (the action space)."""
    if isinstance(action, dict):
        if action.get("name") == FIRST_TOOL:
            action = {**action, "name": info["tools"][0]["function"]["name"]}
        return json.dumps(action, ensure_ascii=False)
    return action


def rollout_transcript(
    env_id: str, seed: int, actions: Sequence[Any], kwargs: dict[str, Any] | None = None
) -> bytes:
    """Run ``reset(seed=seed)`` then ``actions`` and return everything observed, as bytes.

    The record holds every observation, reward, flag and info, and the final ``ansi`` render;
    it is ASCII-escaped JSON, so any string (even a lone surrogate) compares byte for byte.
    """
    import utility_gym  # noqa: F401  (registers the envs)

    kwargs = dict(kwargs or {})
    spec = gym.spec(env_id)
    if "ansi" in _render_modes(spec):
        kwargs.setdefault("render_mode", "ansi")
    env = gym.make(env_id, **kwargs)
    try:
        obs, info = env.reset(seed=seed)
        first_info = info
        record: list[Any] = [{"reset": {"obs": obs, "info": info}}]
        for action in actions:
            action = resolve_action(action, first_info)
            obs, reward, terminated, truncated, info = env.step(action)
            record.append(
                {
                    "action": action,
                    "obs": obs,
                    "reward": reward,
                    "terminated": terminated,
                    "truncated": truncated,
                    "info": info,
                }
            )
            if terminated or truncated:
                break
        record.append({"render": env.render() if kwargs.get("render_mode") == "ansi" else None})
    finally:
        env.close()
    text = json.dumps(record, ensure_ascii=True, sort_keys=True, indent=1, default=repr)
    return text.encode("ascii")


def check_determinism(
    env_id: str,
    actions: Sequence[Any] = DEFAULT_SCRIPT,
    seeds: Iterable[int] = (3,),
    *,
    hash_seeds: Sequence[str] = HASH_SEEDS,
    timeout: float = 600.0,
    **kwargs: Any,
) -> None:
    """Assert that each seed's rollout is byte-identical in fresh processes (with different
    ``PYTHONHASHSEED``) and in this one (whose caches may already be warm)."""
    for seed in seeds:
        runs = {
            f"PYTHONHASHSEED={h}": _rollout_in_subprocess(env_id, seed, actions, kwargs, h, timeout)
            for h in hash_seeds
        }
        runs["this process"] = rollout_transcript(env_id, seed, actions, kwargs)
        (first_name, first), *others = runs.items()
        for name, other in others:
            if other != first:
                diff = "\n".join(
                    list(
                        difflib.unified_diff(
                            first.decode().splitlines(),
                            other.decode().splitlines(),
                            first_name,
                            name,
                            lineterm="",
                            n=2,
                        )
                    )[:40]
                )
                raise AssertionError(
                    f"{env_id} seed={seed}: transcripts differ between {first_name} and "
                    f"{name}:\n{diff}"
                )


def _rollout_in_subprocess(
    env_id: str,
    seed: int,
    actions: Sequence[Any],
    kwargs: dict[str, Any],
    hash_seed: str,
    timeout: float,
) -> bytes:
    # An id registered outside utility_gym (a new domain's registration lines) is registered in
    # the fresh process from its spec; its entry point is found on the same import path.
    spec = gym.spec(env_id)
    payload = json.dumps(
        {
            "env_id": env_id,
            "seed": seed,
            "actions": list(actions),
            "kwargs": kwargs,
            "spec": spec.to_json() if isinstance(spec.entry_point, str) else None,
        }
    )
    code = (
        "import json, sys\n"
        "import gymnasium as gym\n"
        "import utility_gym\n"
        "from utility_gym.testing.determinism import rollout_transcript\n"
        "p = json.loads(sys.argv[1])\n"
        "if p['env_id'] not in gym.registry and p['spec']:\n"
        "    gym.registry[p['env_id']] = gym.envs.registration.EnvSpec.from_json(p['spec'])\n"
        "sys.stdout.buffer.write(rollout_transcript(p['env_id'], p['seed'], p['actions'], "
        "p['kwargs']))\n"
    )
    path = os.pathsep.join(p for p in sys.path if p)
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": path}
    proc = subprocess.run(
        [sys.executable, "-c", code, payload], capture_output=True, env=env, timeout=timeout
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"{env_id} seed={seed}: the rollout failed in a subprocess "
            f"(PYTHONHASHSEED={hash_seed}):\n" + proc.stderr.decode(errors="replace")[-3000:]
        )
    return proc.stdout


def _render_modes(spec: gym.envs.registration.EnvSpec) -> list[str]:
    entry = spec.entry_point
    creator = gym.envs.registration.load_env_creator(entry) if isinstance(entry, str) else entry
    return list(getattr(creator, "metadata", {}).get("render_modes", []))


def json_in_processes(
    script: str, *args: str, hash_seeds: Sequence[str] = HASH_SEEDS, timeout: float = 300
) -> list[Any]:
    """Run ``python -c script *args`` once per hash seed, each in a fresh process with only
    ``PATH`` in its environment, and return what each printed as JSON (a test asserts they are
    equal). A process that fails raises AssertionError with its stderr."""
    out = []
    for h in hash_seeds:
        proc = subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={"PYTHONHASHSEED": h, "PATH": "/usr/bin:/bin"},
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        out.append(json.loads(proc.stdout))
    return out
