"""Task templates of the web shop: shoppers' goals drawn from real catalog products.

Every purchase goal is built from one product of the world's catalog and made unique: no other
product in stock meets all of its constraints, so exactly one purchase is perfect. The oracle
plan is what a careful person would do on the site: ask what the shopper left out, search,
page through results, open the product, choose every option, buy. The catalog as the generator
sees it and the goals drawn from it (``Item``, ``Catalog``, ``Spec``) are in ``goals.py``.
"""

from __future__ import annotations

import math
import random
import sqlite3
from collections.abc import Callable
from typing import Any

from utility_gym.core.streams import WorldEvent
from utility_gym.core.tasks import (
    Intent,
    NoTask,
    Persona,
    PlanStep,
    TaskDraft,
    TaskTemplate,
    UserGoal,
)
from utility_gym.core.values import Value
from utility_gym.envs.web_shop import interned
from utility_gym.envs.web_shop.generator import GENERATOR_VERSION
from utility_gym.envs.web_shop.goals import (  # the generator's catalog and goals
    Catalog,
    Item,
    Spec,
    _attribute_start,
    _catalog,
    _make_unique,
    _nice_budget,
    _pick_items,
    _random_options,
)
from utility_gym.envs.web_shop.navigator import shop_app
from utility_gym.envs.web_shop.search import PAGE_SIZE
from utility_gym.envs.web_shop.site.shop import max_quantity
from utility_gym.envs.web_shop.vocab import UNCOUNTED_TYPES, WITH_ATTRIBUTES, plural

__all__ = ["GENERATOR_VERSION", "TEMPLATES"]


# -- wording --------------------------------------------------------------------------------------
_OPTION_PHRASES = {
    "size": "size {v}",
    "color": "in {v}",
    "capacity": "with a capacity of {v}",
    "length": "{v} long",
    "volume": "in the {v} size",
    "scent": "with the {v} scent",
    "flavor": "in {v} flavor",
    "weight": "in the {v} size",
    "pack": "as a {v}",
    "pieces": "with {v}",
    "thickness": "{v} thick",
    "finish": "in the {v} finish",
    "edition": "in the {v} edition",
    "style": "in the {v} style",
    "shape": "in the {v} shape",
}


def option_phrase(dim: str, value: str) -> str:
    return _OPTION_PHRASES.get(dim, dim + " {v}").format(v=value)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(spec: Spec, *, with_article: bool = True, skip: tuple[str, ...] = ()) -> str:
    """``a women's waterproof, breathable rain jacket with a hood, size M, in navy``."""
    kind = spec.item.type
    audience: list[str] = []  # before the noun: "women's", then the adjectives
    adjectives: list[str] = []
    after: list[str] = []  # "with a hood"
    fors: list[str] = []  # "for kids", "with ..." as the catalog words it
    for a in spec.attributes:  # one pass (a list comprehension is a call each)
        listed = a in WITH_ATTRIBUTES
        phrase = a.startswith(("for ", "with "))
        if listed:
            after.append(a)
        if phrase:
            fors.append(a)
        if not listed and not phrase:
            (audience if a in ("men's", "women's", "kids'") else adjectives).append(a)
    noun = " ".join(audience + ([", ".join(adjectives)] if adjectives else []) + [kind])
    if spec.brand:
        noun = f"{spec.brand} {noun}"
    if with_article:
        if spec.quantity > 1:
            noun = (
                f"{spec.quantity} of the {noun}"
                if kind in UNCOUNTED_TYPES
                else f"{spec.quantity} {noun[: -len(kind)]}{plural(kind)}"
            )
        elif kind in UNCOUNTED_TYPES:
            noun = f"some {noun}"
        else:
            noun = ("an " if noun[:1].lower() in "aeiou" else "a ") + noun
    tail = [*fors]
    if after:
        tail.append("with " + _join(after))
    opts = [option_phrase(d, v) for d, v in spec.options.items() if d not in skip]
    text = " ".join([noun, *tail])
    if opts:
        text += ", " + ", ".join(opts)
    return text


def _budget_phrase(rng: random.Random, budget: float) -> str:
    b = f"${budget:,.0f}" if budget == int(budget) else f"${budget:,.2f}"
    return rng.choice(
        (f"under {b}", f"for {b} or less", f"no more than {b}", f"below {b}", f"at most {b}")
    )


def _money(x: float) -> str:
    return f"${x:,.0f}" if x == int(x) else f"${x:,.2f}"


def _greeting(rng: random.Random) -> str:
    return rng.choice(("Hi!", "Hello,", "Hey,", "Hi there.", "Good morning!", ""))


def _persona(rng: random.Random) -> Persona:
    return interned.persona(
        rng.choice(("terse", "plain", "chatty", "formal")), rng.randint(6, 10), rng.random() < 0.85
    )


# -- the oracle's plan ----------------------------------------------------------------------------
class Script:
    def __init__(self) -> None:
        self.steps: list[PlanStep] = []
        self.intent = 0

    def say(self, text: str, essential: bool = True) -> None:
        self.steps.append(PlanStep(self.intent, say=text, essential=essential))

    def call(self, name: str, essential: bool = True, **arguments: str) -> None:
        self.steps.append(interned.call_step(self.intent, name, essential, arguments))


def _search_words(spec: Spec) -> str:
    words = [a.replace("'", "") for a in spec.attributes] + [spec.item.type]
    if spec.brand:
        words.insert(0, spec.brand)
    return " ".join(words)


def _listed(db: sqlite3.Connection, text: str) -> tuple[int, ...]:
    """The products a search for ``text`` lists, best first (the shop's search and cache)."""
    return shop_app().searcher.plain(db, _catalog(db).key, text).nums


def _find(db: sqlite3.Connection, spec: Spec, s: Script, *, essential: bool = True) -> None:
    """Search like a person would; page on until the target shows; open it. ``essential``:
    False when the page before already lists the target (the search could be skipped)."""
    for query in (_search_words(spec), spec.item.title.replace("'", "")):
        nums = _listed(db, query)
        if spec.item.num in nums:
            s.call("search", essential=essential, query=query)
            for _ in range(nums.index(spec.item.num) // PAGE_SIZE):
                s.call("click", target="Next >")
            s.call("click", target=spec.item.id)
            return
    raise NoTask("the target cannot be found by searching")


def _choose(spec: Spec, s: Script) -> None:
    for dim, value in spec.options.items():
        s.call("select", option=f"{dim}: {value}")
    if spec.quantity != 1:
        s.call("select", option=f"quantity {spec.quantity}")


def _buy_one(db: sqlite3.Connection, spec: Spec, s: Script) -> None:
    _find(db, spec, s)
    _choose(spec, s)
    s.call("click", target="Buy Now")


def _ask_question(dims: list[str], rng: random.Random) -> str:
    if len(dims) == 1:
        d = dims[0]
        return rng.choice(
            (
                f"Happy to help! Which {d} would you like?",
                f"Sure. What {d} do you need?",
                f"I can do that. Which {d} should I get?",
            )
        )
    return rng.choice(
        (
            f"Sure! Which {_join(dims)} would you like?",
            f"Happy to help. What {_join(dims)} do you need?",
        )
    )


def _draft(
    intents: list[Intent],
    known: dict[str, str],
    s: Script,
    rng: random.Random,
    summary: str,
    specs: list[Spec],
    ask: tuple[str, ...] = (),
    opening: str = "",
) -> TaskDraft:
    goal = UserGoal(tuple(intents), dict(known), (), opening, _persona(rng))
    extras = {"targets": [sp.target() for sp in specs]}
    return TaskDraft(goal, tuple(s.steps), ask, (), summary, extras)


def _intent(
    request: str, spec: Spec, name: str = "buy the item", condition: str | None = None
) -> Intent:
    return Intent(
        name,
        request,
        "write",
        "purchase",
        (spec.item.id,),
        wants=_wants(spec),
        condition=condition,
    )


def _wants(spec: Spec) -> tuple[Value, ...]:
    """What the shopper checks a proposal to buy against: the kind of product, its options,
    the brand they asked for and their budget."""
    wants = [("product", spec.item.type, True)]
    wants.extend(("option", v, True) for v in spec.options.values())
    wants.extend(("attribute", a, False) for a in spec.attributes)
    if spec.brand:
        wants.append(("brand", spec.brand, True))
    if spec.budget is not None:
        wants.append(("budget", f"{spec.budget:.2f}", True))
    wants.append(("quantity", str(spec.quantity), False))
    return interned.values(wants)


def _known(spec: Spec) -> dict[str, str]:
    known = {d: v for d, v in spec.options.items()}
    known["option"] = ", ".join(f"{d} {v}" for d, v in spec.options.items())
    known["item"] = spec.item.type
    if spec.budget is not None:
        known["budget"] = _money(spec.budget)
    if spec.quantity != 1:
        known["quantity"] = str(spec.quantity)
    return known


# -- templates ------------------------------------------------------------------------------------
def _attributes_spec(
    db: sqlite3.Connection,
    rng: random.Random,
    ok: Callable[[Item], bool] = lambda it: True,
    *,
    budget: bool = True,
    quantity: int = 1,
    key: Any = "any",
) -> tuple[Catalog, Spec]:
    cat = _catalog(db)
    pool_key = None if key is None else ("spec", key, quantity)
    # The pool is of products in stock: one unit needs no other test.
    fit = ok if quantity <= 1 else (lambda it: ok(it) and it.stock >= quantity)
    for item in _pick_items(cat, rng, fit, key=pool_key):
        spec = Spec(
            item,
            _attribute_start(rng, item),
            _random_options(rng, item),
            quantity,
            _nice_budget(rng, item.price) if budget else None,
        )
        try:
            return cat, _make_unique(spec, cat, rng, budget=budget)
        except NoTask:
            continue
    raise NoTask("no product gives a unique goal")


def named_product(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    cat = _catalog(db)
    unique = lambda it: cat.title_count[it.title.casefold()] == 1  # noqa: E731
    items = _pick_items(cat, rng, unique, key="unique title")
    item = items[0]
    spec = Spec(item, [], _random_options(rng, item))
    opts = ", ".join(option_phrase(d, v) for d, v in spec.options.items())
    request = rng.choice(
        (
            f"{_greeting(rng)} Please buy me the {item.title}, {opts}.",
            f"{_greeting(rng)} I'd like the {item.title} ({opts}). Can you order it?",
            f"{_greeting(rng)} Could you get the {item.title} for me? I want it {opts}.",
        )
    ).strip()
    s = Script()
    _buy_one(db, spec, s)
    return _draft([_intent(request, spec)], _known(spec), s, rng, f"buy {item.id} by name", [spec])


def attributes_budget(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    _, spec = _attributes_spec(db, rng)
    desc = describe(spec)
    request = rng.choice(
        (
            f"{_greeting(rng)} I'm looking for {desc}, {_budget_phrase(rng, spec.budget)}.",
            f"{_greeting(rng)} Could you buy me {desc}? My budget is {_money(spec.budget)}.",
            f"{_greeting(rng)} I need {desc}, {_budget_phrase(rng, spec.budget)}. "
            "Please order it for me.",
        )
    ).strip()
    s = Script()
    _buy_one(db, spec, s)
    return _draft(
        [_intent(request, spec)], _known(spec), s, rng, f"buy {spec.item.id} by attributes", [spec]
    )


def _ask_dims(rng: random.Random, spec: Spec, k: int) -> list[str]:
    dims = [d for d in spec.options if len(spec.item.options[d]) >= 3] or [
        d for d in spec.options if len(spec.item.options[d]) >= 2
    ]
    preferred = [d for d in dims if d in ("size", "color")] or dims
    if len(preferred) < k:
        preferred = dims
    if not preferred:
        raise NoTask("nothing to ask")
    return sorted(rng.sample(preferred, min(k, len(preferred))), key=list(spec.options).index)


def ask_option(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    _, spec = _attributes_spec(
        db, rng, lambda it: any(len(v) >= 3 for v in it.options.values()), key="3 values"
    )
    dims = [d for d in _ask_dims(rng, spec, 1) if len(spec.item.options[d]) >= 2]
    desc = describe(spec, skip=tuple(dims))
    request = rng.choice(
        (
            f"{_greeting(rng)} I'd like {desc}, {_budget_phrase(rng, spec.budget)}.",
            f"{_greeting(rng)} Can you order {desc} for me? "
            f"{_budget_phrase(rng, spec.budget).capitalize()}, please.",
        )
    ).strip()
    s = Script()
    s.say(_ask_question(dims, rng))
    _buy_one(db, spec, s)
    return _draft(
        [_intent(request, spec)],
        _known(spec),
        s,
        rng,
        f"buy {spec.item.id}; ask its {dims[0]}",
        [spec],
        ask=tuple(f"{d}|option" for d in dims),
    )


def ask_all_options(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    _, spec = _attributes_spec(db, rng, lambda it: len(it.options) >= 2, key="2 options")
    dims = list(spec.options)
    desc = describe(spec, skip=tuple(dims))
    request = rng.choice(
        (
            f"{_greeting(rng)} I want to buy {desc}, {_budget_phrase(rng, spec.budget)}. I know "
            "exactly which options I need.",
            f"{_greeting(rng)} Please get me {desc}, {_budget_phrase(rng, spec.budget)}. Ask me "
            "if you need details.",
        )
    ).strip()
    s = Script()
    s.say(_ask_question(dims, rng))
    _buy_one(db, spec, s)
    return _draft(
        [_intent(request, spec)],
        _known(spec),
        s,
        rng,
        f"buy {spec.item.id}; ask every option",
        [spec],
        ask=tuple(f"{d}|option" for d in dims),
    )


_RELATIVES = {
    "kids'": ("son", "daughter", "nephew", "niece", "grandson"),
    "women's": ("wife", "mother", "sister", "aunt"),
    "men's": ("husband", "father", "brother", "uncle"),
}


def vague_budget(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    _, spec = _attributes_spec(
        db, rng, lambda it: any(a in _RELATIVES for a in it.attributes), key="relative"
    )
    audience = next(a for a in spec.attributes if a in _RELATIVES)
    relative = rng.choice(_RELATIVES[audience])
    dims = [d for d in spec.options if d == "size"] or list(spec.options)[:1]
    shown = Spec(
        spec.item,
        [a for a in spec.attributes if a != audience],
        spec.options,
        spec.quantity,
        None,
        spec.brand,
    )
    desc = describe(shown, skip=tuple(dims))
    request = rng.choice(
        (
            f"{_greeting(rng)} I need {desc} for my {relative}. Nothing too expensive.",
            f"{_greeting(rng)} Could you find {desc} for my {relative}? I don't want to spend too "
            "much.",
        )
    ).strip()
    s = Script()
    s.say(
        rng.choice(
            (
                f"Happy to help! What's your budget, and which {dims[0]} does your {relative} "
                "need?",
                f"Sure. How much would you like to spend, and what {dims[0]} should it be?",
            )
        )
    )
    _buy_one(db, spec, s)
    known = _known(spec)
    return _draft(
        [_intent(request, spec)],
        known,
        s,
        rng,
        f"buy {spec.item.id} for a {relative}; ask budget and {dims[0]}",
        [spec],
        ask=("budget", *(f"{d}|option" for d in dims)),
    )


def _superlative(
    db: sqlite3.Connection,
    rng: random.Random,
    key: Callable[[Item], Any],
    lowest: bool,
    with_budget: bool,
) -> tuple[Spec, list[Item]]:
    """A goal whose target is the best product by ``key`` among those meeting its constraints.

    The constraints come from a random product; the target is the clear winner among every
    product in stock that meets them (a tie or a single candidate makes no task).
    """
    cat = _catalog(db)
    for seed_item in _pick_items(cat, rng):
        attrs = _attribute_start(rng, seed_item, 0, 1)
        options = _random_options(rng, seed_item)
        budget = _nice_budget(rng, seed_item.price) if with_budget else None
        base = Spec(seed_item, attrs, options, 1, budget)
        ranked = sorted(base.fitting(cat.by_type[seed_item.type]), key=key, reverse=not lowest)
        if len(ranked) < 2 or key(ranked[0]) == key(ranked[1]):
            continue  # nothing to compare, or two best products
        return Spec(ranked[0], attrs, options, 1, budget), ranked
    raise NoTask("no product is the clear best of its kind here")


def cheapest(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    spec, ranked = _superlative(db, rng, lambda q: q.price, lowest=True, with_budget=False)
    spec.best = "cheapest"
    shown = Spec(spec.item, spec.attributes, spec.options)
    desc = describe(shown, with_article=False)
    request = rng.choice(
        (
            f"{_greeting(rng)} What's the cheapest {desc} you can find? Please buy it for me.",
            f"{_greeting(rng)} Please order the cheapest {desc} in the shop.",
        )
    ).strip()
    s = Script()
    _buy_one(db, spec, s)
    return _draft(
        [_intent(request, spec)], _known(spec), s, rng, f"buy the cheapest: {spec.item.id}", [spec]
    )


def best_rated(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    # Best-rated as the shop sorts it: highest rating, then the most reviews.
    spec, ranked = _superlative(
        db, rng, lambda q: (q.rating, q.n_reviews), lowest=False, with_budget=True
    )
    spec.best = "best-rated"
    shown = Spec(spec.item, spec.attributes, spec.options)
    desc = describe(shown, with_article=False)
    request = rng.choice(
        (
            f"{_greeting(rng)} I want the best-rated {desc}, {_budget_phrase(rng, spec.budget)}.",
            f"{_greeting(rng)} Please buy me the highest-rated "
            f"{desc} that costs {_budget_phrase(rng, spec.budget)}.",
        )
    ).strip()
    s = Script()
    _buy_one(db, spec, s)
    return _draft(
        [_intent(request, spec)],
        _known(spec),
        s,
        rng,
        f"buy the best-rated: {spec.item.id}",
        [spec],
    )


def most_reviewed(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    spec, ranked = _superlative(db, rng, lambda q: q.n_reviews, lowest=False, with_budget=False)
    spec.best = "most reviewed"
    shown = Spec(spec.item, spec.attributes, spec.options)
    desc = describe(shown, with_article=False)
    request = rng.choice(
        (
            f"{_greeting(rng)} Which {desc} has the most reviews? Buy that one for me, please.",
            f"{_greeting(rng)} I trust the crowd: please order the {desc} with the most reviews.",
        )
    ).strip()
    s = Script()
    _buy_one(db, spec, s)
    return _draft(
        [_intent(request, spec)],
        _known(spec),
        s,
        rng,
        f"buy the most reviewed: {spec.item.id}",
        [spec],
    )


def quantity(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    q = rng.randint(2, max_quantity(db))
    _, spec = _attributes_spec(db, rng, quantity=q)
    desc = describe(spec)
    request = rng.choice(
        (
            f"{_greeting(rng)} I need {desc}, {_budget_phrase(rng, spec.budget)} each.",
            f"{_greeting(rng)} Please buy {desc}. Each should cost "
            f"{_budget_phrase(rng, spec.budget)}.",
        )
    ).strip()
    s = Script()
    _buy_one(db, spec, s)
    return _draft(
        [_intent(request, spec)], _known(spec), s, rng, f"buy {q} x {spec.item.id}", [spec]
    )


def brand_options(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    cat = _catalog(db)
    for item in _pick_items(cat, rng):
        spec = Spec(
            item, [], _random_options(rng, item), 1, _nice_budget(rng, item.price), item.brand
        )
        try:
            spec = _make_unique(spec, cat, rng)
        except NoTask:
            continue
        desc = describe(spec)
        request = rng.choice(
            (
                f"{_greeting(rng)} I only buy {item.brand}. Could you get me {desc}, "
                f"{_budget_phrase(rng, spec.budget)}?",
                f"{_greeting(rng)} Please order {desc}, {_budget_phrase(rng, spec.budget)}.",
            )
        ).strip()
        s = Script()
        _buy_one(db, spec, s)
        return _draft(
            [_intent(request, spec)], _known(spec), s, rng, f"buy {item.id} by brand", [spec]
        )
    raise NoTask("no unique brand goal")


def two_items(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    cat, first = _attributes_spec(db, rng)
    _, second = _attributes_spec(
        db,
        rng,
        lambda it: it.category != first.item.category,
        key=("other category", first.item.category),
    )
    first_desc = describe(first)
    second_desc = describe(second)
    request = rng.choice(
        (
            f"{_greeting(rng)} I need two things: {first_desc} "
            f"({_budget_phrase(rng, first.budget)}), "
            f"and {second_desc} ({_budget_phrase(rng, second.budget)}). Put them in one "
            "order, please.",
            f"{_greeting(rng)} Please order {first_desc}, "
            f"{_budget_phrase(rng, first.budget)}, together with "
            f"{second_desc}, {_budget_phrase(rng, second.budget)}.",
        )
    ).strip()
    s = Script()
    _find(db, first, s)
    _choose(first, s)
    s.call("click", target="Add to Cart")
    s.intent = 1
    _find(db, second, s)
    _choose(second, s)
    s.call("click", target="Add to Cart")
    s.call("click", target="Proceed to checkout")
    s.call("click", target="Place order")
    known = _known(first)
    for key, value in _known(second).items():
        if key in known and known[key] != value:
            known[key] = (
                f"{known[key]} for the {first.item.type} and {value} for the {second.item.type}"
            )
        else:
            known.setdefault(key, value)
    intents = [
        _intent(request, first, "buy the first item"),
        _intent(request, second, "buy the second item"),
    ]
    return _draft(
        intents,
        known,
        s,
        rng,
        f"buy {first.item.id} and {second.item.id} in one order",
        [first, second],
        opening=request,
    )


def refuse_over_limit(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    cat = _catalog(db)
    item = _pick_items(cat, rng)[0]
    limit = max_quantity(db)
    n = rng.randint(limit + 1, 3 * limit)
    spec = Spec(item, [], _random_options(rng, item), n)
    request = rng.choice(
        (
            f"{_greeting(rng)} I need {n} of the {item.title} "
            f"({', '.join(f'{d} {v}' for d, v in spec.options.items())}) for our team. Can you "
            "order them in one go?",
            f"{_greeting(rng)} Please buy {n} units of the {item.title}, "
            f"{', '.join(option_phrase(d, v) for d, v in spec.options.items())}, in a single "
            "order.",
        )
    ).strip()
    s = Script()
    s.say(
        f"I'm sorry, but I can't place that order: the shop's policy allows at most {limit} of an "
        "item per order, "
        f"so {n} is not possible."
    )
    intent = Intent(
        "buy more than the per-order limit",
        request,
        "refuse",
        "purchase",
        (item.id,),
        reason="limit",
        wants=(interned.value("quantity", str(n), False),),
    )
    known = _known(spec)
    known["quantity"] = str(n)
    goal = UserGoal((intent,), known, (), "", _persona(rng))
    return TaskDraft(
        goal, tuple(s.steps), (), (), f"refuse {n} x {item.id} (limit {limit})", {"targets": []}
    )


# -- held-out templates (never in train) ----------------------------------------------------------
def gift_for_relative(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    _, spec = _attributes_spec(
        db,
        rng,
        lambda it: any(a in _RELATIVES for a in it.attributes) and len(it.options) >= 2,
        key="relative, 2 options",
    )
    audience = next(a for a in spec.attributes if a in _RELATIVES)
    relative = rng.choice(_RELATIVES[audience])
    dims = list(spec.options)
    shown = Spec(
        spec.item,
        [a for a in spec.attributes if a != audience],
        spec.options,
        1,
        spec.budget,
        spec.brand,
    )
    request = (
        f"{_greeting(rng)} It's my {relative}'s birthday soon. I'd like to give "
        f"{describe(shown, skip=tuple(dims))}, "
        f"{_budget_phrase(rng, spec.budget)}."
    ).strip()
    s = Script()
    s.say(_ask_question(dims, rng))
    _buy_one(db, spec, s)
    return _draft(
        [_intent(request, spec)],
        _known(spec),
        s,
        rng,
        f"gift {spec.item.id} for a {relative}",
        [spec],
        ask=tuple(f"{d}|option" for d in dims),
    )


def price_range(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    cat = _catalog(db)
    for item in _pick_items(cat, rng, lambda it: it.price >= 10, key="from $10"):
        lo = float(math.floor(item.price * rng.uniform(0.6, 0.95) / 5) * 5)
        spec = Spec(
            item,
            _attribute_start(rng, item, 0, 1),
            _random_options(rng, item),
            1,
            _nice_budget(rng, item.price),
        )
        spec.extra = lambda q, lo=lo: q.price >= lo
        spec.min_price = lo
        try:
            spec = _make_unique(spec, cat, rng)
        except NoTask:
            continue
        request = (
            f"{_greeting(rng)} I'd like {describe(spec)}, priced between {_money(lo)} and "
            f"{_money(spec.budget)}. "
            "Anything cheaper won't be good enough."
        ).strip()
        s = Script()
        _buy_one(db, spec, s)
        spec.extra = None
        return _draft(
            [_intent(request, spec)],
            _known(spec),
            s,
            rng,
            f"buy {item.id} in a price range",
            [spec],
        )
    raise NoTask("no unique price-range goal")


TEMPLATES: tuple[TaskTemplate, ...] = (
    TaskTemplate(
        "named_product", "Buy a product the shopper names, with its options.", named_product
    ),
    TaskTemplate(
        "attributes_budget",
        "Buy the one product with these attributes and options, within budget.",
        attributes_budget,
    ),
    TaskTemplate(
        "ask_option",
        "As attributes_budget, but one option is left out: ask for it.",
        ask_option,
        tags=("clarify",),
    ),
    TaskTemplate(
        "ask_all_options",
        "The shopper has preferences but says none: ask for every option.",
        ask_all_options,
        tags=("clarify",),
    ),
    TaskTemplate(
        "vague_budget",
        "'For my son, nothing too expensive': ask the budget and the size.",
        vague_budget,
        tags=("clarify", "user_knows"),
    ),
    TaskTemplate("cheapest", "Buy the cheapest product meeting the constraints.", cheapest),
    TaskTemplate("best_rated", "Buy the best-rated product within budget.", best_rated),
    TaskTemplate("most_reviewed", "Buy the product with the most reviews.", most_reviewed),
    TaskTemplate("quantity", "Buy several units of one product.", quantity),
    TaskTemplate("brand_options", "Buy a product of a given brand.", brand_options),
    TaskTemplate(
        "two_items",
        "Buy two products in one order, through the cart.",
        two_items,
        tags=("multi_intent",),
    ),
    TaskTemplate(
        "refuse_over_limit",
        "The shopper wants more than the per-order limit: refuse and explain.",
        refuse_over_limit,
        tags=("policy",),
        weight=2,
    ),
    TaskTemplate(
        "gift_for_relative",
        "A gift for a relative: ask every option.",
        gift_for_relative,
        heldout=True,
        tags=("clarify",),
    ),
    TaskTemplate("price_range", "Buy the product within a price range.", price_range, heldout=True),
)


# -- streams: world events -------------------------------------------------------------------------
WORLD_EVENTS = (
    WorldEvent.setting(
        "quantity_limit_3",
        "Policy revision: the shop now sells at most 3 units of an item per order (was 5).",
        "The shop now sells at most 3 units of an item per order (it was 5). If the shopper wants "
        "more, do not place a "
        "partial order: tell them it is not possible and why.",
        "max_quantity",
        3,
    ),
)
