"""The shopper's ear: the core lexicon plus one slot per option dimension (size, color, ...)."""

from __future__ import annotations

from utility_gym.core.nlu import DEFAULT_LEXICON, Lexicon

# One slot per option dimension, so "What size?" asks for the size and not any option; the
# generic "option" slot of the core still catches "Which options would you like?".
OPTION_SLOT_PATTERNS: dict[str, tuple[str, ...]] = {
    "size": (r"sizes?", r"how (?:big|large)", r"what fits", r"(?:which|what) (?:does|do) (?:he|she|they|you) wear"),
    "color": (r"colou?rs?", r"shades?"),
    "capacity": (r"capacit(?:y|ies)", r"how (?:many|much) (?:cups|people|persons|liters|litres|ounces|mah)"),
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

LEXICON: Lexicon = DEFAULT_LEXICON.extend(slot_patterns=OPTION_SLOT_PATTERNS)
