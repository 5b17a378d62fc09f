"""The URLs the shop's pages link to: a search with one parameter changed, its filter, price and
sort links, and a product page's option links.

Each URL is written exactly as ``urlencode`` would write it (the parameters in a fixed order,
every value quoted once), so a page reached by two links is one URL, and one memo entry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from utility_gym.envs.web_shop.search import PRICE_BANDS, SORTS, SearchQuery
from utility_gym.envs.web_shop.site.shop import Product
from utility_gym.envs.web_shop.vocab import CATEGORIES, CATEGORY_BY_NAME

SORT_LABELS = {
    "relevance": "Relevance",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "rating": "Top rated",
}


@functools.lru_cache(maxsize=4096)
def quoted(text: str) -> str:
    return quote_plus(text)


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


def search_url(params: dict[str, str]) -> Callable[..., str]:
    """The URL of this search with some parameters changed (``url(page=2)``), as urlencode
    writes it (the names need no quoting); each value kept is quoted once."""
    kept = {k: f"{k}={quoted(v)}" for k, v in params.items() if v}

    def url(**change: Any) -> str:
        parts = []
        for k in params:
            if k in change:
                v = change[k]
                if v is not None and v != "":
                    parts.append(f"{k}={quoted(str(v))}")
            elif k in kept:
                parts.append(kept[k])
        return "/search?" + "&".join(parts)

    return url


def search_links(
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


def option_hrefs(p: Product, chosen: dict[str, str], qty: int, max_qty: int) -> list[str]:
    """A product page's option URLs in page order (each dimension's values, then quantities 1
    to ``max_qty``). Each is the page's own URL with one option changed: options in the
    product's order, then ``qty`` unless 1."""
    base = f"/product/{p.id}?"
    parts = [f"{quoted(d)}={quoted(chosen[d])}" if d in chosen else "" for d in p.options]
    qty_part = f"qty={qty}" if qty != 1 else ""
    hrefs = []
    for i, (dim, values) in enumerate(p.options.items()):
        before = "&".join([x for x in parts[:i] if x])
        after = "&".join([x for x in (*parts[i + 1 :], qty_part) if x])
        head = f"{base}{before}&" if before else base
        tail = "&" + after if after else ""
        name = quoted(dim) + "="
        hrefs.extend([f"{head}{name}{quoted(v)}{tail}" for v in values])
    every = "&".join([x for x in parts if x])
    glue = base + every + "&" if every else base
    hrefs.append(base + every)
    hrefs.extend([f"{glue}qty={n}" for n in range(2, max_qty + 1)])
    return hrefs


def option_links(
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
