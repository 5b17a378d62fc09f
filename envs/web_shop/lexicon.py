"""The shopper's ear: the core lexicon plus one slot per option dimension (size, color, ...)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from contextlib import closing

from utility_gym.core.nlu import DEFAULT_LEXICON, Lexicon
from utility_gym.core.values import ValueLexicon
from utility_gym.core.words import DomainWords
from utility_gym.envs.web_shop.catalog import ensure_built

# One slot per option dimension, so "What size?" asks for the size and not any option; the
# generic "option" slot of the core still catches "Which options would you like?".
# Budget phrasings beyond the core's "budget" / "price range".
BUDGET_PATTERNS = (
    r"how much (?:you'd|you would|do you want to|would you like to|are you "
    r"(?:willing|looking|hoping|happy) to|you want to|can you|you can|you're "
    r"(?:willing|looking|happy) to) (?:like to )?(?:spend|pay)",
    r"(?:the )?most (?:you'd|you would|you want to|you're willing to|you can) (?:like to "
    r")?(?:spend|pay)",
    r"price (?:range|limit|cap|ceiling|point)s?|spend(?:ing)? (?:limit|cap)|max(?:imum)? "
    r"(?:price|spend|budget)",
)

OPTION_SLOT_PATTERNS: dict[str, tuple[str, ...]] = {
    "brand": (
        r"brands?",
        r"makers?|manufacturers?",
        r"(?:which|what|any) (?:particular |specific )?(?:company|label)",
    ),
    "size": (
        r"sizes?",
        r"how (?:big|large)",
        r"what fits",
        r"(?:which|what) (?:does|do) (?:he|she|they|you) wear",
    ),
    "color": (r"colou?rs?", r"shades?"),
    "capacity": (
        r"capacit(?:y|ies)",
        r"how (?:many|much) (?:cups|people|persons|liters|litres|ounces|mah)",
    ),
    "length": (r"lengths?", r"how long"),
    "volume": (r"volumes?", r"bottle sizes?", r"how many (?:ml|milliliters|liters|litres)"),
    "scent": (r"scents?", r"fragrances?", r"smells?"),
    "flavor": (r"flavou?rs?", r"tastes?"),
    "weight": (r"weights?", r"how heavy", r"how many (?:pounds|lbs|lb)"),
    "pack": (r"pack(?: sizes?)?s?", r"how many (?:bags|bars|packs)", r"(?:pack|box) counts?"),
    "pieces": (r"pieces?", r"piece counts?", r"how many pieces"),
    "thickness": (r"thick(?:ness)?", r"how thick"),
    "finish": (r"finish(?:es)?", r"wood (?:colou?rs?|tones?)"),
    "edition": (r"editions?", r"versions?"),
    "style": (r"styles?", r"(?:which|what) animal", r"designs?"),
    "shape": (r"shapes?", r"(?:which|what) (?:kind of |type of )?pasta"),
}

# The shop's own words beyond the core's: budgets, and buying.
SLOT_PATTERNS: dict[str, tuple[str, ...]] = {
    "budget": (
        r"budget(?! approval| code| holder| owner)s?|price "
        r"(?:range|point|limit|bracket)|(?:spend|spending) (?:limit|cap)",
        r"how much (?:are|would|do|were) you(?: [a-z]+){0,3} (?:spend|pay|budget)",
        r"(?:max(?:imum)?|upper) (?:price|budget|spend)|willing to (?:spend|pay)|looking to "
        r"spend|want to spend",
    ),
}
ACTION_PATTERNS: dict[str, tuple[str, ...]] = {
    "purchase": (
        r"purchas[a-z]*|buy(?:ing|s)?|bought",
        r"place[ds]? (?:an |the |your |this )?order|placing (?:an |the |your )?order|place "
        r"(?:it|them|that|this)(?= ?(?:\?|$|now|for you))",
        r"order (?:it|them|this|one|that) (?:for you|now)",
        r"add(?:ed|ing)? (?:[^ ]+ ){0,4}?to (?:your |the )?(?:cart|basket|bag)",
        r"check ?out|checkout",
    ),
}

LEXICON: Lexicon = DEFAULT_LEXICON.extend(
    SLOT_PATTERNS,
    ACTION_PATTERNS,
    labels={"budget": "budget"},
    id_slots=(("SKU", "item"), ("ITEM", "item"), ("P", "item")),
    item_actions=("purchase",),
).extend(
    slot_patterns={**OPTION_SLOT_PATTERNS, "budget": BUDGET_PATTERNS},
    # "I'll add it to your wishlist so you can buy it later" is not buying it for the shopper
    action_patterns={
        "save_for_later": (
            r"(?:add|save|put|keep|leave)(?:s|ed|ing)? (?:it |them |this |that |these "
            r")?(?:to|in|on|into) (?:your |the |a )?"
            r"(?:wish ?list|saved items|favou?rites|cart|basket|bag)"
            r"(?=[^.?!]{0,80}?(?:so (?:that )?you can|for (?:you |later)|and you can|to "
            r"(?:buy|check)|yourself|whenever you're ready|when you're ready))",
            r"wish ?list|saved items|save (?:it |them )?for later",
        )
    },
)

# Slots a shopper may simply have no preference on ("any brand is fine").
PREFERENCE_SLOTS = frozenset(OPTION_SLOT_PATTERNS) | {"brand", "option"}

REFUSAL_REASONS: dict[str, tuple[str, ...]] = {
    "limit": (
        r"\blimit(?:ed|s)?\b",
        r"\bat most\b|\bmaximum\b|\bmax\b|\bno more than\b|\bper (?:order|customer)\b",
    ),
}

VALUE_PHRASES: dict[str, str] = {
    "product": "I'm looking for a {value}",
    "option": "I want {value}",
    "brand": "I want the {value} brand",
    "budget": "my budget is ${value}",
    "quantity": "I need {value}",
}


def world_values(db: sqlite3.Connection) -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    """The catalogue's product types (singular and plural), brands and option values."""
    types: dict[str, tuple[str, ...]] = {}
    brands: dict[str, tuple[str, ...]] = {}
    options: dict[str, set[str]] = {}
    meta = dict(
        db.execute(
            "SELECT key, value FROM _meta WHERE key IN ('catalog_seed', 'catalog_size')"
        ).fetchall()
    )
    with closing(
        sqlite3.connect(
            ensure_built(int(meta["catalog_seed"]), int(meta["catalog_size"])), uri=True
        )
    ) as catalog:
        rows = catalog.execute("SELECT DISTINCT type, brand, options FROM products").fetchall()
        attributes = {
            a
            for (text,) in catalog.execute("SELECT DISTINCT attributes FROM products")
            for a in json.loads(text or "[]")
        }
    for kind, brand, opts in rows:
        types[kind] = (kind + "s", kind + "es", kind.replace("-", " "))
        if brand:
            brands[brand] = ()
        for dim, values in json.loads(opts or "{}").items():
            for v in values:
                options.setdefault(v, set()).update((f"{dim} {v}", f"{v} {dim}"))
    return {
        "product": types,
        "brand": brands,
        "option": {v: tuple(sorted(s)) for v, s in options.items()},
        "attribute": {a: (a.replace("-", " "),) for a in sorted(attributes)},
    }


WORDS = DomainWords(
    lexicon=LEXICON,
    values=ValueLexicon(
        id_kinds={"P": "product_id"},
        # "shall I buy 4?", "I'll order five of them"
        patterns={
            "quantity": re.compile(
                r"(?i)(?:\b(?:buy|order|get|add|purchase|place an order for|check "
                r"out)\s+|\bquantity\W{0,4})"
                r"(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten)\b"
            )
        },
        token_aliases={
            w: str(i)
            for i, w in enumerate(
                (
                    "zero",
                    "one",
                    "two",
                    "three",
                    "four",
                    "five",
                    "six",
                    "seven",
                    "eight",
                    "nine",
                    "ten",
                )
            )
        },
        additive=frozenset({"attribute"}),
    ),
    world_values=world_values,
    value_phrases=VALUE_PHRASES,
    refusal_reasons=REFUSAL_REASONS,
    preference_slots=PREFERENCE_SLOTS,
    must_state=frozenset({"product"}),
    action_phrases={"purchase": "I want you to buy it for me"},
)
