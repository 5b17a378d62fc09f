"""API conformance checks for one registered env id (Gymnasium contract plus DESIGN.md's)."""

from __future__ import annotations

import json
import pickle
import warnings
from collections.abc import Iterator
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import EnvSpec
from gymnasium.utils.env_checker import check_env

from utility_gym.testing.determinism import DEFAULT_SCRIPT, check_determinism, resolve_action

PRIVATE_KEYS = frozenset(
    {"goal", "plan", "expected", "oracle", "solution", "answer", "ground_truth"}
)
"""Keys that would leak episode-private ground truth if they appeared in ``info``."""

REQUIRED_TOOLS = ("end_conversation", "transfer_to_human")
UNKNOWN_TOOL_CALL = json.dumps({"name": "no_such_tool", "arguments": {}})


def check_env_api(env_id: str, **kwargs: Any) -> None:
    """Gymnasium's ``check_env`` on the unwrapped env, with every warning turned into an error."""
    env = gym.make(env_id, **kwargs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_env(env.unwrapped)
    finally:
        env.close()


def check_wrapped_env(env: gym.Env) -> None:
    """Gymnasium's ``check_env`` on a wrapped env (a utility-gym wrapper around a utility env):
    every warning fails it, except the one that says the env is wrapped."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    other = [
        str(w.message)
        for w in caught
        if "different from the unwrapped version" not in str(w.message)
    ]
    assert not other, other


def check_info_contract(env_id: str, actions: Any = DEFAULT_SCRIPT, **kwargs: Any) -> None:
    """``reset`` info has tools (OpenAI function schemas), policy and task id; no obs or info
    along a short rollout holds private keys or the task's oracle plan or summary."""
    env = gym.make(env_id, **kwargs)
    try:
        obs, info = env.reset(seed=0)
        for key in ("tools", "policy", "task_id", "events"):
            assert key in info, f"{env_id}: reset info lacks {key!r} (has {sorted(info)})"
        _check_tool_schemas(env_id, info["tools"])
        assert isinstance(info["policy"], str) and info["policy"].strip(), (
            f"{env_id}: info['policy'] is empty"
        )
        task = env.unwrapped.task
        assert task is not None, f"{env_id}: env.unwrapped.task is not set after reset"
        assert info["task_id"] == task.task_id, (
            f"{env_id}: info task_id {info['task_id']!r} != {task.task_id!r}"
        )
        secrets = _private_strings(task)
        _check_no_leak(env_id, "reset", obs, info, secrets)
        first_info = info
        for action in actions:
            obs, _, terminated, truncated, info = env.step(resolve_action(action, first_info))
            assert isinstance(info.get("events"), list), (
                f"{env_id}: step info lacks the 'events' list"
            )
            _check_no_leak(env_id, f"step {action!r}", obs, info, secrets)
            if terminated or truncated:
                break
    finally:
        env.close()


def check_render_ansi(env_id: str, **kwargs: Any) -> None:
    """``render_mode="ansi"`` returns the transcript, which holds every observation so far."""
    env = gym.make(env_id, render_mode="ansi", **kwargs)
    try:
        obs0, info = env.reset(seed=1)
        obs1, *_ = env.step("Hello, how can I help you today?")
        obs2, *_ = env.step(UNKNOWN_TOOL_CALL)
        text = env.render()
        assert isinstance(text, str), (
            f"{env_id}: render() returned {type(text).__name__}, not the transcript"
        )
        for obs in (obs0, obs1, obs2):
            assert obs in text, f"{env_id}: the ansi transcript lacks the observation {obs[:200]!r}"
        assert text.index(obs0) < text.index(obs2), f"{env_id}: the transcript is out of order"
    finally:
        env.close()


def check_spec_round_trip(env_id: str, **kwargs: Any) -> None:
    """``spec.to_json()`` round-trips through ``EnvSpec.from_json`` and ``gym.make(spec)`` works."""
    spec = gym.spec(env_id)
    again = EnvSpec.from_json(spec.to_json())
    assert again == spec, f"{env_id}: the spec changed through JSON:\n{spec}\n!=\n{again}"
    env = gym.make(env_id, **kwargs)
    try:
        made_spec = env.spec
        assert made_spec is not None, f"{env_id}: gym.make gave an env without a spec"
        restored = EnvSpec.from_json(made_spec.to_json())
        assert restored == made_spec, f"{env_id}: the made env's spec changed through JSON"
    finally:
        env.close()
    env = gym.make(restored)
    try:
        obs, info = env.reset(seed=0)
        assert isinstance(obs, str) and info["task_id"]
    finally:
        env.close()


def check_pickle(env_id: str, actions: Any = DEFAULT_SCRIPT, **kwargs: Any) -> None:
    """An env pickled after reset and one step is an independent copy that behaves the same."""
    env = gym.make(env_id, **kwargs)
    try:
        _, info = env.reset(seed=5)
        env.step("Hi there, what can I do for you?")
        clone = pickle.loads(pickle.dumps(env))
        try:
            for action in actions:
                action = resolve_action(action, info)
                a = env.step(action)
                b = clone.step(action)
                assert a[:4] == b[:4], (
                    f"{env_id}: after unpickling, step({action!r}) differs:\n{a[:4]}\n!=\n{b[:4]}"
                )
                if a[2] or a[3]:
                    break
            assert env.unwrapped.world.conn is not clone.unwrapped.world.conn
        finally:
            clone.close()
    finally:
        env.close()


def check_vector_envs(env_id: str, num_envs: int = 2, **kwargs: Any) -> None:
    """``make_vec`` in sync, async (shared memory) and the default (``vector_entry_point``)
    modes; every sub-env's observation changes from one step to the next."""
    spec = gym.spec(env_id)
    assert spec.vector_entry_point is not None, (
        f"{env_id}: register a vector_entry_point (see core.vector.vector_env_factory); "
        "Gymnasium's default async path shares memory"
    )
    for mode in ("sync", "async", None):
        venv = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode=mode, **kwargs)
        where = f"{env_id} make_vec(vectorization_mode={mode!r})"
        try:
            obs0, _ = venv.reset(seed=11)
            _check_batch(where, obs0, num_envs)
            obs1, rewards, terminated, truncated, infos = venv.step(
                tuple([UNKNOWN_TOOL_CALL] * num_envs)
            )
            _check_batch(where, obs1, num_envs)
            obs2, *_ = venv.step(tuple(["Hello! How can I help you today?"] * num_envs))
            _check_batch(where, obs2, num_envs)
            for i in range(num_envs):
                assert obs1[i] != obs0[i], (
                    f"{where}: env {i}'s observation did not change after a step: {obs1[i]!r}"
                )
                assert obs2[i] != obs1[i], (
                    f"{where}: env {i}'s observation did not change after a step: {obs2[i]!r}"
                )
                assert "unknown tool" in obs1[i], (
                    f"{where}: env {i} shows {obs1[i]!r} after an unknown tool call"
                )
        finally:
            venv.close()


def check_utility_env(env_id: str, **kwargs: Any) -> None:
    """Every conformance check, as the registry-wide tests run them."""
    from utility_gym.testing.bad_input import check_bad_input

    check_env_api(env_id, **kwargs)
    check_info_contract(env_id, **kwargs)
    check_render_ansi(env_id, **kwargs)
    check_spec_round_trip(env_id, **kwargs)
    check_pickle(env_id, **kwargs)
    check_vector_envs(env_id, **kwargs)
    check_determinism(env_id, DEFAULT_SCRIPT, (3,), **kwargs)
    check_bad_input(env_id, **kwargs)


# -- helpers ------------------------------------------------------------------------------------


def _check_tool_schemas(env_id: str, tools: Any) -> None:
    assert isinstance(tools, list) and tools, f"{env_id}: info['tools'] must be a non-empty list"
    names = []
    for schema in tools:
        assert schema.get("type") == "function", (
            f"{env_id}: tool schema without type 'function': {schema}"
        )
        fn = schema.get("function", {})
        assert isinstance(fn.get("name"), str) and fn["name"], (
            f"{env_id}: tool schema without a name: {schema}"
        )
        assert isinstance(fn.get("description"), str) and fn["description"], (
            f"{env_id}: tool {fn['name']} has no description"
        )
        params = fn.get("parameters", {})
        assert params.get("type") == "object", (
            f"{env_id}: tool {fn['name']} parameters are not an object schema"
        )
        assert isinstance(params.get("properties"), dict), (
            f"{env_id}: tool {fn['name']} has no properties"
        )
        names.append(fn["name"])
    json.dumps(tools)  # must be plain JSON
    assert len(set(names)) == len(names), f"{env_id}: duplicate tool names in {names}"
    for required in REQUIRED_TOOLS:
        assert required in names, f"{env_id}: every domain needs a {required!r} tool; has {names}"


def _private_strings(task: Any) -> list[str]:
    """Texts that only the grader may see: the oracle's tool calls and the task summary."""
    from utility_gym.core.dialogue import format_tool_call

    secrets = [format_tool_call(c.name, dict(c.arguments)) for c in task.tool_calls if c.arguments]
    if len(getattr(task, "summary", "") or "") >= 12:
        secrets.append(task.summary)
    return secrets


def _keys(value: Any, path: str = "info") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if path == "info" and k == "tools":
                continue  # parameter names of tool schemas are not episode data
            yield str(k), f"{path}[{k!r}]"
            yield from _keys(v, f"{path}[{k!r}]")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _keys(v, f"{path}[{i}]")


def _check_no_leak(
    env_id: str, where: str, obs: str, info: dict[str, Any], secrets: list[str]
) -> None:
    for key, path in _keys(info):
        assert key.lower() not in PRIVATE_KEYS, (
            f"{env_id} {where}: {path} looks like private ground truth"
        )
    shown = obs + "\n" + json.dumps(info, ensure_ascii=False, default=repr)
    for secret in secrets:
        assert secret not in shown, f"{env_id} {where}: obs or info shows the private {secret!r}"
    for value in info.values():
        assert not _is_task_object(value), f"{env_id} {where}: info holds the Task object"


def _is_task_object(value: Any) -> bool:
    return type(value).__name__ in ("Task", "UserGoal", "Expected")


def _check_batch(where: str, obs: Any, n: int) -> None:
    assert len(obs) == n, f"{where}: expected {n} observations, got {len(obs)}"
    for o in obs:
        assert isinstance(o, str), f"{where}: observation {o!r} is not a str"
