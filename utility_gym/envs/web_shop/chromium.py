"""Headless Chromium for WebShopBrowser-v0: found once, launched once per process.

Where Chromium comes from, in order: the ``UTILITY_GYM_CHROMIUM`` environment variable (a path
to the executable), Playwright's own browsers (``playwright install chromium``), then the
system's ``/usr/bin/chromium`` (Debian's ``apt-get install chromium``).
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Any

ENV_VAR = "UTILITY_GYM_CHROMIUM"
SYSTEM_CHROMIUM = "/usr/bin/chromium"
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


def find_chromium(playwright: Any | None = None) -> str:
    """The path of the Chromium executable to launch (see the module docstring for the order)."""
    tried = []
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        tried.append(f"{ENV_VAR}={override!r} is not an executable file")
    else:
        tried.append(f"{ENV_VAR} is not set")
    if playwright is not None:
        try:
            own = playwright.chromium.executable_path
        except Exception:  # noqa: BLE001  (Playwright raises its own error types here)
            own = ""
        if own and os.path.isfile(own):
            return own
        tried.append(f"Playwright's own Chromium is not installed ({own or 'no path'}; run `playwright install chromium`)")
    else:
        tried.append("Playwright's own Chromium was not checked")
    if os.path.isfile(SYSTEM_CHROMIUM) and os.access(SYSTEM_CHROMIUM, os.X_OK):
        return SYSTEM_CHROMIUM
    tried.append(f"{SYSTEM_CHROMIUM} does not exist (Debian: `apt-get install chromium`)")
    raise ChromiumNotFound(
        "WebShopBrowser-v0 needs Chromium and found none. Provide one of: (1) the environment variable "
        f"{ENV_VAR} pointing to a Chromium executable; (2) Playwright's own browser, installed with "
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
        from playwright.sync_api import sync_playwright

        if state.playwright is None:
            state.manager = sync_playwright()
            state.playwright = state.manager.start()
        executable = find_chromium(state.playwright)
        state.browser = state.playwright.chromium.launch(executable_path=executable, headless=True, args=list(LAUNCH_FLAGS))
        state.pid = os.getpid()
        return state.browser


def close_shared_browser() -> None:
    """Close the browser and stop the driver (also run at exit)."""
    state = _STATE
    if state.pid != os.getpid():
        return
    try:
        if state.browser is not None:
            state.browser.close()
        if state.manager is not None:
            state.manager.__exit__(None, None, None)
    except Exception:  # noqa: BLE001  (shutting down: nothing useful to do with an error)
        pass
    state.browser = state.playwright = state.manager = None
    state.pid = -1


atexit.register(close_shared_browser)
