"""The oracle plan's writes without the web pages: what the expected-change replay needs.

The core replays every new task's oracle plan to learn the change set it must grade against.
Through the site that is a dozen requests, each rendered to HTML and parsed back to text: most
of a reset. A plan of our templates makes its writes in a few ways only (open a product, choose
options and a quantity, Buy Now, Add to Cart, Place order), so ``replay`` reads the plan as
those acts and makes them with the same functions of ``site/shop.py`` the application calls.
The changes are the same rows, by construction and by test (``test_web_shop__replay.py``
compares both replays on every template). A plan with any other act (``back``, ``fill``, an
element number, an unknown label) is left to the full replay: ``replay`` returns False
having written nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from utility_gym.core.tasks import PlanStep, Task
from utility_gym.core.tools import ToolContext
from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.site import shop
from utility_gym.envs.web_shop.site.shop import Product, ShopError

# Clicks that only move between pages (no write): the search results' pager and checkout.
_MOVES = frozenset(("Next >", "Proceed to checkout"))
_WRITES = frozenset(("Buy Now", "Add to Cart", "Place order"))


@dataclass
class _Act:
    kind: str  # "buy" | "add" | "order"
    product: Product | None = None
    chosen: dict[str, str] = field(default_factory=dict)
    quantity: int = 1


def replay(ctx: ToolContext, task: Task, mark: Callable[[], None]) -> bool:
    """Make the writes of ``task``'s plan on ``ctx.db``; False (nothing done) if it cannot."""
    db = ctx.db
    catalog.attach(db)
    key = catalog.catalog_key(db)
    per_intent: list[list[_Act]] = []
    for index in range(len(task.goal.intents)):
        acts = _read(db, key, [s for s in task.plan if s.intent == index and s.call is not None])
        if acts is None:
            return False
        per_intent.append(acts)
    now = shop.now(db)
    for acts in per_intent:
        mark()
        for act in acts:
            _make(db, act, now)
    return True


def _read(db: sqlite3.Connection, key: str, steps: list[PlanStep]) -> list[_Act] | None:
    """The writing acts of one intent's calls, or None if a call is not one we read."""
    acts: list[_Act] = []
    current: _Act | None = None
    limit = shop.max_quantity(db)
    for step in steps:
        call = step.call
        assert call is not None
        if call.name == "search":
            current = None
            continue
        if call.name == "select":
            if current is None or not _choose(
                current, str(call.arguments.get("option", "")), limit
            ):
                return None
            continue
        if call.name != "click":
            return None
        target = str(call.arguments.get("target", ""))
        if target in _MOVES:
            continue
        if target in _WRITES:
            if target != "Place order" and (current is None or not _buyable(db, current)):
                return None
            kind = {"Buy Now": "buy", "Add to Cart": "add"}.get(target, "order")
            acts.append(
                _Act(
                    kind,
                    *(
                        (current.product, dict(current.chosen), current.quantity)
                        if current is not None and kind != "order"
                        else ()
                    ),
                )
            )
            continue
        product = (
            shop.get_product(db, target, key) if catalog.product_num(target) is not None else None
        )
        if product is None:
            return None
        current = _Act("open", product)
    return acts


def _choose(act: _Act, option: str, limit: int) -> bool:
    """``dim: value`` or ``quantity N``, as the plans write them, for the open product."""
    dim, sep, value = option.partition(": ")
    product = act.product
    assert product is not None
    if sep and value in product.options.get(dim, ()):
        act.chosen[dim] = value
        return True
    word, _, number = option.partition(" ")
    if word == "quantity" and number.isascii() and number.isdigit() and 1 <= int(number) <= limit:
        act.quantity = int(number)
        return True
    return False


def _buyable(db: sqlite3.Connection, act: _Act) -> bool:
    """The product page offers the buttons and the chosen quantity (else the plan would fail)."""
    assert act.product is not None
    left = shop.stock_of(db, act.product.id)
    return left > 0 and act.quantity <= left


def _make(db: sqlite3.Connection, act: _Act, now: str) -> None:
    """What the application does on the POST; a refusal writes nothing, as on the site."""
    try:
        if act.kind == "buy":
            assert act.product is not None
            shop.place_order(db, [(act.product, act.chosen, act.quantity)], now)
        elif act.kind == "add":
            assert act.product is not None
            shop.add_to_cart(db, act.product, act.chosen, act.quantity)
        else:
            shop.checkout_cart(db, now)
    except ShopError:
        pass
