"""The shop's state machine: carts, orders and stock in the episode's SQLite world.

Only the web application calls these functions; every environment reaches them through it.
(``money`` is here too: how the shop writes an amount, on every page.)
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from utility_gym.core.streams import read_setting
from utility_gym.envs.web_shop.catalog import product_num
from utility_gym.envs.web_shop.vocab import MAX_QUANTITY


class ShopError(Exception):
    """A request the shop refuses (the page shows ``message``); ``field`` names what to fix."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Product:
    num: int
    id: str
    category: str
    type: str
    brand: str
    title: str
    price: float
    rating: float
    n_reviews: int
    description: str
    attributes: tuple[str, ...]
    options: dict[str, tuple[str, ...]]


_PRODUCT_COLUMNS = (
    "num, id, category, type, brand, title, price, rating, n_reviews, description, attributes, "
    "options"
)


def _product(row: sqlite3.Row | tuple) -> Product:
    (
        num,
        pid,
        category,
        kind,
        brand,
        title,
        price,
        rating,
        n_reviews,
        description,
        attributes,
        options,
    ) = tuple(row)
    return Product(
        num,
        pid,
        category,
        kind,
        brand,
        title,
        float(price),
        float(rating),
        int(n_reviews),
        description,
        tuple(json.loads(attributes)),
        {k: tuple(v) for k, v in json.loads(options).items()},
    )


# Products never change within a catalog: keep the decoded ones (keyed by catalog and number).
_PRODUCTS: OrderedDict[tuple[str, int], Product] = OrderedDict()
_PRODUCTS_MAX = 50_000


def _remember(key: str, p: Product) -> Product:
    if key:
        _PRODUCTS[(key, p.num)] = p
        if len(_PRODUCTS) > _PRODUCTS_MAX:
            _PRODUCTS.popitem(last=False)
    return p


def get_product(db: sqlite3.Connection, pid: str, catalog_key: str = "") -> Product | None:
    num = product_num(pid)
    if num is None:
        return None
    if catalog_key:
        hit = _PRODUCTS.get((catalog_key, num))
        if hit is not None:
            return hit
    row = db.execute(f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE num = ?", (num,)).fetchone()
    return _remember(catalog_key, _product(row)) if row is not None else None


def get_products(
    db: sqlite3.Connection, nums: tuple[int, ...], catalog_key: str = ""
) -> list[Product]:
    by_num: dict[int, Product] = {}
    missing = []
    for n in nums:
        hit = _PRODUCTS.get((catalog_key, n)) if catalog_key else None
        if hit is not None:
            by_num[n] = hit
        else:
            missing.append(n)
    if missing:
        rows = db.execute(
            f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE num IN "
            f"({', '.join('?' * len(missing))})",
            missing,
        ).fetchall()
        for r in rows:
            by_num[r[0]] = _remember(catalog_key, _product(r))
    return [by_num[n] for n in nums if n in by_num]


def result_rows(
    db: sqlite3.Connection, nums: list[int]
) -> dict[int, tuple[str, str, float, float, int]]:
    """What a results row shows of each product (id, title, price, rating, reviews), by row
    number: the few columns, without decoding the product's attributes and options."""
    rows = db.execute(
        "SELECT num, id, title, price, rating, n_reviews FROM products WHERE num IN "
        f"({', '.join('?' * len(nums))})",
        nums,
    ).fetchall()
    return {n: (pid, t, float(pr), float(ra), int(nr)) for n, pid, t, pr, ra, nr in rows}


def stock_of(db: sqlite3.Connection, pid: str) -> int:
    row = db.execute("SELECT quantity FROM stock WHERE product_id = ?", (pid,)).fetchone()
    return int(row[0]) if row is not None else 0


def options_key(options: dict[str, str]) -> str:
    """The canonical text of chosen options, as stored in carts and orders."""
    return json.dumps(dict(sorted(options.items())), ensure_ascii=False, separators=(",", ":"))


def money(x: float) -> str:
    """An amount as every page writes it: ``$1,234.50``."""
    return f"${x:,.2f}"


def now(db: sqlite3.Connection) -> str:
    """The world's clock (orders are placed at it)."""
    row = db.execute("SELECT value FROM _meta WHERE key = 'now'").fetchone()
    return row[0] if row else ""


def max_quantity(db: sqlite3.Connection) -> int:
    """The most units of an item per order (a stream's world event may lower it)."""
    return read_setting(db, "max_quantity", MAX_QUANTITY)


def product_state(db: sqlite3.Connection, pid: str) -> tuple[int, int, int]:
    """What a product page needs of the episode's world, in one statement instead of three:
    the most units per order (``max_quantity``), the product's stock (``stock_of``) and the
    units in the cart (``cart_count``)."""
    limit, left, count = db.execute(
        "SELECT (SELECT value FROM _meta WHERE key = 'max_quantity'), "
        "(SELECT quantity FROM stock WHERE product_id = ?), "
        "(SELECT coalesce(sum(quantity), 0) FROM cart_items)",
        (pid,),
    ).fetchone()
    return (
        MAX_QUANTITY if limit is None else int(limit),
        0 if left is None else int(left),
        int(count),
    )


def check_choice(
    product: Product, chosen: dict[str, str], quantity: int, limit: int = MAX_QUANTITY
) -> None:
    """Raise ShopError unless every option of ``product`` is chosen and the quantity is allowed."""
    for dim, values in product.options.items():
        value = chosen.get(dim)
        if value is None:
            raise ShopError(f"Please choose a {dim} first.", dim)
        if value not in values:
            raise ShopError(f"{dim} {value!r} is not available for this product.", dim)
    extra = [d for d in chosen if d not in product.options]
    if extra:
        raise ShopError(f"This product has no {extra[0]} option.", extra[0])
    if not 1 <= quantity <= limit:
        raise ShopError(f"Quantity must be between 1 and {limit}.", "quantity")


def cart_count(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT coalesce(sum(quantity), 0) FROM cart_items").fetchone()
    return int(row[0])


def cart_lines(db: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT c.id, c.product_id, c.options, c.quantity, c.unit_price, p.title FROM cart_items c "
        "JOIN products p ON p.id = c.product_id ORDER BY c.added_seq, c.id"
    ).fetchall()
    return [
        {
            "id": r[0],
            "product_id": r[1],
            "options": json.loads(r[2]),
            "quantity": r[3],
            "unit_price": r[4],
            "title": r[5],
        }
        for r in rows
    ]


def add_to_cart(
    db: sqlite3.Connection, product: Product, chosen: dict[str, str], quantity: int
) -> None:
    limit = max_quantity(db)
    check_choice(product, chosen, quantity, limit)
    if stock_of(db, product.id) <= 0:
        raise ShopError("Sorry, this product is out of stock.", "stock")
    key = options_key(chosen)
    row = db.execute(
        "SELECT id, quantity FROM cart_items WHERE product_id = ? AND options = ?",
        (product.id, key),
    ).fetchone()
    if row is not None:
        total = row[1] + quantity
        if total > limit:
            raise ShopError(
                f"You can buy at most {limit} of an item per order; your cart already holds "
                f"{row[1]}.",
                "quantity",
            )
        db.execute("UPDATE cart_items SET quantity = ? WHERE id = ?", (total, row[0]))
        return
    seq = db.execute("SELECT coalesce(max(added_seq), 0) + 1 FROM cart_items").fetchone()[0]
    db.execute(
        "INSERT INTO cart_items (product_id, options, quantity, unit_price, added_seq) VALUES (?, "
        "?, ?, ?, ?)",
        (product.id, key, quantity, product.price, seq),
    )


def remove_from_cart(db: sqlite3.Connection, item_id: int) -> None:
    if db.execute("DELETE FROM cart_items WHERE id = ?", (item_id,)).rowcount == 0:
        raise ShopError("That item is no longer in your cart.", "cart")


def place_order(
    db: sqlite3.Connection, lines: list[tuple[Product, dict[str, str], int]], now: str
) -> str:
    """Create an order of ``lines`` and take the stock, atomically; return the order id.

    Lines are stored sorted by product and options, so the same purchase gets the same rows
    whichever way it was made (buy now, or through the cart in any order).
    """
    if not lines:
        raise ShopError("Your cart is empty.", "cart")
    merged: dict[tuple[str, str], list] = {}
    limit = max_quantity(db)
    for product, chosen, quantity in lines:
        check_choice(product, chosen, quantity, limit)
        key = (product.id, options_key(chosen))
        if key in merged:
            merged[key][2] += quantity
        else:
            merged[key] = [product, chosen, quantity]
    db.execute("SAVEPOINT place_order")
    try:
        n = db.execute("SELECT count(*) FROM orders").fetchone()[0]
        order_id = f"O{10001 + n}"
        total = 0.0
        items = 0
        for k, ((pid, okey), (product, _chosen, quantity)) in enumerate(
            sorted(merged.items(), key=lambda kv: kv[0]), 1
        ):
            if quantity > limit:
                raise ShopError(f"You can buy at most {limit} of an item per order.", "quantity")
            left = stock_of(db, pid)
            if left < quantity:
                raise ShopError(
                    f"Sorry, only {left} of {product.title} left in stock."
                    if left
                    else f"Sorry, {product.title} is out of stock.",
                    "stock",
                )
            db.execute(
                "UPDATE stock SET quantity = quantity - ? WHERE product_id = ?", (quantity, pid)
            )
            db.execute(
                "INSERT INTO order_items (id, order_id, product_id, options, quantity, "
                "unit_price) VALUES (?, ?, ?, ?, ?, ?)",
                (f"{order_id}-{k}", order_id, pid, okey, quantity, product.price),
            )
            total += product.price * quantity
            items += quantity
        db.execute(
            "INSERT INTO orders (id, status, placed_at, item_count, total) VALUES (?, 'placed', "
            "?, ?, ?)",
            (order_id, now, items, round(total, 2)),
        )
    except BaseException:
        db.execute("ROLLBACK TO place_order")
        db.execute("RELEASE place_order")
        raise
    db.execute("RELEASE place_order")
    return order_id


def checkout_cart(db: sqlite3.Connection, now: str) -> str:
    lines = []
    for line in cart_lines(db):
        product = get_product(db, line["product_id"])
        if product is None:  # cannot happen with a consistent catalog; refuse rather than guess
            raise ShopError("An item in your cart is no longer sold.", "cart")
        lines.append((product, line["options"], line["quantity"]))
    order_id = place_order(db, lines, now)
    db.execute("DELETE FROM cart_items")
    return order_id


def get_order(db: sqlite3.Connection, order_id: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT id, status, placed_at, item_count, total FROM orders WHERE id = ?", (order_id,)
    ).fetchone()
    if row is None:
        return None
    items = db.execute(
        "SELECT i.product_id, i.options, i.quantity, i.unit_price, p.title FROM order_items i "
        "JOIN products p ON p.id = i.product_id WHERE i.order_id = ? ORDER BY i.id",
        (order_id,),
    ).fetchall()
    return {
        "id": row[0],
        "status": row[1],
        "placed_at": row[2],
        "item_count": row[3],
        "total": row[4],
        "items": [
            {
                "product_id": r[0],
                "options": json.loads(r[1]),
                "quantity": r[2],
                "unit_price": r[3],
                "title": r[4],
            }
            for r in items
        ],
    }


def order_count(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT count(*) FROM orders").fetchone()[0])
