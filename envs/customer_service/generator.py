"""Seeded generator of the customer-service world: catalog, customers, payment methods, orders."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils
from faker import Faker

from utility_gym.envs.customer_service.constants import RETURN_WINDOW_DAYS
from utility_gym.envs.customer_service.schema import create_tables

NOW = datetime(2026, 6, 15, 12, 0, 0)
COUNTS = {"small": 60, "default": 500, "large": 5_000}  # customers; ~2.2 orders each

# category -> (base price, option dimensions)
CATEGORIES: dict[str, tuple[float, dict[str, tuple[str, ...]]]] = {
    "Electric Kettle": (
        39.0,
        {"capacity": ("1L", "1.5L", "1.7L"), "color": ("black", "white", "silver")},
    ),
    "T-Shirt": (19.0, {"size": ("S", "M", "L", "XL"), "color": ("navy", "grey", "red")}),
    "Running Shoes": (89.0, {"size": ("8", "9", "10", "11"), "color": ("black", "blue")}),
    "Backpack": (59.0, {"capacity": ("20L", "30L"), "color": ("green", "black", "orange")}),
    "Headphones": (79.0, {"connectivity": ("wired", "wireless"), "color": ("black", "white")}),
    "Desk Lamp": (34.0, {"finish": ("brass", "matte black", "white")}),
    "Water Bottle": (
        24.0,
        {"capacity": ("500ml", "750ml", "1L"), "color": ("teal", "pink", "steel")},
    ),
    "Rain Jacket": (99.0, {"size": ("S", "M", "L", "XL"), "color": ("yellow", "navy")}),
    "Coffee Grinder": (49.0, {"type": ("manual", "electric")}),
    "Yoga Mat": (29.0, {"thickness": ("4mm", "6mm"), "color": ("purple", "blue", "black")}),
}
BRANDS = ("Alpine", "Harbor", "Nimbus", "Cedar", "Vantage")

ORDER_STATUS_WEIGHTS = {
    "pending": 0.16,
    "processing": 0.12,
    "shipped": 0.16,
    "delivered": 0.38,
    "cancelled": 0.08,
    "returned": 0.10,
}


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


def build_world(db: sqlite_utils.Database, fake: Faker, rng: random.Random, size: str) -> None:
    create_tables(db)
    db["_meta"].insert_all(
        [
            {"key": "now", "value": iso(NOW)},
            {"key": "return_window_days", "value": str(RETURN_WINDOW_DAYS)},
        ]
    )
    variants = _build_catalog(db, rng)
    _build_customers_and_orders(db, fake, rng, COUNTS[size], variants)
    _build_frequent_shoppers(db, fake, random.Random(rng.random()), COUNTS[size], variants)


def _build_catalog(db: sqlite_utils.Database, rng: random.Random) -> dict[str, list[dict]]:
    products, variants = [], []
    by_product: dict[str, list[dict]] = {}
    pid = vid = 0
    for category, (base, dims) in CATEGORIES.items():
        for brand in BRANDS:
            pid += 1
            product_id = f"P{pid:03d}"
            name = f"{brand} {category}"
            products.append(
                {
                    "id": product_id,
                    "name": name,
                    "category": category,
                    "description": f"The {name}: {', '.join(dims)} options, one-year warranty.",
                }
            )
            price0 = round(base * rng.uniform(0.8, 1.3), 0) - 0.01
            keys = list(dims)
            for combo in itertools.product(*(dims[k] for k in keys)):
                vid += 1
                bump = sum(dims[k].index(v) for k, v in zip(keys, combo)) * rng.choice((0, 0, 5))
                v = {
                    "id": f"V{vid:05d}",
                    "product_id": product_id,
                    "options": ", ".join(f"{k}: {v}" for k, v in zip(keys, combo)),
                    "price": round(price0 + bump, 2),
                    "stock": rng.choice((0, 3, 8, 15, 40)),
                }
                variants.append(v)
                by_product.setdefault(product_id, []).append(v | {"name": name})
    db["products"].insert_all(products)
    db["variants"].insert_all(variants)
    return by_product


@dataclass
class _Shop:
    """The rows being built, and the id sources that every customer's orders draw from."""

    fake: Faker
    rng: random.Random
    catalog: dict[str, list[dict]]
    order_numbers: Iterator[int]
    item_numbers: Iterator[int]
    ref_counter: Iterator[int]  # one sequence shared by refunds and returns, interleaved
    product_ids: list[str] = field(init=False)
    customers: list[dict] = field(default_factory=list)
    methods: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    returns: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.product_ids = sorted(self.catalog)  # a stable order for rng.sample


def _build_customers_and_orders(
    db: sqlite_utils.Database,
    fake: Faker,
    rng: random.Random,
    n_customers: int,
    catalog: dict[str, list[dict]],
) -> None:
    # The id samples are drawn first, before any customer: the rng order is part of the world.
    order_numbers = rng.sample(range(100_000, 1_000_000), int(n_customers * 2.6) + 10)
    item_numbers = rng.sample(range(1_000_000, 10_000_000), int(n_customers * 2.6) * 4 + 10)
    shop = _Shop(
        fake=fake,
        rng=rng,
        catalog=catalog,
        order_numbers=iter(order_numbers),
        item_numbers=iter(item_numbers),
        ref_counter=itertools.count(1),
    )
    emails: set[str] = set()
    for c in range(1, n_customers + 1):
        customer = _customer(shop, c, emails)
        cust_methods = _payment_methods(shop, c, customer["email"])
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
            _order(shop, customer, cust_methods)
    db["customers"].insert_all(shop.customers)
    db["payment_methods"].insert_all(shop.methods)
    db["orders"].insert_all(shop.orders)
    db["order_items"].insert_all(shop.items)
    db["refunds"].insert_all(shop.refunds)
    db["returns"].insert_all(shop.returns)


def _customer(shop: _Shop, c: int, emails: set[str]) -> dict:
    fake, rng = shop.fake, shop.rng
    first, last = fake.first_name(), fake.last_name()
    email = f"{first}.{last}{rng.randint(1, 99)}@{fake.free_email_domain()}".lower()
    while email in emails:  # emails are unique: a customer can be found by theirs
        email = f"{first}.{last}{rng.randint(100, 9999)}@{fake.free_email_domain()}".lower()
    emails.add(email)
    customer = {
        "id": f"C{c:05d}",
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": fake.numerify("###-###-####"),
        "address1": fake.street_address(),
        "city": fake.city(),
        "state": fake.state_abbr(include_territories=False),
        "zip": fake.zipcode(),
        "tier": "gold" if rng.random() < 0.2 else "regular",
        "store_credit": 0.0,
        "created_at": iso(NOW - timedelta(days=rng.randint(100, 1500))),
    }
    shop.customers.append(customer)
    return customer


def _payment_methods(shop: _Shop, c: int, email: str) -> list[dict]:
    """One to three methods: first a card or PayPal, then PayPal, then a gift card."""
    fake, rng = shop.fake, shop.rng
    cust_methods = []
    for k in range(rng.choice((1, 1, 2, 3))):
        if k:
            kind = ("credit_card", "paypal", "gift_card")[k]
        else:
            kind = rng.choice(("credit_card", "credit_card", "paypal"))
        if kind == "credit_card":
            label = f"{rng.choice(('Visa', 'Mastercard', 'Amex'))} ending {fake.numerify('####')}"
        elif kind == "paypal":
            label = f"PayPal ({email})"
        else:
            label = f"Gift card ending {fake.numerify('####')}"
        cust_methods.append(
            {
                "id": f"PM{c:05d}{k}",
                "customer_id": f"C{c:05d}",
                "kind": kind,
                "label": label,
                "balance": round(rng.uniform(10, 200), 2) if kind == "gift_card" else None,
            }
        )
    shop.methods.extend(cust_methods)
    return cust_methods


def _order(shop: _Shop, customer: dict, cust_methods: list[dict]) -> None:
    """One order with its items, shipped to the customer's address; a cancelled or returned
    order also gets its refund (and return)."""
    fake, rng = shop.fake, shop.rng
    status = rng.choices(list(ORDER_STATUS_WEIGHTS), list(ORDER_STATUS_WEIGHTS.values()))[0]
    oid = f"W{next(shop.order_numbers)}"
    placed, shipped, delivered = _dates(status, rng)
    method = rng.choice(cust_methods)
    chosen = rng.sample(shop.product_ids, rng.choice((1, 1, 2, 2, 3)))
    total = 0.0
    order_items = []
    for pid in chosen:
        v = rng.choice(shop.catalog[pid])
        total += v["price"]
        order_items.append(
            {
                "id": f"IT{next(shop.item_numbers)}",
                "order_id": oid,
                "variant_id": v["id"],
                "product_id": pid,
                "product_name": v["name"],
                "options": v["options"],
                "price": v["price"],
                "status": "returned" if status == "returned" else "ordered",
            }
        )
    shop.items.extend(order_items)
    total = round(total, 2)
    tracking = fake.numerify("1Z##########") if shipped else None
    shop.orders.append(
        {
            "id": oid,
            "customer_id": customer["id"],
            "status": status,
            "placed_at": iso(placed),
            "shipped_at": iso(shipped) if shipped else None,
            "delivered_at": iso(delivered) if delivered else None,
            "ship_address1": customer["address1"],
            "ship_city": customer["city"],
            "ship_state": customer["state"],
            "ship_zip": customer["zip"],
            "payment_method_id": method["id"],
            "total": total,
            "tracking_number": tracking,
        }
    )
    if status in ("cancelled", "returned"):
        # A returned order has been delivered; a cancelled one never shipped.
        start = placed if status == "cancelled" else delivered
        _refund_and_return(shop, oid, status, start, total, method["id"], order_items)


def _refund_and_return(
    shop: _Shop,
    oid: str,
    status: str,
    start: datetime,
    total: float,
    method_id: str,
    order_items: list[dict],
) -> None:
    when = start + timedelta(days=shop.rng.randint(1, 5))
    refund_status = "completed" if when < NOW - timedelta(days=7) else "processing"
    shop.refunds.append(
        {
            "id": f"RF{next(shop.ref_counter):06d}",
            "order_id": oid,
            "amount": total,
            "payment_method_id": method_id,
            "destination": "original_payment",
            "status": refund_status,
            "created_at": iso(min(when, NOW)),
        }
    )
    if status == "returned":
        shop.returns.append(
            {
                "id": f"RT{next(shop.ref_counter):06d}",
                "order_id": oid,
                "kind": "return",
                "item_ids": ",".join(i["id"] for i in order_items),
                "new_variant_ids": None,
                "status": "completed",
                "created_at": iso(min(when, NOW)),
            }
        )


def _dates(status: str, rng: random.Random) -> tuple[datetime, datetime | None, datetime | None]:
    hour = timedelta(hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
    if status == "pending":
        return NOW - timedelta(days=rng.randint(0, 1)) - hour, None, None
    if status == "processing":
        return NOW - timedelta(days=rng.randint(1, 3)) - hour, None, None
    if status == "shipped":
        placed = NOW - timedelta(days=rng.randint(3, 20)) - hour
        return placed, placed + timedelta(days=1), None
    if status == "cancelled":
        return NOW - timedelta(days=rng.randint(2, 60)) - hour, None, None
    placed = NOW - timedelta(days=rng.randint(6, 90)) - hour
    shipped = placed + timedelta(days=1)
    return placed, shipped, shipped + timedelta(days=rng.randint(2, 6))


# Frequent shoppers: one in eight customers more, each with a card, PayPal and a gift card and six
# to eight orders in a mix of states (several pending, one processing, one shipped a while ago,
# recent deliveries), so that one conversation can be about several orders.
FREQUENT_SHARE = 8
FREQUENT_STATUSES = ("pending", "pending", "processing", "shipped", "delivered", "delivered")
FREQUENT_EXTRA = ("pending", "delivered", "delivered_old", "processing")


def _build_frequent_shoppers(
    db: sqlite_utils.Database,
    fake: Faker,
    rng: random.Random,
    n_customers: int,
    catalog: dict[str, list[dict]],
) -> None:
    used = {r["id"] for r in db["orders"].rows}
    first_customer = db["customers"].count + 1
    db["_meta"].insert({"key": "frequent_from", "value": f"C{first_customer:05d}"})
    product_ids = sorted(catalog)
    item_ids = {r["id"] for r in db["order_items"].rows}
    for c in range(first_customer, first_customer + max(2, n_customers // FREQUENT_SHARE)):
        customer, methods = _frequent_customer(db, fake, rng, c)
        statuses = list(FREQUENT_STATUSES) + rng.sample(FREQUENT_EXTRA, rng.randint(0, 2))
        orders, items = [], []
        for status in statuses:
            oid = f"W{rng.randrange(100_000, 1_000_000)}"
            while oid in used:
                oid = f"W{rng.randrange(100_000, 1_000_000)}"
            used.add(oid)
            placed, shipped, delivered = _frequent_dates(status, rng)
            status = "delivered" if status == "delivered_old" else status
            method = rng.choice(methods)
            rows = []
            for pid in rng.sample(product_ids, rng.choice((1, 1, 2, 2, 3))):
                v = rng.choice(catalog[pid])
                iid = f"IT{rng.randrange(1_000_000, 10_000_000)}"
                while iid in item_ids:
                    iid = f"IT{rng.randrange(1_000_000, 10_000_000)}"
                item_ids.add(iid)
                rows.append(
                    {
                        "id": iid,
                        "order_id": oid,
                        "variant_id": v["id"],
                        "product_id": pid,
                        "product_name": v["name"],
                        "options": v["options"],
                        "price": v["price"],
                        "status": "ordered",
                    }
                )
            items.extend(rows)
            orders.append(
                {
                    "id": oid,
                    "customer_id": customer["id"],
                    "status": status,
                    "placed_at": iso(placed),
                    "shipped_at": iso(shipped) if shipped else None,
                    "delivered_at": iso(delivered) if delivered else None,
                    "ship_address1": customer["address1"],
                    "ship_city": customer["city"],
                    "ship_state": customer["state"],
                    "ship_zip": customer["zip"],
                    "payment_method_id": method["id"],
                    "total": round(sum(r["price"] for r in rows), 2),
                    "tracking_number": fake.numerify("1Z##########") if shipped else None,
                }
            )
        _insert_frequent(db, customer, methods, orders, items)


def _frequent_customer(
    db: sqlite_utils.Database,
    fake: Faker,
    rng: random.Random,
    c: int,
) -> tuple[dict, list[dict]]:
    first, last = fake.first_name(), fake.last_name()
    email = f"{first}.{last}{rng.randint(100, 9999)}@{fake.free_email_domain()}".lower()
    while db.execute("SELECT 1 FROM customers WHERE email = ?", (email,)).fetchone():
        email = f"{first}.{last}{rng.randint(10_000, 99_999)}@{fake.free_email_domain()}".lower()
    cid = f"C{c:05d}"
    customer = {
        "id": cid,
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": fake.numerify("###-###-####"),
        "address1": fake.street_address(),
        "city": fake.city(),
        "state": fake.state_abbr(include_territories=False),
        "zip": fake.zipcode(),
        "tier": "gold" if rng.random() < 0.3 else "regular",
        "store_credit": 0.0,
        "created_at": iso(NOW - timedelta(days=rng.randint(400, 2000))),
    }
    card = f"{rng.choice(('Visa', 'Mastercard', 'Amex'))} ending {fake.numerify('####')}"
    methods = [
        {
            "id": f"PM{c:05d}0",
            "customer_id": cid,
            "kind": "credit_card",
            "label": card,
            "balance": None,
        },
        {
            "id": f"PM{c:05d}1",
            "customer_id": cid,
            "kind": "paypal",
            "label": f"PayPal ({email})",
            "balance": None,
        },
        {
            "id": f"PM{c:05d}2",
            "customer_id": cid,
            "kind": "gift_card",
            "label": f"Gift card ending {fake.numerify('####')}",
            "balance": round(rng.uniform(20, 320), 2),
        },
    ]
    return customer, methods


def _frequent_dates(
    status: str, rng: random.Random
) -> tuple[datetime, datetime | None, datetime | None]:
    """Dates of a frequent shopper's order: deliveries within the return window, except the
    ``delivered_old`` one; the shipped order left at least eight days ago (a delayed one)."""
    hour = timedelta(hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
    if status == "shipped":
        placed = NOW - timedelta(days=rng.randint(9, 20)) - hour
        return placed, placed + timedelta(days=1), None
    if status in ("delivered", "delivered_old"):
        days = rng.randint(6, 24) if status == "delivered" else rng.randint(45, 90)
        placed = NOW - timedelta(days=days) - hour
        return placed, placed + timedelta(days=1), placed + timedelta(days=rng.randint(2, 4))
    return _dates(status, rng)


def _insert_frequent(
    db: sqlite_utils.Database,
    customer: dict,
    methods: list[dict],
    orders: list[dict],
    items: list[dict],
) -> None:
    db["customers"].insert(customer)
    db["payment_methods"].insert_all(methods)
    db["orders"].insert_all(orders)
    db["order_items"].insert_all(items)
