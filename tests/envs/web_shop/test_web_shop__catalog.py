"""The catalog generator and the search engine: seeded, varied, BM25-ranked, paginated, filtered."""

from __future__ import annotations

import json
import sqlite3

import pytest

from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.generator import PRODUCT_COUNTS, build_catalog
from utility_gym.envs.web_shop.search import MAX_RESULTS, Searcher, SearchQuery, query_terms
from utility_gym.envs.web_shop.site.server import shop_world
from utility_gym.envs.web_shop.vocab import CATEGORIES, CATEGORY_BY_NAME, TYPE_BY_NAME


@pytest.fixture(scope="module")
def db() -> sqlite3.Connection:
    return shop_world(0, "default")


def _rows(db, sql, params=()):
    return db.execute(sql, params).fetchall()


def test_web_shop__sizes_map_to_200_1000_10000_100000_products():
    assert PRODUCT_COUNTS == {"small": 200, "default": 1_000, "large": 10_000, "xl": 100_000}


def test_web_shop__catalog_has_every_department_with_its_own_vocabulary(db):
    assert len(CATEGORIES) >= 8
    counts = dict(_rows(db, "SELECT category, count(*) FROM products GROUP BY category"))
    assert set(counts) == {c.name for c in CATEGORIES}
    assert sum(counts.values()) == 1_000 and min(counts.values()) >= 80
    vocabularies = {c.name: {a for t in c.types for a in t.attributes} for c in CATEGORIES}
    dimensions = {c.name: {d for t in c.types for d in t.options} for c in CATEGORIES}
    assert len({frozenset(v) for v in vocabularies.values()}) == len(
        CATEGORIES
    )  # each department has its own words
    assert (
        len(set().union(*dimensions.values())) >= 10
    )  # size, color, capacity, flavor, scent, pack, ...
    for cat, kind, attrs, options, price, rating, n_reviews, desc in _rows(
        db,
        "SELECT category, type, attributes, options, price, rating, n_reviews, description FROM "
        "products",
    ):
        t = TYPE_BY_NAME[kind]
        assert kind in {x.name for x in CATEGORY_BY_NAME[cat].types}
        assert set(json.loads(attrs)) - {"men's", "women's", "kids'"} <= set(t.attributes)
        opts = json.loads(options)
        assert set(opts) == set(t.options) and all(
            len(v) >= 2 and set(v) <= set(t.options[d]) for d, v in opts.items()
        )
        lo, hi = t.price
        assert (
            1.9 <= price <= hi * 1.3 and 1.0 <= rating <= 5.0 and n_reviews >= 0 and len(desc) > 60
        )
    assert _rows(db, "SELECT count(*) FROM reviews")[0][0] > 500


def test_web_shop__catalog_is_seeded(tmp_path):
    def digest(seed: int) -> list:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        build_catalog(conn, seed, 150)
        return conn.execute(
            "SELECT id, title, price, rating, attributes, options, description FROM products ORDER "
            "BY num"
        ).fetchall()

    assert digest(7) == digest(7)
    assert digest(7) != digest(8)


def test_web_shop__catalog_is_shared_read_only_and_worlds_stay_small(db):
    main_bytes = len(db.serialize())  # the episode tables only
    assert main_bytes < 200_000
    assert any(row[1] == "catalog" for row in db.execute("PRAGMA database_list"))
    key = catalog.catalog_key(db)
    assert key.count("/") == 1 and key.endswith("/1000")


def test_web_shop__query_terms_drop_prices_and_stopwords():
    assert query_terms("I need a waterproof rain jacket for my son under $50!") == (
        "waterproof",
        "rain",
        "jacket",
        "son",
    )
    assert query_terms("") == ()
    assert len(query_terms(" ".join(f"w{i}" for i in range(50)))) == 16


def test_web_shop__bm25_ranks_a_title_query_first(db):
    searcher = Searcher()
    key = catalog.catalog_key(db)
    for _pid, title in _rows(db, "SELECT id, title FROM products ORDER BY num LIMIT 25"):
        nums = searcher.search(db, key, SearchQuery(title.replace("'", ""))).nums
        titles = [
            t
            for (t,) in [
                _rows(db, "SELECT title FROM products WHERE num = ?", (n,))[0] for n in nums[:3]
            ]
        ]
        assert title in titles, (title, titles)


def test_web_shop__all_words_first_then_any_word(db):
    searcher = Searcher()
    key = catalog.catalog_key(db)
    strict = searcher.search(db, key, SearchQuery("waterproof rain jacket"))
    assert strict.nums and not strict.relaxed
    for attrs, kind in [
        _rows(db, "SELECT attributes, type FROM products WHERE num = ?", (n,))[0]
        for n in strict.nums
    ]:
        assert kind == "rain jacket" and "waterproof" in attrs
    relaxed = searcher.search(db, key, SearchQuery("waterproof zzzunknownword"))
    assert relaxed.relaxed and relaxed.nums
    assert searcher.search(db, key, SearchQuery("zzzunknownword")).nums == ()


def test_web_shop__filters_and_sorting(db):
    searcher = Searcher()
    key = catalog.catalog_key(db)

    def prices(q):
        nums = searcher.search(db, key, q).nums
        return [
            (_rows(db, "SELECT price, rating, category FROM products WHERE num = ?", (n,))[0])
            for n in nums
        ]

    cheap = prices(SearchQuery("shirt", max_price=25.0))
    assert cheap and all(p <= 25.0 for p, _, _ in cheap)
    band = prices(SearchQuery("bottle", min_price=20.0, max_price=40.0))
    assert all(20.0 <= p <= 40.0 for p, _, _ in band)
    ordered = [p for p, _, _ in prices(SearchQuery("lamp", sort="price_asc"))]
    assert ordered == sorted(ordered) and len(ordered) > 3
    top = [r for _, r, _ in prices(SearchQuery("", category="toys", sort="rating"))]
    assert top == sorted(top, reverse=True)
    assert all(c == "pets" for _, _, c in prices(SearchQuery("", category="pets")))
    assert all(r >= 4.0 for _, r, _ in prices(SearchQuery("dog", min_rating=4.0)))
    everything = searcher.search(db, key, SearchQuery("", category="clothing"))
    assert len(everything.nums) == MAX_RESULTS and everything.more


def test_web_shop__results_paginate_ten_per_page(db):
    from utility_gym.envs.web_shop.page import parse_html
    from utility_gym.envs.web_shop.site.app import ShopApp, make_environ

    app = ShopApp(db)
    first = parse_html(
        app.handle(make_environ("GET", "/search", "category=clothing")).body.decode(), "/s"
    )
    assert "Page 1 of 10 (100+ results)" in first.text
    products = [e for e in first.elements if e.key]
    assert len(products) == 10
    last = app.handle(make_environ("GET", "/search", "category=clothing&page=10"))
    assert last.status == 200 and b"Page 10 of 10" in last.body
    assert (
        app.handle(make_environ("GET", "/search", "category=clothing&page=11")).status == 400
    )  # past the last page a shop shows
    assert (
        app.handle(make_environ("GET", "/search", "q=waterproof+rain+jacket&page=9")).status == 404
    )
    assert app.handle(make_environ("GET", "/search", "category=clothing&page=0")).status == 400
