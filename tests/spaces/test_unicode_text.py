"""UnicodeText: membership, sampling, seeding, equality and the shared-memory vector path."""

from __future__ import annotations

import copy
import json
import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.spaces import Text, flatten, flatten_space, unflatten
from gymnasium.vector.utils import (
    batch_space,
    concatenate,
    create_empty_array,
    create_shared_memory,
    read_from_shared_memory,
    write_to_shared_memory,
)
from gymnasium.wrappers import FlattenObservation

from utility_gym.core.spaces import (
    SAMPLE_CHARSET,
    SAMPLE_MAX_LENGTH,
    LiveTextBatch,
    UnicodeText,
)

SENTENCES = [
    "",
    "Where is my order #W1001? It's been 3 weeks.",
    "Crème brûlée for Zoë, s'il vous plaît — 12,50 €",
    "  leading and trailing spaces  ",
    "line one\nline two\ttabbed",
    "中文字 日本語 한국어 עברית العربية 😀🚀",
    "e\u0301 combining, \u202eRTL override\u202c, lone \ud800 surrogate",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_unicode_text__contains_any_string_within_length(text):
    assert UnicodeText(200).contains(text)
    assert text in UnicodeText(200)


def test_unicode_text__gymnasium_text_rejects_what_we_accept():
    sentence = "Crème brûlée for Zoë, please"
    assert not Text(100).contains(sentence)
    assert UnicodeText(100).contains(sentence)


def test_unicode_text__rejects_non_strings_and_bad_lengths():
    space = UnicodeText(10, min_length=2)
    for value in (None, 42, b"bytes", ["a", "b"], {"name": "x"}, 1.5):
        assert not space.contains(value)
    assert not space.contains("a")
    assert space.contains("ab")
    assert space.contains("a" * 10)
    assert not space.contains("a" * 11)


@pytest.mark.parametrize(("max_length", "min_length"), [(0, 0), (5, 6), (5, -1)])
def test_unicode_text__invalid_bounds_raise(max_length, min_length):
    with pytest.raises(ValueError, match="min_length"):
        UnicodeText(max_length, min_length=min_length)


def test_unicode_text__samples_are_members():
    space = UnicodeText(30, min_length=3, seed=0)
    samples = [space.sample() for _ in range(200)]
    assert all(space.contains(s) for s in samples)
    assert any(" " in s for s in samples)
    assert any(any(ord(c) > 127 for c in s) for s in samples)
    assert min(map(len, samples)) >= 3 and max(map(len, samples)) <= 30


def test_unicode_text__short_max_length_samples_stay_in_bounds():
    space = UnicodeText(1, seed=1)
    assert all(len(space.sample()) <= 1 for _ in range(50))


def test_unicode_text__seed_determinism():
    a, b, c = UnicodeText(50, seed=7), UnicodeText(50, seed=7), UnicodeText(50, seed=8)
    draws_a = [a.sample() for _ in range(20)]
    assert draws_a == [b.sample() for _ in range(20)]
    assert draws_a != [c.sample() for _ in range(20)]
    a.seed(7)
    assert [a.sample() for _ in range(20)] == draws_a


def test_unicode_text__is_a_gymnasium_text_whose_samples_read_as_text():
    space = UnicodeText(100_000, seed=0)
    assert isinstance(space, Text)
    samples = [space.sample() for _ in range(100)]
    assert max(map(len, samples)) <= SAMPLE_MAX_LENGTH  # not pages of noise up to max_length
    assert all(c in SAMPLE_CHARSET for s in samples for c in s)
    assert sum(c.isalpha() for s in samples for c in s) > sum(map(len, samples)) / 3


def test_unicode_text__sample_honours_text_masks():
    space = UnicodeText(50, seed=0)
    assert len(space.sample(mask=(7, None))) == 7
    only_a = np.zeros(len(space.character_list), np.int8)
    only_a[space.character_list.index("a")] = 1
    assert space.sample(mask=(5, only_a)) == "aaaaa"
    assert set(space.sample(mask=(None, only_a))) <= {"a"}
    with pytest.raises(ValueError, match="Only one"):
        space.sample(mask=(1, None), probability=(1, None))


def test_unicode_text__equality_hash_repr_pickle():
    assert UnicodeText(10) == UnicodeText(10, seed=3)
    assert UnicodeText(10) != UnicodeText(11)
    assert UnicodeText(10) != UnicodeText(10, min_length=1)
    assert UnicodeText(10) != Text(10)
    assert hash(UnicodeText(10)) == hash(UnicodeText(10))
    assert len({UnicodeText(10), UnicodeText(10), UnicodeText(12)}) == 2
    assert repr(UnicodeText(10)) == "UnicodeText(max_length=10, min_length=0)"
    space = UnicodeText(10, seed=2)
    clone = pickle.loads(pickle.dumps(space))
    assert clone == space and clone.sample() == space.sample()
    assert copy.deepcopy(space) == space


def test_unicode_text__jsonable_round_trip():
    space = UnicodeText(100)
    batch = ["café", "😀", ""]
    assert space.from_jsonable(json.loads(json.dumps(space.to_jsonable(batch)))) == batch


@pytest.mark.parametrize("text", SENTENCES)
def test_unicode_text__flattens_to_code_points_and_back(text):
    space = UnicodeText(80)
    flat = flatten(space, text)
    assert flat.shape == (80,) and flat.dtype == np.int32 and flat in flatten_space(space)
    assert unflatten(space, flat) == text


def test_unicode_text__flatten_observation_accepts_a_registered_env(env_id, env_kwargs):
    raw = gym.make(env_id, **env_kwargs)
    env = FlattenObservation(gym.make(env_id, **env_kwargs))
    try:
        text, _ = raw.reset(seed=0)
        obs, _ = env.reset(seed=0)
        assert obs in env.observation_space
        assert unflatten(raw.observation_space, obs) == text
    finally:
        env.close()
        raw.close()


def test_unicode_text__batched_space_and_sync_concatenate():
    space = UnicodeText(20)
    batched = batch_space(space, 3)
    assert batched.contains(("a", "é b", ""))
    out = create_empty_array(space, 3)
    assert concatenate(space, ["x", "ÿ z", "😀"], out) == ("x", "ÿ z", "😀")


def test_unicode_text__shared_memory_reads_are_live_and_copies_are_fresh():
    space = UnicodeText(32)
    shm = create_shared_memory(space, n=2)
    view = read_from_shared_memory(space, shm, n=2)
    assert isinstance(view, LiveTextBatch) and len(view) == 2
    write_to_shared_memory(space, 0, "crème brûlée", shm)
    write_to_shared_memory(space, 1, "中文 😀", shm)
    first = copy.deepcopy(view)
    assert first == ("crème brûlée", "中文 😀")
    write_to_shared_memory(space, 0, "second", shm)
    write_to_shared_memory(space, 1, "", shm)
    assert copy.deepcopy(view) == ("second", "")
    assert first == ("crème brûlée", "中文 😀")  # a copy does not change afterwards
    assert list(view) == ["second", ""] and view[0] == "second"


def test_unicode_text__shared_memory_clips_to_max_length():
    space = UnicodeText(4)
    shm = create_shared_memory(space, n=1)
    write_to_shared_memory(space, 0, "abcdefgh", shm)
    assert copy.deepcopy(read_from_shared_memory(space, shm, n=1)) == ("abcd",)


class EchoEnv(gym.Env):
    """Observes the last action and a step counter: every step's observation is new."""

    metadata = {"render_modes": []}

    def __init__(self) -> None:
        self.observation_space = UnicodeText(200)
        self.action_space = UnicodeText(200)
        self.count = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.count = 0
        return "start ✓", {}

    def step(self, action):
        self.count += 1
        return f"{self.count}: heard «{action}»", 0.0, False, False, {}


def _assert_fresh_across_steps(venv, n: int) -> None:
    obs0, _ = venv.reset(seed=0)
    assert tuple(obs0) == ("start ✓",) * n
    obs1, *_ = venv.step(tuple(f"héllo {i}" for i in range(n)))
    obs2, *_ = venv.step(tuple(f"wörld {i}" for i in range(n)))
    assert tuple(obs1) == tuple(f"1: heard «héllo {i}»" for i in range(n))
    assert tuple(obs2) == tuple(f"2: heard «wörld {i}»" for i in range(n))
    assert tuple(obs0) == ("start ✓",) * n  # earlier results are copies, not live views


def test_unicode_text__async_vector_shared_memory_returns_fresh_strings():
    venv = gym.vector.AsyncVectorEnv([EchoEnv, EchoEnv], shared_memory=True)
    try:
        _assert_fresh_across_steps(venv, 2)
    finally:
        venv.close()


def test_unicode_text__sync_vector_returns_fresh_strings():
    venv = gym.vector.SyncVectorEnv([EchoEnv, EchoEnv])
    try:
        _assert_fresh_across_steps(venv, 2)
    finally:
        venv.close()


def test_unicode_text__async_shared_memory_over_a_registered_env(env_id, env_kwargs):
    def make():
        return gym.make(env_id, **env_kwargs)

    venv = gym.vector.AsyncVectorEnv([make, make], shared_memory=True)
    try:
        obs0, _ = venv.reset(seed=4)
        obs1, *_ = venv.step(('{"name": "no_such_tool", "arguments": {}}',) * 2)
        obs2, *_ = venv.step(("Hello! How can I help you today?",) * 2)
        for i in range(2):
            assert isinstance(obs1[i], str) and isinstance(obs2[i], str)
            assert obs1[i] != obs0[i] and obs2[i] != obs1[i], (obs0[i], obs1[i], obs2[i])
            assert "unknown tool" in obs1[i]
    finally:
        venv.close()
