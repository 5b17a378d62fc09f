"""The shop's busiest pages written straight as text pages, for the in-process text env.

An agent in WebShop-v1 sees the home page, search results and product pages on almost every
step, and the cart, checkout and order pages on every purchase. Rendering each with jinja2 and
parsing the HTML back (``page.parse_html``) cost about 0.35 ms a page; writing the `Page` from
the same view values costs a tenth of that. Each
function here follows its template in ``templates/`` line by line, and gives exactly the page
``parse_html`` gives for the template's HTML (``tests/envs/web_shop/test_web_shop__text_pages.py``
compares the two on every page of many episodes, and the browser parity tests compare both with
Chromium). A change to one of these templates must be made here too; the test says where they
differ. The HTML is still what the server and Chromium get.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from utility_gym.envs.web_shop.page import (
    Element,
    Form,
    Page,
    PageBuilder,
    collapse,
    make_element,
    make_form,
    make_page,
)
from utility_gym.envs.web_shop.site import shop

# The header's elements, made once: only the search box's (it shows the query) and the cart
# link's (the count) differ from page to page.
_BRAND = make_element(1, "link", "Utility Shop", "/")
_SEARCH_BUTTON = make_element(3, "button", "Search", "", 0)


@functools.lru_cache(maxsize=64)
def _cart_link(count: int) -> Element:
    return make_element(4, "link", f"Cart ({count})", "/cart")


def _search_box(q: str) -> tuple[Element, Form, str]:
    """The search box showing ``q``: its element, its form and its line."""
    box = make_element(2, "input", "Search box", "", 0, "q", q)
    line = collapse(f"[2] Search box: {collapse(q)} [3] Search").strip(" ")
    return box, make_form("/search", "GET", (("q", q, 2),)), line


_EMPTY_BOX = _search_box("")  # every page but the results pages shows the box empty


def _start(values: dict[str, Any]) -> PageBuilder:
    """A builder holding ``base.html``'s header: the brand, the search form (its box showing
    the query) and the cart link. Their elements are the same on every page but the box's."""
    q, count = values["q"], values["cart_count"]
    box, form, line = _search_box(q) if q else _EMPTY_BOX
    b = PageBuilder()
    b.elements = [_BRAND, box, _SEARCH_BUTTON, _cart_link(count)]
    b.forms = [form]
    b.lines = ["[1] Utility Shop", line, f"[4] Cart ({count})"]
    return b


def home_page(url: str, values: dict[str, Any]) -> Page:
    """``home.html``."""
    b = _start(values)
    b.line("Welcome to Utility Shop")
    b.line("Search above, or browse a department:")
    for c in values["categories"]:
        b.link_line("", ((c.label, f"/search?category={c.name}", ""),))
    return b.page(url)


@functools.lru_cache(maxsize=256)
def _link_actions(n: int) -> tuple[str, ...]:
    """``Page.actions`` of a page of ``n`` elements that are all links or buttons without an
    option but the search box (element 2): the home and results pages."""
    return tuple(f"click[{i}]" for i in range(1, n + 1) if i != 2)


def search_page(url: str, values: dict[str, Any]) -> Page:
    """``search.html`` (the result rows as ``catalog_pages._result_row`` writes them). Every
    filter, price and sort label is a constant as a browser shows it (``clean``)."""
    b = _start(values)
    b.line(values["heading"])
    rows = values["result_rows"]()
    if not rows:
        b.line("No products found. Try fewer or different words.")
    else:
        b.line(f"Page {values['page_no']} of {values['pages']} ({values['count_text']})")
        if values["relaxed"]:
            b.line("No product matches every word; showing products that match some of them.")
        if all(title for title, _, _, _ in rows):
            b.entries((title, href, pid, detail) for title, pid, detail, href in rows)
        else:  # a title that shows as nothing (never in a generated catalog)
            for title, pid, detail, href in rows:
                b.link_line("", ((title, href, pid),))
                b.lines.append(detail)
        pager = []
        if values["prev_url"]:
            pager.append(("< Prev", values["prev_url"], ""))
        if values["next_url"]:
            pager.append(("Next >", values["next_url"], ""))
        b.link_line("", pager, clean=True)
    if values["active"]:
        b.link_line(
            "Filters: ", (("Remove " + label, h, "") for label, h in values["active"]), clean=True
        )
    if values["departments"]:
        b.link_line(
            "Department: ", ((label, h, "") for label, h in values["departments"]), clean=True
        )
    b.link_line("Price: ", ((label, h, "") for label, h in values["prices"]), clean=True)
    b.link_line("Sort by: ", ((label, h, "") for label, h in values["sorts"]), clean=True)
    return make_page(
        url,
        200,
        "\n".join(b.lines),
        tuple(b.elements),
        tuple(b.forms),
        {"actions": _link_actions(len(b.elements))},
    )


# A results row by catalog and product (a catalog never changes): (title as shown, id, second
# line, link). Fetching and formatting them was half of a results page.
_ROWS: OrderedDict[tuple[str, int], tuple[str, str, str, str]] = OrderedDict()
_ROWS_SIZE = 4096


def result_rows(
    db: sqlite3.Connection, catalog: str, nums: tuple[int, ...], money: Callable[[float], str]
) -> list[tuple[str, str, str, str]]:
    """The rows of a results page: each product's title (as a browser shows it), id, second
    line (as ``catalog_pages._result_row`` writes them) and link, read with one light query for
    those not kept."""
    missing = [n for n in nums if (catalog, n) not in _ROWS]
    if missing:
        for n, (pid, title, price, rating, reviews) in shop.result_rows(db, missing).items():
            detail = f"{pid} · {money(price)} · {rating} out of 5 ({reviews} reviews)"
            row = (collapse(title).strip(" "), pid, collapse(detail).strip(" "), f"/product/{pid}")
            _ROWS[(catalog, n)] = row
        while len(_ROWS) > _ROWS_SIZE:
            _ROWS.popitem(last=False)
    out = []
    for n in nums:
        row = _ROWS.get((catalog, n))
        if row is not None:
            _ROWS.move_to_end((catalog, n))
            out.append(row)
    return out


class _ProductFrame:
    """A product page whatever options are chosen: only the option links' URLs, the "Selected"
    line and the buy forms' fields change with the choice (an agent choosing three options
    sees four pages of one frame)."""

    __slots__ = ("head", "tail", "elements", "links", "forms", "first", "known")

    def __init__(
        self,
        head: str,
        tail: str,
        elements: tuple[Element, ...],
        links: range,
        forms: tuple[Form, ...],
    ) -> None:
        self.head = head  # the text before the "Selected" line
        self.tail = tail  # the text after it
        self.elements = elements  # option links with the URLs of the choice first seen
        self.links = links  # where the option links are in ``elements``
        self.forms = forms  # the buy forms without their fields
        self.first: Page | None = None  # the frame's first page
        self.known: dict[str, tuple] | None = None  # what every page of it shares

    def shared(self) -> dict[str, tuple]:
        """The actions, folded labels and option slots of every page of this frame (worked out
        on its first page when a second one is made)."""
        if self.known is None:
            first = self.first
            assert first is not None
            self.known = {
                "actions": first.actions,
                "folded_labels": first.folded_labels,
                "option_slots": first.option_slots,
            }
        return self.known


_FRAMES: OrderedDict[tuple, _ProductFrame] = OrderedDict()
_FRAMES_SIZE = 256


def product_page(
    url: str,
    key: tuple,
    hrefs: list[str],
    selected_text: str,
    fields: list[tuple[str, str]],
    values: Callable[[], dict[str, Any]],
) -> Page:
    """``product.html``: its frame (kept by ``key``, what the page shows but the choice; made
    from ``values()`` when new) with this choice's option URLs (``hrefs``, in page order),
    "Selected" line and buy forms' fields."""
    frame = _FRAMES.get(key)
    known = None
    if frame is None:  # a new frame has this choice's URLs already
        frame = _FRAMES[key] = _product_frame(values(), hrefs)
        if len(_FRAMES) > _FRAMES_SIZE:
            _FRAMES.popitem(last=False)
        elements = frame.elements
    else:
        _FRAMES.move_to_end(key)
        known = frame.shared()
        listed = list(frame.elements)
        for i, href in zip(frame.links, hrefs, strict=True):
            e = listed[i]
            if e.href != href:
                listed[i] = make_element(e.eid, "link", e.label, href, -1, "", "", e.option)
        elements = tuple(listed)
    post = tuple((n, v, 0) for n, v in fields)
    forms = tuple(
        make_form(f.action, f.method, post) if f.method == "POST" else f for f in frame.forms
    )
    selected = collapse("Selected: " + selected_text).strip(" ")
    text = f"{frame.head}\n{selected}\n{frame.tail}"
    page = make_page(url, 200, text, elements, forms, known)
    if frame.first is None:
        frame.first = page
    return page


class _ProductText(NamedTuple):
    """What a product page shows of the product itself (a catalog never changes), as shown."""

    head: tuple[str, ...]  # the title and byline lines
    options: tuple[tuple[str, tuple[str, ...], bool], ...]  # dimension, labels, shown as they are
    tail: tuple[str, ...]  # the features and description lines


_PRODUCT_TEXTS: OrderedDict[tuple[str, int], _ProductText] = OrderedDict()
_PRODUCT_TEXTS_SIZE = 1024


def _shown(text: str) -> str:
    return collapse(text).strip(" ")


def _product_text(catalog: str, p: Any, category_label: str) -> _ProductText:
    key = (catalog, p.num)
    known = _PRODUCT_TEXTS.get(key)
    if known is not None:
        _PRODUCT_TEXTS.move_to_end(key)
        return known
    lines = (p.title, f"{p.id} · {p.brand} · {category_label} › {p.type}")
    tail = ("Features: " + ", ".join(p.attributes), p.description)
    options = tuple(
        (
            dim,
            labels,
            _shown(dim) == dim and all(label and _shown(label) == label for label in labels),
        )
        for dim, labels in p.options.items()
    )
    known = _PRODUCT_TEXTS[key] = _ProductText(
        tuple(x for x in map(_shown, lines) if x), options, tuple(x for x in map(_shown, tail) if x)
    )
    if len(_PRODUCT_TEXTS) > _PRODUCT_TEXTS_SIZE:
        _PRODUCT_TEXTS.popitem(last=False)
    return known


def _product_frame(values: dict[str, Any], hrefs: list[str]) -> _ProductFrame:
    b = _start(values)
    p = values["p"]
    text = _product_text(values["catalog"], p, values["category_label"])
    b.lines.extend(text.head)
    b.line(
        f"Price: {values['price']} · Rating: {p.rating} out of 5 ({p.n_reviews} reviews) · "
        f"{values['stock_text']}"
    )
    if values["error"]:
        b.line(values["error"])
    first = len(b.elements)
    urls = iter(hrefs)
    for dim, labels, clean in text.options:
        b.link_line(f"{dim}: ", ((label, next(urls), "") for label in labels), dim, clean=clean)
    quantities = ((str(n), next(urls), "") for n in range(1, values["max_qty"] + 1))
    b.link_line("quantity: ", quantities, "quantity", clean=True)
    links = range(first, len(b.elements))
    selected = len(b.lines)
    if values["in_stock"]:
        b.line(b.button("Buy Now", b.form("/buy", "POST")))
        b.line(b.button("Add to Cart", b.form("/cart/add", "POST")))
    else:
        b.line("Currently unavailable.")
    b.lines.extend(text.tail)
    b.line(b.link("Read reviews", f"/product/{p.id}/reviews"))
    return _ProductFrame(
        "\n".join(b.lines[:selected]),
        "\n".join(b.lines[selected:]),
        tuple(b.elements),
        links,
        tuple(b.forms),
    )


def _item_line(line: dict[str, Any]) -> str:
    """An item of a cart, checkout or order as the page writes it (after its title)."""
    return f"({line['options_text']}) × {line['quantity']}: {line['amount']}"


def cart_page(url: str, values: dict[str, Any]) -> Page:
    """``cart.html``: each item's product link and its Remove button (a form of its own)."""
    b = _start(values)
    b.line("Your cart")
    if values["error"]:
        b.line(values["error"])
    lines = values["lines"]
    if lines:
        for line in lines:
            link = b.link(line["title"], f"/product/{line['product_id']}", key=line["product_id"])
            b.line(f"{link} {_item_line(line)}")
            remove = b.form("/cart/remove", "POST", (("item_id", str(line["id"])),))
            b.line(b.button("Remove", remove))
        b.line(f"Total: {values['total']}")
        b.line(b.link("Proceed to checkout", "/checkout"))
    else:
        b.line("Your cart is empty.")
    b.line(b.link("Continue shopping", "/"))
    return b.page(url)


def checkout_page(url: str, values: dict[str, Any]) -> Page:
    """``checkout.html``: the items, the total and the Place order button."""
    b = _start(values)
    b.line("Checkout")
    for line in values["lines"]:
        b.line(f"{line['title']} {_item_line(line)}")
    b.line(f"Order total: {values['total']}. Shipping is free; we ship to the address on file.")
    b.line(b.button("Place order", b.form("/checkout", "POST")))
    b.line(b.link("Back to cart", "/cart"))
    return b.page(url)


def order_page(url: str, values: dict[str, Any]) -> Page:
    """``order.html``: the order placed, its items and what was charged."""
    b = _start(values)
    b.line(f"Thank you! Your order {values['order']['id']} is placed.")
    for line in values["lines"]:
        b.line(f"{line['title']} {_item_line(line)}")
    b.line(f"Total charged: {values['total']}")
    b.line(b.link("Continue shopping", "/"))
    return b.page(url)


TEXT_PAGES: dict[str, Callable[[str, dict[str, Any]], Page]] = {
    "home.html": home_page,
    "search.html": search_page,
    "cart.html": cart_page,
    "checkout.html": checkout_page,
    "order.html": order_page,
}
