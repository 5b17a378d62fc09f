"""Tables of the web shop: the read-only catalog and the episode's mutable world.

The catalog (products, reviews, the FTS5 index) never changes during an episode, so it lives in
one shared in-memory database per process, attached to every episode connection as
``catalog``. The episode world (stock, cart, orders) is small and is what reset restores from
bytes and change capture tracks.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils

TRACKED_TABLES = ("stock", "cart_items", "orders", "order_items")

# The cart is a scratch pad: what it holds when the episode ends is not graded, only orders.
CART_COLUMNS = ("id", "product_id", "options", "quantity", "unit_price", "added_seq", "<deleted>")
IGNORED_COLUMNS = frozenset(("cart_items", c) for c in CART_COLUMNS)


def product_id(num: int) -> str:
    """The id of the product in row ``num`` of ``products``: ``P000123``."""
    return f"P{num:06d}"


def product_num(pid: str) -> int | None:
    """The row number of a product id such as ``P000123``; None if it is not one."""
    if len(pid) == 7 and pid[0] in "Pp" and pid[1:].isascii() and pid[1:].isdigit():  # not '²'
        return int(pid[1:])
    return None


FTS_COLUMNS = ("title", "brand", "type", "category", "attributes", "options", "description")
# bm25 weights, in FTS_COLUMNS order: a word in the title counts most.
FTS_WEIGHTS = (10.0, 4.0, 6.0, 2.0, 5.0, 1.0, 1.0)


def create_catalog_tables(db: sqlite_utils.Database) -> None:
    db["products"].create(
        {
            "num": int,
            "id": str,
            "category": str,
            "type": str,
            "brand": str,
            "model": str,
            "audience": str,
            "title": str,
            "price": float,
            "rating": float,
            "n_reviews": int,
            "description": str,
            "attributes": str,
            "options": str,
        },
        pk="num",
        not_null={"id", "category", "type", "title", "price"},
    )
    db["reviews"].create(
        {"id": int, "product_num": int, "author": str, "rating": int, "title": str, "body": str},
        pk="id",
    )


def index_catalog(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE UNIQUE INDEX products_id ON products(id)")
    conn.execute("CREATE INDEX products_type_price ON products(type, price)")
    # Department pages list by rating, then reviews, then number: this index already holds that
    # order.
    conn.execute(
        "CREATE INDEX products_category ON products(category, rating DESC, n_reviews DESC)"
    )
    conn.execute("CREATE INDEX products_category_price ON products(category, price)")
    conn.execute("CREATE INDEX reviews_product ON reviews(product_num)")
    cols = ", ".join(FTS_COLUMNS)
    conn.execute(
        f"CREATE VIRTUAL TABLE products_fts USING fts5({cols}, tokenize='porter unicode61 "
        "remove_diacritics 2')"
    )


def fill_fts(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Index ``(num, title, brand, type, category, attributes, options, description)`` rows."""
    marks = ", ".join("?" * (len(FTS_COLUMNS) + 1))
    conn.executemany(
        f"INSERT INTO products_fts(rowid, {', '.join(FTS_COLUMNS)}) VALUES ({marks})", rows
    )
    conn.execute("INSERT INTO products_fts(products_fts) VALUES ('optimize')")


def create_world_tables(db: sqlite_utils.Database) -> None:
    # One row per product (100,000 at "xl"): WITHOUT ROWID halves what every reset copies.
    db.execute(
        "CREATE TABLE stock (product_id TEXT PRIMARY KEY, quantity INTEGER NOT NULL) WITHOUT ROWID"
    )
    db["cart_items"].create(
        {
            "id": int,
            "product_id": str,
            "options": str,
            "quantity": int,
            "unit_price": float,
            "added_seq": int,
        },
        pk="id",
        not_null={"product_id", "options", "quantity"},
    )
    db["orders"].create(
        {"id": str, "status": str, "placed_at": str, "item_count": int, "total": float},
        pk="id",
    )
    db["order_items"].create(
        {
            "id": str,
            "order_id": str,
            "product_id": str,
            "options": str,
            "quantity": int,
            "unit_price": float,
        },
        pk="id",
    )
    db["order_items"].create_index(["order_id"])
