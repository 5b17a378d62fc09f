"""Reliability checks: info of the same shape at every reset and step, vector envs that run for
many resets, options checked up front, and a closed env that says so."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

END = json.dumps({"name": "end_conversation", "arguments": {}})
HELLO = "Hello! Could you tell me a little more about what you need?"
UNKNOWN_TOOL = json.dumps({"name": "no_such_tool", "arguments": {}})


def info_shape(value: Any) -> Any:
    """What Gymnasium's vector envs and dataset recorders compare: the keys of every dict,
    nested, and the type of every other value (numpy numbers by their Python kind)."""
    if isinstance(value, dict):
        return {k: info_shape(v) for k, v in value.items()}
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, float | np.floating):
        return "float"
    return type(value).__name__


def is_stream(env_id: str) -> bool:
    return gym.spec(env_id).kwargs.get("mode") == "stream"


def check_info_shape(env_id: str, episodes: int = 3, **kwargs: Any) -> int:
    """Every reset and step of ``episodes`` episodes (a message, a failing call, an ended
    conversation, a step after the end, a fork) gives info of the shape of the first reset.
    Returns how many infos were compared."""
    env = gym.make(env_id, **kwargs)
    try:
        _, info = env.reset(seed=0)
        across = _across_episodes(info_shape(info))
        first = info_shape(info)
        seen = 1

        def same(where: str, info: dict[str, Any]) -> None:
            nonlocal seen
            seen += 1
            shape = info_shape(info)
            assert shape == first, f"{env_id} {where}: info is shaped {_diff(first, shape)}"

        for episode in range(episodes):
            if episode:
                _, info = env.reset(seed=None if is_stream(env_id) else episode)
                # Every episode has the same keys; nested ones may depend on the task (a web shop
                # task that buys something is graded with its purchase), and stay the same
                # within the episode.
                shape = _across_episodes(info_shape(info))
                assert shape == across, (
                    f"{env_id} reset {episode}: info is shaped {_diff(across, shape)}"
                )
                first = info_shape(info)
                seen += 1
            for n, action in enumerate((HELLO, UNKNOWN_TOOL)):
                _, _, terminated, truncated, info = env.step(action)
                same(f"episode {episode} step {n}", info)
                if terminated or truncated:
                    break
            snap = env.unwrapped.snapshot()
            _, _, terminated, _, info = env.step(END)
            same(f"episode {episode} final step", info)
            assert terminated, f"{env_id}: end_conversation did not end the episode"
            assert info["grade"]["outcome"] != "running", (
                f"{env_id}: the final step's grade is still pending"
            )
            _, _, _, _, info = env.step(HELLO)
            same(f"episode {episode} step after the end", info)
            _, info = env.reset(options={"fork": snap})
            same(f"episode {episode} fork", info)
            _, _, _, _, info = env.step(END)
            same(f"episode {episode} forked final step", info)
        return seen
    finally:
        env.close()


def check_vector_resets(
    env_id: str, mode: str, resets: int = 51, num_envs: int = 2, **kwargs: Any
) -> int:
    """``gym.make_vec`` in ``mode`` ("sync" or "async") runs past ``resets`` resets in all,
    every step's info stacks (same keys and types in every sub-env). Returns the resets seen."""
    venv = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode=mode, **kwargs)
    try:
        _, infos = venv.reset(seed=3)
        done = np.zeros(num_envs, dtype=bool)
        count = num_envs
        steps = 0
        while count < resets:
            # Alternate a message and the end, so steps, final steps and resets all meet in one
            # batch.
            actions = [END if (steps + i) % 2 else HELLO for i in range(num_envs)]
            _, _, terminated, truncated, infos = venv.step(actions)
            count += int(done.sum())  # the sub-envs that ended last step were reset in this one
            done = np.logical_or(terminated, truncated)
            steps += 1
            assert "task_id" in infos and len(infos["task_id"]) == num_envs, (
                f"{env_id} {mode}: infos lost task_id"
            )
            assert steps < 20 * resets, f"{env_id} {mode}: episodes do not end"
        if is_stream(env_id):
            positions = np.asarray(infos["stream"]["position"])
            assert positions.dtype.kind == "i", (
                f"{env_id} {mode}: stream positions stack as {positions.dtype}"
            )
        return count
    finally:
        venv.close()


def check_closed_env(env_id: str, **kwargs: Any) -> None:
    """After ``close()``, ``step`` and ``reset`` raise ``ClosedEnvironmentError`` saying so."""
    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    env.close()
    for call in (
        lambda: env.step(HELLO),
        lambda: env.reset(seed=0),
        lambda: env.unwrapped.step(HELLO),
    ):
        _expect(call, gym.error.ClosedEnvironmentError, "after close()", env_id)
    env.close()  # closing twice is harmless


def _expect(call: Callable[[], Any], error: type[BaseException], text: str, where: str) -> None:
    try:
        call()
    except error as e:
        assert text in str(e), f"{where}: {type(e).__name__} should say {text!r}: {e}"
        return
    raise AssertionError(f"{where}: expected {error.__name__}")


def _across_episodes(shape: dict[str, Any]) -> dict[str, Any]:
    """What every episode of an id shares: all of it but the grade's task-dependent parts."""
    out = dict(shape)
    grade = out.get("grade")
    if isinstance(grade, dict):
        out["grade"] = {k: v for k, v in grade.items() if k != "purchase"}
    return out


def _diff(first: Any, shape: Any, path: str = "info") -> str:
    if isinstance(first, dict) and isinstance(shape, dict):
        if first.keys() != shape.keys():
            return f"differently at {path}: keys {sorted(shape)} instead of {sorted(first)}"
        for k in first:
            if first[k] != shape[k]:
                return _diff(first[k], shape[k], f"{path}[{k!r}]")
    return f"differently at {path}: {shape} instead of {first}"
