"""utility-bench export: chat JSONL (schema-valid, round-trips through the env) and Minari
datasets (text and RL views load back with Minari and round-trip), and DataCollector on every id."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from utility_gym.bench.cli import main
from utility_gym.data.chat import CHAT_LINE_SCHEMA, chat_actions

CS = "utility/CustomerService-v1"


def _needs(module: str, extra: str) -> None:
    import importlib.util
    import os

    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI installs the {extra} extra, but {module} is missing")
        pytest.skip(f"{module} is not installed (pip install 'utility-gym[{extra}]')")


@pytest.fixture(scope="module")
def heuristic_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("heuristic")
    code = main(
        [
            "run",
            "--agent",
            "heuristic",
            "--env",
            CS,
            "--limit",
            "4",
            "--trials",
            "2",
            "--workers",
            "1",
            "--size",
            "small",
            "--quiet",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    return out


def _replay(
    env: gym.Env, seed: int, task_id: str, actions: list
) -> tuple[list[str], list[float], dict]:
    obs, info = env.reset(seed=seed, options={"task_id": task_id})
    observations, rewards = [obs], []
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        observations.append(obs)
        rewards.append(float(reward))
    return observations, rewards, info.get("grade", {})


def test_export__chat_lines_are_schema_valid_and_replay_to_the_same_grades(heuristic_run, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "chat.jsonl"
    assert main(["export", str(heuristic_run), "--to", "chat", "--out", str(out)]) == 0
    lines = [json.loads(s) for s in out.read_text(encoding="utf-8").splitlines()]
    index = [json.loads(s) for s in out.with_name("chat.index.jsonl").read_text().splitlines()]
    records = [
        json.loads(s) for s in (heuristic_run / "trajectories.jsonl").read_text().splitlines()
    ]
    assert len(lines) == len(index) == len(records) == 8
    env = gym.make(CS, size="small")
    for line, meta, record in zip(lines, index, records):
        jsonschema.validate(line, CHAT_LINE_SCHEMA)
        assert (
            line["messages"][0]["role"] == "system" and line["messages"][-1]["role"] == "assistant"
        )
        assert {t["function"]["name"] for t in line["tools"]} >= {"end_conversation"}
        calls = [c for m in line["messages"] for c in m.get("tool_calls") or []]
        answered = {m["tool_call_id"] for m in line["messages"] if m["role"] == "tool"}
        assert answered <= {c["id"] for c in calls} and calls  # every tool message answers a call
        observations, _, grade = _replay(env, meta["seed"], meta["task_id"], chat_actions(line))
        assert observations == [s["observation"] for s in record["steps"]]
        assert grade["success"] == record["success"] == meta["success"]
    with pytest.raises(jsonschema.ValidationError):  # the schema is not vacuous
        jsonschema.validate(
            {"messages": [{"role": "robot", "content": 1}], "tools": []}, CHAT_LINE_SCHEMA
        )


def test_export__minari_text_and_rl_views_load_back_and_round_trip(heuristic_run, tmp_path):
    _needs("minari", "data")
    from utility_gym.core.spaces import UnicodeText
    from utility_gym.data.minari_support import load_dataset

    root = tmp_path / "datasets"
    assert main(["export", str(heuristic_run), "--to", "minari", "--out", str(root)]) == 0
    records = [
        json.loads(s) for s in (heuristic_run / "trajectories.jsonl").read_text().splitlines()
    ]
    text = load_dataset("utility-gym/customerservice/heuristic-text-v0", root)
    rl = load_dataset("utility-gym/customerservice/heuristic-rl-v0", root)
    assert text.total_episodes == rl.total_episodes == len(records)
    assert isinstance(text.observation_space, UnicodeText)
    env = gym.make(CS, size="small")
    episodes = list(text.iterate_episodes())
    for episode, record in zip(episodes, records):
        actions = [str(a.decode() if isinstance(a, bytes) else a) for a in episode.actions]
        observations, rewards, grade = _replay(env, record["seed"], record["task_id"], actions)
        assert observations == [
            str(o.decode() if isinstance(o, bytes) else o) for o in episode.observations
        ]
        assert np.allclose(rewards, episode.rewards) and grade["success"] == record["success"]
    n = rl.action_space.n - 1
    on_list = 0
    for episode in rl.iterate_episodes():
        x, mask = episode.observations["observation"], episode.observations["action_mask"]
        assert x.shape == (len(episode.actions) + 1, rl.observation_space["observation"].shape[0])
        assert mask.shape == (len(episode.actions) + 1, n)
        for t, a in enumerate(episode.actions):
            if a < n:
                assert mask[t, a] == 1  # a listed action was admissible when taken
                on_list += 1
    assert on_list > 0  # the heuristic's tool calls are slots of the admissible list


def test_export__minari_data_collector_records_infos_on_every_id(
    env_id, env_kwargs, tmp_path, monkeypatch
):
    _needs("minari", "data")
    _needs("jax", "data")
    from minari import DataCollector

    from utility_gym.agents import RandomAgent
    from utility_gym.data.minari_support import JSONInfoStepData, decode_infos, load_dataset

    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path))
    env = DataCollector(
        gym.make(env_id, **env_kwargs), record_infos=True, step_data_callback=JSONInfoStepData
    )
    agent = RandomAgent(env.unwrapped, seed=0)
    obs, info = env.reset(seed=0)
    agent.reset()
    done = False
    while not done:
        obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
        done = terminated or truncated
    env.create_dataset(
        dataset_id="test/collector-v0",
        algorithm_name="random",
        author="tests",
        author_email="-",
        code_permalink="-",
        description="-",
    )
    episode = next(load_dataset("test/collector-v0", tmp_path).iterate_episodes())
    infos = decode_infos(episode.infos)
    assert len(infos["events"]) == len(episode.actions) + 1
    assert infos["task_id"][0] == infos["task_id"][-1]
    assert "success" in infos["grade"][-1]
