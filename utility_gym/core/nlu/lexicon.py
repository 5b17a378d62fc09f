"""Lexicons: the slot and action patterns a reader of agent turns looks for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from utility_gym.core.nlu.dispatch import _compile_table, _Dispatch, _Gated
from utility_gym.core.nlu.markers import _MARKER_TABLE


@dataclass(frozen=True)
class Lexicon:
    """Pattern tables; domains extend the default with extra slots/actions via `extend`.

    Fragments are regular expressions matched against normalized, lower-case text (straight
    apostrophes, single spaces) with word boundaries added around each table entry. When two
    entries match at the same position the key that comes first in the table wins, so list
    specific keys before generic ones. Compiled forms are built once per instance.
    """

    slot_patterns: dict[str, tuple[str, ...]]
    action_patterns: dict[str, tuple[str, ...]]
    # id prefix -> the slot a "which one: #A or #B?" question about such ids asks for
    id_slots: tuple[tuple[str, str], ...] = ()
    # actions whose object is an item ("which one would you like to return?" asks for the item)
    item_actions: frozenset[str] = frozenset()
    # slot -> how the user names it ("employee ID"); the core's labels cover the core's slots
    labels: Mapping[str, str] = field(default_factory=dict)
    _slot_table: tuple[tuple[str, _Gated], ...] = field(init=False, repr=False, compare=False)
    _action_table: tuple[tuple[str, _Gated], ...] = field(init=False, repr=False, compare=False)
    _dispatch_cache: list = field(init=False, repr=False, compare=False)
    _memo: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        slots = {str(k): _as_tuple(v) for k, v in self.slot_patterns.items()}
        actions = {str(k): _as_tuple(v) for k, v in self.action_patterns.items()}
        object.__setattr__(self, "slot_patterns", slots)
        object.__setattr__(self, "action_patterns", actions)
        object.__setattr__(self, "_slot_table", _compile_table(slots))
        object.__setattr__(self, "_action_table", _compile_table(actions))
        object.__setattr__(self, "_dispatch_cache", [])
        object.__setattr__(self, "_memo", {})

    def label(self, slot: str) -> str:
        """How the user names ``slot`` ("order number"), readable for any slot."""
        return self.labels.get(slot) or SLOT_LABELS.get(slot) or slot.replace("_", " ")

    def _dispatch(self) -> _Dispatch:
        """Markers + slots + actions in one token-keyed dispatcher (built on first use)."""
        if not self._dispatch_cache:
            groups = [[entry] for entry in _MARKER_TABLE] + [
                list(self._slot_table),
                list(self._action_table),
            ]
            self._dispatch_cache.append(_Dispatch(groups))
        return self._dispatch_cache[0]

    def extend(
        self,
        slot_patterns: Mapping[str, Iterable[str] | str] | None = None,
        action_patterns: Mapping[str, Iterable[str] | str] | None = None,
        id_slots: Iterable[tuple[str, str]] = (),
        item_actions: Iterable[str] = (),
        labels: Mapping[str, str] | None = None,
    ) -> Lexicon:
        """A new lexicon with extra fragments; new keys are added, existing keys get more.

        New keys go first in priority (a domain's specific vocabulary should beat the
        generic default when both match at the same place).
        """
        return Lexicon(
            _merge(self.slot_patterns, slot_patterns),
            _merge(self.action_patterns, action_patterns),
            tuple(dict.fromkeys((*id_slots, *self.id_slots))),
            self.item_actions | frozenset(item_actions),
            {**self.labels, **(labels or {})},
        )


def _as_tuple(value: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _merge(
    base: Mapping[str, tuple[str, ...]], extra: Mapping[str, Iterable[str] | str] | None
) -> dict[str, tuple[str, ...]]:
    if not extra:
        return dict(base)
    out: dict[str, tuple[str, ...]] = {}
    for key, frags in extra.items():
        if key not in base:
            out[key] = _as_tuple(frags)
    for key, frags in base.items():
        out[key] = frags + (_as_tuple(extra[key]) if key in extra else ())
    return out


# --------------------------------------------------------------------------------------------
# The core lexicon: words any service conversation uses (who you are, which order and item,
# why, how many, what happened; looking up, cancelling, refunding, handing over). A domain
# extends it with its own words in envs/<domain>/lexicon.py.
# --------------------------------------------------------------------------------------------


SLOT_LABELS: dict[str, str] = {
    "name": "name",
    "email": "email address",
    "zip": "zip code",
    "phone": "phone number",
    "order_id": "order number",
    "item": "item",
    "reason": "reason",
    "address": "address",
    "quantity": "quantity",
    "option": "preferred option",
    "details": "details",
}
"""How the user names the core's slots; a domain's lexicon labels its own (``Lexicon.label``)."""

_DEFAULT_SLOT_PATTERNS: dict[str, tuple[str, ...]] = {
    "order_id": (
        r"order (?:number|no|num|id|#|code|reference|ref|confirmation|details)s?",
        r"order ?#|order ?no",
        r"(?:which|what) (?:one )?of (?:your|the|these|those) (?:[a-z]+ )?orders",
        r"(?:which|what) orders?",
        r"confirmation (?:number|code|#)|reference (?:number|code|#)|(?:po|invoice) (?:number|#)",
        r"orders? (?:you(?:'d| would)? (?:like|want|wish|need)|in question|that you(?:'d)? "
        r"(?:like|want))",
        r"which order it is",
    ),
    "item": (
        r"(?:which|what) of (?:the|your|these|those) (?:items|products|things)",
        r"(?:which|what) (?:[a-z]+ )?(?:items?|products?|articles?)",
        r"(?:items?|products?|articles?) (?:name|names|description|title|code|id)s?",
        r"name of the (?:item|product)|skus?",
        r"(?:items?|products?) (?:you(?:'d| would| are|'re)? "
        r"?(?:like|want|wish|need|trying|hoping|planning|looking|having)|that you(?:'d)? "
        r"(?:like|want|wish))",
        r"what (?:did you|you) (?:order|ordered|buy|bought|purchase|purchased)",
        r"what (?:would you like|do you want|are you (?:looking|hoping|trying|wanting)) to "
        r"(?:return|exchange|buy|purchase|order|find|get|send back)",
        r"what (?:are|were) you (?:looking|shopping|searching) for",
    ),
    "email": (
        r"(?<!an )(?<!by )(?<!via )(?<! check your )(?<!confirmation )emails?(?: address(?:es)?| "
        r"addr| id)?",
    ),
    "zip": (r"zip(?: ?codes?)?|postal ?codes?|post ?codes?|postcodes?",),
    "phone": (
        r"(?:last (?:4|four|few) digits of (?:your |the "
        r")?)?(?:phone|mobile|cell|telephone|contact|callback|call-?back|home|work)(?: phone)? "
        r"(?:number|no|#)s?",
        r"(?:best |good )?number (?:to|where|we|i) (?:can |could )?(?:reach|call|contact|text)",
        r"contact (?:details|info|information)",
    ),
    "name": (
        r"who (?:am i|i am|i'm) (?:speaking|talking|chatting) (?:with|to)",
        r"(?:(?:full|first|last|first and last|legal|customer|account holder's|cardholder) )?"
        r"(?<!user )(?<!product )(?<!item )(?<!file )(?<!host )(?<!brand )(?<!app )(?<!company )"
        r"(?<!domain )(?<!device )(?<!model )(?<!printer )(?<!computer )(?<!network )names?"
        r"(?! of (?:the|your) (?:app|application|item|product|file|device|software|program|system|"
        r"tool|laptop|computer|printer))",
    ),
    "reason": (
        r"why|reasons?|what (?:made|makes|prompted|led) you|what(?:'s| is) wrong "
        r"with|(?:cause|motivation) (?:for|of)|how come",
    ),
    "address": (
        r"(?:(?:shipping|delivery|mailing|billing|home|street|new|correct|full|postal|physical|"
        r"current|updated) )*"
        r"(?<!mail )(?<!ip )(?<!mac )(?<!web )address(?:es)?",
        r"where (?:should|shall|do|would|can|will) (?:we|i) (?:ship|send|deliver|mail)",
        r"where (?:would|do) you (?:like|want) (?:it|them|this|that|the [a-z]+) "
        r"(?:shipped|sent|delivered)",
        r"where (?:should|shall) (?:it|they|the [a-z]+) (?:go|be (?:sent|shipped|delivered))",
    ),
    "quantity": (
        r"quantit(?:y|ies)|how many",
        r"number of (?:items|units|pieces|copies|licen[cs]es|seats|users|boxes|packs)",
        r"how much of",
    ),
    "option": (
        r"sizes?|colou?rs?|variants?|styles?|versions?|flavou?rs?|capacit(?:y|ies)|finish(?:es)?|"
        r"editions?",
        r"(?:which|what) (?:one|option|configuration|edition)",
        r"which (?:would you|do you) (?:like|prefer)|what would you prefer|which do you "
        r"(?:want|need)",
        r"preferred (?:option|choice)|options?(?! (?:is|are|would be|include))",
    ),
    "details": (
        r"(?<!a few )(?<!couple of )(?<!couple more )(?<!following )(?<!this )(?<!these "
        r")(?:details?|information|info|context|description)(?! ?:)",
        r"(?:send(?:ing)?|giv(?:e|ing)|shar(?:e|ing)|tell(?:ing)?|provid(?:e|ing)|describ(?:e|"
        r"ing)|writ(?:e|ing)|need|have|get|let me know|know)(?: me| us)? (?:a few|a couple of|"
        r"some|more|further) details(?! ?:)",
        r"(?<![a-z] )(?:a few|some) details(?=[ .]*(?:\n|$))",
        r"describe|explain|elaborate|walk me through|tell me (?:more|a (?:bit|little) more)|more "
        r"about",
        r"what (?:happened|exactly happened|went wrong|is going on|'s going on|is happening|'s "
        r"happening)",
        r"what(?:'s| is| was| seems to be| appears to be) (?:the "
        r")?(?:problem|issue|matter|trouble)",
        r"what (?:problem|issue|trouble)s?",
        r"symptoms?|rephrase|clarify|say (?:that|it) again|what you mean|what do you mean|steps "
        r"(?:to reproduce|that led)",
    ),
}

_DEFAULT_ACTION_PATTERNS: dict[str, tuple[str, ...]] = {
    "cancel": (
        r"cancel+(?:s|ed|ing|ation|ations)?|cancl[a-z]*|cancle[a-z]*|call off|void(?:ed|ing)?",
    ),
    "refund": (
        r"refund[a-z]*|reimburs[a-z]*|money back|charge ?backs?",
        r"credit(?:ed)? (?:back )?to your (?:card|account|original)",
    ),
    "lookup": (
        r"look(?:ed|ing|s)? (?:up|into)|looked (?:it |that )?up|lookup",
        r"check(?:ed|ing|s)? (?:on |the |your )?(?:order status|status|tracking)",
        r"status|track(?:ed|ing|s)?(?: numbers?)?|(?:pull|pulled|pulling) "
        r"up|locate[ds]?|search(?:ed|ing)? for",
        r"where(?:'s| is) (?:my|your) (?:order|package|parcel)",
    ),
    "transfer": (
        r"transfer[a-z]*|connect(?:ing)? you|put(?:ting)? you through|hand(?:ing)? you "
        r"(?:over|off)|pass(?:ing)? you (?:on|over|along)",
    ),
}

DEFAULT_LEXICON = Lexicon(
    _DEFAULT_SLOT_PATTERNS,
    _DEFAULT_ACTION_PATTERNS,
    id_slots=(("", "order_id"),),
    item_actions=frozenset({"cancel"}),
)
