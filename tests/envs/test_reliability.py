"""Reliability of every registered id: info of one shape, vector envs past 50 resets, options
checked up front with messages that name them, and a closed env that says it is closed."""

from __future__ import annotations

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.core.observation import TRUNCATION_NOTE
from utility_gym.core.options import MIN_MAX_LENGTH
from utility_gym.testing.reliability import (
    check_closed_env,
    check_info_shape,
    check_vector_resets,
    is_stream,
)

ENV_ID = "utility/CustomerService-v1"


def _long_streams(env_id: str, kwargs: dict) -> dict:
    # A stream serves stream_length episodes per sub-env (then reset() raises StreamExhausted,
    # by design): room for every reset of the vector test.
    return {**kwargs, "stream_length": 64} if is_stream(env_id) else kwargs


def test_reliability__info_has_one_shape_at_every_reset_and_step(env_id, env_kwargs):
    assert check_info_shape(env_id, **env_kwargs) >= 20


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_reliability__vector_envs_run_past_50_resets(env_id, env_kwargs, mode):
    assert check_vector_resets(env_id, mode, resets=51, **_long_streams(env_id, env_kwargs)) >= 51


def test_reliability__step_and_reset_after_close_say_the_env_is_closed(env_id, env_kwargs):
    check_closed_env(env_id, **env_kwargs)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"world_seed": "x"}, ["world_seed", "'x'", "int"]),
        ({"world_seed": 1.9}, ["world_seed", "1.9", "int"]),
        ({"world_seed": True}, ["world_seed", "True", "int"]),
        ({"world_seed": -1}, ["world_seed", "-1", "from 0"]),
        ({"size": "xl"}, ["size", "'xl'", "'small', 'default', 'large'"]),
        ({"size": 3}, ["size", "3"]),
        ({"split": "dev"}, ["split", "'dev'", "'train'"]),
        ({"reward_mode": "dense"}, ["reward_mode", "'dense'", "'shaped'"]),
        ({"max_length": 10}, ["max_length", "10", f"at least {MIN_MAX_LENGTH}"]),
        ({"max_length": "100"}, ["max_length", "'100'", "int"]),
        ({"mode": "river"}, ["mode", "'river'", "'stream'"]),
        ({"stream_length": 0}, ["stream_length", "0", "from 1"]),
        ({"stream_length": 2.5}, ["stream_length", "2.5", "int"]),
        ({"user": "human"}, ["user", "'human'", "'agenda'"]),
        ({"user_options": []}, ["user_options", "[]", "dict"]),
        ({"render_mode": "human"}, ["render_mode", "'human'", "'ansi'"]),
    ],
)
def test_reliability__construction_options_are_checked_by_name(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as e:
        gym.make(ENV_ID, **kwargs)
    for word in words:
        assert word in str(e.value), (kwargs, str(e.value))


def test_reliability__numpy_ints_are_fine_seeds():
    np = pytest.importorskip("numpy")
    env = gym.make(ENV_ID, size="small", world_seed=np.int64(0), stream_length=np.int32(3))
    assert env.unwrapped.world_seed == 0 and type(env.unwrapped.world_seed) is int
    env.close()


def test_reliability__web_shop_knows_its_xl_size():
    with pytest.raises(ValueError, match="'small', 'default', 'large', 'xl'"):
        gym.make("utility/WebShop-v1", size="huge")


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ([], ["options", "[]", "dict"]),
        ("task_id", ["options", "'task_id'", "dict"]),
        ({"taskid": "x"}, ["reset option", "'taskid'", "task_id, fork"]),
        ({1: 2}, ["options", "keys", "1"]),
        ({"task_id": 5}, ["task_id", "5", "customer_service/TEMPLATE/SEED"]),
        ({"task_id": "customer_service/cancel"}, ["task_id", "customer_service/TEMPLATE/SEED"]),
        ({"task_id": "customer_service/x/²"}, ["task_id", "customer_service/TEMPLATE/SEED"]),
        ({"task_id": "customer_service/no_such_template/3"}, ["no_such_template", "known:"]),
        ({"task_id": "ticketing/triage/3"}, ["belongs to 'ticketing'"]),
        ({"fork": "snapshot"}, ["fork", "Snapshot"]),
        ({"task": "x"}, ["task", "Task"]),
        ({"task": None, "world_events": "abc"}, ["world_events", "list"]),
        ({"user_seed": -1}, ["options['user_seed']", "from 0", "-1"]),
        ({"user_seed": "7"}, ["options['user_seed']", "'7'"]),
    ],
)
def test_reliability__reset_options_are_checked_by_name(options, words):
    env = gym.make(ENV_ID, size="small")
    try:
        # (A first reset that raises leaves Gymnasium's PassiveEnvChecker without its reference
        # data, so the env is reset once before.)
        env.reset(seed=0)
        with pytest.raises((ValueError, TypeError)) as e:
            env.reset(seed=0, options=options)
        for word in words:
            assert word in str(e.value), (options, str(e.value))
        env.reset(seed=0)  # a rejected reset leaves the env usable
        env.step("Hello")
    finally:
        env.close()


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_reliability__reset_seed_is_checked(seed):
    env = gym.make(ENV_ID, size="small")
    try:
        env.reset(seed=0)
        with pytest.raises((ValueError, TypeError), match="seed"):
            env.reset(seed=seed)
    finally:
        env.close()


def test_reliability__the_smallest_max_length_keeps_observations_in_the_space():
    env = gym.make(ENV_ID, size="small", max_length=MIN_MAX_LENGTH)
    try:
        obs, _ = env.reset(seed=0)
        assert env.observation_space.contains(obs) and obs.endswith(TRUNCATION_NOTE)
        for action in (
            "Hello " * 5,
            '{"name": "nope"}',
            {"name": "end_conversation", "arguments": {}},
        ):
            obs, *_ = env.step(action)
            assert env.observation_space.contains(obs), obs
    finally:
        env.close()
