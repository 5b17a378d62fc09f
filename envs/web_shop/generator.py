"""Seeded generator of the web shop: the catalog (products, reviews, search index) and the world."""

from __future__ import annotations

import functools
import json
import math
import random
import sqlite3

import sqlite_utils
from faker import Faker

from utility_gym.envs.web_shop.schema import (
    create_catalog_tables,
    create_world_tables,
    fill_fts,
    index_catalog,
    product_id,
)
from utility_gym.envs.web_shop.vocab import (
    AUDIENCES,
    CATEGORIES,
    EXCLUSIVE_ATTRIBUTES,
    MODEL_SUFFIXES,
    MODEL_SYLLABLES,
    WITH_ATTRIBUTES,
    Category,
    ProductType,
)

NOW = "2026-06-15T12:00:00"
PRODUCT_COUNTS = {"small": 200, "default": 1_000, "large": 10_000, "xl": 100_000}
ORDERED_DIMENSIONS = frozenset(
    {"size", "capacity", "length", "volume", "weight", "pack", "pieces", "thickness"}
)
GENERATOR_VERSION = "1"
_CONFLICTS: dict[str, frozenset[str]] = {}
for _group in EXCLUSIVE_ATTRIBUTES:
    for _a in _group:
        _CONFLICTS[_a] = _CONFLICTS.get(_a, frozenset()) | (_group - {_a})


def build_world(db: sqlite_utils.Database, fake: Faker, rng: random.Random, size: str) -> None:
    """The world builder: the catalog for ``size`` (shared, read-only) and the episode tables."""
    if size not in PRODUCT_COUNTS:
        raise ValueError(
            f"unknown web shop size {size!r}; choose one of {', '.join(PRODUCT_COUNTS)}"
        )
    catalog_seed = rng.getrandbits(62)
    n_products = PRODUCT_COUNTS[size]
    create_world_tables(db)
    db["_meta"].insert_all(
        [
            {"key": "now", "value": NOW},
            {"key": "catalog_seed", "value": str(catalog_seed)},
            {"key": "catalog_size", "value": str(n_products)},
        ]
    )
    # Stock is drawn from the world rng in product order; about 4% of products are sold out.
    stock = []
    for num in range(1, n_products + 1):
        qty = 0 if rng.random() < 0.04 else rng.choice((3, 5, 8, 12, 20, 35, 60, 100))
        stock.append((product_id(num), qty))
    db.conn.executemany("INSERT INTO stock(product_id, quantity) VALUES (?, ?)", stock)
    # The catalog itself is built by the first catalog.attach() of this process (it is shared).


def build_catalog(conn: sqlite3.Connection, seed: int, n_products: int) -> None:
    """Fill an empty database with ``n_products`` products, their reviews and the FTS5 index."""
    rng = random.Random(f"web_shop catalog {seed}")
    fake = Faker("en_US")
    fake.seed_instance(seed)
    authors = [fake.name() for _ in range(300)]
    db = sqlite_utils.Database(conn)
    create_catalog_tables(db)
    kinds = [(c, t) for c in CATEGORIES for t in c.types]
    order: list[tuple[Category, ProductType]] = []
    while len(order) < n_products:
        block = kinds[:]
        rng.shuffle(block)
        order.extend(block)
    products, reviews, fts = [], [], []
    for num in range(1, n_products + 1):
        cat, kind = order[num - 1]
        p, attrs, options = _product(rng, num, cat, kind)
        products.append(p)
        fts.append(
            (
                num,
                p["title"],
                p["brand"],
                kind.name,
                cat.label,
                ", ".join(attrs),
                " ".join(v for vs in options.values() for v in vs),
                p["description"],
            )
        )
        for _ in range(min(p["n_reviews"], rng.choice((0, 1, 2, 2, 3)))):
            reviews.append(
                _review(rng, len(reviews) + 1, num, p["rating"], attrs, kind, cat, authors)
            )
    conn.execute("BEGIN")
    _insert_rows(conn, "products", products)
    _insert_rows(conn, "reviews", reviews)
    index_catalog(conn)
    fill_fts(conn, fts)
    conn.execute("COMMIT")


def _insert_rows(conn: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    # The tables are made by sqlite-utils; a plain executemany fills 100,000 rows several times
    # faster.
    if not rows:
        return
    cols = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    conn.executemany(sql, [tuple(r[c] for c in cols) for r in rows])


def _product(
    rng: random.Random, num: int, cat: Category, kind: ProductType
) -> tuple[dict, list[str], dict[str, list[str]]]:
    brand = rng.choice(cat.brands)
    suffix = rng.choice(MODEL_SUFFIXES)
    model = rng.choice(MODEL_SYLLABLES) + (f" {suffix}" if suffix else "")
    audience = rng.choice(AUDIENCES) if kind.audience else ""
    k = rng.randint(2, min(4, len(kind.attributes)))
    attrs: list[str] = []
    for a in rng.sample(kind.attributes, len(kind.attributes)):
        if len(attrs) == k:
            break
        if not _CONFLICTS.get(a) or not _CONFLICTS[a].intersection(attrs):
            attrs.append(a)
    attrs.sort(key=kind.attributes.index)
    options: dict[str, list[str]] = {}
    for dim, vocab in kind.options.items():
        if dim in ORDERED_DIMENSIONS:
            n = rng.randint(min(2, len(vocab)), len(vocab))
            start = rng.randint(0, len(vocab) - n)
            options[dim] = list(vocab[start : start + n])
        else:
            n = rng.randint(min(2, len(vocab)), min(6, len(vocab)))
            picked = set(rng.sample(vocab, n))
            options[dim] = [v for v in vocab if v in picked]
    title_attrs = [
        a
        for a in attrs
        if len(a.split()) <= 2 and not a.startswith(("for ", "with ")) and a not in WITH_ATTRIBUTES
    ][:2]
    title_words = [brand, model]
    if audience:
        title_words.append(audience.capitalize())
    title_words += [_title_case(a) for a in title_attrs]
    title_words.append(_title_case(kind.name))
    lo, hi = kind.price
    price = lo * (hi / lo) ** rng.random() * (1 + 0.04 * len(attrs))
    price = max(1.99, math.floor(price) + rng.choice((0.99, 0.99, 0.49, 0.95, 0.0)))
    rating = round(min(5.0, max(1.0, rng.gauss(4.1, 0.55))), 1)
    n_reviews = min(25_000, int(math.exp(rng.gauss(3.2, 1.6))))
    all_attrs = ([audience] if audience else []) + attrs
    row = {
        "num": num,
        "id": product_id(num),
        "category": cat.name,
        "type": kind.name,
        "brand": brand,
        "model": model,
        "audience": audience,
        "title": " ".join(title_words),
        "price": round(price, 2),
        "rating": rating,
        "n_reviews": n_reviews,
        "description": _description(rng, brand, model, audience, attrs, options, kind, cat),
        "attributes": json.dumps(all_attrs),
        "options": json.dumps(options),
    }
    return row, all_attrs, options


@functools.cache
def _title_case(text: str) -> str:
    return " ".join(
        w if any(ch.isdigit() for ch in w) else w[:1].upper() + w[1:] for w in text.split()
    )


_ADJECTIVES = (
    "dependable",
    "versatile",
    "well-made",
    "thoughtfully designed",
    "popular",
    "practical",
    "good-looking",
)
_PLURALS = {
    "size": "sizes",
    "color": "colors",
    "capacity": "capacities",
    "length": "lengths",
    "volume": "sizes",
    "scent": "scents",
    "flavor": "flavors",
    "weight": "weights",
    "pack": "pack sizes",
    "pieces": "piece counts",
    "thickness": "thicknesses",
    "finish": "finishes",
    "edition": "editions",
    "style": "styles",
    "shape": "shapes",
}


def _description(
    rng: random.Random,
    brand: str,
    model: str,
    audience: str,
    attrs: list[str],
    options: dict[str, list[str]],
    kind: ProductType,
    cat: Category,
) -> str:
    who = {"men's": " for men", "women's": " for women", "kids'": " for kids"}.get(audience, "")
    parts = [f"Meet the {brand} {model}: {rng.choice(_ADJECTIVES)} {kind.name}{who}."]
    parts.append(f"Highlights: {', '.join(attrs)}.")
    for dim, values in options.items():
        parts.append(
            f"Available in {len(values)} {_PLURALS.get(dim, dim + 's')}: {', '.join(values)}."
        )
    parts.append(f"Great for {rng.choice(cat.uses)}. {cat.blurb}")
    return " ".join(parts)


_REVIEW_TITLES = {
    5: ("Love it", "Excellent", "Exactly what I wanted", "Five stars", "Worth every penny"),
    4: ("Very good", "Solid choice", "Happy with it", "Good value"),
    3: ("It's okay", "Does the job", "Mixed feelings", "Average"),
    2: ("Disappointed", "Not great", "Expected more"),
    1: ("Would not buy again", "Poor quality", "Returned it"),
}
_REVIEW_GOOD = (
    "Arrived quickly and works as described.",
    "Great quality for the price.",
    "I would buy it again.",
    "Better than the one I had before.",
    "My family loves it.",
)
_REVIEW_BAD = (
    "The quality is not what I hoped.",
    "It stopped working after a few weeks.",
    "Smaller than pictured.",
    "Not worth the money.",
    "Customer service was slow to answer.",
)


def _review(
    rng: random.Random,
    rid: int,
    num: int,
    rating: float,
    attrs: list[str],
    kind: ProductType,
    cat: Category,
    authors: list[str],
) -> dict:
    stars = int(min(5, max(1, round(rng.gauss(rating, 0.8)))))
    attr = rng.choice(attrs)
    good = stars >= 4
    body = (
        f"I bought this {kind.name} for {rng.choice(cat.uses)}. "
        + (f"The '{attr}' part is spot on. " if good else f"The '{attr}' claim is a stretch. ")
        + rng.choice(_REVIEW_GOOD if good else _REVIEW_BAD)
    )
    return {
        "id": rid,
        "product_num": num,
        "author": rng.choice(authors),
        "rating": stars,
        "title": rng.choice(_REVIEW_TITLES[stars]),
        "body": body,
    }
