"""Tacit regularities of the web shop (issue 18): what a shop assistant learns from its regulars.

Every world has a few **regular shoppers** who say who they are ("Hi, it's Dana Reyes again")
and have a standing profile no page shows: the clothing size they always wear, the one brand
they buy in one department, and a budget. And the shop's shoppers call a few product lines by
words the catalogue does not use ("a parka" for what it lists as a winter coat). An assistant
who has served them knows; a new one does not, and the shopper does not spell it out.

Four kinds of regularity, one stream-only template each (``REGULARITIES``):

- ``usual_size``: a regular wants clothing "in my usual size" (key: the shopper's name).
- ``loyal_brand``: a regular wants something "from my usual brand" in their department; other
  brands' products fit everything else they say (key: the shopper's name).
- ``usual_budget``: a regular wants something "within my usual budget"; a pricier product
  fits everything else they say (key: the shopper's name).
- ``catalogue_vocabulary``: a shopper asks for a product by their own word for its line;
  searching that word finds nothing of the line (key: the shopper's word).

The rules are seeded per world from catalogue content no tool changes (the titles of its first
products), so a stream's live world and the pristine world of an isolated twin have the same
rules, and another world seed has others. They are in no table, page or policy: the end of an
episode that hits one tells its lesson (``Regularity.lesson``), one sentence per kind whose
pattern the learning baseline's rule book (``agents/lessons/web_shop.py``) reads.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import sqlite3
from dataclasses import dataclass

from utility_gym.core.tasks import Intent, NoTask, Regularity, TaskDraft, TaskTemplate
from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.goals import (
    Item,
    Spec,
    _attribute_start,
    _catalog,
    _make_unique,
    _nice_budget,
    _pick_items,
    _random_options,
)
from utility_gym.envs.web_shop.tasks import (
    Script,
    _budget_phrase,
    _buy_one,
    _draft,
    _intent,
    _known,
    _listed,
    _money,
    _search_words,
    describe,
)
from utility_gym.envs.web_shop.vocab import APPAREL_SIZES, CATEGORIES, TYPE_BY_NAME

__all__ = ["REGULARITIES", "Rules", "Shopper", "rules", "shopper_names"]

# People's names, none of them a brand word of the catalogue.
FIRST_NAMES = (
    "Dana", "Robin", "Priya", "Marcus", "Elena", "Tomas", "Aisha", "Jonah", "Keiko", "Oliver",
    "Ines", "Rafael", "Hannah", "Victor", "Leila", "Samuel", "Grace", "Mateo", "Nora", "Felix",
    "Amara", "Julian", "Sofia", "Declan", "Yara", "Bruno", "Mina", "Owen", "Clara", "Tariq",
)  # fmt: skip
LAST_NAMES = (
    "Reyes", "Hale", "Okafor", "Brennan", "Novak", "Lindqvist", "Haddad", "Mercer", "Tanaka",
    "Whitlock", "Duarte", "Kowalski", "Osei", "Fairbanks", "Moreau", "Castell", "Ivanova",
    "Pruitt", "Nakamura", "Gallagher", "Serrano", "Achebe", "Holloway", "Vance", "Petrov",
    "Quinlan", "Abara", "Sorensen", "Marsh", "Delacroix",
)  # fmt: skip
# Sizes a regular wears; the clothing types that are sold in them.
USUAL_SIZES = ("S", "M", "L", "XL")
SIZED_TYPES = tuple(
    t.name for c in CATEGORIES for t in c.types if t.options.get("size") == APPAREL_SIZES
)
# Shoppers' words for product lines, and what the catalogue calls each line.
SHOPPER_WORDS = (
    ("parka", "winter coat"),
    ("anorak", "rain jacket"),
    ("sweatshirt", "hoodie"),
    ("trainers", "running shoes"),
    ("wellies", "rain boots"),
    ("flip-flops", "sandals"),
    ("skillet", "frying pan"),
    ("flask", "water bottle"),
    ("rucksack", "hiking backpack"),
    ("sunblock", "sunscreen"),
    ("chapstick", "lip balm"),
    ("kibble", "dog food"),
    ("portable charger", "power bank"),
    ("reading light", "desk lamp"),
)


@dataclass(frozen=True)
class Shopper:
    """A regular shopper and their standing profile."""

    name: str
    size: str  # the clothing size they always wear
    brand: str  # the one brand they buy in ``category``
    category: str
    budget: float  # what they usually spend on one thing at most


@dataclass(frozen=True)
class Rules:
    """A world's tacit rules: its regular shoppers and its shoppers' words."""

    shoppers: tuple[Shopper, ...]
    words: tuple[tuple[str, str], ...]  # (the shoppers' word, the catalogue's product type)


_RULES: dict[str, Rules] = {}


def world_seed_text(db: sqlite3.Connection) -> str:
    """Stable content of the world no tool changes: the titles of the catalogue's first
    products (the catalogue is read-only; its products come from the world seed)."""
    catalog.attach(db)
    rows = db.execute("SELECT title FROM products ORDER BY num LIMIT 5").fetchall()
    return "|".join(r[0] for r in rows)


def rules(db: sqlite3.Connection) -> Rules:
    """The tacit rules of ``db``'s world (the same for every world of one catalogue)."""
    catalog.attach(db)
    key = catalog.catalog_key(db)
    if key not in _RULES:
        digest = hashlib.sha256(world_seed_text(db).encode()).hexdigest()
        _RULES[key] = _draw_rules(db, random.Random(int(digest[:16], 16)))
    return _RULES[key]


def _draw_rules(db: sqlite3.Connection, rng: random.Random) -> Rules:
    n = rng.randint(2, 3)
    names = rng.sample([f"{f} {la}" for f in FIRST_NAMES for la in LAST_NAMES], n)
    # A loyal brand is one of the catalogue's bigger lines, so the shopper finds something.
    counts: dict[tuple[str, str], int] = {}
    for category, brand in db.execute("SELECT category, brand FROM products ORDER BY num"):
        counts[(category, brand)] = counts.get((category, brand), 0) + 1
    lines = sorted(counts, key=lambda k: (-counts[k], k))[: max(4, len(counts) // 4)]
    shoppers = []
    for name in names:
        category, brand = rng.choice(lines)
        budget = float(rng.choice((50, 75, 100, 150, 200)))
        shoppers.append(Shopper(name, rng.choice(USUAL_SIZES), brand, category, budget))
    words = [w for w in SHOPPER_WORDS if not _word_finds_line(db, *w)]
    rng.shuffle(words)
    return Rules(tuple(shoppers), tuple(sorted(words[: rng.randint(2, 3)])))


def _word_finds_line(db: sqlite3.Connection, word: str, kind: str) -> bool:
    """Whether searching the shop for ``word`` lists a product of type ``kind``."""
    nums = _listed(db, word)
    if not nums:
        return False
    marks = ", ".join("?" * len(nums))
    sql = f"SELECT 1 FROM products WHERE type = ? AND num IN ({marks}) LIMIT 1"
    return db.execute(sql, (kind, *nums)).fetchone() is not None


def shopper_names(db: sqlite3.Connection) -> frozenset[str]:
    """The names of ``db``'s regular shoppers (other one-off shoppers avoid them)."""
    return frozenset(s.name for s in rules(db).shoppers)


# -- the tasks ------------------------------------------------------------------------------------
def _hello(rng: random.Random, name: str) -> str:
    return rng.choice((f"Hi, it's {name} again.", f"Hello, it's {name} again."))


def _without(intent: Intent, kind: str, value: str) -> Intent:
    """``intent`` whose ``wants`` leave out the tacit value (a ``Value`` of ``kind``): the
    shopper does not state it, so they do not object to a proposal with another one."""
    wants = tuple(v for v in intent.wants if not (v.kind == kind and v.value == value))
    return dataclasses.replace(intent, wants=wants)


def usual_size(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    shopper = rng.choice(rules(db).shoppers)
    cat = _catalog(db)

    def fits(it: Item) -> bool:  # clothing for the shopper themself, in their size
        return (
            it.type in SIZED_TYPES
            and shopper.size in it.options["size"]
            and "kids'" not in it.attributes
        )

    for item in _pick_items(cat, rng, fits, key=("usual size", shopper.size)):
        options = {**_random_options(rng, item), "size": shopper.size}
        spec = Spec(item, _attribute_start(rng, item), options, 1, _nice_budget(rng, item.price))
        try:
            spec = _make_unique(spec, cat, rng)
        except NoTask:
            continue
        request = rng.choice(
            (
                f"{_hello(rng, shopper.name)} I need {describe(spec, skip=('size',))}, "
                f"{_budget_phrase(rng, spec.budget)}. In my usual size, of course.",
                f"{_hello(rng, shopper.name)} Could you order {describe(spec, skip=('size',))} "
                f"for me, {_budget_phrase(rng, spec.budget)}? My usual size.",
            )
        )
        s = Script()
        _buy_one(db, spec, s)
        known = {k: v for k, v in _known(spec).items() if k not in ("size", "option")}
        lesson = (
            f"{shopper.name} always wears size {shopper.size}; 'my usual size' from them means "
            f"size {shopper.size}."
        )
        return _tacit_draft(
            _without(_intent(request, spec), "option", shopper.size),
            known,
            {"size": "my usual size, the one I always get", "option": "my usual size"},
            s,
            rng,
            spec,
            Regularity("usual_size", shopper.name, lesson),
        )
    raise NoTask("no clothing in this shopper's size gives a unique goal")


def loyal_brand(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    shopper = rng.choice(rules(db).shoppers)
    cat = _catalog(db)
    own = lambda it: it.brand == shopper.brand and it.category == shopper.category  # noqa: E731
    for item in _pick_items(cat, rng, own, key=("brand", shopper.brand, shopper.category)):
        spec = Spec(
            item, _attribute_start(rng, item, 0, 1), _random_options(rng, item), 1, None, item.brand
        )
        spec.budget = _nice_budget(rng, item.price)
        try:
            spec = _make_unique(spec, cat, rng, brand=False)
        except NoTask:
            continue
        if not _decoy_first(db, spec, dataclasses.replace(spec, brand=None)):
            continue  # without the brand, the target would be the obvious pick anyway
        shown = dataclasses.replace(spec, brand=None)
        request = rng.choice(
            (
                f"{_hello(rng, shopper.name)} I need {describe(shown)}, "
                f"{_budget_phrase(rng, spec.budget)}. From my usual brand, of course.",
                f"{_hello(rng, shopper.name)} Please get me {describe(shown)} from my usual "
                f"brand, {_budget_phrase(rng, spec.budget)}.",
            )
        )
        s = Script()
        _buy_one(db, spec, s)
        lesson = (
            f"{shopper.name} only buys {shopper.brand}; 'my usual brand' from them means "
            f"{shopper.brand}."
        )
        return _tacit_draft(
            _without(_intent(request, spec), "brand", shopper.brand),
            _known(shown),
            {"brand": "my usual brand, the one I always buy"},
            s,
            rng,
            spec,
            Regularity("loyal_brand", shopper.name, lesson),
        )
    raise NoTask("no product of this shopper's brand gives a unique goal")


def usual_budget(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    shopper = rng.choice(rules(db).shoppers)
    cat = _catalog(db)
    limit = shopper.budget
    within = lambda it: limit / 2 <= it.price <= limit  # noqa: E731
    for item in _pick_items(cat, rng, within, key=("usual budget", limit)):
        spec = Spec(item, _attribute_start(rng, item, 0, 1), _random_options(rng, item), 1, limit)
        try:
            spec = _make_unique(spec, cat, rng, budget=False)
        except NoTask:
            continue
        shown = dataclasses.replace(spec, budget=None)
        if not _decoy_first(db, spec, shown):
            continue  # without the budget, the target would be the obvious pick anyway
        request = rng.choice(
            (
                f"{_hello(rng, shopper.name)} I need {describe(shown)}. Within my usual budget, "
                "please.",
                f"{_hello(rng, shopper.name)} Could you get me {describe(shown)}? Nothing over my "
                "usual budget.",
            )
        )
        s = Script()
        _buy_one(db, spec, s)
        money = _money(limit)
        lesson = (
            f"{shopper.name} never spends more than {money} on one item; 'my usual budget' from "
            f"them means {money}."
        )
        return _tacit_draft(
            _without(_intent(request, spec), "budget", f"{limit:.2f}"),
            {k: v for k, v in _known(spec).items() if k != "budget"},
            {"budget": "my usual budget, the most I ever spend on one thing"},
            s,
            rng,
            spec,
            Regularity("usual_budget", shopper.name, lesson),
        )
    raise NoTask("no product within this shopper's budget gives a unique goal")


def _decoy_first(db: sqlite3.Connection, spec: Spec, loose: Spec) -> bool:
    """Whether a search for ``loose`` (the request without its tacit value) lists a product
    that fits it before the target, so a worker who does not know the value buys that one."""
    cat = _catalog(db)
    by_num = {it.num: it for it in cat.by_type[spec.item.type]}
    for num in _listed(db, _search_words(loose)):
        q = by_num.get(num)
        if q is not None and loose.fits(q):
            return q.num != spec.item.num
    return False


def catalogue_vocabulary(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    word, kind = rng.choice(rules(db).words)
    cat = _catalog(db)
    for item in _pick_items(cat, rng, lambda it: it.type == kind, key=("type", kind)):
        spec = Spec(
            item,
            _attribute_start(rng, item),
            _random_options(rng, item),
            1,
            _nice_budget(rng, item.price),
        )
        try:
            spec = _make_unique(spec, cat, rng)
        except NoTask:
            continue
        desc = _in_words(describe(spec), kind, word)
        request = rng.choice(
            (
                f"Hi! I'm looking for {desc}, {_budget_phrase(rng, spec.budget)}.",
                f"Hello, could you order {desc} for me? "
                f"{_budget_phrase(rng, spec.budget).capitalize()}, please.",
            )
        )
        s = Script()
        _buy_one(db, spec, s)
        known = {**_known(spec), "item": word}
        lesson = (
            f"Shoppers who ask for '{word}' mean what the catalogue calls '{kind}'; search for "
            f"'{kind}' instead."
        )
        return _tacit_draft(
            _intent(request, spec),
            known,
            {},
            s,
            rng,
            spec,
            Regularity("catalogue_vocabulary", word, lesson),
        )
    raise NoTask(f"no {kind} gives a unique goal")


def _in_words(text: str, kind: str, word: str) -> str:
    """``text`` (a description of a ``kind``) with the shopper's ``word`` for it."""
    out = text.replace(kind, word, 1)
    for article in ("a ", "an "):
        if out.startswith(article):
            rest = out[len(article) :]
            return ("an " if rest[:1] in "aeiou" else "a ") + rest
    return out


def _tacit_draft(
    intent: Intent,
    known: dict[str, str],
    referred: dict[str, str],
    s: Script,
    rng: random.Random,
    spec: Spec,
    regularity: Regularity,
) -> TaskDraft:
    draft = _draft([intent], known, s, rng, f"{regularity.kind} {regularity.key}", [spec])
    goal = dataclasses.replace(draft.goal, referred=referred)
    return dataclasses.replace(draft, goal=goal, regularity=regularity)


REGULARITIES: tuple[TaskTemplate, ...] = (
    TaskTemplate(
        "usual_size",
        "Streams only: a regular shopper wants clothing in their usual size, which they do not "
        "say.",
        usual_size,
        tags=("tacit",),
        regularity="usual_size",
    ),
    TaskTemplate(
        "loyal_brand",
        "Streams only: a regular shopper wants their usual brand, which they do not name.",
        loyal_brand,
        tags=("tacit",),
        regularity="loyal_brand",
    ),
    TaskTemplate(
        "usual_budget",
        "Streams only: a regular shopper wants something within their usual budget, which they "
        "do not say.",
        usual_budget,
        tags=("tacit",),
        regularity="usual_budget",
    ),
    TaskTemplate(
        "catalogue_vocabulary",
        "Streams only: the shopper's word for a product line is not the catalogue's.",
        catalogue_vocabulary,
        tags=("tacit",),
        regularity="catalogue_vocabulary",
    ),
)

assert all(kind in TYPE_BY_NAME for _, kind in SHOPPER_WORDS)
