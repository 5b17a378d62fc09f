"""Tables of the customer-service world (an online retailer's support database)."""

from __future__ import annotations

import sqlite_utils

TRACKED_TABLES = (
    "customers",
    "payment_methods",
    "orders",
    "order_items",
    "refunds",
    "returns",
    "compensations",
    "transfers",
)

ORDER_STATUSES = ("pending", "processing", "shipped", "delivered", "cancelled", "returned")


def create_tables(db: sqlite_utils.Database) -> None:
    _create_customer_tables(db)
    _create_order_tables(db)
    _create_after_sale_tables(db)
    _create_indexes(db)


def _create_customer_tables(db: sqlite_utils.Database) -> None:
    """Customers, the catalog of products and variants, and payment methods."""
    db["customers"].create(
        {
            "id": str,
            "first_name": str,
            "last_name": str,
            "email": str,
            "phone": str,
            "address1": str,
            "city": str,
            "state": str,
            "zip": str,
            "tier": str,
            "store_credit": float,
            "created_at": str,
        },
        pk="id",
        not_null={"first_name", "last_name", "email", "zip", "tier"},
    )
    db["products"].create({"id": str, "name": str, "category": str, "description": str}, pk="id")
    db["variants"].create(
        {"id": str, "product_id": str, "options": str, "price": float, "stock": int},
        pk="id",
        foreign_keys=[("product_id", "products", "id")],
    )
    db["payment_methods"].create(
        {"id": str, "customer_id": str, "kind": str, "label": str, "balance": float},
        pk="id",
        foreign_keys=[("customer_id", "customers", "id")],
    )


def _create_order_tables(db: sqlite_utils.Database) -> None:
    """Orders and their items."""
    db["orders"].create(
        {
            "id": str,
            "customer_id": str,
            "status": str,
            "placed_at": str,
            "shipped_at": str,
            "delivered_at": str,
            "ship_address1": str,
            "ship_city": str,
            "ship_state": str,
            "ship_zip": str,
            "payment_method_id": str,
            "total": float,
            "tracking_number": str,
            "cancel_reason": str,
        },
        pk="id",
        foreign_keys=[
            ("customer_id", "customers", "id"),
            ("payment_method_id", "payment_methods", "id"),
        ],
    )
    db["order_items"].create(
        {
            "id": str,
            "order_id": str,
            "variant_id": str,
            "product_id": str,
            "product_name": str,
            "options": str,
            "price": float,
            "status": str,
        },
        pk="id",
        foreign_keys=[("order_id", "orders", "id"), ("variant_id", "variants", "id")],
    )


def _create_after_sale_tables(db: sqlite_utils.Database) -> None:
    """Refunds, returns, compensations and transfers."""
    db["refunds"].create(
        {
            "id": str,
            "order_id": str,
            "amount": float,
            "payment_method_id": str,
            "destination": str,
            "status": str,
            "created_at": str,
        },
        pk="id",
    )
    db["returns"].create(
        {
            "id": str,
            "order_id": str,
            "kind": str,
            "item_ids": str,
            "new_variant_ids": str,
            "status": str,
            "created_at": str,
        },
        pk="id",
    )
    db["compensations"].create(
        {
            "id": str,
            "customer_id": str,
            "order_id": str,
            "amount": float,
            "reason": str,
            "created_at": str,
        },
        pk="id",
    )
    db["transfers"].create(
        {"id": str, "customer_id": str, "summary": str, "created_at": str},
        pk="id",
    )


def _create_indexes(db: sqlite_utils.Database) -> None:
    """The indexes the tools' look-ups use."""
    db["orders"].create_index(["customer_id"])
    db["order_items"].create_index(["order_id"])
    db["payment_methods"].create_index(["customer_id"])
    db["refunds"].create_index(["order_id"])
    db["returns"].create_index(["order_id"])
    db["variants"].create_index(["product_id"])
    db["customers"].create_index(["email"], unique=True)
    db["customers"].create_index(["last_name", "first_name"])
    # find_customer_by_name_zip compares lower-cased names, which no index serves: the zip does.
    db["customers"].create_index(["zip"])
    # tools.next_id takes max(CAST(substr(id, 3) AS INTEGER)): indexing that expression makes it a
    # seek, not a scan of the table.
    for table in ("refunds", "returns", "compensations", "transfers"):
        db.execute(f"CREATE INDEX idx_{table}_number ON {table} (CAST(substr(id, 3) AS INTEGER))")
