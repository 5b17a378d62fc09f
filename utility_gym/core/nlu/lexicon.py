"""Lexicons: the slot and action patterns a reader of agent turns looks for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from utility_gym.core.nlu.dispatch import _compile_table, _Dispatch, _Gated
from utility_gym.core.nlu.markers import _DEVICE_NOUNS, _DEVICE_PART, _MARKER_TABLE


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

    def _dispatch(self) -> _Dispatch:
        """Markers + slots + actions in one token-keyed dispatcher (built on first use)."""
        if not self._dispatch_cache:
            groups = [[entry] for entry in _MARKER_TABLE] + [list(self._slot_table), list(self._action_table)]
            self._dispatch_cache.append(_Dispatch(groups))
        return self._dispatch_cache[0]

    def extend(
        self,
        slot_patterns: Mapping[str, Iterable[str] | str] | None = None,
        action_patterns: Mapping[str, Iterable[str] | str] | None = None,
    ) -> Lexicon:
        """A new lexicon with extra fragments; new keys are added, existing keys get more.

        New keys go first in priority (a domain's specific vocabulary should beat the
        generic default when both match at the same place).
        """
        return Lexicon(
            _merge(self.slot_patterns, slot_patterns),
            _merge(self.action_patterns, action_patterns),
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
# Default lexicon (generic + retail + IT helpdesk + shopping)
# --------------------------------------------------------------------------------------------


_DEFAULT_SLOT_PATTERNS: dict[str, tuple[str, ...]] = {
    "order_id": (
        r"order (?:number|no|num|id|#|code|reference|ref|confirmation|details)s?",
        r"order ?#|order ?no",
        r"(?:which|what) (?:one )?of (?:your|the|these|those) (?:[a-z]+ )?orders",
        r"(?:which|what) orders?",
        r"confirmation (?:number|code|#)|reference (?:number|code|#)|(?:po|invoice) (?:number|#)",
        r"orders? (?:you(?:'d| would)? (?:like|want|wish|need)|in question|that you(?:'d)? (?:like|want))",
        r"which order it is",
    ),
    "item": (
        r"(?:which|what) of (?:the|your|these|those) (?:items|products|things)",
        r"(?:which|what) (?:[a-z]+ )?(?:items?|products?|articles?)",
        r"(?:items?|products?|articles?) (?:name|names|description|title|code|id)s?",
        r"name of the (?:item|product)|skus?",
        r"(?:items?|products?) (?:you(?:'d| would| are|'re)? ?(?:like|want|wish|need|trying|hoping|planning|looking|having)|that you(?:'d)? (?:like|want|wish))",
        r"what (?:did you|you) (?:order|ordered|buy|bought|purchase|purchased)",
        r"what (?:would you like|do you want|are you (?:looking|hoping|trying|wanting)) to (?:return|exchange|buy|purchase|order|find|get|send back)",
        r"what (?:are|were) you (?:looking|shopping|searching) for",
    ),
    "email": (
        r"(?<!an )(?<!by )(?<!via )(?<! check your )(?<!confirmation )emails?(?: address(?:es)?| addr| id)?",
    ),
    "zip": (r"zip(?: ?codes?)?|postal ?codes?|post ?codes?|postcodes?",),
    "phone": (
        r"(?:last (?:4|four|few) digits of (?:your |the )?)?(?:phone|mobile|cell|telephone|contact|callback|call-?back|home|work)(?: phone)? (?:number|no|#)s?",
        r"(?:best |good )?number (?:to|where|we|i) (?:can |could )?(?:reach|call|contact|text)",
        r"contact (?:details|info|information)",
    ),
    "name": (
        r"who (?:am i|i am|i'm) (?:speaking|talking|chatting) (?:with|to)",
        r"(?:(?:full|first|last|first and last|legal|customer|account holder's|cardholder) )?"
        r"(?<!user )(?<!product )(?<!item )(?<!file )(?<!host )(?<!brand )(?<!app )(?<!company )"
        r"(?<!domain )(?<!device )(?<!model )(?<!printer )(?<!computer )(?<!network )names?"
        r"(?! of (?:the|your) (?:app|application|item|product|file|device|software|program|system|tool|laptop|computer|printer))",
    ),
    "reason": (
        r"why|reasons?|what (?:made|makes|prompted|led) you|what(?:'s| is) wrong with|(?:cause|motivation) (?:for|of)|how come",
    ),
    "address": (
        r"(?:(?:shipping|delivery|mailing|billing|home|street|new|correct|full|postal|physical|current|updated) )*"
        r"(?<!mail )(?<!ip )(?<!mac )(?<!web )address(?:es)?",
        r"where (?:should|shall|do|would|can|will) (?:we|i) (?:ship|send|deliver|mail)",
        r"where (?:would|do) you (?:like|want) (?:it|them|this|that|the [a-z]+) (?:shipped|sent|delivered)",
        r"where (?:should|shall) (?:it|they|the [a-z]+) (?:go|be (?:sent|shipped|delivered))",
    ),
    "payment_method": (
        r"payment (?:method|option|card|details|info|information|type|source|account)s?",
        r"methods? of payment|forms? of payment|original payment",
        r"how (?:would|do|will|did) you (?:like to |want to |prefer to )?pay",
        r"pay(?:ing)? (?:with|by|using|via)",
        r"(?:which|what) (?:card|payment)",
        r"(?:credit|debit|bank|new|other|different) cards?",
        r"card (?:number|details|info|information|on file|ending)|billing (?:method|details|info|information)",
        r"paypal|apple pay|google pay",
        r"last (?:4|four)(?: digits)? (?:of|on) (?:your |the )?card|(?<=your )card(?! ending)",
    ),
    "quantity": (
        r"quantit(?:y|ies)|how many",
        r"number of (?:items|units|pieces|copies|licen[cs]es|seats|users|boxes|packs)",
        r"how much of",
    ),
    "option": (
        r"sizes?|colou?rs?|variants?|styles?|versions?|flavou?rs?|capacit(?:y|ies)|finish(?:es)?|editions?",
        r"(?:which|what) (?:one|option|configuration|edition)",
        r"which (?:would you|do you) (?:like|prefer)|what would you prefer|which do you (?:want|need)",
        r"preferred (?:option|choice)|options?(?! (?:is|are|would be|include))",
    ),
    "employee_id": (
        r"employee (?:id|number|no|#|code)s?|emp(?:loyee)? ?id|staff (?:id|number|no|#)|badge (?:number|id|#)",
        r"personnel (?:number|id)|worker id|(?:corporate|company|network|windows) (?:id|username|login)|usernames?|user ?ids?|login ids?",
    ),
    "device": (
        r"(?:which|what) (?:kind|type|make|model) of (?:[a-z]+ )?(?:phone|device|laptop|computer|machine|printer)",
        r"(?:which|what) phones?",
        r"(?:phone|laptop|device|computer) (?:model|make|type)|model (?:number|#)",
        r"(?:model|make|name|type) of (?:the |your )?(?:" + _DEVICE_NOUNS + r"|phone)",
        r"asset (?:tag|number|id|#)s?|serial (?:number|no|#)s?|host ?names?",
        r"(?:which|what)(?:'s| is)? (?:the )?(?:model|make)",
        _DEVICE_NOUNS + r"|hardware",
    ),
    "error_message": (
        r"errors?(?: (?:messages?|codes?|texts?|popups?|dialogs?|numbers?|screens?))?",
        r"exact (?:message|wording|text)",
        r"what (?:does|did) (?:it|the (?:screen|message|popup|dialog|window)) say",
        r"(?:message|warning|prompt|popup) (?:you(?:'re| are)? (?:see|get|receiv)[a-z]*|(?:that )?(?:appears|shows|pops up|comes up))",
        r"screenshots?",
    ),
    "application": (
        r"(?:name of (?:the |your ))?(?:applications?|apps?|software|programs?)",
        r"(?:which|what) (?:system|tool|platform|site|website|portal)s?",
        r"(?:which|what) (?:version of )?(?:windows|macos|mac os|os|operating system|ios|android|browser)",
        r"systems? (?:are you|you(?:'re| are)? (?:trying|using|locked|having))",
    ),
    "budget": (
        r"budget(?! approval| code| holder| owner)s?|price (?:range|point|limit|bracket)|(?:spend|spending) (?:limit|cap)",
        r"how much (?:are|would|do|were) you(?: [a-z]+){0,3} (?:spend|pay|budget)",
        r"(?:max(?:imum)?|upper) (?:price|budget|spend)|willing to (?:spend|pay)|looking to spend|want to spend",
    ),
    "details": (
        r"(?<!a few )(?<!couple of )(?<!couple more )(?:details?|information|info|context|description)",
        r"(?:send(?:ing)?|giv(?:e|ing)|shar(?:e|ing)|tell(?:ing)?|provid(?:e|ing)|describ(?:e|ing)|writ(?:e|ing)|need|have|get|let me know|know)(?: me| us)? (?:a few|a couple of|some|more|further) details(?! ?:)",
        r"(?<![a-z] )(?:a few|some) details(?=[ .]*(?:\n|$))",
        r"describe|explain|elaborate|walk me through|tell me (?:more|a (?:bit|little) more)|more about",
        r"what (?:happened|exactly happened|went wrong|is going on|'s going on|is happening|'s happening)",
        r"what(?:'s| is| was| seems to be| appears to be) (?:the )?(?:problem|issue|matter|trouble)",
        r"what (?:problem|issue|trouble)s?",
        r"symptoms?|rephrase|clarify|say (?:that|it) again|what you mean|what do you mean|steps (?:to reproduce|that led)",
    ),
}

_DEFAULT_ACTION_PATTERNS: dict[str, tuple[str, ...]] = {
    "change_address": (
        r"(?:chang|updat|correct|modif|edit|fix|amend)[a-z]* (?:the |your |to the |of the )?"
        r"(?:(?:shipping|delivery|mailing|billing|home) )?address(?:es)?",
        r"address (?:change|update|correction)s?|new (?:(?:shipping|delivery|mailing) )?address",
        r"(?:ship|send|deliver|redirect)[a-z]* (?:it |them |the [a-z]+ )?to (?:a |the )?(?:new|different|another|correct) address",
        r"redirect[a-z]*",
    ),
    "change_payment": (
        r"(?:chang|updat|switch|modif|edit|replac)[a-z]* (?:the |your )?(?:payment|card|billing)(?: (?:method|card|details|info))?",
        r"payment (?:method )?(?:change|update)s?",
        r"(?:use|charge|try|add) (?:a )?(?:different|another|new|other) (?:card|payment(?: method)?)",
        r"(?:card|payment(?: method)?) (?:was |has been |is )?(?:updated|changed|switched)",
    ),
    "reset_password": (
        r"(?:reset|resetting|chang|updat)[a-z]* (?:your |the |a )?(?:password|pass ?word|passcode|pin|credentials|mfa|2fa|multi-factor)",
        r"password (?:reset|change)s?|(?:new|temporary|temp|one-time) (?:password|passcode)",
        r"forgot(?:ten)? (?:your |the )?password|password (?:has been |was |is )?reset",
    ),
    "cancel": (r"cancel+(?:s|ed|ing|ation|ations)?|cancl[a-z]*|cancle[a-z]*|call off|void(?:ed|ing)?",),
    "return": (
        r"returns?|returned|returning|returnable",
        r"send (?:it|them|the [a-z]+) back|ship (?:it|them) back|rma",
    ),
    "replace_device": (
        r"replac[a-z]* (?:your |the |a |that |this |my )?(?:[a-z]+ )?(?:" + _DEVICE_PART + r")s?",
        r"(?:" + _DEVICE_PART + r") (?:replacement|swap|replaced)",
        r"new (?:laptop|device|computer|machine)",
    ),
    "exchange": (
        r"exchang[a-z]*|swap(?:s|ped|ping)?",
        r"trade (?:it|them|[a-z]+) (?:in|for)",
        r"(?<=a )replacement(?! (?:" + _DEVICE_PART + r"))",
        r"replace (?:it|them|the item) with",
    ),
    "compensate": (
        r"compensat[a-z]*|store credits?|(?:courtesy |goodwill |account )?credits?(?! cards?| (?:back )?to your (?:card|original|payment|bank))",
        r"vouchers?|coupons?|gift (?:cards?|certificates?)|goodwill|gesture",
        r"discount(?:s|ed)?(?: codes?)?|promo(?:tional)? codes?|[0-9]{1,3} ?% off|percent off",
        r"(?:knock|take) (?:[a-z0-9%$]+ )?off|price adjustment",
    ),
    "refund": (
        r"refund[a-z]*|reimburs[a-z]*|money back|charge ?backs?",
        r"credit(?:ed)? (?:back )?to your (?:card|account|original)",
    ),
    "modify_items": (
        r"modif(?:y|ied|ying|ication|ications)",
        r"(?:change|update|edit|swap|adjust)[a-z]* (?:the |your )?(?:items?|products?|quantit(?:y|ies)|order items)",
        r"(?:add|remov|drop)[a-z]* (?:the |an? |one |some )?(?:[a-z0-9]+ ){0,2}(?:from|to|off) (?:your |the |this |that )?(?:(?:pending|current|existing) )?order",
        r"(?:add|remov)[a-z]* (?:an? |the )?items?",
    ),
    "lookup": (
        r"look(?:ed|ing|s)? (?:up|into)|looked (?:it |that )?up|lookup",
        r"check(?:ed|ing|s)? (?:on |the |your )?(?:order status|status|tracking)",
        r"status|track(?:ed|ing|s)?(?: numbers?)?|(?:pull|pulled|pulling) up|locate[ds]?|search(?:ed|ing)? for",
        r"where(?:'s| is) (?:my|your) (?:order|package|parcel)",
    ),
    "unlock_account": (
        r"unlock[a-z]*|re-?enabl[a-z]*|reactivat[a-z]*|unblock[a-z]*",
    ),
    "grant_access": (
        r"(?:grant|give|provid|provision|add|enabl|set)[a-z]* (?:you |him |her |them )?(?:[a-z]+ )?(?:access|permissions?|rights|licen[cs]es?)",
        r"access (?:to|request|rights|permissions?)",
        r"(?:read|write|admin|administrator|vpn|remote|edit|full|drive|folder|network|database|repo|repository) (?:access|rights|permissions?)",
        r"permissions?|provision[a-z]*|grant[a-z]*",
        r"add(?:ed|ing)? (?:you |them |him |her )?to (?:the )?(?:[a-z-]+ )?(?:group|team|channel|distribution list|dl)",
    ),
    "request_approval": (
        r"approv[a-z]*|sign-?off|authori[sz]ation (?:from|request)",
        r"(?:manager|supervisor|director)(?:'s)? (?:consent|sign-?off|ok)",
    ),
    "create_ticket": (
        r"(?:creat|open|log|rais|fil|submit|generat)[a-z]* (?:a |an |the |this |that |your )?"
        r"(?:(?:new|support|it|service|helpdesk|help desk|warranty) )?(?:tickets?|cases?|incidents?|service requests?|reports?|claims?)",
        r"tickets?|incidents?|(?:support|service) (?:case|request)s?",
    ),
    "escalate": (
        r"escalat[a-z]*|(?:tier|level|line) ?(?:2|3|two|three)|second[- ]line|higher[- ]level",
        r"(?:raise|bump|kick|pass)[a-z]* (?:it|this|the (?:case|issue|ticket)) (?:up|to|with)",
    ),
    "purchase": (
        r"purchas[a-z]*|buy(?:ing|s)?|bought",
        r"place[ds]? (?:an |the |your |this )?order|placing (?:an |the |your )?order|place (?:it|them|that|this)(?= ?(?:\?|$|now|for you))",
        r"order (?:it|them|this|one|that) (?:for you|now)",
        r"add(?:ed|ing)? (?:[^ ]+ ){0,4}?to (?:your |the )?(?:cart|basket|bag)",
        r"check ?out|checkout",
    ),
    "transfer": (
        r"transfer[a-z]*|connect(?:ing)? you|put(?:ting)? you through|hand(?:ing)? you (?:over|off)|pass(?:ing)? you (?:on|over|along)",
    ),
}

DEFAULT_LEXICON = Lexicon(_DEFAULT_SLOT_PATTERNS, _DEFAULT_ACTION_PATTERNS)

# Ids whose prefix says which slot a "which one: #A or #B?" question is about.
_ID_SLOT_PREFIXES = (
    ("EMP", "employee_id"),
    ("AST", "device"),
    ("SN", "device"),
    ("SKU", "item"),
    ("ITEM", "item"),
    ("W", "order_id"),
    ("ORD", "order_id"),
    ("", "order_id"),  # bare "#1001"
)


