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
compare it with the written replay on every template. The pristine world never changes (the
core's read-only reference copy), so what a prediction reads of it is read once per process:
its clock, limit and order count, and each product's stock (all of them in one statement for a
shop of up to 2,048 products, with the products into the shop's own cache; else each on first
use, an LRU of 2,048). A write through its connection would void them (``_pristine``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from utility_gym.core.caches import LRUCache
from utility_gym.core.tasks import Task
from utility_gym.core.tools import ToolContext
from utility_gym.core.world import RowChange
from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.site import shop
from utility_gym.envs.web_shop.site.shop import Product, ShopError
from utility_gym.envs.web_shop.vocab import MAX_QUANTITY

# Clicks that only move between pages (no write): the search results' pager and checkout.
_MOVES = frozenset(("Next >", "Proceed to checkout"))
_KINDS = {"Buy Now": "buy", "Add to Cart": "add", "Place order": "order"}  # the clicks that write


# What a plan's click on ``target`` finds: the product and its stock, or None if ``target``
# names no product.
Lookup = Callable[[str], "tuple[Product, int] | None"]


@dataclass
class _Act:
    kind: str  # "open" (the product page a plan is on) | "buy" | "add" | "order"
    product: Any = None  # Product
    left: int = 0  # the product's stock when the plan is read (before any act is made)
    chosen: dict[str, str] = field(default_factory=dict)
    quantity: int = 1


class ShopReplay:
    """The web shop's ``Domain.replay`` hook: ``replay(ctx, task, mark)`` makes the plan's
    writes; ``replay.predict(db, task)`` tells their changes on the pristine world ``db``."""

    def __call__(self, ctx: ToolContext, task: Task, mark: Callable[[], None]) -> bool:
        """Make the writes of ``task``'s plan on ``ctx.db``; False (nothing done) if it cannot."""
        db = ctx.db
        catalog.attach(db)
        key = catalog.catalog_key(db)

        def lookup(target: str) -> tuple[Product, int] | None:
            product = shop.get_product(db, target, key)
            return None if product is None else (product, shop.stock_of(db, product.id))

        per_intent = _read_plan(task, lookup, shop.max_quantity(db))
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
        world = _pristine(db)
        per_intent = _read_plan(task, world.item, world.limit)
        if per_intent is None:
            return None
        model = _Shop(world.now, world.limit, world.orders)
        starts = []
        for acts in per_intent:
            starts.append(len(model.log))
            for act in acts:
                model.make(act)
        return _spans(model.log, starts)


replay = ShopReplay()


def _read_plan(task: Task, lookup: Lookup, limit: int) -> list[list[_Act]] | None:
    """Each intent's writing acts, or None if a call of the plan is not one we read. The calls
    of each intent are read in the plan's order, each intent on its own page."""
    n = len(task.goal.intents)
    acts: list[list[_Act]] = [[] for _ in range(n)]
    page: list[_Act | None] = [None] * n  # the product page each intent's calls are on
    for step in task.plan:
        call, i = step.call, step.intent
        if call is None or not 0 <= i < n:
            continue
        name = call.name
        if name == "search":
            page[i] = None
        elif name == "select":
            current = page[i]
            option = str(call.arguments.get("option", ""))
            if current is None or not _choose(current, option, limit):
                return None
        elif name != "click":
            return None
        else:
            target = str(call.arguments.get("target", ""))
            kind = _KINDS.get(target)
            if kind is not None:
                act = _write(kind, page[i])
                if act is None:
                    return None
                acts[i].append(act)
            elif target not in _MOVES:
                found = lookup(target)
                if found is None:
                    return None
                page[i] = _Act("open", *found)
    return acts


def _write(kind: str, page: _Act | None) -> _Act | None:
    """The act of a click on Buy Now, Add to Cart or Place order on ``page``, or None if the
    page offers no such button, or not the chosen quantity (the plan would fail)."""
    if kind == "order":
        return _Act(kind)
    if page is None or not (page.left > 0 and page.quantity <= page.left):
        return None
    return _Act(kind, page.product, page.left, dict(page.chosen), page.quantity)


def _choose(act: _Act, option: str, limit: int) -> bool:
    """``dim: value`` or ``quantity N``, as the plans write them, for the open product."""
    dim, sep, value = option.partition(": ")
    if sep and value in act.product.options.get(dim, ()):
        act.chosen[dim] = value
        return True
    word, _, number = option.partition(" ")
    if word == "quantity" and number.isascii() and number.isdigit() and 1 <= int(number) <= limit:
        act.quantity = int(number)
        return True
    return False


def _make(db: sqlite3.Connection, act: _Act, now: str) -> None:
    """What the application does on the POST; a refusal writes nothing, as on the site."""
    try:
        if act.kind == "buy":
            shop.place_order(db, [(act.product, act.chosen, act.quantity)], now)
        elif act.kind == "add":
            shop.add_to_cart(db, act.product, act.chosen, act.quantity)
        else:
            shop.checkout_cart(db, now)
    except ShopError:
        pass


# -- the prediction: the pristine shop as the plan's acts change it -------------------------------
_Entry = tuple[tuple[str, str], "dict[str, Any] | None", "dict[str, Any]"]
_Log = list[_Entry]


@dataclass
class _Pristine:
    """What predictions read of one pristine world (the core's read-only reference copy), kept
    while nothing is written through its connection: its catalog, clock, the most units per
    order, its number of orders, and the stock of the products plans open (an LRU of modest
    size). The products themselves are the shop's (``shop.get_product``, cached per catalog)."""

    db: sqlite3.Connection
    changes: int  # ``db.total_changes`` when read: a write through it voids the entry
    key: str
    now: str
    limit: int
    orders: int
    stock: LRUCache[int]

    def item(self, target: str) -> tuple[Product, int] | None:
        """The product ``target`` names and its stock, or None if it names none."""
        product = shop.get_product(self.db, target, self.key)
        if product is None:
            return None
        left = self.stock.get(product.id)
        if left is None:
            left = shop.stock_of(self.db, product.id)
            self.stock.put(product.id, left)
        return product, left

    def preload(self) -> None:
        """Read every product (into the shop's cache) and its stock, two statements, if the
        stock cache holds them all."""
        row = self.db.execute("SELECT value FROM _meta WHERE key = 'catalog_size'").fetchone()
        if row is None or int(row[0]) > self.stock.maxsize:
            return
        shop.get_products(self.db, tuple(range(1, int(row[0]) + 1)), self.key)
        for pid, left in self.db.execute("SELECT product_id, quantity FROM stock"):
            self.stock.put(pid, int(left))


# Pristine worlds (one per world seed and size a process uses), each with the stock of up to
# 2,048 products (~0.3 MB): all of a default-size shop's, read in one statement on first use.
_PRISTINE: LRUCache[_Pristine] = LRUCache(8)
_STOCK_CACHE_SIZE = 2048


def _pristine(db: sqlite3.Connection) -> _Pristine:
    """The pristine world ``db``'s ``_Pristine``, read on first use."""
    world = _PRISTINE.get(id(db))
    if world is not None and world.db is db and world.changes == db.total_changes:
        return world
    catalog.attach(db)
    now, limit, orders = db.execute(
        "SELECT (SELECT value FROM _meta WHERE key = 'now'), "
        "(SELECT value FROM _meta WHERE key = 'max_quantity'), (SELECT count(*) FROM orders)"
    ).fetchone()
    world = _Pristine(
        db,
        db.total_changes,
        catalog.catalog_key(db),
        now or "",
        MAX_QUANTITY if limit is None else int(limit),
        orders,
        LRUCache(_STOCK_CACHE_SIZE),
    )
    world.preload()
    _PRISTINE.put(id(db), world)
    return world


@dataclass
class _Shop:
    """The pristine world as the plan's acts change it: the stock of the products bought, the
    cart and the orders placed; every row written goes to ``log`` as ``((table, key), before,
    after)``, as the world's triggers would log it."""

    now: str
    limit: int
    orders: int
    stock: dict[str, int] = field(default_factory=dict)  # as the acts left it
    cart: list[list[Any]] = field(default_factory=list)  # [product, chosen, quantity, key, left]
    log: _Log = field(default_factory=list)

    def make(self, act: _Act) -> None:
        """``_make`` on the model: a refusal changes nothing."""
        if act.kind == "buy":
            self.place([(act.product, act.chosen, act.quantity, act.left)])
        elif act.kind == "add":
            self.add(act)
        elif self.cart and self.place([(p, c, q, left) for p, c, q, _, left in self.cart]):
            self.cart.clear()  # checkout empties the cart once the order is placed

    def add(self, act: _Act) -> None:
        """``shop.add_to_cart``; a refusal changes nothing."""
        product, chosen, quantity = act.product, act.chosen, act.quantity
        if not _complete(product, chosen, quantity, self.limit):
            return
        if self.stock.get(product.id, act.left) <= 0:
            return
        key = _options_key(chosen)
        for line in self.cart:
            if line[0].id == product.id and line[3] == key:
                if line[2] + quantity <= self.limit:
                    line[2] += quantity
                return
        self.cart.append([product, chosen, quantity, key, act.left])

    def place(self, lines: list[tuple[Any, dict[str, str], int, int]]) -> bool:
        """``shop.place_order`` (given lines): the stock taken, the order lines and the order;
        False for a refusal, with nothing written."""
        merged: dict[tuple[str, str], list[Any]] = {}
        for product, chosen, quantity, left in lines:
            if not _complete(product, chosen, quantity, self.limit):
                return False
            key = (product.id, _options_key(chosen))
            if key in merged:
                merged[key][1] += quantity
            else:
                merged[key] = [product, quantity, left]
        order_id = f"O{10001 + self.orders}"
        writes: _Log = []
        taken: dict[str, int] = {}
        total = 0.0
        items = 0
        for k, ((pid, okey), (product, quantity, pristine)) in enumerate(sorted(merged.items()), 1):
            left = taken.get(pid, self.stock.get(pid, pristine))
            if quantity > self.limit or left < quantity:
                return False
            taken[pid] = left - quantity
            writes.append(
                (
                    ("stock", pid),
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
            writes.append((("order_items", line_id), None, row))
            total += product.price * quantity
            items += quantity
        order = {
            "id": order_id,
            "status": "placed",
            "placed_at": self.now,
            "item_count": items,
            "total": round(total, 2),
        }
        writes.append((("orders", order_id), None, order))
        self.log.extend(writes)
        self.stock.update(taken)
        self.orders += 1
        return True


def _complete(product: Any, chosen: dict[str, str], quantity: int, limit: int) -> bool:
    """``shop.check_choice`` passes: every option of the product chosen and the quantity
    allowed. (``_choose`` keeps only the product's own options and values, so every option is
    chosen when as many are chosen as it has.)"""
    return len(chosen) == len(product.options) and 1 <= quantity <= limit


_quote = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) quotes with


def _options_key(chosen: dict[str, str]) -> str:
    """``shop.options_key(chosen)`` (its JSON text), for options and values that are strings."""
    return "{" + ",".join([_quote(k) + ":" + _quote(v) for k, v in sorted(chosen.items())]) + "}"


def _spans(log: _Log, starts: list[int]) -> list[list[RowChange]]:
    """The net changes of each intent (its entries of ``log`` from its start to the next one's)
    and then of the whole plan, as ``World.changes_in_spans`` gives them: a row's net change is
    its first entry's before and its last entry's after, one object wherever it is the same."""
    ends = [*starts[1:], len(log)]
    if len({entry[0] for entry in log}) == len(log):  # each row written once (the usual plan)
        made = [_change(entry, entry) for entry in log]
        return [
            *([c for c in made[a:b] if c is not None] for a, b in zip(starts, ends, strict=True)),
            [c for c in made if c is not None],
        ]
    changes: dict[tuple[int, int], RowChange | None] = {}  # by a row's first and last entry

    def net(start: int, end: int) -> list[RowChange]:
        rows: dict[tuple[str, str], list[int]] = {}
        for i in range(start, end):
            seen = rows.get(log[i][0])
            if seen is None:
                rows[log[i][0]] = [i, i]
            else:
                seen[1] = i
        out = []
        for first, last in rows.values():
            if (first, last) not in changes:
                changes[(first, last)] = _change(log[first], log[last])
            change = changes[(first, last)]
            if change is not None:
                out.append(change)
        return out

    return [*(net(a, b) for a, b in zip(starts, ends, strict=True)), net(0, len(log))]


def _change(first: _Entry, last: _Entry) -> RowChange | None:
    """A row's net change from its ``first`` entry of the log to its ``last``; None if none."""
    (table, key), before, after = first[0], first[1], last[2]
    if before == after:
        return None
    return RowChange(table, key, "update" if before is not None else "insert", before, after)
