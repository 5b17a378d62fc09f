"""The web shop's WSGI application: every page of the site, rendered with jinja2 (autoescaped).

One application serves people (``serve``), headless Chromium (WebShopBrowser-v1) and the text
environment (WebShop-v1, which calls it in-process with WSGI environ dicts). It reads and
writes only the episode's SQLite world; it keeps no state of its own between requests (the
search cache and pre-rendered result rows depend only on the read-only catalog).

An in-process caller that wants the page as text sets ``environ[PAGE_URL_KEY]`` to the page's
URL (or calls ``handle_page``, which makes no environ): the home, results, product, cart,
checkout and order pages then come back as a ready `Page` in ``Response.page``
(``text_pages.py``, no HTML made); reviews and error pages as HTML, as always.
"""

from __future__ import annotations

import functools
import io
import math
import sqlite3
import sys
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode

import jinja2
from markupsafe import Markup, escape

from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.page import Page
from utility_gym.envs.web_shop.search import (
    MAX_RESULTS,
    PAGE_SIZE,
    PRICE_BANDS,
    SORTS,
    Searcher,
    SearchQuery,
)
from utility_gym.envs.web_shop.site import shop
from utility_gym.envs.web_shop.site.shop import Product, ShopError
from utility_gym.envs.web_shop.site.text_pages import TEXT_PAGES, product_page, result_rows
from utility_gym.envs.web_shop.vocab import CATEGORIES, CATEGORY_BY_NAME

HERE = Path(__file__).parent
MAX_BODY = 64 * 1024
MAX_FIELDS = 64
MAX_QUERY_CHARS = 200
DB_KEY = "utility_gym.db"  # environ key: the episode connection, for in-process callers
PAGE_URL_KEY = "utility_gym.page_url"  # environ key: answer with a `Page` at this URL if we can
# Text pages kept by what they show (and their URL). Pages come back within an episode (back,
# the product after choosing an option); each holds a few dozen small objects the collector
# walks, so the cache stays small (as ``page._CACHE``).
TEXT_PAGE_CACHE_SIZE = 256
LINKS_CACHE_SIZE = 512  # a search's filter, price and sort links (twenty short strings)
SORT_LABELS = {
    "relevance": "Relevance",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "rating": "Top rated",
}
STATIC_TYPES = {"shop.css": "text/css; charset=utf-8", "shop.js": "text/javascript; charset=utf-8"}
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'",
    ),
    ("Referrer-Policy", "no-referrer"),
]

PAGE_HEADERS = (("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS)


class HTTPError(Exception):
    def __init__(self, status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    page: Page | None = None  # the page as text, when the caller asked for it (no body then)

    @property
    def location(self) -> str | None:
        for k, v in self.headers:
            if k.lower() == "location":
                return v
        return None


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    db: sqlite3.Connection
    catalog: str = ""  # which catalog the world uses (key of the per-catalog caches)
    page_url: str | None = None  # answer with a `Page` at this URL where a text page exists


REASONS = {
    200: "OK",
    303: "See Other",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


class ShopApp:
    """The WSGI application. ``db`` is the world to serve when the environ does not bring one."""

    def __init__(
        self, db: sqlite3.Connection | None = None, *, log: Callable[[str], None] | None = None
    ) -> None:
        self.db = db
        self.log = log or (lambda text: print(text, file=sys.stderr))
        self.jinja = _jinja()
        self.searcher = Searcher()
        self._rows: OrderedDict[tuple[str, int], Markup] = OrderedDict()
        self._pages: OrderedDict[tuple, bytes] = OrderedDict()
        self._texts: OrderedDict[tuple, Page] = OrderedDict()
        self._links: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
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
            r = self._parse(environ, db)
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
            fields = _parse_fields(query)
            if method == "POST":
                if len(body) > MAX_BODY:
                    raise HTTPError(413, "The form is too large.")
                try:
                    text = body.decode("utf-8")
                except UnicodeError:
                    raise HTTPError(400, "The form is not valid UTF-8.") from None
                form = _parse_fields(text)
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

    # -- parsing ----------------------------------------------------------------------------------
    def _parse(self, environ: dict[str, Any], db: sqlite3.Connection) -> Request:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        try:
            path = str(environ.get("PATH_INFO", "/") or "/").encode("latin-1").decode("utf-8")
        except UnicodeError:
            raise HTTPError(400, "The address is not valid UTF-8.") from None
        query = _parse_fields(str(environ.get("QUERY_STRING", "")))
        form: dict[str, str] = {}
        if method == "POST":
            ctype = str(environ.get("CONTENT_TYPE", "") or "").split(";")[0].strip().lower()
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                raise HTTPError(400, "Bad Content-Length.") from None
            if length < 0:
                raise HTTPError(400, "Bad Content-Length.")
            if length > MAX_BODY:
                raise HTTPError(413, "The form is too large.")
            if length and ctype not in ("application/x-www-form-urlencoded", ""):
                raise HTTPError(415, "Forms must be sent as application/x-www-form-urlencoded.")
            body = environ["wsgi.input"].read(length) if length else b""
            try:
                text = body.decode("utf-8")
            except UnicodeError:
                raise HTTPError(400, "The form is not valid UTF-8.") from None
            form = _parse_fields(text)
        elif method not in ("GET", "HEAD"):
            raise HTTPError(
                405, f"Method {method[:20]} is not allowed.", [("Allow", "GET, HEAD, POST")]
            )
        return Request(method, path, query, form, db)

    # -- routing ----------------------------------------------------------------------------------
    def _route(self, r: Request) -> Response:
        path = r.path
        get = r.method in ("GET", "HEAD")
        if path == "/":
            return self._need(r, get, "GET") or self._home(r)
        if path == "/search":
            return self._need(r, get, "GET") or self._search(r)
        if path.startswith("/product/"):
            rest = path[len("/product/") :]
            if rest.endswith("/reviews"):
                return self._need(r, get, "GET") or self._reviews(r, rest[: -len("/reviews")])
            return self._need(r, get, "GET") or self._product(r, rest)
        if path == "/cart":
            return self._need(r, get, "GET") or self._cart(r)
        if path == "/cart/add":
            return self._need(r, r.method == "POST", "POST") or self._cart_add(r)
        if path == "/cart/remove":
            return self._need(r, r.method == "POST", "POST") or self._cart_remove(r)
        if path == "/buy":
            return self._need(r, r.method == "POST", "POST") or self._buy(r)
        if path == "/checkout":
            return self._checkout_page(r) if get else self._place_order(r)
        if path.startswith("/order/"):
            return self._need(r, get, "GET") or self._order(r, path[len("/order/") :])
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

    # -- pages ------------------------------------------------------------------------------------
    def _home(self, r: Request) -> Response:
        count = shop.cart_count(r.db)
        return self._memo(r, ("home", count)) or self._page(
            r,
            "home.html",
            memo=("home", count),
            cart_count=count,
            page="home",
            categories=CATEGORIES,
        )

    def _search(self, r: Request) -> Response:
        q = r.query.get("q", "")[:MAX_QUERY_CHARS].strip()
        category = r.query.get("category", "")
        if category and category not in CATEGORY_BY_NAME:
            raise HTTPError(404, "There is no such department.")
        sort = r.query.get("sort", "relevance")
        if sort not in SORTS:
            raise HTTPError(400, f"Unknown sort order; use one of: {', '.join(SORTS)}.")
        query = SearchQuery(
            q,
            category,
            _price(r.query, "min_price"),
            _price(r.query, "max_price"),
            _number(r.query, "min_rating", 0, 5),
            sort,
        )
        page_no = _int(r.query, "page", 1, MAX_RESULTS // PAGE_SIZE, default=1)
        count = shop.cart_count(r.db)
        # The query's fields, not the query: a frozen dataclass hashes in Python, three times.
        memo = ("search", r.catalog, *_query_fields(query), page_no, count)
        hit = self._memo(r, memo)
        if hit is not None:
            return hit
        result = self.searcher.search(r.db, r.catalog, query)
        nums = result.nums
        pages = max(1, math.ceil(len(nums) / PAGE_SIZE))
        if page_no > pages:
            raise HTTPError(404, f"There are only {pages} pages of results.")
        shown_nums = nums[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
        # The HTML's result rows; a text page writes its own (``text_pages.result_rows``).
        rows = (
            [self._result_row(r.catalog, p) for p in shop.get_products(r.db, shown_nums, r.catalog)]
            if r.page_url is None
            else []
        )
        params = {
            "q": q,
            "category": category,
            "min_price": r.query.get("min_price", ""),
            "max_price": r.query.get("max_price", ""),
            "min_rating": r.query.get("min_rating", ""),
            "sort": sort if sort != "relevance" else "",
            "page": "",
        }
        url = _search_url(params)
        heading = (
            f"Results for “{q}”"
            if q
            else (CATEGORY_BY_NAME[category].label if category else "Search")
        )
        if q and category:
            heading += f" in {CATEGORY_BY_NAME[category].label}"
        links = self._kept_links(params, query, result, url)
        count_text = (
            f"{len(nums)}{'+' if result.more else ''} results" if len(nums) != 1 else "1 result"
        )
        return self._page(
            r,
            "search.html",
            memo=memo,
            cart_count=count,
            page="search",
            q=q,
            heading=heading,
            results=rows,
            result_rows=lambda: result_rows(r.db, r.catalog, shown_nums, _money),
            page_no=page_no,
            pages=pages,
            count_text=count_text,
            relaxed=result.relaxed,
            prev_url=url(page=page_no - 1 if page_no > 2 else "") if page_no > 1 else "",
            next_url=url(page=page_no + 1) if page_no < pages else "",
            **links,
        )

    def _kept_links(
        self, params: dict[str, str], query: SearchQuery, result: Any, url: Callable[..., str]
    ) -> dict[str, Any]:
        """`_search_links`, kept for searches made again: the filter, price and sort links
        depend on the search's parameters (and, for a query in no department, on the results'
        departments)."""
        q, category = params["q"], params["category"]
        key = (*params.values(), result.categories if q and not category else ())
        links = self._links.get(key)
        if links is None:
            sort = query.sort
            links = self._links[key] = _search_links(query, category, q, result, url, sort)
            if len(self._links) > LINKS_CACHE_SIZE:
                self._links.popitem(last=False)
        else:
            self._links.move_to_end(key)
        return links

    def _result_row(self, key: str, p: Product) -> Markup:
        # Result rows depend only on the read-only catalog: render each once per process.
        cache_key = (key, p.num)
        row = self._rows.get(cache_key)
        if row is None:
            row = Markup(
                f'<li><p><a href="/product/{escape(p.id)}" '
                f'data-key="{escape(p.id)}">{escape(p.title)}</a></p>'
                f"<p>{escape(p.id)} · {_money(p.price)} · {p.rating} out of 5 ({p.n_reviews} "
                "reviews)</p></li>"
            )
            self._rows[cache_key] = row
            if len(self._rows) > 20_000:
                self._rows.popitem(last=False)
        return row

    def _product(self, r: Request, pid: str) -> Response:
        p = shop.get_product(r.db, pid, r.catalog)
        if p is None:
            raise HTTPError(404, "There is no such product.")
        chosen = {d: r.query[d] for d in p.options if r.query.get(d) in p.options[d]}
        limit, left, count = shop.product_state(r.db, p.id)
        qty = _int(r.query, "qty", 1, limit, default=1)
        error = _ERRORS.get(r.query.get("error", ""), "")
        if error:
            error = error.format(dim=r.query.get("error", ""), max=limit, left=left)
        memo = (
            "product",
            r.catalog,
            p.num,
            tuple(sorted(chosen.items())),
            qty,
            left,
            error,
            count,
            limit,
        )
        hit = self._memo(r, memo)
        if hit is not None:
            return hit
        max_qty = max(1, min(limit, left))
        hrefs = option_hrefs(p, chosen, qty, max_qty)
        selected = [f"{d} {chosen[d]}" if d in chosen else f"{d} (choose one)" for d in p.options]
        selected.append(f"quantity {qty}")
        fields = [
            ("product_id", p.id),
            *((d, chosen[d]) for d in p.options if d in chosen),
            ("qty", str(qty)),
        ]
        if left <= 0:
            stock_text = "Out of stock"
        elif left <= 5:
            stock_text = f"Only {left} left in stock"
        else:
            stock_text = "In stock"
        values = functools.partial(
            dict,
            q="",
            cart_count=count,
            page="product",
            p=p,
            price=_money(p.price),
            category_label=CATEGORY_BY_NAME[p.category].label,
            stock_text=stock_text,
            in_stock=left > 0,
            error=error,
            max_qty=max_qty,
            catalog=r.catalog,
        )
        if r.page_url is not None:  # the page as text: a kept frame with this choice
            frame = ("", r.catalog, p.num, left, error, count, limit)
            page = product_page(r.page_url, frame, hrefs, ", ".join(selected), fields, values)
            return self._text(r, memo, page)
        return self._page(
            r,
            "product.html",
            memo=memo,
            option_links=_option_links(p, chosen, qty, max_qty, hrefs),
            selected_text=", ".join(selected),
            fields=fields,
            **values(),
        )

    def _reviews(self, r: Request, pid: str) -> Response:
        p = shop.get_product(r.db, pid, r.catalog)
        if p is None:
            raise HTTPError(404, "There is no such product.")
        reviews = [
            {"author": a, "rating": s, "title": t, "body": b}
            for a, s, t, b in r.db.execute(
                "SELECT author, rating, title, body FROM reviews WHERE product_num = ? ORDER BY id",
                (p.num,),
            ).fetchall()
        ]
        return self._page(r, "reviews.html", page="reviews", p=p, reviews=reviews)

    def _cart(self, r: Request) -> Response:
        lines = [_line(x) for x in shop.cart_lines(r.db)]
        total = sum(x["unit_price"] * x["quantity"] for x in lines)
        error = {
            "empty": "Your cart is empty.",
            "stock": "Some items are no longer in stock in that quantity.",
            "gone": "That item is no longer in your cart.",
        }.get(r.query.get("error", ""), "")
        return self._page(
            r, "cart.html", page="cart", lines=lines, total=_money(total), error=error
        )

    def _checkout_page(self, r: Request) -> Response:
        lines = [_line(x) for x in shop.cart_lines(r.db)]
        if not lines:
            return _redirect("/cart?error=empty")
        total = sum(x["unit_price"] * x["quantity"] for x in lines)
        return self._page(r, "checkout.html", page="checkout", lines=lines, total=_money(total))

    def _order(self, r: Request, order_id: str) -> Response:
        order = shop.get_order(r.db, order_id)
        if order is None:
            raise HTTPError(404, "There is no such order.")
        lines = [_line(x) for x in order["items"]]
        return self._page(
            r, "order.html", page="order", order=order, lines=lines, total=_money(order["total"])
        )

    # -- actions (POST, then redirect: the history only ever holds GET pages) ---------------------
    def _choice(self, r: Request) -> tuple[Product, dict[str, str], int]:
        pid = r.form.get("product_id", "")
        p = shop.get_product(r.db, pid, r.catalog)
        if p is None:
            raise HTTPError(400, "Unknown product.")
        qty = _int(r.form, "qty", 1, shop.max_quantity(r.db), default=1, status=400)
        chosen = {}
        for name, value in r.form.items():
            if name in ("product_id", "qty"):
                continue
            if name not in p.options or value not in p.options[name]:
                raise HTTPError(400, f"Unknown option {name[:40]!r} for this product.")
            chosen[name] = value
        return p, chosen, qty

    def _back_to_product(
        self, p: Product, chosen: dict[str, str], qty: int, error: str
    ) -> Response:
        params = [(d, chosen[d]) for d in p.options if d in chosen]
        if qty != 1:
            params.append(("qty", str(qty)))
        params.append(("error", error))
        return _redirect(f"/product/{p.id}?" + urlencode(params))

    def _buy(self, r: Request) -> Response:
        p, chosen, qty = self._choice(r)
        try:
            order_id = shop.place_order(r.db, [(p, chosen, qty)], _now(r.db))
        except ShopError as e:
            return self._back_to_product(p, chosen, qty, e.field)
        return _redirect(f"/order/{order_id}")

    def _cart_add(self, r: Request) -> Response:
        p, chosen, qty = self._choice(r)
        try:
            shop.add_to_cart(r.db, p, chosen, qty)
        except ShopError as e:
            return self._back_to_product(p, chosen, qty, e.field)
        return _redirect("/cart")

    def _cart_remove(self, r: Request) -> Response:
        item = _int(r.form, "item_id", 1, 2**31, default=None, status=400)
        try:
            shop.remove_from_cart(r.db, item)
        except ShopError:
            return _redirect("/cart?error=gone")
        return _redirect("/cart")

    def _place_order(self, r: Request) -> Response:
        if r.method != "POST":
            raise HTTPError(405, "Not allowed here.", [("Allow", "GET, HEAD, POST")])
        try:
            order_id = shop.checkout_cart(r.db, _now(r.db))
        except ShopError as e:
            return _redirect("/cart?error=" + ("empty" if e.field == "cart" else "stock"))
        return _redirect(f"/order/{order_id}")

    def _static_file(self, name: str) -> Response:
        if name not in self._static:
            raise HTTPError(404, "There is no such file.")
        headers = [
            ("Content-Type", STATIC_TYPES[name]),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "max-age=3600"),
        ]
        return Response(200, self._static[name], headers)

    # -- rendering --------------------------------------------------------------------------------
    def _page(
        self, r: Request, template: str, memo: tuple | None = None, **values: Any
    ) -> Response:
        values.setdefault("q", "")
        if "cart_count" not in values:
            values["cart_count"] = shop.cart_count(r.db)
        text_page = TEXT_PAGES.get(template) if r.page_url is not None else None
        if text_page is not None and r.page_url is not None:
            return self._text(r, memo, text_page(r.page_url, values))
        body = self.jinja.get_template(template).render(**values).encode("utf-8")
        if memo is not None:
            # The page is a pure function of ``memo`` (catalog pages and the cart count): keep it.
            self._pages[memo] = body
            if len(self._pages) > 4096:
                self._pages.popitem(last=False)
        return Response(200, body, list(PAGE_HEADERS))

    def _text(self, r: Request, memo: tuple | None, page: Page) -> Response:
        """The response holding a text page (kept by ``memo`` and its URL)."""
        if memo is not None:
            self._texts[(memo, r.page_url)] = page
            if len(self._texts) > TEXT_PAGE_CACHE_SIZE:
                self._texts.popitem(last=False)
        return Response(200, b"", list(PAGE_HEADERS), page)

    def _memo(self, r: Request, key: tuple) -> Response | None:
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


_ERRORS = {
    "size": "Please choose a {dim} first.",
    "color": "Please choose a {dim} first.",
    "quantity": "You can buy at most {max} of an item per order.",
    "stock": "Sorry, not enough stock: {left} left.",
}
for _c in CATEGORIES:
    for _t in _c.types:
        for _d in _t.options:
            _ERRORS.setdefault(_d, "Please choose a {dim} first.")


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


def _parse_fields(text: str) -> dict[str, str]:
    if "%" not in text:  # nothing to decode (most of the shop's own URLs): parse_qsl's pairs
        if text.count("&") >= MAX_FIELDS:
            raise HTTPError(400, "Malformed query: ValueError.")
        pairs = [p.replace("+", " ").partition("=")[::2] for p in text.split("&") if p]
        return _field_dict(pairs)
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError as e:  # too many fields, or bad UTF-8 after percent-decoding
        raise HTTPError(400, f"Malformed query: {type(e).__name__}.") from None
    return _field_dict(pairs)


def _field_dict(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in pairs:
        if "\x00" in k or "\x00" in v:
            raise HTTPError(400, "NUL characters are not allowed.")
        out.setdefault(k, v)  # the first value wins, as in most frameworks
    return out


def _int(
    src: dict[str, str], name: str, lo: int, hi: int, *, default: int | None, status: int = 400
) -> int:
    raw = src.get(name)
    if raw is None or raw == "":
        if default is None:
            raise HTTPError(status, f"Missing {name}.")
        return default
    # ASCII digits only: '²' passes str.isdigit() and then fails int().
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not lo <= int(raw) <= hi:
        raise HTTPError(status, f"{name} must be a whole number from {lo} to {hi}.")
    return int(raw)


def _number(src: dict[str, str], name: str, lo: float, hi: float) -> float | None:
    raw = src.get(name, "")
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise HTTPError(400, f"{name} must be a number.") from None
    if not math.isfinite(value) or not lo <= value <= hi or len(raw) > 12:
        raise HTTPError(400, f"{name} must be between {lo:g} and {hi:g}.")
    return value


def _price(src: dict[str, str], name: str) -> float | None:
    return _number(src, name, 0, 1_000_000)


def _band_label(lo: float, hi: float | None) -> str:
    if not lo:
        return f"Under ${hi:g}"
    if hi is None:
        return f"${lo:g} & above"
    return f"${lo:g} to ${hi:g}"


def _fmt_num(x: float) -> str:
    return f"{x:g}"


# The price filters' links: (label, min_price, max_price) as the URLs write them.
_BANDS = tuple(
    (_band_label(lo, hi), _fmt_num(lo) if lo else "", _fmt_num(hi) if hi else "")
    for lo, hi in PRICE_BANDS
)


@functools.lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return quote_plus(text)


def _money(x: float) -> str:
    return f"${x:,.2f}"


def _line(x: dict[str, Any]) -> dict[str, Any]:
    opts = ", ".join(f"{k} {v}" for k, v in x["options"].items()) or "no options"
    return {**x, "options_text": opts, "amount": _money(x["unit_price"] * x["quantity"])}


def option_hrefs(p: Product, chosen: dict[str, str], qty: int, max_qty: int) -> list[str]:
    """A product page's option URLs in page order (each dimension's values, then quantities 1
    to ``max_qty``). Each is the page's own URL with one option changed: options in the
    product's order, then ``qty`` unless 1."""
    base = f"/product/{p.id}?"
    parts = [f"{_quoted(d)}={_quoted(chosen[d])}" if d in chosen else "" for d in p.options]
    qty_part = f"qty={qty}" if qty != 1 else ""
    hrefs = []
    for i, (dim, values) in enumerate(p.options.items()):
        before = "&".join([x for x in parts[:i] if x])
        after = "&".join([x for x in (*parts[i + 1 :], qty_part) if x])
        head = f"{base}{before}&" if before else base
        tail = "&" + after if after else ""
        name = _quoted(dim) + "="
        hrefs.extend([f"{head}{name}{_quoted(v)}{tail}" for v in values])
    every = "&".join([x for x in parts if x])
    glue = base + every + "&" if every else base
    hrefs.append(base + every)
    hrefs.extend([f"{glue}qty={n}" for n in range(2, max_qty + 1)])
    return hrefs


def _option_links(
    p: Product, chosen: dict[str, str], qty: int, max_qty: int, hrefs: list[str]
) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The option links as ``product.html`` lists them, per dimension then quantity: (label,
    URL, selected), the URLs from `option_hrefs`."""
    urls = iter(hrefs)
    links = [
        (dim, [(v, next(urls), chosen.get(dim) == v) for v in values])
        for dim, values in p.options.items()
    ]
    quantities = [(str(n), next(urls), n == qty) for n in range(1, max_qty + 1)]
    links.append(("quantity", quantities))
    return links


def _redirect(location: str) -> Response:
    return Response(
        303,
        b"",
        [("Location", location), ("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS],
    )


_now = shop.now


def make_environ(
    method: str, path: str, query: str = "", body: bytes = b"", db: sqlite3.Connection | None = None
) -> dict[str, Any]:
    """A minimal WSGI environ for an in-process request (no sockets)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "shop.local",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body or method == "POST":
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(body))
    if db is not None:
        environ[DB_KEY] = db
    return environ


def _search_url(params: dict[str, str]) -> Callable[..., str]:
    """The URL of this search with some parameters changed (``url(page=2)``), as urlencode
    writes it (the names need no quoting); each value kept is quoted once."""
    kept = {k: f"{k}={_quoted(v)}" for k, v in params.items() if v}

    def url(**change: Any) -> str:
        parts = []
        for k in params:
            if k in change:
                v = change[k]
                if v is not None and v != "":
                    parts.append(f"{k}={_quoted(str(v))}")
            elif k in kept:
                parts.append(kept[k])
        return "/search?" + "&".join(parts)

    return url


def _query_fields(q: SearchQuery) -> tuple:
    """A search query's fields, in order (what its equality compares)."""
    return (q.text, q.category, q.min_price, q.max_price, q.min_rating, q.sort)


def _search_links(
    query: SearchQuery, category: str, q: str, result: Any, url: Callable[..., str], sort: str
) -> dict[str, Any]:
    """The search page's links: departments to narrow to, filters to drop, price bands and
    the other sort orders."""
    departments: list[tuple[str, str]] = []
    if not category:
        names = list(result.categories) if q else [c.name for c in CATEGORIES]
        departments = [(CATEGORY_BY_NAME[n].label, url(category=n)) for n in names]
    active = []
    if category:
        active.append((CATEGORY_BY_NAME[category].label, url(category="")))
    if query.min_price is not None or query.max_price is not None:
        active.append(("price filter", url(min_price="", max_price="")))
    if query.min_rating is not None:
        active.append(("rating filter", url(min_rating="")))
    prices = [(label, url(min_price=lo, max_price=hi)) for label, lo, hi in _BANDS]
    prices.append(("4 stars & up", url(min_rating="4")))
    sorts = [(SORT_LABELS[s], url(sort=s if s != "relevance" else "")) for s in SORTS if s != sort]
    return {"active": active, "departments": departments, "prices": prices, "sorts": sorts}
