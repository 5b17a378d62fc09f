"""Harder web shop tasks (issue 19): carts of several products under one budget, prices the
shopper asks the agent to work out and tell (totals, differences, per-unit prices), goals that
depend on what the agent finds ("if it's under $40 take it, else the other one"), questions
back when the request fits more than one product, and shoppers who misremember a price.

Every purchase goal is still met by exactly one product per wanted item (the helpers of
``tasks.py`` make it unique). A price the shopper asks for is a told fact graded by its number
(``Fact(kind="amount", computed=True)`` when it must be worked out, not read off a page); it
belongs to an ``inform`` intent before the purchase, since placing the order ends the episode.
"""

from __future__ import annotations

import math
import random
import re
import sqlite3

from utility_gym.core.tasks import Fact, Intent, NoTask, TaskDraft, TaskTemplate
from utility_gym.envs.web_shop.goals import (
    Item,
    Spec,
    _attribute_start,
    _catalog,
    _nice_budget,
    _pick_items,
    _random_options,
)
from utility_gym.envs.web_shop.search import PAGE_SIZE
from utility_gym.envs.web_shop.tasks import TEMPLATES as BASE_TEMPLATES
from utility_gym.envs.web_shop.tasks import (
    WORLD_EVENTS,
    Script,
    _attributes_spec,
    _choose,
    _draft,
    _find,
    _greeting,
    _intent,
    _join,
    _known,
    _listed,
    _money,
    describe,
    option_phrase,
)

__all__ = ["TEMPLATES", "WORLD_EVENTS"]


# -- helpers --------------------------------------------------------------------------------------
def _specs(db: sqlite3.Connection, rng: random.Random, n: int) -> list[Spec]:
    """``n`` unique goals from ``n`` different departments, without a budget of their own."""
    specs: list[Spec] = []
    for _ in range(n):
        taken = tuple(sorted(sp.item.category for sp in specs))
        _, spec = _attributes_spec(
            db, rng, lambda it, t=taken: it.category not in t, budget=False, key=("not in", taken)
        )
        specs.append(spec)
    return specs


def _look_up(db: sqlite3.Connection, spec: Spec, s: Script) -> tuple[int, ...]:
    """Search so that the target shows with its price on the first page of results (no click:
    a look-up for a price the shopper asked about; the words are the oracle's own). Returns
    the products that page lists."""
    for query in (spec.item.title.replace("'", ""), " ".join([*spec.attributes, spec.item.type])):
        nums = _listed(db, query)
        if spec.item.num in nums[:PAGE_SIZE]:
            s.call("search", essential=False, query=query)
            return tuple(nums[:PAGE_SIZE])
    raise NoTask("the target does not show on the first page of results")


def _merge_known(specs: list[Spec]) -> dict[str, str]:
    """What the shopper can tell about several items: a value they share once, else each
    value with its item ("blue for the smartwatch and white for the desk lamp")."""
    by_key: dict[str, list[tuple[Spec, str]]] = {}  # each slot, in order: (item, its value)
    for sp in specs:
        for key, value in _known(sp).items():
            by_key.setdefault(key, []).append((sp, value))
    known: dict[str, str] = {}
    for key, have in by_key.items():
        if len(have) == 1 or len({v for _, v in have}) == 1 and len(have) == len(specs):
            known[key] = have[0][1]
        else:
            known[key] = _join([f"{v} for the {sp.item.type}" for sp, v in have])
    known["item"] = _join([sp.item.type for sp in specs])
    return known


def _cart_and_order(
    db: sqlite3.Connection,
    specs: list[Spec],
    s: Script,
    first_intent: int,
    shown: tuple[int, ...] = (),
) -> None:
    """Each item into the cart (one intent each), then checkout and the order. ``shown``: the
    products the page before lists (a search that finds one of them again is not essential)."""
    for k, spec in enumerate(specs):
        s.intent = first_intent + k
        _find(db, spec, s, essential=k > 0 or spec.item.num not in shown)
        _choose(spec, s)
        s.call("click", target="Add to Cart")
    s.call("click", target="Proceed to checkout")
    s.call("click", target="Place order")


def _buy_shown(db: sqlite3.Connection, spec: Spec, s: Script, shown: tuple[int, ...]) -> None:
    """Buy at once, after a page that may list the target already (see ``_cart_and_order``)."""
    _find(db, spec, s, essential=spec.item.num not in shown)
    _choose(spec, s)
    s.call("click", target="Buy Now")


def _computed(name: str, ask: str, value: float, label: str) -> Intent:
    """An intent to tell an amount the agent must work out (a total, a difference ...)."""
    return Intent(name, ask, "inform", None, (), (Fact("amount", value, label, computed=True),))


def _tell_then_buy(
    db: sqlite3.Connection,
    s: Script,
    rng: random.Random,
    tell: Intent,
    then: str,
    spec: Spec,
    shown: tuple[int, ...],
    name: str,
    summary: str,
    condition: str | None = None,
) -> TaskDraft:
    """A task of two intents: tell what was asked (``tell``), then buy ``spec`` at once."""
    s.intent = 1
    _buy_shown(db, spec, s, shown)
    buy = _intent(then, spec, name, condition or None)
    return _draft(
        [tell, buy], _known(spec), s, rng, summary, [spec], opening=f"{tell.request} {then}"
    )


def _buy_intents(request: str, specs: list[Spec], condition: str | None = None) -> list[Intent]:
    names = ("buy the first item", "buy the second item", "buy the third item")
    if len(specs) == 1:
        return [_intent(request, specs[0], condition=condition or None)]
    return [_intent(request, sp, names[k], condition or None) for k, sp in enumerate(specs)]


def _same_type_pair(
    db: sqlite3.Connection, rng: random.Random
) -> tuple[Item, Item, dict[str, str]]:
    """Two products of one type, each with a title no other product has, and options both
    offer (the shopper names options before knowing which one they get)."""
    cat = _catalog(db)
    for item in _pick_items(
        cat, rng, lambda it: cat.title_count[it.title.casefold()] == 1, key="unique title"
    ):
        others = [
            q
            for q in cat.by_type[item.type]
            if q.num != item.num
            and q.stock >= 1
            and cat.title_count[q.title.casefold()] == 1
            and abs(q.price - item.price) >= 1.0
            and set(q.options) == set(item.options)
        ]
        if not others:
            continue
        other = rng.choice(others)
        common = {d: [v for v in item.options[d] if v in other.options[d]] for d in item.options}
        if any(not vs for vs in common.values()):
            continue
        return item, other, {d: rng.choice(vs) for d, vs in common.items()}
    raise NoTask("no two products of a kind to compare")


def _options_text(options: dict[str, str]) -> str:
    return ", ".join(option_phrase(d, v) for d, v in options.items())


# -- train and test -------------------------------------------------------------------------------
def cart_budget(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Two or three products from different departments in one order, under one budget."""
    specs = _specs(db, rng, 3 if rng.random() < 0.35 else 2)
    total = round(sum(sp.item.price * sp.quantity for sp in specs), 2)
    budget = _nice_budget(rng, total)
    things = _join([describe(sp) for sp in specs])
    request = rng.choice(
        (
            f"{_greeting(rng)} I need {things}. "
            f"My budget for everything together is {_money(budget)}; "
            "please put it all in one order.",
            f"{_greeting(rng)} Could you order {things} for me in one go? "
            f"I can spend {_money(budget)} in total.",
        )
    ).strip()
    s = Script()
    _cart_and_order(db, specs, s, 0)
    known = _merge_known(specs)
    known["budget"] = f"{_money(budget)} for everything"
    ids = " and ".join(sp.item.id for sp in specs)
    return _draft(
        _buy_intents(request, specs),
        known,
        s,
        rng,
        f"buy {ids} in one order under {_money(budget)}",
        specs,
        opening=request,
    )


def total_then_buy(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """'How much would the two cost together? If that's at most $T, buy both, else just the
    first': the total is worked out and told, and it decides what is bought."""
    first, second = _specs(db, rng, 2)
    total = round(first.item.price + second.item.price, 2)
    holds = rng.random() < 0.8
    # Not holding: the limit lies between the first item's price and the total.
    limit = (
        _nice_budget(rng, total)
        if holds
        else float(math.ceil(rng.uniform(first.item.price, total)))
    )
    if not holds and limit >= total:
        limit = float(math.ceil(first.item.price))
    if not holds and limit >= total:
        raise NoTask("no limit between the first price and the total")
    first_desc = describe(first)
    second_desc = describe(second)
    ask = rng.choice(
        (
            f"{_greeting(rng)} I'm thinking of buying {first_desc} and {second_desc}. "
            "How much would the two cost together?",
            f"{_greeting(rng)} What would {first_desc} plus {second_desc} come to in total?",
        )
    ).strip()
    then = (
        f"If the two together are {_money(limit)} or less, please buy both in one order; "
        f"otherwise just the {first.item.type}."
    )
    condition = f"the two together cost at most {_money(limit)}"
    s = Script()
    _look_up(db, first, s)
    shown = _look_up(db, second, s)
    s.say(
        f"Together they come to {_money(total)}: "
        f"{_money(first.item.price)} for the {first.item.type} "
        f"and {_money(second.item.price)} for the {second.item.type}."
    )
    tell = _computed("the total of the two", ask, total, "the two together")
    if holds:
        bought = [first, second]
        _cart_and_order(db, bought, s, 1, shown)
    else:
        bought = [first]
        condition = f"otherwise ({condition} does not hold)"
        s.intent = 1
        _buy_shown(db, first, s, shown)
    known = _merge_known([first, second])
    known["budget"] = f"{_money(limit)} for the two together"
    ids = " and ".join(sp.item.id for sp in bought)
    return _draft(
        [tell, *_buy_intents(then, bought, condition)],
        known,
        s,
        rng,
        f"tell the total {_money(total)}; buy {ids}",
        bought,
        opening=f"{ask} {then}",
    )


def cheaper_of_two(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """'Which is cheaper, A or B, and by how much? Buy the cheaper one': a difference told."""
    a, b, options = _same_type_pair(db, rng)
    cheap, dear = (a, b) if a.price < b.price else (b, a)
    difference = round(dear.price - cheap.price, 2)
    ask = rng.choice(
        (
            f"{_greeting(rng)} Which is cheaper, the {a.title} or the {b.title}, and by how much?",
            f"{_greeting(rng)} I can't decide between the {a.title} and the {b.title}. "
            "Which one costs less, and what's the difference?",
        )
    ).strip()
    then = f"Please buy the cheaper one, {_options_text(options)}."
    spec = Spec(cheap, [], dict(options))
    s = Script()
    _look_up(db, Spec(a, [], {}), s)
    shown = _look_up(db, Spec(b, [], {}), s)
    s.say(
        f"The {cheap.title} is cheaper: {_money(cheap.price)}, {_money(difference)} less than the "
        f"{dear.title} at {_money(dear.price)}."
    )
    tell = _computed("which is cheaper, and by how much", ask, difference, "the difference")
    summary = f"tell the difference {_money(difference)}; buy the cheaper {cheap.id}"
    return _tell_then_buy(db, s, rng, tell, then, spec, shown, "buy the cheaper one", summary)


def fallback_if_over(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """'The A if it's under $X, else the B': the shopper's condition decides the product."""
    a, b, options = _same_type_pair(db, rng)
    holds = rng.random() < 0.5
    limit = (
        _nice_budget(rng, a.price) if holds else float(math.floor(a.price * rng.uniform(0.7, 0.95)))
    )
    if limit >= a.price and not holds or limit < a.price and holds:
        raise NoTask("no clear price limit")
    request = rng.choice(
        (
            f"{_greeting(rng)} Please get me the {a.title} if it's {_money(limit)} or less; "
            "if it costs more, "
            f"get the {b.title} instead. Either way {_options_text(options)}.",
            f"{_greeting(rng)} I'd like the {a.title}, {_options_text(options)}, "
            "as long as it's no more than "
            f"{_money(limit)}. Otherwise the {b.title}, same options.",
        )
    ).strip()
    target = a if holds else b
    spec = Spec(target, [], dict(options))
    s = Script()
    shown = _look_up(db, Spec(a, [], {}), s) if not holds else ()
    _buy_shown(db, spec, s, shown)
    condition = (
        f"the {a.title} costs at most {_money(limit)}"
        if holds
        else f"the {a.title} costs more than {_money(limit)}"
    )
    intent = _intent(request, spec, condition=condition)
    known = _known(spec) | {"budget": f"{_money(limit)} for the {a.title}"}
    return _draft([intent], known, s, rng, f"buy {target.id} ({condition})", [spec])


def ask_which_brand(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """The request fits two or three products of different brands: ask which brand."""
    cat = _catalog(db)
    for item in _pick_items(cat, rng):
        spec = Spec(
            item,
            _attribute_start(rng, item),
            _random_options(rng, item),
            1,
            _nice_budget(rng, item.price),
        )
        rivals = spec.rivals(cat)
        brands = {q.brand for q in rivals}
        if not 1 <= len(rivals) <= 3 or item.brand in brands or len(brands) != len(rivals):
            continue
        spec.brand = item.brand
        if spec.rivals(cat):
            continue
        choices = sorted([item.brand, *brands])
        shown = Spec(item, spec.attributes, spec.options, 1, spec.budget)
        desc = describe(shown)
        request = rng.choice(
            (
                f"{_greeting(rng)} I'm looking for {desc}, {_money(spec.budget)} at most.",
                f"{_greeting(rng)} Could you order {desc} for me? Up to {_money(spec.budget)}.",
            )
        ).strip()
        s = Script()
        query = " ".join([*spec.attributes, item.type]).replace("'", "")
        s.call("search", essential=False, query=query)
        s.say(
            f"I found {len(choices)} that fit: from {_join(choices)}. Which brand would you like?"
        )
        shown = _listed(db, query)
        _buy_shown(db, spec, s, tuple(shown[:PAGE_SIZE]))
        return _draft(
            [_intent(request, spec)],
            _known(spec) | {"brand": item.brand},
            s,
            rng,
            f"buy {item.id}; ask which brand ({', '.join(choices)})",
            [spec],
            ask=("brand",),
        )
    raise NoTask("no request that fits products of several brands")


# -- held out -------------------------------------------------------------------------------------
_UNITS = re.compile(r"^(\d+) (pack|bags|pieces)$")


def per_unit(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """'Which is cheaper per unit, A as a 12 pack or B as a 6 pack?' (packs of one price)."""
    cat = _catalog(db)
    for a in _pick_items(
        cat,
        rng,
        lambda it: "pack" in it.options and cat.title_count[it.title.casefold()] == 1,
        key="packs, unique title",
    ):
        others = [
            q
            for q in cat.by_type[a.type]
            if q.num != a.num
            and q.stock >= 1
            and "pack" in q.options
            and cat.title_count[q.title.casefold()] == 1
        ]
        if not others:
            continue
        b = rng.choice(others)
        pa, pb = rng.choice(a.options["pack"]), rng.choice(b.options["pack"])
        ma, mb = _UNITS.match(pa), _UNITS.match(pb)
        if not ma or not mb:
            continue
        ua, ub = round(a.price / int(ma.group(1)), 2), round(b.price / int(mb.group(1)), 2)
        if abs(ua - ub) < 0.05:
            continue
        win, pack, unit = (a, pa, ua) if ua < ub else (b, pb, ub)
        options = {d: (pack if d == "pack" else rng.choice(vs)) for d, vs in win.options.items()}
        spec = Spec(win, [], options)
        ask = (
            f"{_greeting(rng)} Which is cheaper per unit: the {a.title} as a {pa}, "
            f"or the {b.title} "
            f"as a {pb}? Tell me the price per unit of the cheaper one."
        ).strip()
        rest = {d: v for d, v in options.items() if d != "pack"}
        then = "Then please order that one" + (f", {_options_text(rest)}." if rest else ".")
        s = Script()
        _look_up(db, Spec(a, [], {}), s)
        shown = _look_up(db, Spec(b, [], {}), s)
        s.say(f"The {win.title} as a {pack} is cheaper per unit: {_money(unit)} each.")
        tell = _computed("the cheaper per unit", ask, unit, "price per unit")
        summary = f"tell {_money(unit)} per unit; buy {win.id} as a {pack}"
        return _tell_then_buy(
            db, s, rng, tell, then, spec, shown, "buy the cheaper per unit", summary
        )
    raise NoTask("no two packs to compare")


def misstated_price(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """The shopper misremembers the price; the agent tells the real one, and buys only if the
    real price is within the shopper's limit (it is, here: the goal is one purchase)."""
    cat = _catalog(db)
    item = _pick_items(
        cat,
        rng,
        lambda it: cat.title_count[it.title.casefold()] == 1 and it.price >= 8,
        key="unique title from $8",
    )[0]
    claimed = round(item.price * rng.choice((0.7, 0.75, 0.8)), 2)
    limit = _nice_budget(rng, item.price)
    options = _random_options(rng, item)
    spec = Spec(item, [], options, 1, limit)
    ask = (
        f"{_greeting(rng)} I saw the {item.title} for {_money(claimed)} last week. "
        "What does it cost now?"
    ).strip()
    then = f"If it's still no more than {_money(limit)}, please order it, {_options_text(options)}."
    s = Script()
    shown = _look_up(db, Spec(item, [], {}), s)
    s.say(f"It's {_money(item.price)} now, not {_money(claimed)}.")
    tell = Intent(
        "the current price",
        ask,
        "inform",
        None,
        (item.id,),
        (Fact("amount", round(item.price, 2), "the current price"),),
        misstated=(("price", f"{claimed:.2f}"),),
    )
    summary = f"tell the real price of {item.id}; buy it"
    condition = f"the price is at most {_money(limit)}"
    return _tell_then_buy(db, s, rng, tell, then, spec, shown, "buy the item", summary, condition)


def three_for_an_event(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    """Three products for one occasion and the total told before ordering."""
    specs = _specs(db, rng, 3)
    total = round(sum(sp.item.price for sp in specs), 2)
    ask = (
        f"{_greeting(rng)} We're hosting a weekend away and I need "
        f"{_join([describe(sp) for sp in specs])}. "
        "What will the three cost in total?"
    ).strip()
    then = "Please tell me that first, then order all three together."
    s = Script()
    shown: tuple[int, ...] = ()
    for sp in specs:
        shown = _look_up(db, sp, s)
    s.say(f"The three together come to {_money(total)}.")
    tell = _computed("the total of the three", ask, total, "the three together")
    _cart_and_order(db, specs, s, 1, shown)
    return _draft(
        [tell, *_buy_intents(then, specs)],
        _merge_known(specs),
        s,
        rng,
        f"tell the total {_money(total)}; buy three",
        specs,
        opening=f"{ask} {then}",
    )


NEW_TRAIN: tuple[TaskTemplate, ...] = (
    TaskTemplate(
        "cart_budget",
        "Two or three products in one order under one shared budget.",
        cart_budget,
        tags=("multi_intent",),
        weight=4,
    ),
    TaskTemplate(
        "total_then_buy",
        "Tell what two products cost together; buy both if within the "
        "shopper's limit, else only the first.",
        total_then_buy,
        tags=("multi_intent", "computed", "conditional"),
        weight=4,
    ),
    TaskTemplate(
        "cheaper_of_two",
        "Tell which of two products is cheaper and by how much; buy it.",
        cheaper_of_two,
        tags=("computed",),
        weight=3,
    ),
    TaskTemplate(
        "fallback_if_over",
        "Buy the named product if within the limit, else the other one.",
        fallback_if_over,
        tags=("conditional",),
    ),
    TaskTemplate(
        "ask_which_brand",
        "The request fits products of several brands: ask which.",
        ask_which_brand,
        tags=("clarify",),
    ),
)
NEW_HELDOUT: tuple[TaskTemplate, ...] = (
    TaskTemplate(
        "per_unit",
        "Tell which of two packs is cheaper per unit, and its unit price; buy it.",
        per_unit,
        heldout=True,
        tags=("computed",),
    ),
    TaskTemplate(
        "misstated_price",
        "The shopper misremembers a price: tell the real one, then buy.",
        misstated_price,
        heldout=True,
        tags=("misstated",),
    ),
    TaskTemplate(
        "three_for_an_event",
        "Three products in one order, with their total told first.",
        three_for_an_event,
        heldout=True,
        tags=("multi_intent", "computed"),
    ),
)
TEMPLATES: tuple[TaskTemplate, ...] = (
    *[t for t in BASE_TEMPLATES if not t.heldout],
    *NEW_TRAIN,
    *[t for t in BASE_TEMPLATES if t.heldout],
    *NEW_HELDOUT,
)
