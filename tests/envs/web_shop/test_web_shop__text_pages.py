"""The pages the application writes straight as text (``site/text_pages.py``: home, results,
product, cart, checkout and order pages) are exactly the pages ``parse_html`` reads from the
same request's HTML: URL, status, text, every element and every form, on odd input too."""

from __future__ import annotations

import random
from urllib.parse import quote_plus

import pytest

from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.env import WebShopEnv
from utility_gym.envs.web_shop.page import Page, parse_html
from utility_gym.envs.web_shop.site.app import PAGE_URL_KEY, ShopApp, make_environ

QUERIES = (
    "rain jacket",
    "  waterproof\t\tjacket \n for kids  ",
    "<script>alert('x')</script> & \"quotes\"",
    "&amp; &lt;b&gt; caf\u00e9 \u201csmart\u201d \u00a0nbsp \x0bvt",
    "zzzz qqqq",
    "red",
    "x" * 199,
)


def _both(db, path: str, query: str = "") -> tuple[Page | None, Page]:
    """The request answered as a text page, and as HTML parsed back."""
    url = path + ("?" + query if query else "")
    key = catalog.catalog_key(db)
    environ = make_environ("GET", path, query, b"", db)
    environ["utility_gym.catalog_key"] = key
    html = ShopApp().handle(environ)  # a fresh application: no cached page
    environ = make_environ("GET", path, query, b"", db)
    environ["utility_gym.catalog_key"] = key
    environ[PAGE_URL_KEY] = url
    text = ShopApp().handle(environ)
    return text.page, parse_html(html.body.decode("utf-8"), url, html.status)


def _same(text: Page | None, parsed: Page) -> bool:
    """The same page, and the same properties worked out from it: a text page may bring them
    ready (a product page shares its frame's), and they must be what the parsed page gives."""
    return (
        text == parsed
        and text.actions == parsed.actions
        and text.folded_labels == parsed.folded_labels
        and text.option_slots == parsed.option_slots
    )


@pytest.fixture(scope="module")
def env():
    env = WebShopEnv(size="small", split="test")
    env.reset(seed=0)
    yield env
    env.close()


def _products(db, n: int) -> list[str]:
    rows = db.execute("SELECT id FROM products ORDER BY num LIMIT ?", (n,)).fetchall()
    return [r[0] for r in rows]


def _urls(db) -> list[tuple[str, str]]:
    urls: list[tuple[str, str]] = [("/", "")]
    for q in QUERIES:
        urls.append(("/search", "q=" + quote_plus(q)))
        for extra in ("&sort=price_asc", "&min_price=25&max_price=50", "&min_rating=4", "&page=2"):
            urls.append(("/search", "q=" + quote_plus(q) + extra))
    for cat in ("clothing", "electronics"):
        urls.append(("/search", f"category={cat}"))
        urls.append(("/search", f"category={cat}&q=blue&page=3&sort=rating"))
    rng = random.Random(3)
    for pid in _products(db, 60):
        urls.append((f"/product/{pid}", ""))
        urls.append((f"/product/{pid}", f"qty={rng.randint(1, 5)}&error=quantity"))
        urls.append((f"/product/{pid}", "error=" + rng.choice(("size", "stock", "color", "nope"))))
        urls.append((f"/product/{pid}", "size=M&color=red&qty=2&bogus=1"))
    return urls


def test_web_shop__text_pages_equal_the_parsed_html_of_every_page_kind(env):
    db = env.world.conn
    compared: dict[str, int] = {}
    for path, query in _urls(db):
        text, parsed = _both(db, path, query)
        if parsed.status != 200:
            assert text is None  # errors stay HTML
            continue
        assert text is not None, (path, query)
        assert _same(text, parsed), (path, query)
        kind = "no results" if "No products found" in parsed.text else path.split("/")[1]
        compared[kind] = compared.get(kind, 0) + 1
    assert compared.keys() == {"", "search", "no results", "product"}, compared
    assert compared["product"] >= 200


def test_web_shop__text_pages_equal_the_parsed_html_with_a_cart_and_out_of_stock(env):
    db = env.world.conn
    pids = _products(db, 8)
    db.execute("UPDATE stock SET quantity = 0 WHERE product_id = ?", (pids[0],))
    db.execute("UPDATE stock SET quantity = 3 WHERE product_id = ?", (pids[1],))
    db.execute(
        "INSERT INTO cart_items (product_id, options, quantity, unit_price, added_seq) "
        "VALUES (?, '{}', 2, 1.0, 1)",
        (pids[2],),
    )
    try:
        for pid in pids:
            text, parsed = _both(db, f"/product/{pid}", "qty=2")
            assert _same(text, parsed)
        text, parsed = _both(db, "/search", "q=blue")
        assert _same(text, parsed) and "Cart (2)" in text.text
    finally:
        env.reset(seed=0)


def test_web_shop__every_page_of_oracle_and_wandering_episodes_matches(monkeypatch):
    """Whole episodes: every text page the navigator gets equals its HTML parsed back."""
    compared = []
    handle_page = ShopApp.handle_page

    def checked(self, db, catalog_key, method, url, body=b""):
        response = handle_page(self, db, catalog_key, method, url, body)
        if response.page is not None:
            path, _, query = url.partition("?")
            plain = make_environ("GET", path, query, b"", db)
            html = ShopApp().handle(plain)  # GET pages only: the same request again, as HTML
            parsed = parse_html(html.body.decode("utf-8"), url, html.status)
            assert _same(response.page, parsed)
            compared.append(response.page.url)
        return response

    monkeypatch.setattr(ShopApp, "handle_page", checked)
    env = WebShopEnv(size="small", split="test")
    rng = random.Random(7)
    try:
        for task_id in env.task_ids("test")[:30]:
            env.reset(seed=1, options={"task_id": task_id})
            for step in env.task.plan:
                if step.call is not None:
                    env.step({"name": step.call.name, "arguments": dict(step.call.arguments)})
            env.reset(seed=2, options={"task_id": task_id})
            for _ in range(12):
                actions = env.valid_actions()
                if not actions:
                    break
                action = rng.choice(actions).replace("<query>", rng.choice(QUERIES))
                env.step(action.replace("<question>", "which size?"))
    finally:
        env.close()
    assert len(compared) > 200
    kinds = {u.split("/")[1].split("?")[0] for u in compared}
    assert kinds == {"", "search", "product", "cart", "checkout", "order"}


def test_web_shop__handle_page_answers_as_handle_with_an_environ(env):
    """The navigator's way in (``handle_page``, no environ) gives the response ``handle`` gives
    for the environ the navigator used to make: pages, redirects, writes and every error."""
    db = env.world.conn
    key = catalog.catalog_key(db)
    pid = _products(db, 1)[0]
    requests = [
        ("GET", "/", b""),
        ("GET", "/search?q=rain+jacket&sort=price_asc", b""),
        ("GET", "/search?q=caf%C3%A9+%22x%22&page=2", b""),
        ("GET", "/search?q=%ff", b""),
        ("GET", "/search?" + "&".join(["a=1"] * 70), b""),
        ("GET", "/search?q=a%00b", b""),
        ("GET", f"/product/{pid}?size=M&qty=2&error=size", b""),
        ("GET", f"/product/{pid}?qty=\u00b2", b""),
        ("GET", "/product/P999999", b""),
        ("GET", "/nowhere", b""),
        ("GET", "/cart", b""),
        ("GET", "/checkout", b""),
        ("POST", "/cart/add", f"product_id={pid}&qty=1".encode()),
        ("POST", "/buy", f"product_id={pid}".encode()),
        ("POST", "/buy", b"product_id=" + b"x" * 70_000),
        ("POST", "/buy", b"product_id=\xff"),
        ("POST", "/checkout", b""),
        ("GET", "/cart/add", b""),
        ("PUT", "/", b""),
    ]
    db.execute("SAVEPOINT compare")
    try:
        for method, url, body in requests:
            path, _, query = url.partition("?")
            environ = make_environ(method, path, query, body, db)
            environ["utility_gym.catalog_attached"] = True
            environ["utility_gym.catalog_key"] = key
            environ[PAGE_URL_KEY] = url
            by_environ = ShopApp(log=lambda _: None).handle(environ)
            db.execute("ROLLBACK TO compare")
            direct = ShopApp(log=lambda _: None).handle_page(db, key, method, url, body)
            db.execute("ROLLBACK TO compare")
            assert direct == by_environ, (method, url)
    finally:
        db.execute("ROLLBACK TO compare")
        db.execute("RELEASE compare")


def test_web_shop__cart_checkout_and_order_pages_equal_the_parsed_html(env):
    """Empty and full carts (odd titles and options too), each cart error, checkout, and the
    order placed from it."""
    db = env.world.conn
    pids = _products(db, 3)
    try:
        for query in ("", "error=empty", "error=stock", "error=gone", "error=nope"):
            text, parsed = _both(db, "/cart", query)
            assert _same(text, parsed) and "Your cart is empty." in text.text
        # An odd title, on a copy of the products that only this connection sees: the shared
        # catalog is read by every world of the process (a write to it waits for all of them).
        db.execute("CREATE TEMP TABLE products AS SELECT * FROM catalog.products")
        db.execute(
            "UPDATE temp.products SET title = ? WHERE id = ?", (QUERIES[2] + "  x\t", pids[0])
        )
        for seq, (pid, options) in enumerate(
            ((pids[0], '{"size": "M  L", "color": "<b>&amp;"}'), (pids[1], "{}"), (pids[2], "{}")),
            1,
        ):
            db.execute(
                "INSERT INTO cart_items (product_id, options, quantity, unit_price, added_seq) "
                "VALUES (?, ?, ?, 12.5, ?)",
                (pid, options, seq, seq),
            )
        for query in ("", "error=stock"):
            text, parsed = _both(db, "/cart", query)
            assert _same(text, parsed) and text.text.count("Remove") == 3
        text, parsed = _both(db, "/checkout")
        assert _same(text, parsed) and "Place order" in text.text
        db.execute(
            "INSERT INTO orders (id, status, placed_at, item_count, total) "
            "VALUES ('O99999', 'placed', '2026-01-01', 3, 37.5)"
        )
        db.execute(
            "INSERT INTO order_items (id, order_id, product_id, options, quantity, unit_price) "
            "SELECT 'O99999-' || id, 'O99999', product_id, options, quantity, unit_price "
            "FROM cart_items"
        )
        text, parsed = _both(db, "/order/O99999")
        assert _same(text, parsed) and "is placed" in text.text and "M L" in text.text
    finally:
        db.execute("DROP TABLE IF EXISTS temp.products")
        env.reset(seed=0)


def test_web_shop__query_strings_without_escapes_give_parse_qsl_fields():
    """The shop splits a query string with no ``%`` itself; the fields (and the errors: too
    many fields, bad escapes, NUL characters) are what ``parse_qsl`` gives."""
    from urllib.parse import parse_qsl

    from utility_gym.envs.web_shop.site import app

    def by_parse_qsl(text):
        try:
            pairs = parse_qsl(
                text, keep_blank_values=True, errors="strict", max_num_fields=app.MAX_FIELDS
            )
        except ValueError:  # too many fields, or bad UTF-8 after percent-decoding
            return "malformed"
        if any("\x00" in k or "\x00" in v for k, v in pairs):
            return "NUL"
        out = {}
        for k, v in pairs:
            out.setdefault(k, v)
        return out

    def by_the_shop(text):
        try:
            return app.parse_fields(text)
        except app.HTTPError as e:
            return "NUL" if "NUL" in e.message else "malformed"

    rng = random.Random(11)
    alphabet = ["a", "b", "=", "&", "+", " ", "\x00", "\u00e9", ";", "q", "1", "%41", "%", "%aa"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert by_the_shop(text) == by_parse_qsl(text), text
    for n in (63, 64, 65):
        text = "&".join(["a=1"] * n)
        assert by_the_shop(text) == by_parse_qsl(text)
