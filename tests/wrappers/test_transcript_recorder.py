"""TranscriptRecorder: one JSON line per episode, readable, complete, shareable by vector envs."""

from __future__ import annotations

from functools import partial

import gymnasium as gym
import numpy as np

from utility_gym.wrappers import AdmissibleActions, TranscriptRecorder, read_transcripts, rl_view

CS = "utility/CustomerService-v1"
END = '{"name": "end_conversation", "arguments": {}}'


def test_transcript_recorder__one_line_per_episode_with_every_step(env_id, env_kwargs, tmp_path):
    path = tmp_path / "t.jsonl"
    env = TranscriptRecorder(gym.make(env_id, **env_kwargs), path)
    try:
        firsts = []
        for seed in (0, 1):
            obs0, info = env.reset(seed=seed)
            firsts.append(obs0)
            obs1, *_ = env.step("Hello! How can I help you today?")
            obs2, reward, terminated, *_ = env.step(END)
            assert terminated
    finally:
        env.close()
    episodes = list(read_transcripts(path))
    assert len(episodes) == 2
    first = episodes[0]
    assert first["env_id"] == env_id and first["seed"] == 0 and first["outcome"] == "terminated"
    assert [e["observation"] for e in episodes] == firsts
    assert [s["action"] for s in first["steps"]] == ["Hello! How can I help you today?", END]
    assert "grade" in first and "success" in first["grade"]
    assert episodes[1]["steps"][-1]["observation"] == obs2 and episodes[1]["return"] == reward


def test_transcript_recorder__an_interrupted_episode_is_written_as_incomplete(tmp_path):
    path = tmp_path / "t.jsonl"
    env = TranscriptRecorder(gym.make(CS, size="small"), path)
    env.reset(seed=0)
    env.step("Hi, how can I help?")
    env.reset(seed=1)
    env.close()
    outcomes = [e["outcome"] for e in read_transcripts(path)]
    assert outcomes == ["incomplete", "incomplete"]


def test_transcript_recorder__outside_admissible_actions_records_the_text(tmp_path):
    path = tmp_path / "t.jsonl"
    env = TranscriptRecorder(AdmissibleActions(gym.make(CS, size="small")), path)
    _, info = env.reset(seed=0)
    index = int(np.flatnonzero(info["action_mask"])[0])
    env.step(index)
    env.close()
    step = next(read_transcripts(path))["steps"][0]
    assert step["index"] == index and step["action"] == info["action_strings"][index]


def test_transcript_recorder__async_vector_workers_share_one_file(tmp_path):
    path = tmp_path / "shared.jsonl"
    venv = gym.make_vec(
        CS,
        num_envs=2,
        vectorization_mode="async",
        size="small",
        wrappers=[partial(rl_view, record=str(path))],
    )
    try:
        _, info = venv.reset(seed=0)
        end = [
            next(i for i, s in enumerate(strings) if "end_conversation" in s)
            for strings in info["action_strings"]
        ]
        venv.step(np.array(end))
    finally:
        venv.close()
    episodes = list(read_transcripts(path))
    assert len(episodes) == 2
    assert sorted(e["steps"][0]["index"] for e in episodes) == sorted(end)
    for e in episodes:
        step = e["steps"][0]
        assert '"end_conversation"' in step["action"] and e["outcome"] == "terminated"
        assert step["action_mask"][step["index"]] == 1  # rl_view records the index and the mask
        assert isinstance(e["observation"], str) and e["observation"].startswith("user:")


def test_transcript_recorder__passes_check_env(env_id, env_kwargs, tmp_path):
    from utility_gym.testing import check_wrapped_env

    env = TranscriptRecorder(gym.make(env_id, **env_kwargs), tmp_path / "t.jsonl")
    try:
        check_wrapped_env(env)
    finally:
        env.close()
    assert all(e["env_id"] == env_id for e in read_transcripts(tmp_path / "t.jsonl"))
