"""Finding Chromium: the env variable, Playwright's own browsers, then /usr/bin/chromium; a clear
error naming all three when none is there."""

from __future__ import annotations

import os
import stat

import pytest

from utility_gym.envs.web_shop import chromium as chromium_mod
from utility_gym.envs.web_shop.chromium import ENV_VAR, ChromiumNotFound, find_chromium


class _NoOwnBrowser:
    class chromium:  # noqa: N801  (mimics playwright.chromium)
        executable_path = "/nonexistent/ms-playwright/chrome"


def test_web_shop__missing_chromium_error_names_all_three_ways(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "/nonexistent/chromium")
    monkeypatch.setattr(chromium_mod, "SYSTEM_CHROMIUM", "/nonexistent/usr/bin/chromium")
    with pytest.raises(ChromiumNotFound) as e:
        find_chromium(_NoOwnBrowser())
    text = str(e.value)
    assert ENV_VAR in text and "playwright install chromium" in text and "/nonexistent/usr/bin/chromium" in text
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
    for flag in ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        assert flag in chromium_mod.LAUNCH_FLAGS


def test_web_shop__one_browser_per_process(chromium):
    # Under CI=true the ``chromium`` fixture fails when Chromium is missing; elsewhere it skips.
    browser = chromium_mod.shared_browser()
    assert browser.is_connected() and chromium_mod.shared_browser() is browser
    assert os.path.isfile(find_chromium(None)) or os.environ.get(ENV_VAR)
