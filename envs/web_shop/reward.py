"""WebShop's graded purchase score, computed from the order the agent placed.

For one wanted item and one bought line::

    score = type_match * (attributes matched + options matched + price within budget)
                       / (attributes wanted + options wanted + 1 if a budget was given)

``type_match`` is 1 for the wanted product type, 0.1 for another type of the same department
and 0 otherwise; a quantity other than 1 counts as one more option. With several wanted items
each is paired with its best distinct line, and the sum is divided by the larger of the number
of wanted items and the number of lines bought, so extra lines cost. The exact target scores
1.0; the episode's success additionally needs the exact order (``grading.py``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from utility_gym.core.grading import Grade


def wanted_dict(
    product_id: str,
    type: str,  # noqa: A002  (the field's name)
    category: str,
    attributes: Iterable[str],
    options: dict[str, str],
    quantity: int,
    budget: float | None,
    brand: str | None,
    min_price: float | None,
    best: str | None,
) -> dict[str, Any]:
    """One wanted item as ``Task.extras["targets"]`` keeps it (``Wanted.from_dict`` reads it):
    the generator writes it without making a ``Wanted`` on the way."""
    return {
        "product_id": product_id,
        "type": type,
        "category": category,
        "attributes": list(attributes),
        "options": dict(options),
        "quantity": quantity,
        "budget": budget,
        "brand": brand,
        "min_price": min_price,
        "best": best,
    }


@dataclass(frozen=True)
class Wanted:
    """One item the shopper wants (kept in ``Task.extras["targets"]``; private to the grader)."""

    product_id: str
    type: str
    category: str
    attributes: tuple[str, ...]
    options: dict[str, str]
    quantity: int = 1
    budget: float | None = None
    brand: str | None = None
    min_price: float | None = None  # "between $40 and $60"
    best: str | None = (
        None  # "cheapest" | "best-rated" | "most reviewed": only the target is the best
    )

    def to_dict(self) -> dict[str, Any]:
        return wanted_dict(
            self.product_id,
            self.type,
            self.category,
            self.attributes,
            self.options,
            self.quantity,
            self.budget,
            self.brand,
            self.min_price,
            self.best,
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Wanted:
        return cls(
            d["product_id"],
            d["type"],
            d["category"],
            tuple(d["attributes"]),
            dict(d["options"]),
            int(d.get("quantity", 1)),
            d.get("budget"),
            d.get("brand"),
            d.get("min_price"),
            d.get("best"),
        )


@dataclass(frozen=True)
class Bought:
    product_id: str
    type: str
    category: str
    brand: str
    attributes: tuple[str, ...]
    options: dict[str, str]
    quantity: int
    price: float


def line_score(want: Wanted, got: Bought) -> tuple[float, str]:
    """The score of buying ``got`` for ``want``, and a one-line account of it."""
    if got.type == want.type:
        r_type = 1.0
    elif got.category == want.category:
        r_type = 0.1
    else:
        r_type = 0.0
    hits = total = 0
    notes = []
    for a in want.attributes:
        total += 1
        if a in got.attributes:
            hits += 1
        else:
            notes.append(f"lacks {a}")
    if want.brand is not None:
        total += 1
        if got.brand == want.brand:
            hits += 1
        else:
            notes.append(f"brand {got.brand} is not {want.brand}")
    for dim, value in want.options.items():
        total += 1
        if got.options.get(dim) == value:
            hits += 1
        else:
            notes.append(f"{dim} {got.options.get(dim, 'none')} is not {value}")
    if want.quantity != 1:
        total += 1
        if got.quantity == want.quantity:
            hits += 1
        else:
            notes.append(f"quantity {got.quantity} is not {want.quantity}")
    if want.budget is not None or want.min_price is not None:
        total += 1
        if want.budget is not None and got.price > want.budget + 1e-9:
            notes.append(f"price ${got.price:.2f} is over the budget ${want.budget:.2f}")
        elif want.min_price is not None and got.price < want.min_price - 1e-9:
            notes.append(
                f"price ${got.price:.2f} is under the asked range (from ${want.min_price:.2f})"
            )
        else:
            hits += 1
    if want.best is not None:
        total += 1
        if got.product_id == want.product_id:
            hits += 1
        else:
            notes.append(f"not the {want.best} one")
    if r_type < 1:
        notes.insert(0, f"a {got.type}, not a {want.type}")
    score = r_type * (hits / total if total else 1.0)
    return round(score, 6), "; ".join(notes) or "matches"


def purchase_score(
    wanted: list[Wanted], bought: list[Bought]
) -> tuple[float, list[dict[str, Any]]]:
    """Pair each wanted item with its best distinct bought line (greedy) and average the scores."""
    if not wanted:
        return 0.0, []
    pairs = sorted(
        ((line_score(w, b), wi, bi) for wi, w in enumerate(wanted) for bi, b in enumerate(bought)),
        key=lambda x: (-x[0][0], x[1], x[2]),
    )
    used_w: set[int] = set()
    used_b: set[int] = set()
    details: list[dict[str, Any]] = [
        {"wanted": w.product_id, "bought": None, "score": 0.0, "notes": "not bought"}
        for w in wanted
    ]
    for (score, note), wi, bi in pairs:
        if wi in used_w or bi in used_b:
            continue
        used_w.add(wi)
        used_b.add(bi)
        details[wi] = {
            "wanted": wanted[wi].product_id,
            "bought": bought[bi].product_id,
            "score": score,
            "notes": note,
        }
    total = sum(d["score"] for d in details) / max(len(wanted), len(bought))
    return round(total, 6), details


def bought_lines(db: sqlite3.Connection, order_ids: list[str]) -> list[Bought]:
    """The lines of the given orders, with what the catalog says about each product."""
    if not order_ids:
        return []
    rows = db.execute(
        "SELECT i.product_id, p.type, p.category, p.brand, p.attributes, i.options, i.quantity, "
        "i.unit_price "
        "FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.order_id IN "
        f"({', '.join('?' * len(order_ids))}) "
        "ORDER BY i.id",
        order_ids,
    ).fetchall()
    return [
        Bought(
            r[0],
            r[1],
            r[2],
            r[3],
            tuple(json.loads(r[4])),
            json.loads(r[5]),
            int(r[6]),
            float(r[7]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class PurchaseGrade(Grade):
    """The core grade plus the purchase score (``partial`` is the purchase score)."""

    purchase: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["purchase"] = self.purchase
        return out
