"""Headless Chromium for WebShopBrowser-v1: found once, launched once per process.

``find_chromium`` is the one place that decides where Chromium is, for the environments and
the tests alike (``utility_gym.testing.browser_skip_reason`` asks it too). In order:

1. the ``UTILITY_GYM_CHROMIUM`` environment variable, a path to the executable. When it is set it
   is the only place looked at: pointing it nowhere means "no Chromium here" (CI uses that to
   check that the browser tests skip cleanly on a machine without one);
2. Playwright's own browsers (``playwright install chromium``; ``PLAYWRIGHT_BROWSERS_PATH`` or
   ``~/.cache/ms-playwright``);
3. the system's ``/usr/bin/chromium`` (Debian's ``apt-get install chromium``), then
   ``/usr/bin/chromium-browser`` (other distributions' name).

A launch that fails stops Playwright's driver again, so the process can launch later (after
Chromium is installed, or with another path), and the error says what failed.
"""

from __future__ import annotations

import atexit
import glob
import os
import threading
from pathlib import Path
from typing import Any

ENV_VAR = "UTILITY_GYM_CHROMIUM"
SYSTEM_CHROMIUM = "/usr/bin/chromium"
SYSTEM_CHROMIUM_OTHER_NAMES = ("/usr/bin/chromium-browser",)
LAUNCH_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # One renderer process for all contexts: a fresh context per episode then costs no new
    # process. Contexts stay isolated (cookies, storage, history).
    "--renderer-process-limit=1",
    # Software compositing on the browser process's GPU thread, not in a process of its own:
    # less inter-process traffic per frame (about 15% less CPU per step here).
    "--in-process-gpu",
)


class ChromiumNotFound(RuntimeError):
    """No Chromium executable could be found; the message says the three ways to get one."""


class ChromiumLaunchError(RuntimeError):
    """A Chromium executable was found but would not start; the message says which and why."""


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def playwright_chromium(playwright: Any | None = None) -> str | None:
    """Playwright's own Chromium, if installed: asked of a running ``playwright`` when given,
    else looked for where ``playwright install chromium`` puts it (no driver started)."""
    if playwright is not None:
        try:
            own = playwright.chromium.executable_path
        except Exception:  # noqa: BLE001  (Playwright raises its own error types here)
            own = ""
        return own if own and _executable(own) else None
    roots = [
        os.environ.get("PLAYWRIGHT_BROWSERS_PATH", "").strip(),
        str(Path.home() / ".cache" / "ms-playwright"),
    ]
    for root in roots:
        if not root or root == "0":
            continue
        found = sorted(
            glob.glob(os.path.join(root, "chromium-*", "chrome-linux*", "chrome")), reverse=True
        )
        for path in found:
            if _executable(path):
                return path
    return None


def find_chromium(playwright: Any | None = None) -> str:
    """The path of the Chromium executable to launch (see the module docstring for the order),
    or ``ChromiumNotFound`` saying where it looked and how to get one."""
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        if _executable(override):
            return override
        tried = [
            f"{ENV_VAR}={override!r} is not an executable file (when set, it is the only place "
            "looked at)"
        ]
    else:
        tried = [f"{ENV_VAR} is not set"]
        own = playwright_chromium(playwright)
        if own:
            return own
        tried.append(
            "Playwright's own Chromium is not installed (run `python -m playwright install "
            "chromium`)"
        )
        for path in (SYSTEM_CHROMIUM, *SYSTEM_CHROMIUM_OTHER_NAMES):
            if _executable(path):
                return path
        tried.append(
            f"{', '.join((SYSTEM_CHROMIUM, *SYSTEM_CHROMIUM_OTHER_NAMES))} do not exist (Debian: "
            "`apt-get install chromium`)"
        )
    raise ChromiumNotFound(
        "WebShopBrowser-v1 needs Chromium and found none. Provide one of: (1) the environment "
        "variable "
        f"{ENV_VAR} pointing to a Chromium executable; (2) Playwright's own browser, installed "
        "with "
        f"`python -m playwright install chromium`; (3) the system's {SYSTEM_CHROMIUM}, e.g. "
        "`apt-get install chromium` on Debian. Tried: " + "; ".join(tried) + "."
    )


class _Process:
    """The process's Playwright driver and browser (re-created after a fork)."""

    def __init__(self) -> None:
        self.pid = -1
        self.playwright: Any = None
        self.manager: Any = None
        self.browser: Any = None
        self.lock = threading.Lock()


_STATE = _Process()


def shared_browser() -> Any:
    """The process's headless Chromium (a Playwright ``Browser``), launched on first use."""
    state = _STATE
    with state.lock:
        if state.pid == os.getpid() and state.browser is not None and state.browser.is_connected():
            return state.browser
        if state.pid != os.getpid():
            # A forked child must not talk to its parent's driver: start its own.
            state.playwright = state.manager = state.browser = None
        # Found before Playwright starts: a machine without Chromium never starts its driver.
        executable = find_chromium(state.playwright)
        from playwright.sync_api import sync_playwright

        try:
            if state.playwright is None:
                state.manager = sync_playwright()
                state.playwright = state.manager.start()
            state.browser = state.playwright.chromium.launch(
                executable_path=executable, headless=True, args=list(LAUNCH_FLAGS)
            )
        except Exception as e:
            # Stop the driver (and its event loop) again: otherwise every later launch in this
            # process fails with Playwright's "Sync API inside the asyncio loop".
            _stop(state)
            first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise ChromiumLaunchError(
                f"Chromium at {executable} did not start: {type(e).__name__}: {first_line[:300]}. "
                f"Check that it runs (`{executable} --headless --no-sandbox --version`), or point "
                f"{ENV_VAR} at another one"
            ) from e
        state.pid = os.getpid()
        return state.browser


def close_shared_browser() -> None:
    """Close the browser and stop the driver (also run at exit)."""
    state = _STATE
    if state.pid != os.getpid():
        return
    _stop(state)


def _stop(state: _Process) -> None:
    """Close the browser and the driver, whatever state they are in; forget both."""
    for close in (lambda: state.browser.close(), lambda: state.manager.__exit__(None, None, None)):
        try:
            close()
        except Exception:  # noqa: BLE001  (shutting down: nothing useful to do with an error)
            pass
    state.browser = state.playwright = state.manager = None
    state.pid = -1


atexit.register(close_shared_browser)
