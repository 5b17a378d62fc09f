"""Values a proposal states: typed mentions in an agent's words, checked against what the user
wants.

A proposal is more than "shall I go ahead?": it states an action and the values that decide
it (which order, which item, which colour, where the refund goes, why). `ValueLexicon` finds
those values in text as `Mention`s — ids by their prefix, amounts, and phrases of a domain's
vocabulary (its reasons and refund destinations, its world's product and application names).
`check_values` compares the mentions with the `Value`s the user wants (or a write needs) and
says what matches, what contradicts and what is missing.

A mention can mean several values ("the yoga mat" when the order holds two yoga mats), so it
carries a set. A value of a kind counts as contradicted only when the proposal states some
value of that kind and none of the wanted ones: a correct proposal that also mentions another
order, item or ticket as context is not wrong, and "exchange the navy one for the black one"
states both the old and the new colour.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from utility_gym.core.nlu.grounding import extract_grounding

__all__ = [
    "Mention",
    "Value",
    "ValueCheck",
    "ValueLexicon",
    "check_values",
    "phrase_tokens",
    "proposal_mentions",
]


@dataclass(frozen=True)
class Value:
    """One typed value: ``kind`` (order, item, option, reason, refund_to, ...) and its canonical
    form; ``aliases`` are other words for the same value in this task (the card a refund "to
    the original payment method" goes to); ``said`` is how the user names it ("size M").

    ``required``: a proposal must state it (it decides the write). A value that is not required
    must only not be contradicted (the colour an exchange keeps, the account a reset is for).
    """

    kind: str
    value: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    said: str = ""

    @property
    def spoken(self) -> str:
        return self.said or self.value


@dataclass(frozen=True)
class Mention:
    """Words of a message that name a value of ``kind``: the values they may mean."""

    kind: str
    values: frozenset[str]
    surface: str
    context: bool = False  # "instead of X", "not X", "from X to ...": named, but not proposed


@dataclass(frozen=True)
class ValueCheck:
    """How a proposal's mentions compare with the wanted values."""

    stated: tuple[Value, ...]
    missing: tuple[Value, ...]
    wrong: tuple[tuple[Value, Mention], ...]  # (the wanted value, the contradicting mention)

    @property
    def matches(self) -> bool:
        return not self.wrong


_TOKEN_RX = re.compile(r"[a-z0-9]+")
_WORD_RX = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")  # "don't" is one word, matched as "dont"
_CONTEXT_BEFORE = frozenset(
    ("not", "instead", "than", "from", "except", "current", "currently", "old", "original's")
)
_BUDGET_KIND = "budget"
_MEMO_SIZE = 1024  # a wanted maximum: any amount above it contradicts


def phrase_tokens(text: str) -> tuple[str, ...]:
    """The lower-case word tokens a phrase is matched by (punctuation and case ignored)."""
    return tuple(_TOKEN_RX.findall(text.casefold().replace("'", "")))


@dataclass
class ValueLexicon:
    """Surfaces of typed values, matched as whole words.

    ``phrases``: kind -> canonical value -> surfaces (plain phrases; the canonical value is a
    surface too). ``id_kinds``: id prefix -> kind ("W" -> "order"); ids are found by their shape
    (letters then digits) and typed by their longest known prefix.
    """

    phrases: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    id_kinds: Mapping[str, str] = field(default_factory=dict)
    # kind -> pattern whose first group is a value of that kind ("2722 Pine Street" before a
    # comma), compared with wanted values word by word after ``token_aliases`` ("st" -> "street").
    patterns: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    token_aliases: Mapping[str, str] = field(default_factory=dict)
    # kinds of which a thing has several at once (a product's features): stated, never contradicted
    additive: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self._index: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        for kind, values in self.phrases.items():
            for canonical, surfaces in values.items():
                for surface in (canonical, *surfaces):
                    self._add(phrase_tokens(surface), kind, canonical)
        self._prefixes = sorted(self.id_kinds, key=len, reverse=True)
        self._memo: dict[tuple[str, tuple[Value, ...]], tuple[Mention, ...]] = {}

    def _add(self, tokens: tuple[str, ...], kind: str, canonical: str) -> None:
        if tokens:
            self._index.setdefault(tokens[0], []).append((tokens, kind, canonical))

    def extend(self, phrases: Mapping[str, Mapping[str, Iterable[str]]]) -> ValueLexicon:
        """A new lexicon with more phrases (a world's product names, say) added to these."""
        merged: dict[str, dict[str, tuple[str, ...]]] = {
            k: dict(v) for k, v in self.phrases.items()
        }
        for kind, values in phrases.items():
            into = merged.setdefault(kind, {})
            for canonical, surfaces in values.items():
                into[canonical] = tuple(dict.fromkeys((*into.get(canonical, ()), *surfaces)))
        return ValueLexicon(merged, self.id_kinds, self.patterns, self.token_aliases, self.additive)

    def normal(self, text: str) -> str:
        """A value's words for comparing a pattern's match with a wanted value."""
        return " ".join(self.token_aliases.get(t, t) for t in phrase_tokens(text))

    def id_kind(self, value: str) -> str | None:
        upper = value.upper()
        for prefix in self._prefixes:
            if upper.startswith(prefix) and upper[len(prefix) : len(prefix) + 1].isdigit():
                return self.id_kinds[prefix]
        return None

    def mentions(self, text: str, extra: Iterable[Value] = ()) -> list[Mention]:
        """Every value named in ``text``: ids, amounts and phrases (longest match first);
        ``extra`` values (and their aliases) are recognised too. Recent answers are kept
        (agents repeat their proposals), so a repeat costs a dictionary look-up."""
        key = (text, tuple(extra))
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.pop(next(iter(self._memo)))
            found = self._memo[key] = tuple(self._mentions(text, key[1]))
        return list(found)

    def _mentions(self, text: str, extra: tuple[Value, ...]) -> list[Mention]:
        out: list[Mention] = []
        grounding = extract_grounding(text)
        lowered = text.casefold()
        for value in grounding.ids:
            kind = self.id_kind(value)
            if kind is not None:
                pos = lowered.find(value.casefold())
                out.append(Mention(kind, frozenset((value,)), value, _is_context(lowered, pos)))
        for zip_code in grounding.zips:
            out.append(
                Mention(
                    "zip",
                    frozenset((zip_code,)),
                    zip_code,
                    _is_context(lowered, lowered.find(zip_code)),
                )
            )
        for kind, pattern in self.patterns.items():
            for m in pattern.finditer(text):
                out.append(
                    Mention(
                        kind,
                        frozenset((self.normal(m.group(1)),)),
                        m.group(1),
                        _is_context(lowered, m.start(1)),
                    )
                )
        for amount in grounding.amounts:
            out.append(Mention("amount", frozenset((f"{amount:.2f}",)), f"${amount:.2f}"))
        tokens = [
            (m.group().replace("'", ""), m.start(), m.end()) for m in _WORD_RX.finditer(lowered)
        ]
        words = [t for t, _, _ in tokens]
        index = self._index
        local: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        for value in extra:
            for surface in (value.value, *value.aliases):
                toks = phrase_tokens(surface)
                if (
                    toks
                    and value.kind not in ("order", "amount", _BUDGET_KIND)
                    and value.kind not in self.patterns
                ):
                    local.setdefault(toks[0], []).append((toks, value.kind, value.value))
        i = 0
        n = len(words)
        while i < n:
            best: list[tuple[tuple[str, ...], str, str]] = []
            best_len = 0
            for entry in (*index.get(words[i], ()), *local.get(words[i], ())):
                toks = entry[0]
                k = len(toks)
                if k >= best_len and tuple(words[i : i + k]) == toks:
                    if k > best_len:
                        best, best_len = [], k
                    best.append(entry)
            if not best:
                i += 1
                continue
            by_kind: dict[str, set[str]] = {}
            for _, kind, canonical in best:
                by_kind.setdefault(kind, set()).add(canonical)
            surface = lowered[tokens[i][1] : tokens[i + best_len - 1][2]]
            context = i > 0 and (
                words[i - 1] in _CONTEXT_BEFORE
                or (i > 1 and words[i - 2] in ("instead", "rather", "not"))
            )
            for kind, values in by_kind.items():
                out.append(Mention(kind, frozenset(values), surface, context))
            i += best_len
        return out


def proposal_mentions(
    lexicon: ValueLexicon, text: str, context: str, extra: Iterable[Value] = ()
) -> list[Mention]:
    """A proposal's mentions: those of its own words, plus, for a kind its words name nothing
    of ("I can return it"), those of the turn's other statements ("I found it: the mat in
    order #W1.")."""
    extra = tuple(extra)
    own = lexicon.mentions(text, extra)
    if not context:
        return own
    kinds = {m.kind for m in own} - {
        "amount"
    }  # a price stated before the proposal counts against a budget
    return own + [m for m in lexicon.mentions(context, extra) if m.kind not in kinds]


def _is_context(lowered: str, pos: int) -> bool:
    if pos <= 0:
        return False
    before = _TOKEN_RX.findall(lowered[max(0, pos - 24) : pos])
    return bool(before) and (
        before[-1] in _CONTEXT_BEFORE
        or (len(before) > 1 and before[-2] in ("instead", "rather", "not"))
    )


def check_values(
    mentions: Iterable[Mention], wants: Iterable[Value], lexicon: ValueLexicon | None = None
) -> ValueCheck:
    """Which wanted values the mentions state, which they leave out, and which they contradict.

    Per kind: every wanted value some mention may mean is stated; if any wanted value of the
    kind is missing and the proposal names other values of that kind (not as context), those
    contradict it. A wanted ``budget`` is contradicted by any amount above it.
    """
    by_kind: dict[str, list[Mention]] = {}
    for m in mentions:
        by_kind.setdefault(m.kind, []).append(m)
    stated: list[Value] = []
    missing: list[Value] = []
    wrong: list[tuple[Value, Mention]] = []
    wanted_by_kind: dict[str, list[Value]] = {}
    for v in wants:
        wanted_by_kind.setdefault(v.kind, []).append(v)
    for kind, wanted in wanted_by_kind.items():
        if kind == _BUDGET_KIND:
            limit = _amount(wanted[0].value)
            # the price proposed is the lowest amount named (others are alternatives looked at)
            amounts = sorted(
                by_kind.get("amount", ()), key=lambda m: _amount(next(iter(m.values))) or 0.0
            )
            if (
                limit is not None
                and amounts
                and (_amount(next(iter(amounts[0].values))) or 0.0) > limit + 0.005
            ):
                wrong.append((wanted[0], amounts[0]))
            continue
        if lexicon is not None and kind in lexicon.patterns:
            wanted = [
                Value(v.kind, lexicon.normal(v.value), v.aliases, v.required, v.spoken)
                for v in wanted
            ]
        said = [m for m in by_kind.get(kind, ()) if not m.context]
        kind_missing = [v for v in wanted if not any(_means(m, v) for m in said)]
        stated.extend(v for v in wanted if v not in kind_missing)
        missing.extend(v for v in kind_missing if v.required)
        if kind_missing and not (lexicon is not None and kind in lexicon.additive):
            others = [m for m in said if not any(_means(m, v) for v in wanted)]
            if others:  # the last one: "from size L to size S" proposes S
                wrong.append((kind_missing[0], others[-1]))
    return ValueCheck(tuple(stated), tuple(missing), tuple(wrong))


def _means(m: Mention, v: Value) -> bool:
    if v.value in m.values or any(a in m.values for a in v.aliases):
        return True
    if m.kind == "amount" or v.kind == "amount":
        a, b = _amount(next(iter(m.values))), _amount(v.value)
        return a is not None and b is not None and abs(a - b) < 0.005
    return v.value.upper() in m.values if v.kind in ("order", "ticket", "asset") else False


def _amount(text: str) -> float | None:
    try:
        return float(text.replace("$", "").replace(",", ""))
    except ValueError:
        return None
