"""Fixtures of the benchmark-validity tests: a module names its env in ``ENV_ID`` (and
``ENV_KWARGS``)."""

from __future__ import annotations

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401


@pytest.fixture(scope="module")
def env(request):
    """The module's ``ENV_ID`` made with ``ENV_KWARGS`` (the test split by default), for the
    module."""
    e = gym.make(request.module.ENV_ID, **getattr(request.module, "ENV_KWARGS", {"split": "test"}))
    yield e
    e.close()


@pytest.fixture(scope="module")
def test_ids(env):
    """The task ids of the env's test split."""
    return env.unwrapped.task_ids("test")
