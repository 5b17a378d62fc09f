"""The catalog's pages: home, search results, a product (with the options chosen) and its reviews.

Each is a function of the application and the request, called by ``ShopApp``'s routing. These
pages read the catalog, which never changes, and the cart count: the application keeps each
page by what it shows (``ShopApp.memo``), and the search keeps its result rows and links.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from utility_gym.envs.web_shop.search import MAX_RESULTS, PAGE_SIZE, SORTS, SearchQuery
from utility_gym.envs.web_shop.site import shop
from utility_gym.envs.web_shop.site.links import (
    option_hrefs,
    option_links,
    search_links,
    search_url,
)
from utility_gym.envs.web_shop.site.request import (
    HTTPError,
    Request,
    Response,
    int_field,
    number_field,
    price_field,
)
from utility_gym.envs.web_shop.site.shop import Product, money
from utility_gym.envs.web_shop.site.text_pages import product_page, result_rows
from utility_gym.envs.web_shop.vocab import CATEGORIES, CATEGORY_BY_NAME

if TYPE_CHECKING:
    from utility_gym.envs.web_shop.site.app import ShopApp

MAX_QUERY_CHARS = 200
LINKS_CACHE_SIZE = 512  # a search's filter, price and sort links (twenty short strings)
ROWS_CACHE_SIZE = 20_000  # result rows as HTML, by catalog and product

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


def home(app: ShopApp, r: Request) -> Response:
    count = shop.cart_count(r.db)
    return app.memo(r, ("home", count)) or app.render(
        r,
        "home.html",
        memo=("home", count),
        cart_count=count,
        page="home",
        categories=CATEGORIES,
    )


def search(app: ShopApp, r: Request) -> Response:
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
        price_field(r.query, "min_price"),
        price_field(r.query, "max_price"),
        number_field(r.query, "min_rating", 0, 5),
        sort,
    )
    page_no = int_field(r.query, "page", 1, MAX_RESULTS // PAGE_SIZE, default=1)
    count = shop.cart_count(r.db)
    # The query's fields, not the query: a frozen dataclass hashes in Python, three times.
    memo = ("search", r.catalog, *_query_fields(query), page_no, count)
    hit = app.memo(r, memo)
    if hit is not None:
        return hit
    result = app.searcher.search(r.db, r.catalog, query)
    nums = result.nums
    pages = max(1, math.ceil(len(nums) / PAGE_SIZE))
    if page_no > pages:
        raise HTTPError(404, f"There are only {pages} pages of results.")
    shown_nums = nums[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
    # The HTML's result rows; a text page writes its own (``text_pages.result_rows``).
    rows = (
        [_result_row(app, r.catalog, p) for p in shop.get_products(r.db, shown_nums, r.catalog)]
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
    url = search_url(params)
    heading = (
        f"Results for “{q}”" if q else (CATEGORY_BY_NAME[category].label if category else "Search")
    )
    if q and category:
        heading += f" in {CATEGORY_BY_NAME[category].label}"
    links = _kept_links(app, params, query, result, url)
    count_text = (
        f"{len(nums)}{'+' if result.more else ''} results" if len(nums) != 1 else "1 result"
    )
    return app.render(
        r,
        "search.html",
        memo=memo,
        cart_count=count,
        page="search",
        q=q,
        heading=heading,
        results=rows,
        result_rows=lambda: result_rows(r.db, r.catalog, shown_nums, money),
        page_no=page_no,
        pages=pages,
        count_text=count_text,
        relaxed=result.relaxed,
        prev_url=url(page=page_no - 1 if page_no > 2 else "") if page_no > 1 else "",
        next_url=url(page=page_no + 1) if page_no < pages else "",
        **links,
    )


def _query_fields(q: SearchQuery) -> tuple:
    """A search query's fields, in order (what its equality compares)."""
    return (q.text, q.category, q.min_price, q.max_price, q.min_rating, q.sort)


def _kept_links(
    app: ShopApp,
    params: dict[str, str],
    query: SearchQuery,
    result: Any,
    url: Callable[..., str],
) -> dict[str, Any]:
    """`search_links`, kept for searches made again: the filter, price and sort links
    depend on the search's parameters (and, for a query in no department, on the results'
    departments)."""
    q, category = params["q"], params["category"]
    key = (*params.values(), result.categories if q and not category else ())
    links = app.links_cache.get(key)
    if links is None:
        sort = query.sort
        links = app.links_cache[key] = search_links(query, category, q, result, url, sort)
        if len(app.links_cache) > LINKS_CACHE_SIZE:
            app.links_cache.popitem(last=False)
    else:
        app.links_cache.move_to_end(key)
    return links


def _result_row(app: ShopApp, key: str, p: Product) -> Markup:
    # Result rows depend only on the read-only catalog: render each once per process.
    cache_key = (key, p.num)
    row = app.rows_cache.get(cache_key)
    if row is None:
        row = Markup(
            f'<li><p><a href="/product/{escape(p.id)}" '
            f'data-key="{escape(p.id)}">{escape(p.title)}</a></p>'
            f"<p>{escape(p.id)} · {money(p.price)} · {p.rating} out of 5 ({p.n_reviews} "
            "reviews)</p></li>"
        )
        app.rows_cache[cache_key] = row
        if len(app.rows_cache) > ROWS_CACHE_SIZE:
            app.rows_cache.popitem(last=False)
    return row


def product(app: ShopApp, r: Request, pid: str) -> Response:
    p = shop.get_product(r.db, pid, r.catalog)
    if p is None:
        raise HTTPError(404, "There is no such product.")
    chosen = {d: r.query[d] for d in p.options if r.query.get(d) in p.options[d]}
    limit, left, count = shop.product_state(r.db, p.id)
    qty = int_field(r.query, "qty", 1, limit, default=1)
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
    hit = app.memo(r, memo)
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
        price=money(p.price),
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
        return app.text(r, memo, page)
    return app.render(
        r,
        "product.html",
        memo=memo,
        option_links=option_links(p, chosen, qty, max_qty, hrefs),
        selected_text=", ".join(selected),
        fields=fields,
        **values(),
    )


def reviews(app: ShopApp, r: Request, pid: str) -> Response:
    p = shop.get_product(r.db, pid, r.catalog)
    if p is None:
        raise HTTPError(404, "There is no such product.")
    rows = [
        {"author": a, "rating": s, "title": t, "body": b}
        for a, s, t, b in r.db.execute(
            "SELECT author, rating, title, body FROM reviews WHERE product_num = ? ORDER BY id",
            (p.num,),
        ).fetchall()
    ]
    return app.render(r, "reviews.html", page="reviews", p=p, reviews=rows)
