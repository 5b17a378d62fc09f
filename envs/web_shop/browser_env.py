"""utility/WebShopBrowser-v1: the same shop, served to headless Chromium through Playwright."""

from __future__ import annotations

from typing import Any

import numpy as np

from utility_gym.core.vector import vector_env_factory
from utility_gym.envs.web_shop.browser import TRANSPORTS, BrowserNavigator, BrowserSite
from utility_gym.envs.web_shop.chromium import shared_browser
from utility_gym.envs.web_shop.env import WebShopEnv
from utility_gym.envs.web_shop.page import Page
from utility_gym.envs.web_shop.site.app import ShopApp


class WebShopBrowserEnv(WebShopEnv):
    """``WebShop-v1`` in a real browser: headless Chromium shows the shop and the agent acts in it.

    ## Description
    The same task, world, shopper, tools and grading as ``utility/WebShop-v1``; only the way the
    site reaches the agent differs. Each episode opens a fresh browser context (cookies,
    storage and history are new) in the process's single headless Chromium, loads the shop's
    home page and acts in the live page: ``click`` is a DOM click, a form is serialized and
    submitted by the browser, ``back`` is the browser's history, and the observation is the
    page's text with element numbers read from the live DOM, by the same rules as the text
    env (so the same actions give the same observations). Pages come from the same WSGI
    application, and a navigation swaps the page's body in place (no full reload): either
    in-process (``transport="inprocess"``, the default: the page's requests go to the
    application through a Playwright binding, and a GET the env can predict from the element
    acted on is answered ahead, in the same round trip) or from a real HTTP server on
    127.0.0.1 (``transport="http"``).
    Chromium is taken from ``UTILITY_GYM_CHROMIUM``, Playwright's own browsers, or
    ``/usr/bin/chromium``; making the env fails with an error naming all three when none is
    there.

    ## Action Space
    ``UnicodeText(max_length)``: as in ``WebShop-v1`` — ``search[query]``, ``click[N or
    label]``, ``select[option]``, ``back``, ``fill[N, text]`` (type into a field without
    submitting), ``ask[question]`` or plain text for the shopper, and the JSON tool form.

    ## Observation Space
    ``UnicodeText(max_length)``: ``page: ...`` (the live page as text with numbered elements),
    ``user: ...``, ``error: ...``. With ``render_mode="rgb_array"``, ``render()`` returns a
    screenshot of the viewport as a ``(H, W, 3)`` uint8 array.

    ## Starting State
    As ``WebShop-v1``; the browser shows the home page in a fresh context.

    ## Rewards
    As ``WebShop-v1``: success, WebShop's graded purchase score (``"partial"``) or shaped.

    ## Episode End
    As ``WebShop-v1``: an order placed, the shopper leaving, ``end_conversation`` or
    ``transfer_to_human``; truncated at ``max_episode_steps`` (50).

    ## Information
    As ``WebShop-v1``, including ``valid_actions`` and the final ``grade`` with ``purchase``.

    ## Arguments
    As ``WebShop-v1`` (``world_seed``, ``size``, ``split``, ``reward_mode``, ``max_length``),
    plus ``render_mode`` (None | "ansi" | "rgb_array"), ``transport`` ("inprocess" | "http"),
    ``viewport`` ((800, 600)) and ``backend`` ("browser"; registry tooling reads it).

    ## Version History
    * v0: initial release (generator version 1).
    * v1 (issue 19): the tasks of ``WebShop-v1`` (carts under one budget, computed totals and
      comparisons, conditional goals, a question back). Scores from before are not comparable.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        render_mode: str | None = None,
        *,
        world_seed: int = 0,
        size: str = "default",
        split: str = "train",
        reward_mode: str = "success",
        max_length: int = 100_000,
        transport: str = "inprocess",
        viewport: tuple[int, int] = (800, 600),
        backend: str = "browser",
        **kwargs: Any,
    ) -> None:
        if backend != "browser":
            raise ValueError(
                f"WebShopBrowser-v1 only has the 'browser' backend, got {backend!r}; use "
                "WebShop-v1 for text"
            )
        if transport not in TRANSPORTS:
            raise ValueError(
                f"unknown transport {transport!r}; choose one of {', '.join(TRANSPORTS)}"
            )
        super().__init__(
            render_mode,
            world_seed=world_seed,
            size=size,
            split=split,
            reward_mode=reward_mode,
            max_length=max_length,
            **kwargs,  # user, user_options, mode, stream_length
        )
        self.transport = transport
        self.viewport = (int(viewport[0]), int(viewport[1]))
        self._browser: Any = shared_browser()
        self._app = ShopApp(self.world.conn)
        self._site: BrowserSite | None = None

    def render(self) -> str | np.ndarray | None:
        if self.render_mode == "rgb_array":
            if self._site is None:
                return np.zeros((self.viewport[1], self.viewport[0], 3), dtype=np.uint8)
            return self._site.screenshot()
        return super().render()

    def close(self) -> None:
        self._close_site()
        super().close()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for key in ("_site", "_browser", "_app"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._browser = shared_browser()
        self._app = ShopApp(self.world.conn)
        self._site = None
        if self._episode is not None:
            self._reopen()

    # -- the browser session ------------------------------------------------------------------
    def _open_site(self) -> Page:
        self._close_site()
        self._site = BrowserSite(
            self._browser, self._app, self.world.conn, self.transport, self.viewport
        )
        self._site.open()
        return self._attach_navigator()

    def _reopen(self) -> None:
        """Show the episode's pages again (after unpickling or a fork): its history, re-visited."""
        history = tuple(self._ctx.state.get("history", ())) or ("/",)
        self._close_site()
        self._site = BrowserSite(
            self._browser, self._app, self.world.conn, self.transport, self.viewport
        )
        self._site.open(history)
        self._attach_navigator()

    def _attach_navigator(self) -> Page:
        assert self._site is not None
        navigator = BrowserNavigator(self._site, self._ctx.state)
        self._ctx.extras["navigator"] = navigator
        self._ctx.extras["catalog_attached"] = True
        return navigator.page()

    def on_restore(self) -> None:
        self._reopen()

    def _close_site(self) -> None:
        site, self._site = getattr(self, "_site", None), None
        if site is not None:
            site.close()


make_vector_env = vector_env_factory(WebShopBrowserEnv)
