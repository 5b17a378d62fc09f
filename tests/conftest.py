"""Shared test set-up: every test taking ``env_id`` runs once per registered utility/* id."""

from __future__ import annotations

from typing import Any

import pytest

from utility_gym.testing import browser_skip_reason, fast_kwargs, utility_env_ids


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "env_id" not in metafunc.fixturenames:
        return
    params = []
    for env_id in utility_env_ids():
        reason = browser_skip_reason(env_id)
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        params.append(pytest.param(env_id, id=env_id.removeprefix("utility/"), marks=marks))
    metafunc.parametrize("env_id", params)


@pytest.fixture
def env_kwargs(env_id: str) -> dict[str, Any]:
    """Kwargs that keep the env quick to build in tests (the small world where there is one)."""
    return fast_kwargs(env_id)
