"""The catalog as the web shop's task generator sees it, and the goals it draws from it.

``Item`` and ``Catalog``: every product with its stock, read once per catalog (a catalog never
changes in a process); ``Spec``: what a shopper asks for one item, and which products meet it;
the helpers that draw products (the same draws as ``random.Random.sample``) and narrow a goal
until exactly one product in stock meets it. The templates (``tasks.py``, ``compound.py``) are
built on these.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from utility_gym.core.tasks import NoTask
from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.reward import wanted_dict


# -- the catalog as the generator sees it ---------------------------------------------------------
@dataclass(frozen=True)
class Item:
    num: int
    id: str
    category: str
    type: str
    brand: str
    title: str
    price: float
    rating: float
    n_reviews: int
    attributes: tuple[str, ...]
    options: dict[str, tuple[str, ...]]
    stock: int
    # The attributes and the (option, value) pairs as sets: what ``Spec.fits`` compares.
    attribute_set: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    option_pairs: frozenset[tuple[str, str]] = field(default=frozenset(), repr=False, compare=False)


@dataclass
class Catalog:
    items: list[Item]
    by_type: dict[str, list[Item]]
    title_count: dict[str, int]
    key: str  # the catalog's key (``catalog.catalog_key``)
    # Products in stock passing a template's filter, by the filter's key: a catalog never
    # changes in a process, so each filter scans it once, not on every new task.
    pools: dict[Any, list[Item]] = field(default_factory=dict)


_CATALOGS: dict[str, Catalog] = {}
# The connection asked about last, with its catalog: a task's template asks a few times, and
# a connection's catalog never changes (see ``catalog._KNOWN``).
_LAST: tuple[sqlite3.Connection | None, Catalog | None] = (None, None)


def _catalog(db: sqlite3.Connection) -> Catalog:
    global _LAST
    last_db, last = _LAST
    if last_db is db and last is not None:
        return last
    cat = _build_catalog(db)
    _LAST = (db, cat)
    return cat


def _build_catalog(db: sqlite3.Connection) -> Catalog:
    catalog.attach(db)
    key = catalog.catalog_key(db)
    cat = _CATALOGS.get(key)
    if cat is None:
        stock = dict(db.execute("SELECT product_id, quantity FROM stock").fetchall())
        items = []
        for (
            num,
            pid,
            category,
            kind,
            brand,
            title,
            price,
            rating,
            n_reviews,
            attributes,
            options,
        ) in db.execute(
            "SELECT num, id, category, type, brand, title, price, rating, n_reviews, attributes, "
            "options FROM products ORDER BY num"
        ):
            attrs = tuple(json.loads(attributes))
            opts = {k: tuple(v) for k, v in json.loads(options).items()}
            pairs = frozenset((d, v) for d, vs in opts.items() for v in vs)
            row = (num, pid, category, kind, brand, title, price, rating, n_reviews)
            items.append(Item(*row, attrs, opts, int(stock.get(pid, 0)), frozenset(attrs), pairs))
        by_type: dict[str, list[Item]] = {}
        titles: dict[str, int] = {}
        for it in items:
            by_type.setdefault(it.type, []).append(it)
            titles[it.title.casefold()] = titles.get(it.title.casefold(), 0) + 1
        cat = Catalog(items, by_type, titles, key)
        _CATALOGS[key] = cat
    return cat


# -- goals ----------------------------------------------------------------------------------------
@dataclass
class Spec:
    """What the shopper asks for one item; ``fits`` says whether a product meets it."""

    item: Item
    attributes: list[str]
    options: dict[str, str]
    quantity: int = 1
    budget: float | None = None
    brand: str | None = None
    extra: Callable[[Item], bool] | None = field(default=None, repr=False)
    min_price: float | None = None
    best: str | None = None

    def fits(self, q: Item) -> bool:
        return q.type == self.item.type and bool(self.fitting([q]))

    def fitting(self, among: list[Item], but: int = -1) -> list[Item]:
        """The products of ``among`` (all of the target's type) that meet every constraint, in
        their order, but the product numbered ``but``: one pass with the constraints read once
        (as ``fits``, product by product, would)."""
        quantity, budget, brand, extra = self.quantity, self.budget, self.brand, self.extra
        attrs, pairs = frozenset(self.attributes), frozenset(self.options.items())
        return [
            q
            for q in among
            if q.num != but
            and q.stock >= quantity
            and attrs <= q.attribute_set
            and (budget is None or q.price <= budget)
            and (brand is None or q.brand == brand)
            and pairs <= q.option_pairs
            and (extra is None or extra(q))
        ]

    def rivals(self, cat: Catalog, among: list[Item] | None = None) -> list[Item]:
        """The other products that meet the goal; ``among``: earlier rivals, when the goal has
        only been narrowed since (a narrower goal's rivals are among a wider one's)."""
        return self.fitting(cat.by_type[self.item.type] if among is None else among, self.item.num)

    def target(self) -> dict[str, Any]:
        """What ``Task.extras["targets"]`` holds for this goal (``reward.wanted_dict``; a frozen
        ``Wanted`` on the way would set ten fields through ``object.__setattr__``)."""
        item = self.item
        return wanted_dict(
            item.id,
            item.type,
            item.category,
            self.attributes,
            self.options,
            self.quantity,
            self.budget,
            self.brand,
            self.min_price,
            self.best,
        )


def _nice_budget(rng: random.Random, price: float) -> float:
    """A round budget a person would say, above ``price``."""
    raw = price * rng.uniform(1.04, 1.5)
    step = 5 if raw < 60 else 10 if raw < 300 else 50
    return float(math.ceil(raw / step) * step)


def _pick_items(
    cat: Catalog,
    rng: random.Random,
    ok: Callable[[Item], bool] = lambda it: True,
    n: int = 40,
    key: Any = "any",
) -> list[Item]:
    """Up to ``n`` random products in stock passing ``ok``; ``key`` names the filter (the same
    key must mean the same filter: its pool is kept), None: do not keep it."""
    pool = cat.pools.get(key) if key is not None else None
    if pool is None:
        pool = list(filter(ok, _in_stock(cat)))
        if key is not None:
            cat.pools[key] = pool
    if not pool:
        raise NoTask("no product in stock fits this template")
    return _sample(rng, pool, min(n, len(pool)))


def _in_stock(cat: Catalog) -> list[Item]:
    """The products in stock, in catalog order: what every template's pool is filtered from."""
    pool = cat.pools.get(_IN_STOCK)
    if pool is None:
        pool = cat.pools[_IN_STOCK] = [it for it in cat.items if it.stock >= 1]
    return pool


_IN_STOCK = ("in stock",)  # its key among the pools (no template's)


def _sample_inline(rng: random.Random, pool: list[Item], k: int) -> list[Item]:
    """``rng.sample(pool, k)``: the same draws of the same generator, by CPython's algorithm,
    with no Python call per draw (a third of the time; ``_sample`` checks it is the same)."""
    n = len(pool)
    bits = rng.getrandbits
    if n <= 21 + (4 ** math.ceil(math.log(k * 3, 4)) if k > 5 else 0):
        left = list(pool)  # an n-length list is smaller than a k-length set
        out = []
        for i in range(k):
            m = n - i
            width = m.bit_length()
            j = bits(width)
            while j >= m:
                j = bits(width)
            out.append(left[j])
            left[j] = left[m - 1]
        return out
    width = n.bit_length()
    taken: set[int] = set()
    out = []
    for _ in range(k):
        j = bits(width)
        while j >= n or j in taken:
            j = bits(width)
        taken.add(j)
        out.append(pool[j])
    return out


def _same_as_sample() -> bool:
    """Whether ``_sample_inline`` draws what ``random.Random.sample`` draws on this Python."""
    for seed, n, k in ((1, 1000, 40), (2, 50, 40), (3, 7, 3), (4, 300, 40), (5, 30, 6)):
        ours = _sample_inline(random.Random(seed), list(range(n)), k)  # type: ignore[arg-type]
        if ours != random.Random(seed).sample(range(n), k):
            return False
    return True


_sample = _sample_inline if _same_as_sample() else random.Random.sample


def _random_options(rng: random.Random, item: Item) -> dict[str, str]:
    return {d: rng.choice(vs) for d, vs in item.options.items()}


def _make_unique(
    spec: Spec, cat: Catalog, rng: random.Random, *, budget: bool = True, brand: bool = True
) -> Spec:
    """Add the target's own attributes, a tighter budget or its brand until no rival fits."""
    rivals = spec.rivals(cat)
    for k in range(12):
        if k:  # the goal was narrowed: its rivals are among the last ones
            rivals = spec.rivals(cat, rivals)
        if not rivals:
            return spec
        spare = [a for a in spec.item.attributes if a not in spec.attributes]
        if spare:
            best, lacking = _most_telling(spare, rivals)
            if lacking:
                spec.attributes.append(best)
                continue
        if budget and all(q.price > spec.item.price for q in rivals):
            cheapest = min(q.price for q in rivals)
            nice = float(math.floor(cheapest))
            spec.budget = nice if spec.item.price <= nice < cheapest else round(spec.item.price, 2)
            continue
        if brand and spec.brand is None and any(q.brand != spec.item.brand for q in rivals):
            spec.brand = spec.item.brand
            continue
        break
    else:
        rivals = spec.rivals(cat, rivals)
    if rivals:
        raise NoTask("no unique goal for this product")
    return spec


def _most_telling(spare: list[str], rivals: list[Item]) -> tuple[str, int]:
    """The attribute of ``spare`` the most ``rivals`` lack (the first of a tie), and how many
    lack it: ``max`` by (rivals lacking it, -its position), counted in one pass over the rivals."""
    held = dict.fromkeys(spare, 0)
    for q in rivals:
        for a in q.attribute_set.intersection(spare):
            held[a] += 1
    best, most = spare[0], -1
    for a in spare:
        if len(rivals) - held[a] > most:
            best, most = a, len(rivals) - held[a]
    return best, most


def _attribute_start(rng: random.Random, item: Item, lo: int = 1, hi: int = 2) -> list[str]:
    audience = [a for a in item.attributes if a in ("men's", "women's", "kids'")]
    rest = [a for a in item.attributes if a not in audience]
    k = min(len(rest), rng.randint(lo, hi))
    return audience + sorted(rng.sample(rest, k), key=rest.index)
