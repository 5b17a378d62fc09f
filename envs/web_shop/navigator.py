"""Navigators: how a web action reaches the shop. In-process (text env) or through Chromium.

A navigator performs *resolved* actions (follow this link, submit this form, fill this field,
go back) and returns the new `Page`. `WebSession` turns the agent's actions into those
primitives with the shared resolution rules of ``actions.py``; the ``search``/``click``/...
tools call it, so the text env, the browser env and the JSON tool form share one path.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import weakref
from typing import Protocol
from urllib.parse import quote_plus, urlsplit

from utility_gym.core.tools import ToolContext, ToolError
from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.actions import resolve_click, resolve_option
from utility_gym.envs.web_shop.page import Element, Page, parse_html
from utility_gym.envs.web_shop.site.app import ShopApp

START_URL = "/"
REDIRECTS = frozenset((301, 302, 303, 307, 308))
MAX_REDIRECTS = 5
MAX_HISTORY = 50


class Navigator(Protocol):
    def page(self) -> Page:
        """The current page (loading the start page first if there is none)."""

    def follow(self, element: Element) -> Page: ...

    def submit(self, form: int, values: dict[int, str], submitter: Element | None) -> Page: ...

    def fill(self, element: Element, text: str) -> Page: ...

    def back(self) -> Page: ...


def form_encode(pairs: list[tuple[str, str]]) -> str:
    """application/x-www-form-urlencoded exactly as Chromium writes it (``*`` kept, ``~``
    escaped)."""
    return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)


@functools.lru_cache(maxsize=4096)
def _enc(text: str) -> str:
    # Lone surrogates cannot be sent; browsers replace them with U+FFFD, and so do we.
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return quote_plus(text, safe="*").replace("~", "%7E")


_APP: ShopApp | None = None


def shop_app() -> ShopApp:
    """The process's in-process application (its caches depend only on read-only catalogs)."""
    global _APP
    if _APP is None:
        _APP = ShopApp()
    return _APP


class InProcessNavigator:
    """Calls the WSGI application directly; the page and history live in the tool state.

    The state is replaced, never mutated, so the Toolbox can roll a failed call back.
    """

    def __init__(self, ctx: ToolContext) -> None:
        # A weak reference: the context holds its navigator (``ctx.extras``), and a cycle would
        # leave every episode's context and pages to the cyclic collector (the long pauses of
        # issue 14) instead of freeing them when the episode ends.
        self._ctx = weakref.ref(ctx)
        if not ctx.extras.get("catalog_attached"):
            catalog.attach(ctx.db)
            ctx.extras["catalog_attached"] = True
        if "catalog_key" not in ctx.extras:
            ctx.extras["catalog_key"] = catalog.catalog_key(ctx.db)

    @property
    def ctx(self) -> ToolContext:
        ctx = self._ctx()
        if ctx is None:
            raise RuntimeError("this navigator's episode is over")
        return ctx

    def page(self) -> Page:
        page = self.ctx.state.get("page")
        if page is None:
            page = self._request("GET", START_URL)
            self.ctx.state["page"] = page
            self.ctx.state["history"] = (page.url,)
            self.ctx.state["filled"] = ()
        return page

    def follow(self, element: Element) -> Page:
        href = element.href
        if not href.startswith("/"):
            raise ToolError(f"{element.describe()} leads outside the shop")
        return self._go(self._request("GET", href))

    def submit(self, form: int, values: dict[int, str], submitter: Element | None) -> Page:
        page = self.page()
        f = page.forms[form]
        filled = dict(self.ctx.state.get("filled", ()))
        pairs = []
        for name, value, eid in f.fields:
            if eid:
                value = values.get(eid, filled.get(eid, value))
            pairs.append((name, value))
        if submitter is not None and submitter.name:
            pairs.append((submitter.name, submitter.value))
        body = form_encode(pairs)
        action = f.action if f.action.startswith("/") else page.url
        if f.method == "POST":
            return self._go(self._request("POST", action, body.encode("utf-8")))
        path = _form_path(action)
        return self._go(self._request("GET", f"{path}?{body}" if body else path))

    def fill(self, element: Element, text: str) -> Page:
        page = self.page()
        filled = dict(self.ctx.state.get("filled", ()))
        filled[element.eid] = text
        self.ctx.state["filled"] = tuple(sorted(filled.items()))
        page = with_value(page, element, text)
        self.ctx.state["page"] = page
        return page

    def back(self) -> Page:
        self.page()
        history = self.ctx.state["history"]
        if len(history) < 2:
            raise ToolError("there is no previous page to go back to")
        page = self._request("GET", history[-2])
        self.ctx.state["page"] = page
        self.ctx.state["history"] = history[:-1]
        self.ctx.state["filled"] = ()
        return page

    # -- helpers ------------------------------------------------------------------------------
    def _go(self, page: Page) -> Page:
        state = self.ctx.state
        history = (*state.get("history", ()), page.url)[-MAX_HISTORY:]
        state["page"] = page
        state["history"] = history
        state["filled"] = ()
        return page

    def _request(self, method: str, url: str, body: bytes = b"") -> Page:
        app = shop_app()
        ctx = self.ctx
        for _ in range(MAX_REDIRECTS + 1):
            # The busiest pages come back as text, without HTML.
            response = app.handle_page(ctx.db, ctx.extras["catalog_key"], method, url, body)
            location = response.location if response.status in REDIRECTS else None
            if location:
                method, url, body = "GET", location, b""
                continue
            if response.page is not None:
                return response.page
            return parse_html(response.body.decode("utf-8"), url, response.status)
        raise ToolError("the shop redirected too many times")


def with_value(page: Page, element: Element, text: str) -> Page:
    """``page`` with a text field showing ``text``, as a browser shows a filled field."""
    old_part = f"[{element.eid}] {element.label}: {_collapse(element.value)}".rstrip(" ")
    new_part = f"[{element.eid}] {element.label}: {_collapse(text)}"
    lines = []
    for line in page.text.split("\n"):
        if old_part in line:
            line = _collapse(line.replace(old_part, new_part, 1)).strip(" ")
        lines.append(line)
    elements = tuple(
        dataclasses.replace(e, value=text) if e.eid == element.eid else e for e in page.elements
    )
    return dataclasses.replace(page, text="\n".join(lines), elements=elements)


def sanitize_field(text: str) -> str:
    """What a text field keeps of typed text: browsers drop line breaks from ``<input>`` values."""
    return text.replace("\r", "").replace("\n", "")


def _collapse(text: str) -> str:
    return re.sub(r"[ \t\n\r\f]+", " ", text)


@functools.lru_cache(maxsize=256)
def _form_path(action: str) -> str:
    """The path a GET form is sent to (forms are few: kept)."""
    return urlsplit(action).path or "/"


def navigator_for(ctx: ToolContext) -> Navigator:
    nav = ctx.extras.get("navigator")
    if nav is None:
        nav = InProcessNavigator(ctx)
        ctx.extras["navigator"] = nav
    return nav


class WebSession:
    """The agent's web actions, resolved on the current page and performed by a navigator."""

    def __init__(self, nav: Navigator) -> None:
        self.nav = nav

    def search(self, query: str) -> Page:
        page = self.nav.page()
        box = page.search_input()
        if box is None or box.form < 0:
            raise ToolError("this page has no search box")
        return self.nav.submit(
            box.form, {box.eid: sanitize_field(query)}, _submit_button(page, box.form)
        )

    def click(self, target: str) -> Page:
        page = self.nav.page()
        element = resolve_click(page, target)
        return self._activate(page, element)

    def select(self, option: str) -> Page:
        page = self.nav.page()
        return self.nav.follow(resolve_option(page, option))

    def fill(self, target: str, text: str) -> Page:
        page = self.nav.page()
        element = resolve_click(page, target)
        if element.kind != "input":
            raise ToolError(
                f"{element.describe()} is not a text field; fill works on fields like "
                f"{_fields(page)}"
            )
        return self.nav.fill(element, sanitize_field(text))

    def back(self) -> Page:
        return self.nav.back()

    def _activate(self, page: Page, element: Element) -> Page:
        if element.kind == "link":
            return self.nav.follow(element)
        if element.kind == "button":
            if element.form < 0:
                raise ToolError(f"{element.describe()} does nothing")
            return self.nav.submit(element.form, {}, element)
        raise ToolError(
            f"{element.describe()} is a text field: use fill[{element.eid}, text] or search[text]"
        )


def _submit_button(page: Page, form: int) -> Element | None:
    for e in page.elements:
        if e.kind == "button" and e.form == form:
            return e
    return None


def _fields(page: Page) -> str:
    fields = [e.describe() for e in page.elements if e.kind == "input"]
    return ", ".join(fields) or "a search box"
