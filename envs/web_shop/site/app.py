"""The web shop's WSGI application: every page of the site, rendered with jinja2 (autoescaped).

One application serves people (``serve``), headless Chromium (WebShopBrowser-v1) and the text
environment (WebShop-v1, which calls it in-process with WSGI environ dicts). It reads and
writes only the episode's SQLite world; it keeps no state of its own between requests (the
search cache and pre-rendered result rows depend only on the read-only catalog).

An in-process caller that wants the page as text sets ``environ[PAGE_URL_KEY]`` to the page's
URL (or calls ``handle_page``, which makes no environ): the home, results, product, cart,
checkout and order pages then come back as a ready `Page` in ``Response.page``
(``text_pages.py``, no HTML made); reviews and error pages as HTML, as always.

This module is the application itself: the entry points, the routing, and rendering a page
(as HTML or as text, kept by what it shows). The request and response records and reading a
request are in ``request``; the pages in ``catalog_pages`` (home, search, product, reviews)
and ``cart_pages`` (cart, checkout, order, and the forms that buy); the URLs pages link to in
``links``.
"""

from __future__ import annotations

import functools
import sqlite3
import sys
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.page import Page
from utility_gym.envs.web_shop.search import Searcher
from utility_gym.envs.web_shop.site import shop
from utility_gym.envs.web_shop.site.cart_pages import (
    buy,
    cart,
    cart_add,
    cart_remove,
    checkout,
    place_order,
)
from utility_gym.envs.web_shop.site.cart_pages import order as order_page
from utility_gym.envs.web_shop.site.catalog_pages import home, product, reviews, search
from utility_gym.envs.web_shop.site.links import option_hrefs
from utility_gym.envs.web_shop.site.request import (
    DB_KEY,
    MAX_BODY,
    MAX_FIELDS,
    PAGE_HEADERS,
    PAGE_URL_KEY,
    REASONS,
    SECURITY_HEADERS,
    HTTPError,
    Request,
    Response,
    make_environ,
    parse_environ,
    parse_fields,
)
from utility_gym.envs.web_shop.site.text_pages import TEXT_PAGES

__all__ = [
    "DB_KEY",
    "MAX_BODY",
    "MAX_FIELDS",
    "PAGE_HEADERS",
    "PAGE_URL_KEY",
    "REASONS",
    "SECURITY_HEADERS",
    "STATIC_TYPES",
    "HTTPError",
    "Request",
    "Response",
    "ShopApp",
    "make_environ",
    "option_hrefs",
    "parse_fields",
]

HERE = Path(__file__).parent
# Text pages kept by what they show (and their URL). Pages come back within an episode (back,
# the product after choosing an option); each holds a few dozen small objects the collector
# walks, so the cache stays small (as ``page._CACHE``).
TEXT_PAGE_CACHE_SIZE = 256
HTML_PAGE_CACHE_SIZE = 4096
STATIC_TYPES = {"shop.css": "text/css; charset=utf-8", "shop.js": "text/javascript; charset=utf-8"}


class ShopApp:
    """The WSGI application. ``db`` is the world to serve when the environ does not bring one."""

    def __init__(
        self, db: sqlite3.Connection | None = None, *, log: Callable[[str], None] | None = None
    ) -> None:
        self.db = db
        self.log = log or (lambda text: print(text, file=sys.stderr))
        self.jinja = _jinja()
        self.searcher = Searcher()
        # The search's result rows as HTML and its links (``catalog_pages``), by catalog.
        self.rows_cache: OrderedDict[tuple[str, int], Markup] = OrderedDict()
        self.links_cache: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
        self._pages: OrderedDict[tuple, bytes] = OrderedDict()
        self._texts: OrderedDict[tuple, Page] = OrderedDict()
        self._static = {name: (HERE / "static" / name).read_bytes() for name in STATIC_TYPES}

    # -- WSGI -------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        response = self.handle(environ)
        reason = REASONS.get(response.status, "Error")
        headers = list(response.headers)
        headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {reason}", headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [response.body]

    def handle(self, environ: dict[str, Any]) -> Response:
        """Answer one request (an environ dict) without sockets: the in-process entry point."""
        db = environ.get(DB_KEY) or self.db

        def request() -> Request:
            assert db is not None
            if not environ.get("utility_gym.catalog_attached"):
                catalog.attach(db)
            r = parse_environ(environ, db)
            r.catalog = environ.get("utility_gym.catalog_key") or catalog.catalog_key(db)
            r.page_url = environ.get(PAGE_URL_KEY)
            return r

        return self._answer(db, request)

    def handle_page(
        self, db: sqlite3.Connection, catalog_key: str, method: str, url: str, body: bytes = b""
    ) -> Response:
        """``handle`` of the request an in-process caller would put in an environ (``url`` as
        path and query, a form ``body``, the catalog attached, the page wanted as text at
        ``url``), without making the environ: the same response."""
        path, _, query = url.partition("?")
        path.encode("utf-8")  # raises as make_environ does: a lone surrogate cannot be sent

        def request() -> Request:
            fields = parse_fields(query)
            if method == "POST":
                if len(body) > MAX_BODY:
                    raise HTTPError(413, "The form is too large.")
                try:
                    text = body.decode("utf-8")
                except UnicodeError:
                    raise HTTPError(400, "The form is not valid UTF-8.") from None
                form = parse_fields(text)
            elif method in ("GET", "HEAD"):
                form = {}
            else:
                raise HTTPError(
                    405, f"Method {method[:20]} is not allowed.", [("Allow", "GET, HEAD, POST")]
                )
            key = catalog_key or catalog.catalog_key(db)
            return Request(method, path or "/", fields, form, db, key, url)

        return self._answer(db, request)

    def _answer(self, db: sqlite3.Connection | None, request: Callable[[], Request]) -> Response:
        try:
            if db is None:
                raise HTTPError(500, "no database")
            return self._route(request())
        except HTTPError as e:
            if e.status >= 500:
                self.log(f"web shop: {e.status} {e.message}")
            return self._error(db, e.status, e.message, e.headers)
        except Exception:
            self.log("web shop: internal error\n" + traceback.format_exc())
            return self._error(db, 500, "Something went wrong on our side.")

    # -- routing ----------------------------------------------------------------------------------
    def _route(self, r: Request) -> Response:
        path = r.path
        get = r.method in ("GET", "HEAD")
        if path == "/":
            return self._need(r, get, "GET") or home(self, r)
        if path == "/search":
            return self._need(r, get, "GET") or search(self, r)
        if path.startswith("/product/"):
            rest = path[len("/product/") :]
            if rest.endswith("/reviews"):
                return self._need(r, get, "GET") or reviews(self, r, rest[: -len("/reviews")])
            return self._need(r, get, "GET") or product(self, r, rest)
        if path == "/cart":
            return self._need(r, get, "GET") or cart(self, r)
        if path == "/cart/add":
            return self._need(r, r.method == "POST", "POST") or cart_add(r)
        if path == "/cart/remove":
            return self._need(r, r.method == "POST", "POST") or cart_remove(r)
        if path == "/buy":
            return self._need(r, r.method == "POST", "POST") or buy(r)
        if path == "/checkout":
            return checkout(self, r) if get else place_order(r)
        if path.startswith("/order/"):
            return self._need(r, get, "GET") or order_page(self, r, path[len("/order/") :])
        if path.startswith("/static/"):
            return self._need(r, get, "GET") or self._static_file(path[len("/static/") :])
        raise HTTPError(404, "There is no such page.")

    @staticmethod
    def _need(r: Request, ok: bool, allowed: str) -> Response | None:
        if not ok:
            raise HTTPError(
                405,
                f"{r.method[:20]} is not allowed here.",
                [("Allow", "GET, HEAD" if allowed == "GET" else "POST")],
            )
        return None

    def _static_file(self, name: str) -> Response:
        if name not in self._static:
            raise HTTPError(404, "There is no such file.")
        headers = [
            ("Content-Type", STATIC_TYPES[name]),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "max-age=3600"),
        ]
        return Response(200, self._static[name], headers)

    # -- rendering (what the pages call) ----------------------------------------------------------
    def render(
        self, r: Request, template: str, memo: tuple | None = None, **values: Any
    ) -> Response:
        """The page ``template`` shows with ``values``: as text when the request asks for it
        and a text page exists (``text_pages``), else as HTML; kept by ``memo`` if given."""
        values.setdefault("q", "")
        if "cart_count" not in values:
            values["cart_count"] = shop.cart_count(r.db)
        text_page = TEXT_PAGES.get(template) if r.page_url is not None else None
        if text_page is not None and r.page_url is not None:
            return self.text(r, memo, text_page(r.page_url, values))
        body = self.jinja.get_template(template).render(**values).encode("utf-8")
        if memo is not None:
            # The page is a pure function of ``memo`` (catalog pages and the cart count): keep it.
            self._pages[memo] = body
            if len(self._pages) > HTML_PAGE_CACHE_SIZE:
                self._pages.popitem(last=False)
        return Response(200, body, list(PAGE_HEADERS))

    def text(self, r: Request, memo: tuple | None, page: Page) -> Response:
        """The response holding a text page (kept by ``memo`` and its URL)."""
        if memo is not None:
            self._texts[(memo, r.page_url)] = page
            if len(self._texts) > TEXT_PAGE_CACHE_SIZE:
                self._texts.popitem(last=False)
        return Response(200, b"", list(PAGE_HEADERS), page)

    def memo(self, r: Request, key: tuple) -> Response | None:
        """The page kept by ``key`` (as text or HTML, as the request wants it), or None."""
        if r.page_url is not None:
            page = self._texts.get((key, r.page_url))
            if page is None:
                return None
            self._texts.move_to_end((key, r.page_url))
            return Response(200, b"", list(PAGE_HEADERS), page)
        body = self._pages.get(key)
        if body is None:
            return None
        self._pages.move_to_end(key)
        return Response(200, body, list(PAGE_HEADERS))

    def _error(
        self,
        db: sqlite3.Connection | None,
        status: int,
        message: str,
        headers: Iterable[tuple[str, str]] = (),
    ) -> Response:
        heading = {
            404: "Page not found",
            405: "Not allowed",
            413: "Too large",
            415: "Unsupported form",
        }.get(status, "Bad request")
        if status >= 500:
            heading = "Server error"
        try:
            count = shop.cart_count(db) if db is not None else 0
        except sqlite3.Error:
            count = 0
        html = self.jinja.get_template("error.html").render(
            status=status, heading=heading, message=message, cart_count=count, q="", page="error"
        )
        return Response(
            status,
            html.encode("utf-8"),
            [("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS, *headers],
        )


@functools.cache
def _jinja() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        auto_reload=False,
    )
    return env
