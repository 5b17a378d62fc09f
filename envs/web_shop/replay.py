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

On the pristine world the changes of those acts are known without making them:
``replay.predict`` works them out from the pristine world's stock, orders and rules (the
stock a purchase takes, the order and order lines it adds, by the rules of ``place_order``,
``add_to_cart`` and ``checkout_cart``) and hands them to the core, which then neither writes nor
reads a change log (about a third of the written replay's time). The cart leaves no graded
change (``schema.IGNORED_COLUMNS``), so the prediction keeps only stock and orders; the tests
compare it with the written replay on every template.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from utility_gym.core.tasks import PlanStep, Task
from utility_gym.core.tools import ToolContext
from utility_gym.core.world import RowChange
from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.site import shop
from utility_gym.envs.web_shop.site.shop import Product, ShopError
from utility_gym.envs.web_shop.vocab import MAX_QUANTITY

# Clicks that only move between pages (no write): the search results' pager and checkout.
_MOVES = frozenset(("Next >", "Proceed to checkout"))
_WRITES = frozenset(("Buy Now", "Add to Cart", "Place order"))


@dataclass
class _Act:
    kind: str  # "buy" | "add" | "order"
    product: Product | None = None
    chosen: dict[str, str] = field(default_factory=dict)
    quantity: int = 1


class ShopReplay:
    """The web shop's ``Domain.replay`` hook: ``replay(ctx, task, mark)`` makes the plan's
    writes; ``replay.predict(db, task)`` tells their changes on the pristine world ``db``."""

    def __call__(self, ctx: ToolContext, task: Task, mark: Callable[[], None]) -> bool:
        """Make the writes of ``task``'s plan on ``ctx.db``; False (nothing done) if it cannot."""
        db = ctx.db
        per_intent = _read_plan(db, task)
        if per_intent is None:
            return False
        now = shop.now(db)
        for acts in per_intent:
            mark()
            for act in acts:
                _make(db, act, now)
        return True

    def predict(self, db: sqlite3.Connection, task: Task) -> list[list[RowChange]] | None:
        """The net changes the plan's writes would make on the pristine world ``db`` (read,
        not written): one list per intent, then one for the whole plan; None if the plan is not
        one ``replay`` reads."""
        per_intent = _read_plan(db, task)
        if per_intent is None:
            return None
        model = _Shop.of(db)
        starts = []
        for acts in per_intent:
            starts.append(len(model.log))
            for act in acts:
                model.make(act)
        ends = [*starts[1:], len(model.log)]
        shared: dict[tuple[int, int], RowChange] = {}
        spans = [_net(model.log, a, b, shared) for a, b in zip(starts, ends, strict=True)]
        return [*spans, _net(model.log, 0, len(model.log), shared)]


replay = ShopReplay()


def _read_plan(db: sqlite3.Connection, task: Task) -> list[list[_Act]] | None:
    """Each intent's writing acts, or None if a call of the plan is not one ``_read`` reads."""
    catalog.attach(db)
    key = catalog.catalog_key(db)
    limit = shop.max_quantity(db)
    per_intent: list[list[_Act]] = []
    for index in range(len(task.goal.intents)):
        steps = [s for s in task.plan if s.intent == index and s.call is not None]
        acts = _read(db, key, steps, limit)
        if acts is None:
            return None
        per_intent.append(acts)
    return per_intent


def _read(db: sqlite3.Connection, key: str, steps: list[PlanStep], limit: int) -> list[_Act] | None:
    """The writing acts of one intent's calls, or None if a call is not one we read."""
    acts: list[_Act] = []
    current: _Act | None = None
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


# -- the prediction: the pristine shop as the plan's acts change it -------------------------------
_Log = list[tuple[str, str, "dict[str, Any] | None", "dict[str, Any]"]]


@dataclass
class _Shop:
    """What the plan's acts read and change of the pristine world: each product's stock (read
    on first use), the cart and the orders placed; every row written goes to ``log`` as
    ``(table, key, before, after)``, as the world's triggers would log it."""

    db: sqlite3.Connection
    now: str
    limit: int
    orders: int
    stock: dict[str, int] = field(default_factory=dict)
    cart: list[list[Any]] = field(default_factory=list)  # [product, chosen, quantity, key]
    log: _Log = field(default_factory=list)

    @classmethod
    def of(cls, db: sqlite3.Connection) -> _Shop:
        now, limit, orders = db.execute(
            "SELECT (SELECT value FROM _meta WHERE key = 'now'), "
            "(SELECT value FROM _meta WHERE key = 'max_quantity'), (SELECT count(*) FROM orders)"
        ).fetchone()
        return cls(db, now or "", MAX_QUANTITY if limit is None else int(limit), orders)

    def left(self, pid: str) -> int:
        if pid not in self.stock:
            self.stock[pid] = shop.stock_of(self.db, pid)
        return self.stock[pid]

    def make(self, act: _Act) -> None:
        """``_make`` on the model: a refusal changes nothing."""
        try:
            if act.kind == "buy":
                assert act.product is not None
                self.place([(act.product, act.chosen, act.quantity)])
            elif act.kind == "add":
                assert act.product is not None
                self.add(act.product, act.chosen, act.quantity)
            else:
                self.place([(p, chosen, q) for p, chosen, q, _ in self.cart])
                self.cart.clear()
        except ShopError:
            pass

    def add(self, product: Product, chosen: dict[str, str], quantity: int) -> None:
        """``shop.add_to_cart``."""
        shop.check_choice(product, chosen, quantity, self.limit)
        if self.left(product.id) <= 0:
            raise ShopError("out of stock", "stock")
        key = _options_key(chosen)
        line = next((ln for ln in self.cart if ln[0].id == product.id and ln[3] == key), None)
        if line is None:
            self.cart.append([product, chosen, quantity, key])
        elif line[2] + quantity > self.limit:
            raise ShopError("over the limit", "quantity")
        else:
            line[2] += quantity

    def place(self, lines: list[tuple[Product, dict[str, str], int]]) -> None:
        """``shop.place_order``: the stock taken, the order lines and the order, or a refusal
        with nothing written."""
        if not lines:
            raise ShopError("Your cart is empty.", "cart")
        merged: dict[tuple[str, str], list[Any]] = {}
        for product, chosen, quantity in lines:
            shop.check_choice(product, chosen, quantity, self.limit)
            key = (product.id, _options_key(chosen))
            if key in merged:
                merged[key][1] += quantity
            else:
                merged[key] = [product, quantity]
        order_id = f"O{10001 + self.orders}"
        writes: _Log = []
        taken: dict[str, int] = {}
        total = 0.0
        items = 0
        for k, ((pid, okey), (product, quantity)) in enumerate(sorted(merged.items()), 1):
            left = taken.get(pid, self.left(pid))
            if quantity > self.limit or left < quantity:
                raise ShopError("refused", "quantity")
            taken[pid] = left - quantity
            writes.append(
                (
                    "stock",
                    pid,
                    {"product_id": pid, "quantity": left},
                    {"product_id": pid, "quantity": left - quantity},
                )
            )
            line_id = f"{order_id}-{k}"
            row = {
                "id": line_id,
                "order_id": order_id,
                "product_id": pid,
                "options": okey,
                "quantity": quantity,
                "unit_price": product.price,
            }
            writes.append(("order_items", line_id, None, row))
            total += product.price * quantity
            items += quantity
        order = {
            "id": order_id,
            "status": "placed",
            "placed_at": self.now,
            "item_count": items,
            "total": round(total, 2),
        }
        writes.append(("orders", order_id, None, order))
        self.log.extend(writes)
        self.stock.update(taken)
        self.orders += 1


def _options_key(chosen: dict[str, str]) -> str:
    """``shop.options_key`` (its JSON text), kept per choice."""
    return _options_text(tuple(sorted(chosen.items())))


@functools.lru_cache(maxsize=4096)
def _options_text(pairs: tuple[tuple[str, str], ...]) -> str:
    return shop.options_key(dict(pairs))


def _net(
    log: _Log, start: int, end: int, shared: dict[tuple[int, int], RowChange]
) -> list[RowChange]:
    """The net change of each row that ``log[start:end]`` touches (its first before, its last
    after). A row's change is kept in ``shared`` under the positions of its first and last
    entry: the whole plan and the intent that holds all of a row's entries share it (and its
    facts are worked out once)."""
    net: dict[tuple[str, str], list[Any]] = {}
    for i in range(start, end):
        table, key, before, after = log[i]
        entry = net.get((table, key))
        if entry is None:
            net[(table, key)] = [before, after, i, i]
        else:
            entry[1] = after
            entry[3] = i
    out = []
    for (table, key), (before, after, first, last) in net.items():
        if before == after:
            continue
        change = shared.get((first, last))
        if change is None:
            op = "update" if before is not None else "insert"
            change = shared[(first, last)] = RowChange(table, key, op, before, after)
        out.append(change)
    return out
