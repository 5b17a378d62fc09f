"""Finding Chromium: the env variable, Playwright's own browsers, then /usr/bin/chromium; a clear
error naming all three when none is there."""

from __future__ import annotations

import os
import stat

import pytest

from utility_gym.envs.web_shop import chromium as chromium_mod
from utility_gym.envs.web_shop.chromium import (
    ENV_VAR,
    ChromiumLaunchError,
    ChromiumNotFound,
    find_chromium,
)
from utility_gym.testing import browser_skip_reason


class _NoOwnBrowser:
    class chromium:  # noqa: N801  (mimics playwright.chromium)
        executable_path = "/nonexistent/ms-playwright/chrome"


def test_web_shop__missing_chromium_error_names_all_three_ways(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "/nonexistent/chromium")
    monkeypatch.setattr(chromium_mod, "SYSTEM_CHROMIUM", "/nonexistent/usr/bin/chromium")
    with pytest.raises(ChromiumNotFound) as e:
        find_chromium(_NoOwnBrowser())
    text = str(e.value)
    assert (
        ENV_VAR in text
        and "playwright install chromium" in text
        and "/nonexistent/usr/bin/chromium" in text
    )
    assert "apt-get install chromium" in text


def test_web_shop__the_env_variable_wins(monkeypatch, tmp_path):
    exe = tmp_path / "my-chromium"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv(ENV_VAR, str(exe))
    assert find_chromium(_NoOwnBrowser()) == str(exe)


def test_web_shop__system_chromium_is_the_fallback(monkeypatch, tmp_path):
    exe = tmp_path / "chromium"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(chromium_mod, "SYSTEM_CHROMIUM", str(exe))
    assert find_chromium(_NoOwnBrowser()) == str(exe)


def test_web_shop__launch_flags_are_the_documented_ones():
    for flag in (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        assert flag in chromium_mod.LAUNCH_FLAGS


def test_web_shop__one_browser_per_process(chromium):
    # Under CI=true the ``chromium`` fixture fails when Chromium is missing; elsewhere it skips.
    browser = chromium_mod.shared_browser()
    assert browser.is_connected() and chromium_mod.shared_browser() is browser
    assert os.path.isfile(find_chromium(None)) or os.environ.get(ENV_VAR)


def test_web_shop__a_set_env_variable_is_the_only_place_looked_at(monkeypatch, tmp_path):
    exe = tmp_path / "chromium"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(chromium_mod, "SYSTEM_CHROMIUM", str(exe))  # a system Chromium exists ...
    monkeypatch.setenv(ENV_VAR, "/nonexistent/chromium")  # ... but the variable points nowhere
    with pytest.raises(ChromiumNotFound, match="the only place looked at"):
        find_chromium(_NoOwnBrowser())


def test_web_shop__the_tests_ask_the_same_function_as_the_env(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv(ENV_VAR, "/nonexistent/chromium")
    reason = browser_skip_reason("utility/WebShopBrowser-v1")
    assert reason is not None and ENV_VAR in reason and "/nonexistent/chromium" in reason
    assert browser_skip_reason("utility/WebShop-v1") is None
    monkeypatch.setenv("CI", "true")  # CI never skips: a missing Chromium fails there
    assert browser_skip_reason("utility/WebShopBrowser-v1") is None


def test_web_shop__a_missing_chromium_does_not_start_playwright(monkeypatch):
    chromium_mod.close_shared_browser()
    monkeypatch.setenv(ENV_VAR, "/nonexistent/chromium")
    with pytest.raises(ChromiumNotFound):
        chromium_mod.shared_browser()
    assert chromium_mod._STATE.manager is None and chromium_mod._STATE.playwright is None


def test_web_shop__a_failed_launch_says_what_failed_and_a_later_launch_works(
    monkeypatch, tmp_path, request
):
    chromium_mod.close_shared_browser()
    broken = tmp_path / "broken-chromium"
    broken.write_text("#!/bin/sh\necho 'this is not chromium' >&2\nexit 3\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv(ENV_VAR, str(broken))
    for _ in range(2):  # the same clear error each time, never Playwright's asyncio-loop error
        with pytest.raises(ChromiumLaunchError) as e:
            chromium_mod.shared_browser()
        assert str(broken) in str(e.value) and "did not start" in str(e.value)
        assert chromium_mod._STATE.manager is None
    monkeypatch.delenv(ENV_VAR)
    request.getfixturevalue(
        "chromium"
    )  # skips here (fails under CI=true) when no real Chromium exists
    browser = chromium_mod.shared_browser()
    assert browser.is_connected()
    page = browser.new_page()
    page.set_content("<p>ok</p>")
    assert page.inner_text("p") == "ok"
    page.close()
