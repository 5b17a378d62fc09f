"""Fixtures of the web shop tests: Chromium must exist under CI=true; elsewhere its absence
skips."""

from __future__ import annotations

import os

import pytest


def require_chromium() -> None:
    """Fail (under CI=true) or skip (elsewhere), with the reason, when Chromium cannot be found."""
    from utility_gym.envs.web_shop.chromium import (
        ChromiumLaunchError,
        ChromiumNotFound,
        shared_browser,
    )

    try:
        shared_browser()  # the process's browser, which the envs then reuse
    except ChromiumNotFound as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and Chromium is missing: {e}")
        pytest.skip(f"Chromium is not available here: {e}")
    except ChromiumLaunchError as e:  # there, but broken: never a reason to skip
        pytest.fail(str(e))


@pytest.fixture(scope="module")
def chromium() -> None:
    require_chromium()
