"""Language understanding for the simulated user: reads agent messages into dialogue acts.

This is the simulated customer's "ear", in the tradition of agenda-based user simulators: a
fast, deterministic, lexicon-driven reader of what the *support agent* said. `understand`
turns one agent message into a `Reading`:

* ``acts``: dialogue acts (``request`` a slot, ``confirm`` / ``inform`` / ``offer`` /
  ``refuse`` an action, ``greet``, ``bye``, ``wait`` ...), several per message, in order;
* ``grounding``: typed values found in the text (ids, amounts, emails, zips, dates, numbers);
* ``is_question``: whether the message asks the user something.

How it reads. The first `MAX_ACT_CHARS` characters are normalized (lower case, straight
quotes, no markdown emphasis, common chat abbreviations and typos expanded) and cut into
clauses (sentences, bullet lines, "but"/"however" clauses, a trailing question after a
comma). Each clause gets a handful of features: is it a question or an imperative, which
slots and actions does it mention, which speech-act markers does it contain (proposal,
alternative, refusal, outcome, social formulas). Fixed priorities then turn features into
acts: a refusal beats an outcome in the same clause ("I cannot cancel this order" is
``refuse(cancel)``), a slot asked for in a proposal only counts when it is governed by a
request verb ("Can you confirm your email?" is ``request(email)``), a summary followed by
"shall I proceed?" is one ``confirm`` carrying the summarized actions, and so on. An act names
at most one action: a message naming several ("cancel ... and refund ...") gets one act per
action, in order of mention.

Domains add slots and actions with `Lexicon.extend`; fragments are regular expressions
matched, with word boundaries, against the normalized lower-case text. Compiled forms are
cached on the `Lexicon` instance, and so are the readings of recent messages (templated agents
repeat themselves). `understand` never raises on a `str`, runs in tens of microseconds on a
typical message and in linear time on long ones.

Speed comes from trigger keys: every pattern is analysed once (from its parsed form) for the
token prefixes a match can start with, and a message only tries the patterns whose keys occur
in it, at those tokens (see `_trigger_keys` and `_Dispatch`).

The second half of the module is the user's side: `USER_TEMPLATES`, a paraphrase bank for the
simulated user's answers, `SLOT_LABELS`, and `render_user`.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import random
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from re import _constants as _sre_constants  # type: ignore[attr-defined]
from re import _parser as _sre_parser  # type: ignore[attr-defined]

__all__ = [
    "ACTIONS",
    "ACT_KINDS",
    "DEFAULT_LEXICON",
    "MAX_ACT_CHARS",
    "MAX_GROUNDING_CHARS",
    "MEMO_SIZE",
    "SLOTS",
    "SLOT_LABELS",
    "TEMPLATE_PLACEHOLDERS",
    "USER_TEMPLATES",
    "Act",
    "Grounding",
    "Lexicon",
    "Reading",
    "extract_grounding",
    "render_user",
    "understand",
]

ACT_KINDS = (
    "greet", "request", "confirm", "inform", "offer", "refuse", "ask_more", "bye",
    "wait", "transfer", "apologize", "thank",
)

SLOTS = (
    "name", "email", "zip", "phone", "order_id", "item", "reason", "address", "payment_method",
    "quantity", "option", "details", "employee_id", "device", "error_message", "application",
    "budget",
)

ACTIONS = (
    "cancel", "return", "exchange", "refund", "modify_items", "change_address", "change_payment",
    "compensate", "lookup", "reset_password", "unlock_account", "grant_access",
    "request_approval", "create_ticket", "escalate", "replace_device", "purchase", "transfer",
)

MAX_ACT_CHARS = 2000
"""Only this many leading characters of a message are read for acts."""

MAX_GROUNDING_CHARS = 10000
"""Only this many leading characters of a message are scanned for typed values."""

MEMO_SIZE = 4096
"""Readings of this many recent distinct messages (up to MAX_ACT_CHARS long) are kept per lexicon."""


# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Act:
    """One dialogue act of the agent."""

    kind: str  # one of ACT_KINDS
    slot: str | None = None  # for "request": which fact is asked for; else None
    action: str | None = None  # for confirm/inform/offer/refuse: the action class, if named


@dataclass(frozen=True)
class Grounding:
    """Typed values found in the text, in order of appearance, de-duplicated."""

    ids: tuple[str, ...] = ()
    amounts: tuple[float, ...] = ()
    emails: tuple[str, ...] = ()
    zips: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Reading:
    """What the simulated user understood from one agent message."""

    acts: tuple[Act, ...]
    grounding: Grounding
    is_question: bool

    @property
    def kinds(self) -> frozenset[str]:
        """The set of act kinds in this reading."""
        return frozenset(a.kind for a in self.acts)

    def slots(self) -> tuple[str, ...]:
        """Requested slots, in order."""
        return tuple(a.slot for a in self.acts if a.kind == "request" and a.slot)

    def actions(self, kind: str) -> tuple[str, ...]:
        """Actions named by acts of `kind`, in order."""
        return tuple(a.action for a in self.acts if a.kind == kind and a.action)


_BOUNDARY_L = r"(?<![a-z0-9_])"
_BOUNDARY_R = r"(?![a-z0-9_])"

# ---- trigger keys ---------------------------------------------------------------------------
# Python's regex engine tries every alternative at every position, which is slow for large
# alternations. Each pattern therefore gets a set of "trigger keys": the possible first four
# characters of the first token (a run of [a-z0-9]) of a match, or the whole token when it is
# shorter. A message tries a pattern only at tokens whose key is among the pattern's keys (and,
# for patterns that can start on punctuation such as "'re", a few characters before). Keys are
# derived from the parsed regex itself, so domain fragments get them too; a pattern whose start
# cannot be bounded (it can match the empty string, or starts with a wide class) is scanned
# everywhere instead.

_KEY_LEN = 4
_MAX_KEYS = 3000
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_TOKEN_RX = re.compile(r"[a-z0-9]+")
_NONTOKEN = "\x00"  # stands for "some character that ends a token"


class _Unbounded(Exception):
    pass


def _trigger_keys(pattern: str) -> frozenset[str] | None:
    """Possible leading token prefixes of a match of `pattern` (None: could start anywhere)."""
    try:
        parsed = _sre_parser.parse(pattern)
        out: set[str] = set()
        _walk(((list(parsed), 0),), "", out, 0)
        return frozenset(out)
    except (_Unbounded, RecursionError, re.error, TypeError, ValueError, AttributeError):
        return None


def _walk(stack: tuple, prefix: str, out: set[str], depth: int) -> None:
    if depth > 400 or len(out) > _MAX_KEYS:
        raise _Unbounded
    while stack and stack[-1][1] >= len(stack[-1][0]):
        stack = stack[:-1]
    if not stack:
        if not prefix:
            raise _Unbounded  # the pattern can match the empty string
        out.add(prefix)
        return
    seq, idx = stack[-1]
    rest = stack[:-1] + ((seq, idx + 1),)
    op, av = seq[idx]
    c = _sre_constants
    if op is c.LITERAL:
        _step(chr(av), rest, prefix, out, depth)
    elif op is c.IN:
        for ch in _in_chars(av):
            _step(ch, rest, prefix, out, depth)
    elif op is c.BRANCH:
        for alt in av[1]:
            _walk(rest + ((list(alt), 0),), prefix, out, depth + 1)
    elif op is c.SUBPATTERN:
        _walk(rest + ((list(av[3]), 0),), prefix, out, depth + 1)
    elif op is getattr(c, "ATOMIC_GROUP", None):
        _walk(rest + ((list(av), 0),), prefix, out, depth + 1)
    elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)):
        lo, hi, sub = av
        if lo == 0:
            _walk(rest, prefix, out, depth + 1)
        if hi != 0:
            again = rest
            if hi is c.MAXREPEAT or hi > 1:
                nxt = (op, (max(lo - 1, 0), hi if hi is c.MAXREPEAT else hi - 1, sub))
                again = rest + (([nxt], 0),)
            _walk(again + ((list(sub), 0),), prefix, out, depth + 1)
    elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        _walk(rest, prefix, out, depth + 1)  # zero-width: lookarounds only narrow the match
    else:
        raise _Unbounded


def _in_chars(items: list) -> list[str]:
    c = _sre_constants
    chars: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            chars.append(chr(av))
        elif op is c.RANGE:
            lo, hi = av
            if hi - lo > 40:
                raise _Unbounded
            chars.extend(chr(x) for x in range(lo, hi + 1))
        elif op is c.CATEGORY and av in (c.CATEGORY_SPACE, c.CATEGORY_UNI_SPACE):
            chars.append(_NONTOKEN)
        elif op is c.CATEGORY and av in (c.CATEGORY_DIGIT, c.CATEGORY_UNI_DIGIT):
            chars.extend("0123456789")
        else:
            raise _Unbounded
    return [ch if ch in _TOKEN_CHARS else _NONTOKEN for ch in dict.fromkeys(chars)]


def _step(ch: str, rest: tuple, prefix: str, out: set[str], depth: int) -> None:
    if ch in _TOKEN_CHARS:
        key = prefix + ch
        if len(key) >= _KEY_LEN:
            out.add(key)
        else:
            _walk(rest, key, out, depth + 1)
    elif prefix:
        out.add(prefix)  # the first token ended early ("ok to", "i'm")
    else:
        # Leading punctuation ("'re", "(y/n)", "$5"): the key is the first token inside the match,
        # which starts a token of the message too, since punctuation splits tokens.
        out.add(_PUNCT_LEAD)
        _walk(rest, "", out, depth + 1)


_PUNCT_LEAD = "\x00lead"  # marker in a key set: some match starts on punctuation before its key


class _Index:
    """Token start positions of a normalized message, by trigger key."""

    __slots__ = ("norm", "pos", "key", "keys")

    def __init__(self, norm: str, words: list[str] | None = None) -> None:
        self.norm = norm
        self.pos = [m.start() for m in _TOKEN_RX.finditer(norm)]
        self.key = [w[:_KEY_LEN] for w in (_TOKEN_RX.findall(norm) if words is None else words)]
        self.keys = frozenset(self.key)


class _Gated:
    """A compiled pattern tried only at token starts whose key can begin a match."""

    __slots__ = ("rx", "keys", "lead")

    def __init__(self, rx: re.Pattern[str]) -> None:
        self.rx = rx
        keys = _trigger_keys(rx.pattern)
        self.lead = keys is not None and _PUNCT_LEAD in keys
        self.keys = None if keys is None else frozenset(k for k in keys if k != _PUNCT_LEAD)

    def _starts(self, norm: str, p: int) -> Iterable[int]:
        if self.lead:
            q = p
            while q > 0 and p - q < 3 and norm[q - 1] not in _TOKEN_CHARS and not norm[q - 1].isspace():
                q -= 1
            yield from range(q, p)
        yield p

    def first_in(self, ix: _Index, lo: int, hi: int, start: int, end: int) -> re.Match[str] | None:
        """First match starting at one of tokens lo..hi-1, confined to norm[start:end]."""
        if self.keys is None:
            return self.rx.search(ix.norm, start, end)
        keys = self.keys
        norm = ix.norm
        for i in range(lo, hi):
            if ix.key[i] in keys:
                for q in self._starts(norm, ix.pos[i]):
                    if q >= start:
                        m = self.rx.match(norm, q, end)
                        if m:
                            return m
        return None


def _compile_table(table: Mapping[str, tuple[str, ...]]) -> tuple[tuple[str, _Gated], ...]:
    """One gated regex per key, in priority order (earlier keys win ties at the same position)."""
    entries: list[tuple[str, _Gated]] = []
    for key, frags in table.items():
        if not frags:
            continue
        for frag in frags:
            re.compile(frag)  # raise early, with the offending fragment in the traceback
        entries.append((key, _Gated(re.compile(f"{_BOUNDARY_L}(?:{'|'.join(frags)}){_BOUNDARY_R}"))))
    return tuple(entries)


class _Dispatch:
    """Gated patterns of one reading pass, tried token by token in a single loop.

    Patterns come in groups. Within a group, matches are exclusive: leftmost wins and, at one
    position, the earlier entry wins (a table of slots, say); each group's result is a list of
    non-overlapping (start, priority, end, name, text). At a token, a group's entries whose trigger keys
    contain the token's key are tried as one alternation, compiled on first use for that key.
    """

    __slots__ = ("groups", "combos", "unbounded", "has_unbounded")

    def __init__(self, groups: list[list[tuple[str, _Gated]]]) -> None:
        self.groups = groups
        self.combos: dict[str, tuple] = {}
        self.unbounded = [[(prio, name, g) for prio, (name, g) in enumerate(entries) if g.keys is None] for entries in groups]
        self.has_unbounded = [gi for gi, extra in enumerate(self.unbounded) if extra]

    def _combo(self, key: str) -> tuple:
        """Per group with entries for `key`: (group index, match function, names by group name, lead)."""
        out = []
        for gi, entries in enumerate(self.groups):
            hits = [(prio, name, g) for prio, (name, g) in enumerate(entries) if g.keys is not None and key in g.keys]
            if not hits:
                continue
            lead = any(g.lead for _, _, g in hits)
            if len(hits) == 1:
                prio, name, g = hits[0]
                out.append((gi, g.rx.match, {None: (prio, name)}, lead))
                continue
            try:
                rx = re.compile("|".join(f"(?P<_e{prio}>{g.rx.pattern})" for prio, _, g in hits))
                names = {f"_e{prio}": (prio, name) for prio, name, _ in hits}
                out.append((gi, rx.match, names, lead))
            except re.error:  # e.g. two fragments reuse a group name: try them one by one
                for prio, name, g in hits:
                    out.append((gi, g.rx.match, {None: (prio, name)}, g.lead))
        combo = tuple(out)
        self.combos[key] = combo
        return combo

    def run(self, ix: _Index) -> list[list[tuple[int, int, int, str, str]]]:
        """Per group: non-overlapping (start, priority, end, name, text), left to right."""
        n = len(self.groups)
        found: list[list[tuple[int, int, int, str, str]]] = [[] for _ in range(n)]
        last = [-1] * n
        norm = ix.norm
        combos = self.combos
        for p, k in zip(ix.pos, ix.key):
            combo = combos.get(k)
            if combo is None:
                combo = self._combo(k)
            for gi, match, names, lead in combo:
                if p < last[gi]:
                    continue
                m = match(norm, p)
                if m is None and lead:
                    q = p
                    while q > 0 and p - q < 3 and norm[q - 1] not in _TOKEN_CHARS and not norm[q - 1].isspace():
                        q -= 1
                        m = match(norm, q)
                        if m is not None:
                            break
                if m is not None:
                    prio, name = names[m.lastgroup if len(names) > 1 else None]
                    found[gi].append((m.start(), prio, m.end(), name, m.group()))
                    last[gi] = m.end()
        for gi in self.has_unbounded:
            got = found[gi]
            for prio, name, g in self.unbounded[gi]:
                got.extend((m.start(), prio, m.end(), name, m.group()) for m in g.rx.finditer(norm))
            found[gi] = _resolve(got)
        return found


def _resolve(found: list[tuple[int, int, int, str, str]]) -> list[tuple[int, int, int, str, str]]:
    """Leftmost, non-overlapping matches; ties at one position go to the earlier table key."""
    if len(found) > 1:
        found.sort()
    out: list[tuple[int, int, int, str, str]] = []
    last_end = -1
    for item in found:
        if item[0] >= last_end:
            out.append(item)
            last_end = item[2]
    return out


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

_DEVICE_NOUNS = (
    r"devices?|laptops?|computers?|pcs?|desktops?|macbooks?|machines?|workstations?|tablets?|"
    r"ipads?|printers?|monitors?|chromebooks?|thinkpads?|docks?|docking stations?"
)
_DEVICE_PART = (
    r"device|laptop|computer|pc|phone|monitor|keyboard|mouse|headset|charger|hardware|machine|"
    r"screen|battery|unit|tablet|printer|dock|macbook|thinkpad"
)

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


# --------------------------------------------------------------------------------------------
# Normalization and clause splitting
# --------------------------------------------------------------------------------------------

def _build_translation() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(32):
        table[cp] = " "
    table[ord("\n")] = "\n"
    table[ord("\r")] = "\n"
    table[0x7F] = " "
    for ch in "\u2018\u2019\u201a\u201b\u00b4\u2032\uff07":
        table[ord(ch)] = "'"
    for ch in "\u201c\u201d\u201e\u2033\uff02":
        table[ord(ch)] = '"'
    for ch in "*`~":
        table[ord(ch)] = None
    for ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
        table[ord(ch)] = None
    for ch in "\u2028\u2029\u0085":
        table[ord(ch)] = "\n"
    table[ord("\uff1f")] = "?"
    table[ord("\uff01")] = "!"
    table[ord("\u2026")] = "..."
    table[ord("\u2022")] = "\n\u2022"
    return table


_TRANSLATION = _build_translation()

_ABBREVIATIONS = {
    "u": "you", "ur": "your", "yr": "your", "yuor": "your", "pls": "please", "plz": "please",
    "plse": "please", "plez": "please", "thx": "thanks", "thnx": "thanks", "tks": "thanks",
    "sry": "sorry", "soz": "sorry", "wats": "what's", "whats": "what's", "wat": "what",
    "numbr": "number", "nmber": "number", "numer": "number", "adress": "address",
    "addres": "address", "adres": "address", "addr": "address", "emial": "email", "emal": "email",
    "e-mail": "email", "recieve": "receive", "recieved": "received", "teh": "the",
    "shud": "should", "r": "are", "im": "i'm", "ive": "i've", "dont": "don't", "cant": "can't",
    "wont": "won't", "isnt": "isn't", "didnt": "didn't", "doesnt": "doesn't", "youre": "you're",
    "youll": "you'll", "thats": "that's", "theres": "there's", "lemme": "let me",
    "gonna": "going to", "wanna": "want to", "gimme": "give me", "pwd": "password",
    "pw": "password", "acct": "account", "msg": "message", "qty": "quantity", "b4": "before",
    "couldnt": "couldn't", "wouldnt": "wouldn't", "arent": "aren't", "wasnt": "wasn't",
    "ok'd": "approved", "appologize": "apologize", "apologise": "apologize",
    "sincerely": "sincerely", "recived": "received", "adresss": "address", "plase": "please",
    "plese": "please", "cancelation": "cancellation", "refnd": "refund",
    "double check": "double-check", "unable 2": "unable to", "able 2": "able to", "tmrw": "tomorrow",
    "tmr": "tomorrow", "b/c": "because", "bc": "because", "re check": "re-check", "e mail": "email", "log in": "log-in",
}
_ABBREV_RX = re.compile(
    r"(?<![a-z0-9'])(?:" + "|".join(sorted((re.escape(k) for k in _ABBREVIATIONS), key=len, reverse=True)) + r")(?![a-z0-9'])"
)
_SPACES_RX = re.compile(r"[^\S\n]+")
_ASCII_FIX_RX = re.compile(r"[\x00-\x09\x0b-\x1f\x7f*`~]")
_ABBREV_FIRST = frozenset(re.findall(r"[a-z0-9]+", k)[0] for k in _ABBREVIATIONS)


def _normalize(text: str) -> str:
    """Lower case, straight quotes, no emphasis marks or control characters, single spaces."""
    return _normalize_words(text)[0]


def _normalize_words(text: str) -> tuple[str, list[str]]:
    """`_normalize`, plus the message's tokens (reused by the token index)."""
    t = text.lower()
    if not t.isascii():
        t = t.translate(_TRANSLATION)
        if not t.isascii():
            t = _SPACES_RX.sub(" ", t)  # unicode spaces
    elif _ASCII_FIX_RX.search(t):
        t = t.translate(_TRANSLATION)
    if "(s)" in t:
        t = t.replace("(s)", "s")
    if "  " in t:
        t = _SPACES_RX.sub(" ", t)
    words = _TOKEN_RX.findall(t)
    if not _ABBREV_FIRST.isdisjoint(words):
        fixed = _ABBREV_RX.sub(_expand_abbreviation, t)
        if fixed != t:
            t = fixed
            words = _TOKEN_RX.findall(t)
    return t, words


def _expand_abbreviation(m: re.Match[str]) -> str:
    return _ABBREVIATIONS[m.group()]


# Sentence delimiters: terminal punctuation before a space/end, line breaks, semicolons,
# table pipes, bullets, emoji/symbols and spaced dashes (not the dash in "5-7 days"). One
# character class finds candidates fast; `_is_delimiter` decides.
_DELIM_CAND_RX = re.compile(r"[.!?\n;|\u2022\u2013\u2014\u2190-\u2bff\U0001f000-\U0001faff\ufe0f-]+")
_AFTER_STOP = frozenset(" \t\n\"')]")
# Sub-clause starts inside a sentence.
_SUBCLAUSE_RX = re.compile(
    r",?\s+(?=(?:but|however|although|though|whereas|otherwise)\b)"
    r"|,\s*(?=(?:would|could|can|shall|should|may|do|does|did|will|is|are|want|anything|any other|or would|or do)\b)"
)
_BULLET_FIRST = frozenset("-+>#\u20220123456789")
_BULLET_RX = re.compile(r"\s*(?:[-+>#\u2022]+|\d{1,3}[.)]|[a-z][.)](?=\s))\s*")


class _Clause:
    __slots__ = (
        "start", "end", "text", "qmark", "bullet", "colon", "lead", "opener_q", "wh", "cond",
        "imp", "imp_strong", "slots", "actions", "marks", "sent", "ids", "toks",
    )

    def __init__(self, start: int, end: int, text: str, qmark: bool, bullet: bool, sent: int) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.qmark = qmark
        self.bullet = bullet
        self.sent = sent
        self.colon = text.rstrip().endswith(":")
        self.slots: list[tuple[int, int, str, str]] = []  # (local start, local end, slot, matched text)
        self.actions: list[tuple[int, str, str]] = []  # (local start, action, matched text)
        self.marks: dict[str, list[tuple[int, str]]] = {}


def _split(norm: str) -> list[_Clause]:
    clauses: list[_Clause] = []
    pos = 0
    n = len(norm)
    sent_index = 0
    line_start = True
    for m in _DELIM_CAND_RX.finditer(norm):
        run = m.group()
        a, b = m.span()
        if not _is_delimiter(norm, run, a, b, n):
            continue
        # "1. Refund ..." at the start of a line is a list marker, not a full stop.
        if line_start and run[0] == "." and norm[pos:a].strip().isdigit():
            continue
        _add_sentence(norm, pos, a, "?" in run, line_start, sent_index, clauses)
        sent_index += 1
        line_start = "\n" in run or "\u2022" in run or "|" in run
        # Keep a bullet ("-", "\u2022") that follows a line break with the next line.
        pos = a + run.rindex("\n") + 1 if "\n" in run else b
    if pos < n:
        _add_sentence(norm, pos, n, False, line_start, sent_index, clauses)
    return clauses


def _is_delimiter(norm: str, run: str, a: int, b: int, n: int) -> bool:
    """Does this run of candidate characters end a sentence?"""
    if "?" in run or "\n" in run or ";" in run or "|" in run or "\u2022" in run:
        return True
    first = run[0]
    if first in ".!":
        return b == n or norm[b] in _AFTER_STOP  # not the dot in "$52.10" or "a.b@c.com"
    if first in "-\u2013\u2014":
        before = norm[a - 1] if a else " "
        after = norm[b] if b < n else " "
        if before == " " and after == " ":
            return True  # "Sure - I can"
        return first != "-" and not before.isdigit() and before != " " and not after.isdigit()  # "Sure\u2014I can"
    return True  # emoji and symbols ("Done \u2705 Anything else?")


def _add_sentence(norm: str, start: int, end: int, qmark: bool, line_start: bool, sent: int, out: list[_Clause]) -> None:
    seg = norm[start:end]
    if not seg.strip():
        return
    bullet = False
    if line_start and (seg.lstrip()[:1] in _BULLET_FIRST or seg.lstrip()[1:2] in (".", ")")):
        b = _BULLET_RX.match(seg)
        if b and b.end() > 0 and b.group().strip():
            bullet = True
            start += b.end()
            seg = norm[start:end]
    cuts = [0]
    if "," in seg or " but " in seg or "however" in seg or "though" in seg or "whereas" in seg or "otherwise" in seg:
        for m in _SUBCLAUSE_RX.finditer(seg):
            if m.end() > cuts[-1] and m.start() > 0:
                cuts.append(m.end())
    cuts.append(len(seg))
    pieces = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    for i, (a, b) in enumerate(pieces):
        text = seg[a:b]
        if not text.strip():
            continue
        out.append(_Clause(start + a, start + b, text, qmark and i == len(pieces) - 1, bullet and i == 0, sent))


# --------------------------------------------------------------------------------------------
# Speech-act markers
# --------------------------------------------------------------------------------------------

_FILLER_RX = re.compile(
    r"[\s,:;!.\-+>#()\d\"']*"
    r"(?:(?:ok(?:ay)?|great|sure(?: thing)?|alright|all right|thanks(?: so much)?|thank you(?: so much)?|perfect|got it|and|also|so|now|next|lastly|"
    r"first(?:ly)?|finally|then|well|oh|hmm+|just|quickly|one more thing|quick question|lovely|brilliant|right|cool|"
    r"awesome|excellent|understood|no problem|no worries|certainly|absolutely|of course|yes|yep|no|ah|i see|"
    r"by the way|btw|in that case|to get started|to start|great news|noted|wonderful|fantastic|super|nice|"
    r"gotcha|sounds good|hi|hello|hey|hi there|hello there|hey there|good morning|good afternoon|good evening|"
    r"apologies|sorry|my apologies|cheers|thanks again|to verify your identity|for verification|for security purposes|"
    r"for security|before we (?:continue|proceed|begin|start)|before i (?:proceed|continue|go ahead)|to proceed|"
    r"in order to (?:help|proceed|continue)|to help (?:you )?(?:with (?:that|this))?|so (?:that )?i can (?:help|look into this|check)|"
    r"to (?:look into|check) (?:this|that)|actually|also)"
    r"(?=[\s,:;!.\-]|$)[\s,:;!.\-]*)*"
)
_WH_RX = re.compile(r"(?:what|what's|which|why|where|when|who|whose|whom|how)\b")
_WH_DECL_RX = re.compile(
    r"(?:what|how|where|when|why) (?:i|we|i'll|we'll|i've|we've|i'm|we're|you'll|happens|will happen|this means|that means)\b"
)
_AUX_Q_RX = re.compile(
    r"(?:could|can|would|will|may|might|do|does|did|is|are|was|were|have|has|shall|should|won't|can't|"
    r"isn't|wouldn't|couldn't|d'you|any|anything|want|need|got|ready|okay|ok|happy)\b\s*"
    r"(?:you|i|we|it|this|that|there|these|those|your|the|my|anyone|everything|any|me|else|more|other|us|to|for|with)\b"
)
_COND_RX = re.compile(r"(?:if|unless|once|when|whenever|after|as soon as|in case|should you|provided|in the event)\b")

_IMP_START_RX = re.compile(
    r"(?:(?:please|kindly|now|also|and|just|so|then|first|next|simply) )*"
    r"(?:provide|share|give|tell|send|enter|type|confirm|verify|specify|describe|explain|include|list|select|choose|"
    r"pick|paste|upload|attach|fill in|input|spell|repeat|double[- ]?check|re-?check|let (?:me|us) know|reply|respond|"
    r"indicate|state|mention|drop (?:me|us)|write|submit|forward|supply|clarify|elaborate|rephrase)\b"
)
# One anchored match classifies how a clause opens (after fillers): a wh-question, an
# auxiliary question, a condition or an imperative request. Order matters: "how about" is an
# offer, not a question; "should you need" is a condition, not a question.
_OPENER_RX = re.compile(
    r"(?P<offer>how about|what about)\b"
    r"|(?P<cond>" + _COND_RX.pattern + r")"
    r"|(?P<wh>" + _WH_RX.pattern + r")"
    r"|(?P<aux>" + _AUX_Q_RX.pattern + r")"
    r"|(?P<imp>" + _IMP_START_RX.pattern + r")"
)
_IMP_ANY_RX = re.compile(
    r"\b(?:i|we)(?:'ll| will|'d| would)? (?:just |also |first |still |now |only |really )?(?:need|require)\b"
    r"(?! to (?!(?:get|have|know|see|confirm|verify|ask|check|grab)\b))"
    r"|\bneed (?:your|the|a|an|you to)\b"
    r"|\b(?:if you (?:could|can|would)|would you mind|do you mind|mind (?:sharing|providing|telling|letting|sending|giving|confirming))\b"
    r"|\b(?:would|'d) appreciate (?:it )?if you\b"
    r"|\bwhat (?:i|we) (?:need|require)\b"
    r"|\blet (?:me|us) know\b"
    r"|\b(?:can|could|may|might) (?:i|we) (?:please )?(?:have|get|ask|take|grab|confirm|verify|trouble you|also have|also get)\b"
    r"|\b(?:please|kindly) (?:provide|share|give|tell|send|enter|type|confirm|verify|specify|describe|explain|include|"
    r"list|select|choose|pick|paste|upload|attach|fill|input|spell|repeat|double[- ]?check|reply|respond|let)\b"
)
_PLEASE_RX = re.compile(
    r"\b(?:please|kindly)\b(?! (?:note|be (?:aware|advised)|allow|hold|wait|bear|rest assured|keep in mind|expect|"
    r"stand by|don't hesitate|do not hesitate|feel free|accept|enjoy|let me know if you need|reach out|contact us|"
    r"check your (?:inbox|email|spam)))"
)

# Cues that govern a following slot ("give me your | email").
_CUE_RX = re.compile(
    r"\b(?:what's|what is|what|which|whose|provide|share|give|tell|send|enter|type|confirm|verify|need|require|have|get|"
    r"know|specify|include|list|spell|repeat|double[- ]?check|re-?check|recheck|input|supply|indicate|paste|upload|"
    r"attach|choose|select|pick|mention|take|grab|ask for|ask|remember|find|is your|'s your|"
    r"let me know|let us know)\b"
)
_GAP_RX = re.compile(
    r"[\s,]*(?:(?:me|us|with|for me|for us|again|also|just|quickly|please|kindly|both|down|in)\s+)*"
    r"(?:(?:the|your|a|an|this|that|any|my|our|its|his|her|their|new|correct|full|exact|best|preferred|desired|"
    r"current|updated|last|first|registered|primary|same|complete|whole|valid|old|original|billing|shipping|"
    r"affected|specific|following|actual|good|rough|approximate|long|\d+|four|reason|manager's|main|"
    r"delivery|mailing|home|work|full|more|further|additional|some|few|bit|little|of|extra|any)\s+){0,5}"
)
_LIST_GAP_RX = re.compile(
    r"[\s,/&+]*(?:(?:and|or|plus|as well as|along with|then|also)\b[\s,]*)?(?:\d[.)]\s*|[a-z][.)]\s+)?"
    r"(?:(?:the|your|a|an|my|new|preferred|desired|correct|full|best|current|also)\s+){0,3}"
)
_CAN_RX = re.compile(r"\b(?:i|we|you) (?:can|could)\b(?! ?not\b|'t)")
_CAPABILITY_RX = re.compile(r"\b(?:can|could|able to|would|may|might)(?: [a-z]+)?(?: and)? $")
_CONTRAST_RX = re.compile(r"(?:but|however),? (?!(?:i|we) (?:can't|cannot|won't|don't|am not|'m not))")
_DEVICE_CTX_RX = re.compile(r"\b(?:" + _DEVICE_PART + r"|laptops?|monitors?|computers?|phones?)\b")
_DEVICE_KEYS = frozenset(w[:4] for w in (_DEVICE_PART + "|laptops|monitors|computers|phones").split("|"))
_COORDINATORS = frozenset(("and", "or", "&", "+", "plus", "also", "well", "then", "including"))
_VERIFY_RX = re.compile(r"\s*(?:is|are|=|:|is still|still is|on file is)\s+[^\s?]")
_VERIFY_CUE_RX = re.compile(r"\b(?:confirm|verify|correct|right|still)\b")
_PREPS = frozenset(("for", "on", "with", "to", "about", "in", "from", "at", "by", "into", "via", "under", "through", "associated", "if", "whether", "when", "once", "unless"))
_DETERMINERS = frozenset(("the", "your", "a", "an", "this", "that", "my", "our", "their", "new", "same", "old", "these", "those"))

_CONFIRM_STRONG_RX = re.compile(
    r"\b(?:shall i|should i|shall we|should we|do you want me to|would you like me to|want me to|would you like us to|"
    r"do you want us to|(?:may|can|could) i (?:go ahead|proceed|continue)|ok(?:ay)? (?:to|if i|if we|for me to) \w+|"
    r"(?:is it|is that) (?:ok|okay|alright|all right|fine)(?: with you)?(?: (?:if|to|for me))?|"
    r"do i have your (?:permission|consent|go-ahead|ok|approval)|(?:can|may) i have your (?:permission|consent|go-ahead|ok|approval|confirmation)|"
    r"(?:would|do) you (?:like|want|wish) to (?:proceed|go ahead|continue|confirm)|(?:want|like|wish) to (?:proceed|go ahead|continue)|"
    r"would (?:that|this) (?:work|be ok|be okay|suit you|be acceptable)|"
    r"proceed\s*\?|go ahead\s*\?|(?:reply|respond|answer|say|type|write|text)(?: with)?(?: a)? \"?'?(?:yes|y|ok|confirm)\b|"
    r"(?:reply|respond|type|text|say)(?: with)? [\"']?[a-z]+[\"']? to (?:confirm|proceed|cancel|continue|approve|accept|go ahead|apply)\b|yes or no|yes/no|\(y/n\)|"
    r"ready (?:for me )?to (?:proceed|go|check ?out|place|continue|submit|order|confirm)|are you sure|are you ok(?:ay)? with|"
    r"sounds? good\s*\?|does (?:that|this|everything|it) (?:sound|look|work)|"
    r"(?:is|are) (?:that|this|everything|these|those|the details|all of that|all that) (?:right|correct|ok|okay|accurate|fine|alright|good)|"
    r"(?:correct|right|ok|okay|yes|agreed|good to go)\s*\?|is (?:that|this|it) the (?:one|right one|correct one|right order|correct order)|happy (?:for me )?to (?:proceed|go ahead)|good to go|"
    r"(?:confirm|say yes) to (?:proceed|continue|go ahead)|(?:shall|should) (?:i|we) go ahead)(?![a-z0-9])"
)
_CONFIRM_WEAK_RX = re.compile(
    r"\b(?:just to (?:confirm|double[- ]check|be sure|be clear|clarify|verify|make sure)|"
    r"(?<!need )(?<!have )(?<!want )(?<!able )(?<!going )to (?:confirm|recap|summari[sz]e|be clear)|"
    r"so i'm clear|(?<!need to )(?<!have to )(?<!must )(?<!want to )(?<!able to )(?<!'ll )(?<!will )"
    r"(?:please |can you |could you |kindly )?confirm (?:that|if|whether|you|this|it|the following|for me)|"
    r"please confirm(?! (?:your|the (?!following)))|once you confirm|(?:with|after|upon|on) your (?:confirmation|approval|permission|ok|go-ahead)|"
    r"before i (?:proceed|go ahead|submit|finali[sz]e|process|place|cancel|make)|let me (?:just )?(?:confirm|recap)|"
    r"if (?:that|this|everything) (?:looks|sounds|is) (?:good|right|correct|ok|okay|fine)|"
    r"let me know if (?:you'd like|you want|you'd prefer) (?:me|us) to|let me know if (?:that|this) works|"
    r"here(?:'s| is) (?:a |the |your )?(?:quick |brief |short )?(?:summary|recap|plan)|here(?:'s| is) what (?:i'll|i will|we'll|i'm going to|i can|i'd|will happen|happens)|"
    r"in summary|(?:order |request |change )?summary\b|"
    r"confirm(?:ing)? (?:the|your|this) (?:cancel[a-z]*|return|exchange|refund|change|modification|request|purchase|details|swap))\b"
)
_WANT_RX = re.compile(r"\b(?:do|would|will|did) you (?:still |also )?(?:like|want|wish|need)\b(?! me\b| us\b)")
_OFFER_RX = re.compile(
    r"\b(?:instead|alternatively|as an alternative|an alternative|other alternatives?|i (?:can|could) offer|we (?:can|could) offer|"
    r"(?:i'd|i would|we'd|we would) (?:be happy|be glad|like) to offer|offer you|happy to (?:offer|give you|provide you)|"
    r"how about|what about|another option|other options?|one option|"
    r"(?:here are|there are) (?:your|some|a few|the|two|three|several|a couple of) (?:options|alternatives|choices)|"
    r"options? (?:is|are|would be|include)|you (?:could|can|may|might) (?:also |instead )?(?:opt|choose|consider|request|go with|get|try|pick|select)|"
    r"what (?:i|we) can do is|the best (?:i|we) can do|(?:but|however,?) (?:i|we) (?:can|could|do have|have|offer)|"
    r"(?<!glad )(?<!hope )(?<!wish )(?<!if )i could (?!not\b|n't|help\b|have\b|be\b|see\b|find\b|get\b)|"
    r"(?<!if )we could (?!not\b|n't|help\b|have\b|be\b|see\b|find\b)|i'd (?:recommend|suggest)|i (?:recommend|suggest)|"
    r"you (?:might|may) (?:like|prefer|want to consider)|if you(?:'d)? (?:prefer|rather)|if you like,|"
    r"would you (?:rather|prefer|consider)|would you be (?:interested|open)|are you interested|interested in|"
    r"as a (?:goodwill |one-time |one time )?(?:gesture|courtesy)|goodwill gesture|"
    r"i can (?:give|issue|send|provide|apply|extend|knock|take) you|"
    r"would (?:a|an|some) [^ ]+(?: [^ ]+){0,4} (?:help|work|do|suffice|be (?:ok|okay|acceptable|helpful))|"
    r"would (?:either|any) of (?:those|these|them) work|(?:i|we) can,? however|interested\s*\?|(?:do )?any of (?:these|those|them) (?:catch|interest|appeal|work|suit)|"
    r"we (?:have|carry|stock) (?:a few|some|two|three|four|several|a couple of|\d+) (?:options|choices|alternatives|models))\b"
)
_REFUSE_RX = re.compile(
    r"\b(?:can't|cannot|can not|couldn't|could not|unable to|not able to|won't be able to|will not be able to|"
    r"wasn't able to|was not able to|not be able to|won't let me|will not let me|doesn't let me|does not let me|"
    r"no longer (?:able|possible|eligible))\b(?:(?P<nf>\s+(?:seem to\s+)?(?:find|locate|see|match|pull (?:it |that |this )?up|retrieve|"
    r"identify|access your (?:account|records)))|(?P<neu>\s+(?:hear|understand|read|catch|be undone|be reversed|undo|wait|thank|"
    r"stress|open|load)))?"
    r"|\b(?:isn't|is not|'s not|not|aren't|are not|wasn't|'re not)\s+(?:really\s+|currently\s+)?(?:possible|allowed|permitted|authori[sz]ed|"
    r"eligible|able|covered|available|an option|something (?:i|we) can|returnable|refundable|cancell?able|exchangeable|"
    r"supported|in stock|valid|applicable|possible to)\b"
    r"|\b(?:impossible|ineligible|non-?(?:returnable|refundable|cancell?able)|final sale|out of stock|sold out|unavailable|"
    r"no can do|not in a position to|nothing (?:more |else )?(?:i|we) can do|i'm afraid not|"
    r"beyond (?:my|our) (?:control|authority|ability)|against (?:our |the |company )?polic(?:y|ies)|denied|rejected|declined)\b"
    r"|\b(?:doesn't|does not|don't|do not|won't|will not)\s+(?:allow|permit|support|offer|accept|cover|qualify|do|honou?r|ship|deliver|sell|"
    r"provide|have (?:the )?(?:ability|permissions?|access|authority|rights))\b"
    r"|\b(?:don't|do not|doesn't|does not) (?:have|carry|stock|sell) (?:that|this|it|them|those|these|any)\b(?: [a-z]+){0,3} in stock\b"
    r"|\b(?:outside|past|beyond|after)\s+(?:of\s+)?(?:the|our|your)\s+(?:[a-z0-9-]+\s+){0,3}?(?:window|period|timeframe|deadline|policy)\b"
    r"|\b(?:window|period|deadline)\s+(?:has\s+)?(?:closed|expired|passed|ended|lapsed)\b"
    r"|\b(?:i|we) (?:must|have to|need to) (?:decline|deny|refuse)\b"
)
_GREET_START_RX = re.compile(
    r"[\s\"'(]*(?:hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day)|welcome|dear|yo)\b"
)
_GREET_ANY_RX = re.compile(
    r"\b(?:how (?:can|may|might|could) (?:i|we) (?:help|assist)(?: you)?(?! with anything else| further)|"
    r"what can (?:i|we) (?:do for you|help (?:you )?with)|how can (?:i|we) be of (?:help|assistance)|what brings you|"
    r"thanks? (?:you )?for (?:contacting|reaching out to|reaching out|calling|getting in touch|choosing|visiting|writing in|messaging)|"
    r"welcome (?:to|back)|you're (?:chatting|speaking|talking) with|you(?:'ve| have) reached)(?![a-z0-9])"
)
_THANK_RX = re.compile(
    r"\b(?:thanks|thank you|thankyou|thx|ty|many thanks|much appreciated|cheers|grateful)\b|\bthank\b|"
    r"(?<!i'd )(?<!i would )(?<!we'd )(?<!we would )\bappreciate(?:d|s)?\b(?! it if)"
)
_APOLOGY_RX = re.compile(r"\b(?:sorry|apologi[sz]e[sd]?|apologies|apology|my bad|regret(?:s|tably)?|pardon|forgive|oops)\b")
_BYE_RX = re.compile(
    r"\b(?:good-?bye|bye(?:-bye| for now)?|take care|talk (?:to you )?soon|speak (?:to you )?soon|(?<!i )(?<!can )see you (?:soon|later|next time|around|again)|farewell|all the best|"
    r"have a (?:good|great|nice|wonderful|lovely|fantastic|pleasant|safe|blessed|brilliant|good rest of your|great rest of your)"
    r"(?: [a-z]+)?(?: (?:day|one|evening|night|weekend|afternoon|week|morning|time|rest of your day))?|"
    r"enjoy (?:your|the rest of your) (?:day|evening|weekend|afternoon|week|new [a-z]+|[a-z]+)|until next time|signing off|"
    r"this (?:chat|conversation|session) (?:will|is going to) (?:now )?(?:close|end)|closing (?:this|the) (?:chat|conversation)|"
    r"best regards|kind regards|warm regards)\b"
)
_ASK_MORE_RX = re.compile(
    r"\b(?:(?<!n't )(?<!not )anything else|something else|anything more|anything further|what else|"
    r"any (?:more|further|other) (?:questions?|issues?|concerns?|requests?|help|problems?|things?)|"
    r"other questions|is there more|(?:more|further|other) (?:help|assistance)|further questions|help (?:you )?with anything)\b"
)
_WAIT_RX = re.compile(
    r"\b(?:one (?:moment|sec(?:ond)?|minute|min)|just a (?:moment|sec(?:ond)?|minute|min|tick|mo)|"
    r"(?:give|allow) me (?:a|one|just a|a few) (?:moment|sec(?:ond)?|minute|min|tick)s?|a (?:moment|few moments|few minutes|minute) while|"
    r"bear with me|hold on|hang on|hang tight|please (?:hold|wait|stand by)|stand by|"
    r"let me (?:just |quickly |now |go |first )?(?:check|look|see|pull|verify|find|search|review|take a look|have a look|dig|double-check|get that|look into|track|locate)|"
    r"i'll (?:just |quickly |now )?(?:check|look into|look that up|see what|take a look|have a look|pull (?:that|it) up|pull up)|"
    r"i'm (?:just |now |currently |still )?(?:checking|looking|pulling|reviewing|searching|verifying|waiting)|"
    r"checking (?:now|on|that|your|the|this|with)|looking (?:that|it|this) up|looking into|"
    r"while i (?:check|look|pull|verify|review|process|connect|transfer|search|confirm|create|set|get|find)|momentarily)\b"
    r"|\bchecking(?:\.\.\.|$)"
)
_TRANSFER_RX = re.compile(
    r"\b(?:transfer(?:ring|red)? you|connect(?:ing)? you (?:to|with)|put(?:ting)? you through|hand(?:ing)? you (?:over|off)|"
    r"pass(?:ing)? you (?:on|over|along|to)|rout(?:e|ing) you|transferred (?:your|the|this) (?:chat|call|case|conversation)|(?:be|are|'re|being|been) (?:now )?(?:transferred|connected)|"
    r"(?:will|'ll) (?:be with you|join (?:you|the chat)|take over|pick (?:this|it) up)|bring(?:ing)? in (?:a|my|our) "
    r"(?:colleague|supervisor|specialist|manager)|escalat(?:e|ing) you to)\b"
)
_DONE_RX = re.compile(
    r"\b(?:has|have|had|'ve)\s+(?:(?:now|just|already|successfully|also|recently|officially|finally|since|all)\s+)*(?:been\s+)?"
    r"(?:[a-z]+[^\We]ed|[a-z]+en|done|sent|made|set|reset|issued|put|paid|got|found|told|left|built|bought|shut|cut|spent|kept|held|"
    r"sold|had|seen|gone|run|begun|brought|shipped)\b"
    r"|\b(?:'s been|it's been|was|were|got|gets)\s+(?:(?:now|already|successfully|fully|just|also|all|officially|finally|automatically)\s+)*"
    r"(?:[a-z]+[^\We]ed|sent|set|reset|issued|paid|done|made|shipped)\b"
    r"|\b(?:i|we)\s+(?:(?:just|also|already|successfully|now)\s+)*(?:[a-z]+[^\We]ed|sent|made|found|got|saw|set|reset|issued|put|paid|went|did|took|gave|ran|had)\b"
)
_STATUS_RX = re.compile(
    r"\b(?:cancell?ed|refunded|returned|exchanged|updated|changed|unlocked|granted|approved|rejected|escalated|created|"
    r"submitted|placed|processed|delivered|shipped|dispatched|completed|resolved|closed|confirmed|done|pending|processing|"
    r"in transit|out for delivery|on (?:its|the) way|on hold|in progress|added|removed|applied|issued|scheduled|provisioned|"
    r"reserved|received|all set|successful(?:ly)?|complete|verified|located|reset|sent|booked|activated|deactivated|enabled|"
    r"disabled|back in stock|in stock|active|eligible|expired|assigned|opened|logged|raised|ordered)\b"
)
_STATE_RX = re.compile(
    r"\b(?:(?:i|we) (?:can )?(?:see|show|notice) (?!what|if|how|why|whether)(?=[a-z0-9#$])|i'm (?:not )?(?:seeing|showing)|(?:looks|seems|appears) (?:like|that|to be)|"
    r"according to|per (?:our|my|the) (?:records|system)|here(?:'s| is| are)|there(?:'s| is| are| was| were)|good news|fyi|"
    r"please note|note that|just so you know|heads up|for your (?:information|reference|records)|"
    r"(?:is|are) (?:due|scheduled|expected|estimated))\b"
)
_ENTITY_RX = re.compile(
    r"\b(?:orders?|items?|packages?|parcels?|shipments?|deliver(?:y|ies)|refunds?|tickets?|incidents?|cases?|requests?|"
    r"accounts?|passwords?|status|total|balance|prices?|costs?|amounts?|payments?|charges?|cards?|subscriptions?|"
    r"licen[cs]es?|access|credits?|vouchers?|warranty|laptops?|devices?|products?|exchanges?|returns?|labels?|tracking|"
    r"stock|eta|plans?|models?|replacements?|confirmation|fees?|invoices?|promo(?:tion)?s?|codes?|coupons?|carts?|baskets?)\b"
)
_COPULA_RX = re.compile(
    r"\b(?:is|are|was|were|'s|'re|shows?|contains?|includes?|costs?|comes? to|totals?|remains?|posts?|arrives?|ships?|"
    r"expires?|expired|qualifies|needs|requires|takes?|runs?|starts?|ends?|goes|renews?|begins?|applies|lasts?|covers?|"
    r"stays?|went|came|arrived|left|ran|works|is valid|only works)\b"
)
_FUTURE_RX = re.compile(
    r"\b(?:will|'ll|should|is going to|are going to|'s going to|can expect to)\s+"
    r"(?:(?:now|then|also|automatically|soon|shortly|usually|typically|be able to)\s+)*"
    r"(?:arrive|reach|appear|show up|post|ship|be (?!(?:happy|glad|able|more than happy|delighted|pleased|assisting|helping|right)\b)[a-z]+|"
    r"receive|get|see|take|hear|contact|reach out|follow up|expire|land|come|go (?:out|back|through)|process|refund|"
    r"credit|update|reflect|email|send|notify|call|deliver)\b"
    r"|\b(?:takes?|take up to|within|in|up to) (?:\d+(?:[-\u2013]\d+)?|one|two|three|a few|a couple of) (?:business |working )?(?:days?|hours?|minutes?|weeks?)\b"
)
_SELF_FUTURE_RX = re.compile(
    r"\b(?:(?:i|we)(?:'ll| will| am going to|'m going to| are going to|'re going to| can now)|let me|i'm (?:now |currently |just )?[a-z]+ing)\b"
    r"(?! need (?:your|the|a|an|you|some)\b| be happy\b| be glad\b| know\b)"
)
_NOTFOUND_RX = re.compile(
    r"\b(?:(?:doesn't|does not|don't|do not|didn't|did not) (?:match|exist|appear|show up)|"
    r"no (?:matching |such )?(?:records?|orders?|accounts?|matche?s?|results?)(?: (?:found|for|under|with|on))?|not found|"
    r"(?:isn't|is not|aren't|are not) (?:in|on) (?:our|the) (?:system|records|file))\b"
)
_GROUND_HINT_RX = re.compile(r"#?\b[a-z]{1,6}-?\d{3,}|[$\u20ac\u00a3]\s?\d|\d{4}-\d{2}-\d{2}|\b\d{1,2}/\d{1,2}/\d{4}|@|\b\d+ (?:items?|units?)\b")
_WHICH_ONE_RX = re.compile(r"\b(?:which|what) (?:one|of (?:these|those|them|the two|the following|your orders))\b|\bwhich would you\b|\beither\b")

_MARKER_TABLE: tuple[tuple[str, _Gated], ...] = tuple(
    (kind, _Gated(rx))
    for kind, rx in (
        ("greet", _GREET_ANY_RX),
        ("thank", _THANK_RX),
        ("apologize", _APOLOGY_RX),
        ("bye", _BYE_RX),
        ("ask_more", _ASK_MORE_RX),
        ("wait", _WAIT_RX),
        ("transfer", _TRANSFER_RX),
        ("confirm", _CONFIRM_STRONG_RX),
        ("confirm_weak", _CONFIRM_WEAK_RX),
        ("want", _WANT_RX),
        ("offer", _OFFER_RX),
        ("refuse", _REFUSE_RX),
    )
)
# Clause-level evidence patterns, gated per message.
_EVIDENCE: dict[str, _Gated] = {
    name: _Gated(rx)
    for name, rx in (
        ("done", _DONE_RX),
        ("status", _STATUS_RX),
        ("state", _STATE_RX),
        ("future", _FUTURE_RX),
        ("self_future", _SELF_FUTURE_RX),
        ("notfound", _NOTFOUND_RX),
        ("entity", _ENTITY_RX),
        ("copula", _COPULA_RX),
        ("imp_any", _IMP_ANY_RX),
        ("please", _PLEASE_RX),
        ("which_one", _WHICH_ONE_RX),
    )
}


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def understand(text: str, lexicon: Lexicon = DEFAULT_LEXICON) -> Reading:
    """Read one agent message into dialogue acts, typed values and a question flag.

    Never raises on a `str`; other inputs are converted with `str()` (None reads as "").
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    memo = lexicon._memo
    reading = memo.get(text)
    if reading is not None:
        return reading
    try:
        reading = _understand(text, lexicon)
    except Exception:  # pragma: no cover - defensive: the RL loop must not die on odd input
        try:
            grounding = extract_grounding(text)
        except Exception:
            grounding = Grounding()
        return Reading((), grounding, "?" in text[:MAX_ACT_CHARS])
    if len(text) <= MAX_ACT_CHARS:
        # Templated agents repeat themselves; readings are immutable, so repeats are free.
        if len(memo) >= MEMO_SIZE:
            try:
                del memo[next(iter(memo))]
            except (KeyError, StopIteration, RuntimeError):
                memo.clear()
        memo[text] = reading
    return reading


def _understand(text: str, lexicon: Lexicon) -> Reading:
    grounding = extract_grounding(text)
    norm, words = _normalize_words(text[:MAX_ACT_CHARS])
    clauses = _split(norm)
    if not clauses:
        return Reading((), grounding, False)
    starts = [c.start for c in clauses]

    def owner(pos: int) -> _Clause | None:
        i = bisect.bisect_right(starts, pos) - 1
        if i < 0:
            return None
        c = clauses[i]
        return c if pos < c.end else None

    ix = _Index(norm, words)
    results = lexicon._dispatch().run(ix)
    one = len(clauses) == 1
    for found in results[:-2]:
        for start, _prio, _end, kind, matched in found:
            c = clauses[0] if one else owner(start)
            if c is not None:
                c.marks.setdefault(kind, []).append((start - c.start, matched))
    for start, _prio, end, slot, matched in results[-2]:
        c = clauses[0] if one else owner(start)
        if c is not None:
            c.slots.append((start - c.start, end - c.start, slot, matched))
    for start, _prio, _end, action, matched in results[-1]:
        c = clauses[0] if one else owner(start)
        if c is not None:
            c.actions.append((start - c.start, action, matched))

    tok_pos = ix.pos
    for c in clauses:
        c.toks = (bisect.bisect_left(tok_pos, c.start), bisect.bisect_left(tok_pos, c.end))
    ev = _Evidence(ix)
    for c in clauses:
        _clause_features(c, ev)

    # Bullet lines under "could you provide:" / "here are your options:" inherit the intro.
    inherit: str | None = None
    for c in clauses:
        if c.bullet and inherit:
            if inherit == "imp":
                c.imp = True
                c.imp_strong = True
            elif inherit == "offer":
                c.marks.setdefault("offer", []).append((0, "(list)"))
            continue
        inherit = None
        if c.colon:
            if c.marks.get("offer"):
                inherit = "offer"
            elif (c.imp or c.opener_q or c.qmark) and not c.marks.get("confirm_weak"):
                inherit = "imp"

    if not _DEVICE_KEYS.isdisjoint(ix.keys) and _DEVICE_CTX_RX.search(norm):
        # "a replacement" in an IT conversation is a device replacement, not a retail exchange.
        for c in clauses:
            c.actions = [(p, "replace_device" if a == "exchange" and "replac" in t else a, t) for p, a, t in c.actions]
    return _decide(clauses, grounding, ev)


class _Evidence:
    """Clause-level evidence patterns, tried only where their trigger keys occur."""

    __slots__ = ("ix", "cache", "clause_keys")

    def __init__(self, ix: _Index) -> None:
        self.ix = ix
        self.cache: dict[tuple[str, int], bool] = {}
        self.clause_keys: dict[int, frozenset[str]] = {}

    def has(self, name: str, c: _Clause) -> bool:
        key = (name, c.start)
        got = self.cache.get(key)
        if got is None:
            gated = _EVIDENCE[name]
            lo, hi = c.toks
            if gated.keys is not None:
                ckeys = self.clause_keys.get(c.start)
                if ckeys is None:
                    ckeys = self.clause_keys[c.start] = frozenset(self.ix.key[lo:hi])
                if gated.keys.isdisjoint(ckeys):
                    self.cache[key] = False
                    return False
            got = gated.first_in(self.ix, lo, hi, c.start, c.end) is not None
            self.cache[key] = got
        return got


def _clause_features(c: _Clause, ev: _Evidence) -> None:
    text = c.text
    f = _FILLER_RX.match(text)
    lead = f.end() if f else 0
    c.lead = lead
    o = _OPENER_RX.match(text, lead)
    kind = o.lastgroup if o else None
    if kind == "cond" and c.qmark and text.startswith("when", lead):
        kind = "wh"  # "When did it start?"
    wh = kind == "wh" and not (c.qmark is False and _WH_DECL_RX.match(text, lead))
    c.wh = wh
    c.opener_q = wh or kind == "aux"
    c.cond = kind == "cond"
    imp_strong = kind == "imp" or ev.has("imp_any", c)
    c.imp_strong = imp_strong
    c.imp = imp_strong or ev.has("please", c)


def _word_before(text: str, pos: int) -> str:
    """The word right before `pos`, skipping determiners."""
    words = text[max(0, pos - 48):pos].split()
    while words and words[-1] in _DETERMINERS:
        words.pop()
    return words[-1].strip(",.:;!?()\"'") if words else ""


def _strong_slot(c: _Clause, s_start: int, s_text: str, prev_strong_end: int | None) -> bool:
    text = c.text
    if s_text.startswith(("which", "what", "why", "how", "where", "who", "describe", "explain", "tell me", "walk me",
                          "elaborate", "rephrase", "clarify", "say ")):
        return True
    if prev_strong_end is not None:
        gap = text[prev_strong_end:s_start]
        m = _LIST_GAP_RX.match(gap)
        if m and m.end() == len(gap):
            return True
    # Elliptical question: "Email?", "And your zip code?", "Order ID:".
    head = text[c.lead:s_start]
    if (c.qmark or c.colon or c.opener_q or c.imp) and len(head.split()) <= 2 and all(
        w in _DETERMINERS or w in ("and", "also", "or", "+", "&") for w in head.split()
    ):
        return True
    last = None
    for m in _CUE_RX.finditer(text, max(0, s_start - 90), s_start):
        last = m
    if last is None:
        return False
    gap = text[last.end():s_start]
    m = _GAP_RX.match(gap)
    return bool(m) and m.end() == len(gap)


def _coordinated(text: str, pos: int) -> bool:
    """Is the mention at `pos` joined to the previous one ("name, email and zip")?"""
    before = text[max(0, pos - 48):pos].rstrip()
    words = before.split()
    while words and words[-1] in _DETERMINERS:
        words.pop()
    if not words:
        return True
    last = words[-1]
    return last in _COORDINATORS or last[-1] in ",:/&+)" or last.rstrip(".)").isdigit()


def _id_slot(ids: tuple[str, ...]) -> str | None:
    counts: dict[str, int] = {}
    for i in ids:
        letters = re.match(r"[A-Z]*", i)
        prefix = letters.group() if letters else ""
        for p, slot in _ID_SLOT_PREFIXES:
            if prefix == p or (p and prefix.startswith(p) and len(p) > 1):
                counts[slot] = counts.get(slot, 0) + 1
                break
    if not counts:
        return None
    return max(counts, key=lambda k: counts[k])


def _decide(clauses: list[_Clause], grounding: Grounding, ev: _Evidence) -> Reading:
    acts: list[tuple[int, int, Act]] = []  # (clause index, local pos, act)
    inform_types: dict[int, str] = {}  # clause index -> "done" | "state" | "future"
    free_actions: list[tuple[int, list[str]]] = []  # clauses with actions but no speech act
    refused: set[str] = set()
    any_refuse = False
    any_offer = False
    prev_refuse_sent = -1
    is_question = False

    for ci, c in enumerate(clauses):
        marks = c.marks
        text = c.text
        actions = _unique(a for _, a, _ in c.actions) if c.actions else []
        q = c.qmark or c.opener_q
        requestish = q or c.imp or (c.colon and bool(c.slots))
        emitted: list[tuple[int, Act]] = []
        emit = emitted.append

        # ---- social formulas -------------------------------------------------------------
        greet_pos = None
        if ci == 0 and _GREET_START_RX.match(text):
            greet_pos = 0
        elif "greet" in marks and not marks.get("ask_more"):
            greet_pos = marks["greet"][0][0]
        if greet_pos is not None and not (ci > 0 and "bye" in marks):
            emit((greet_pos, _act("greet")))
        if marks:
            for kind in ("thank", "apologize", "bye", "ask_more"):
                if kind in marks:
                    emit((marks[kind][0][0], _act(kind)))
        ask_more = "ask_more" in marks

        # ---- refusal ---------------------------------------------------------------------
        refuse_pos = None
        notfound = False
        for pos, mtext in marks.get("refuse", ()):
            m = _REFUSE_RX.match(mtext)
            if m and m.group("nf"):
                notfound = True
                continue
            if m and m.group("neu"):
                continue
            if c.cond or (c.opener_q and not c.text[c.lead:].startswith(("unfortunately", "i'm afraid"))):
                continue
            refuse_pos = pos if refuse_pos is None else refuse_pos
        # ---- proposal / alternative markers ------------------------------------------------
        offer_marks = marks.get("offer", [])
        if (not offer_marks and refuse_pos is None and prev_refuse_sent == c.sent and not q
                and _CONTRAST_RX.match(text, c.lead if text[c.lead:c.lead + 3] in ("but", "how") else 0)):
            offer_marks = [(0, "(contrast)")]  # "... is out of stock, but a similar model is available"
        conf_strong = bool(marks.get("confirm")) and not c.wh and not ask_more
        conf_weak = bool(marks.get("confirm_weak")) and not ask_more
        want = bool(marks.get("want")) and not c.wh and not ask_more

        # ---- requests ----------------------------------------------------------------------
        requests: list[tuple[int, str]] = []
        any_strong = False
        verify = False
        if requestish and not ask_more and (c.slots or c.wh):
            proposal = conf_strong or conf_weak or any(not t.startswith("instead") for _, t in offer_marks)
            strong_flags: list[bool] = []
            prev_end: int | None = None
            for s_start, s_end, _slot, s_text in c.slots:
                strong = _strong_slot(c, s_start, s_text, prev_end)
                strong_flags.append(strong)
                prev_end = s_end if strong else None
            has_strong = any(strong_flags)
            seen_slot = False
            for (s_start, s_end, slot, _s_text), strong in zip(c.slots, strong_flags):
                ok = strong
                if not ok and not proposal and (q or c.imp or c.colon):
                    prev = _word_before(text, s_start)
                    ok = prev not in _PREPS and not (prev == "of" and seen_slot)
                    # Once a slot is clearly asked for, other mentions only count when coordinated.
                    ok = ok and (not has_strong or _coordinated(text, s_start))
                if ok and _VERIFY_RX.match(text, s_end) and _VERIFY_CUE_RX.search(text):
                    verify = True  # "Can you confirm the new address is 12 Elm St?" checks a value
                    ok = False
                if ok:
                    requests.append((s_start, slot))
                    any_strong = any_strong or strong
                seen_slot = True
            if requests and len(grounding.ids) < 2 and actions and set(actions) & {"return", "exchange", "cancel", "purchase"}:
                requests = [(p, "item" if (s == "option" and _WHICH_ONE_RX.search(text)) else s) for p, s in requests]
            if not requests and c.wh and (c.qmark or c.opener_q):
                if _WHICH_ONE_RX.search(text) and len(grounding.ids) >= 2:
                    slot = _id_slot(grounding.ids)
                    if slot:
                        requests.append((0, slot))
                        any_strong = True
            # "Which one would you like?" with several ids listed is about those ids.
            if requests and len(grounding.ids) >= 2:
                slot = _id_slot(grounding.ids)
                if slot:
                    requests = [(p, slot if (s == "option" and _WHICH_ONE_RX.search(text)) else s) for p, s in requests]
        if requests:
            any_strong = any_strong or not (conf_strong or want)
            if any_strong:
                conf_weak = False
            if c.wh or (any_strong and not conf_strong):
                offer_marks = [om for om in offer_marks if not om[1].startswith("instead")]
                want = False
        for pos, slot in _unique_pairs(requests):
            emit((pos, _act("request", slot=slot)))

        # ---- refuse / offer / confirm ------------------------------------------------------
        proposal_emitted = False
        if refuse_pos is not None:
            any_refuse = True
            offer_pos = min((p for p, _ in offer_marks), default=None)
            if offer_pos is not None and offer_pos > refuse_pos:
                before = _unique(a for p, a, _ in c.actions if p < offer_pos)
                after = _unique(a for p, a, _ in c.actions if p >= offer_pos)
                for a in before or [None]:
                    emit((refuse_pos, _act("refuse", action=a)))
                for a in after or [None]:
                    emit((offer_pos, _act("offer", action=a)))
                proposal_emitted = True
            else:
                for a in actions or [None]:
                    emit((refuse_pos, _act("refuse", action=a)))
                    if a:
                        refused.add(a)
        elif offer_marks and not ask_more and not (
            all(t.startswith("instead") for _, t in offer_marks) and ev.has("done", c)
        ):
            for a in actions or [None]:
                emit((offer_marks[0][0], _act("offer", action=a)))
            proposal_emitted = True
        elif (conf_strong or conf_weak or verify) and not (requests and not conf_strong):
            pos = min((p for k in ("confirm", "confirm_weak") for p, _ in marks.get(k, ())), default=c.lead)
            strong_texts = [t for _, t in marks.get("confirm", ())]
            # After a refusal, a fresh proposal is an alternative, unless it confirms an earlier offer.
            as_offer = (
                any_refuse and not any_offer and not (set(actions) & refused)
                and any(t.startswith(("would you like me", "do you want me", "want me", "shall i", "should i", "would that", "would this"))
                        for t in strong_texts)
            )
            for a in actions or [None]:
                emit((pos, _act("offer" if as_offer else "confirm", action=a)))
            proposal_emitted = True
        elif want and not requests:
            pos = marks["want"][0][0]
            alternatives = len(actions) >= 2 and " or " in text
            kind = "offer" if ((any_refuse and not any_offer) or alternatives) else "confirm"
            for a in actions or [None]:
                emit((pos, _act(kind, action=a)))
            proposal_emitted = True

        elif not requests and len(actions) >= 2 and " or " in text and _CAN_RX.search(text) and not q:
            # "I can send a replacement or issue a full refund": a choice of alternatives.
            for a in actions:
                emit((_CAN_RX.search(text).start(), _act("offer", action=a)))  # type: ignore[union-attr]
            proposal_emitted = True

        elif any_refuse and refuse_pos is None and not requests and not q and not c.cond and actions:
            able = _unique(a for p, a, _ in c.actions if _CAPABILITY_RX.search(text[max(0, p - 24):p]))
            if able and _CAN_RX.search(text):
                # "...not returnable. I can file a warranty claim for you.": the alternative.
                for a in able:
                    emit((c.lead, _act("offer", action=a)))
                proposal_emitted = True

        # ---- transfer / wait ---------------------------------------------------------------
        is_wait = "wait" in marks and not c.cond
        if is_wait:
            emit((marks["wait"][0][0], _act("wait")))
        if "transfer" in marks and refuse_pos is None and not proposal_emitted and not c.cond:
            emit((marks["transfer"][0][0], _act("transfer")))
            actions = [a for a in actions if a != "transfer"]
            proposal_emitted = True  # no separate inform for the handoff itself

        # ---- inform ------------------------------------------------------------------------
        if (
            refuse_pos is None
            and not proposal_emitted
            and not requests
            and not c.cond
            and not (q and not notfound)
            and not ask_more
            and "greet" not in marks
            and not (c.imp_strong and not notfound)
        ):
            kind = None
            if notfound:
                kind = "state"
            elif ev.has("done", c):
                kind = "done"
            elif ev.has("future", c):
                kind = "future"
            elif ev.has("status", c) or ev.has("state", c) or ev.has("notfound", c):
                kind = "state"
            elif actions and not is_wait and set(actions) != {"lookup"} and ev.has("self_future", c):
                kind = "future"
            elif ev.has("copula", c) and (ev.has("entity", c) or _GROUND_HINT_RX.search(text)):
                kind = "state"
            if kind and c.imp and kind not in ("done",) and not notfound:
                kind = None  # "Please try again in a few minutes."
            if kind and not (is_wait and kind == "future"):
                inform_types[ci] = kind
                if kind == "future":
                    free_actions.append((ci, actions))  # a plan: part of a later proposal, if any
                # "I can cancel it" states a capability, not an outcome.
                told = _unique(a for p, a, _ in c.actions if not _CAPABILITY_RX.search(text[max(0, p - 24):p]))
                for a in told or [None]:
                    emit((c.lead, _act("inform", action=a)))
            elif actions and not is_wait:
                free_actions.append((ci, actions))
        elif actions and not emitted and not c.cond:
            free_actions.append((ci, actions))

        if q or c.imp_strong or (c.colon and requests):
            is_question = True
        if refuse_pos is not None:
            prev_refuse_sent = c.sent
        for pos, act in emitted:
            any_offer = any_offer or act.kind == "offer"
            acts.append((ci, pos, act))
            if act.kind in ("request", "confirm", "ask_more"):
                is_question = True

    return Reading(_postprocess(acts, inform_types, free_actions), grounding, is_question)


def _postprocess(
    acts: list[tuple[int, int, Act]],
    inform_types: dict[int, str],
    free_actions: list[tuple[int, list[str]]],
) -> tuple[Act, ...]:
    if not acts or (len(acts) == 1 and acts[0][2].kind != "confirm"):
        return tuple(a for _, _, a in acts)
    confirm_idx = [i for i, (_, _, a) in enumerate(acts) if a.kind == "confirm"]
    if confirm_idx:
        first_confirm_clause = acts[confirm_idx[0]][0]
        last_confirm_clause = acts[confirm_idx[-1]][0]
        borrowed: list[str] = []
        kept: list[tuple[int, int, Act]] = []
        for ci, pos, a in acts:
            # A plan stated in the future tense before "shall I proceed?" is part of the proposal.
            if a.kind == "inform" and ci < last_confirm_clause and inform_types.get(ci) == "future":
                continue
            kept.append((ci, pos, a))
        acts = kept
        for ci, names in free_actions:
            if ci <= last_confirm_clause:
                borrowed.extend(names)
        # Actions named by an offer right before "Shall I do that?" belong to the confirm.
        for ci, _, a in acts:
            if a.kind == "offer" and a.action and ci < first_confirm_clause:
                borrowed.append(a.action)
        borrowed = _unique(borrowed)
        has_named = any(a.kind == "confirm" and a.action for _, _, a in acts)
        if not borrowed and not has_named:
            # "So that's a return and a refund of $34 - is that correct?": the statement is the proposal.
            stated = [a.action for ci, _, a in acts if a.kind == "inform" and a.action
                      and ci < last_confirm_clause and inform_types.get(ci) == "state"]
            if stated:
                borrowed = _unique(a for a in stated if a)
                acts = [t for t in acts if not (t[2].kind == "inform" and t[2].action in borrowed and t[0] < last_confirm_clause
                                                and inform_types.get(t[0]) == "state")]
        if borrowed and not has_named:
            out: list[tuple[int, int, Act]] = []
            for ci, pos, a in acts:
                if a.kind == "confirm" and a.action is None:
                    out.extend((ci, pos, _act("confirm", action=b)) for b in borrowed)
                else:
                    out.append((ci, pos, a))
            acts = out
    acts.sort(key=_clause_pos)
    # Drop action-less duplicates of a kind that also has a named action; drop exact repeats
    # (acts are interned, so identity is equality).
    named_kinds = {a.kind for _, _, a in acts if a.action}
    result: list[Act] = []
    seen: set[int] = set()
    for _, _, a in acts:
        if a.action is None and a.kind in named_kinds and a.kind in _ACTION_KINDS:
            continue
        if id(a) in seen:
            continue
        seen.add(id(a))
        result.append(a)
    return tuple(result)


def _clause_pos(t: tuple[int, int, Act]) -> tuple[int, int]:
    return t[0], t[1]


_ACTION_KINDS = frozenset(("confirm", "inform", "offer", "refuse"))


_ACTS: dict[tuple[str, str | None, str | None], Act] = {}


def _act(kind: str, slot: str | None = None, action: str | None = None) -> Act:
    """Interned acts (frozen dataclass construction is comparatively slow)."""
    key = (kind, slot, action)
    act = _ACTS.get(key)
    if act is None:
        act = _ACTS[key] = Act(kind, slot, action)
    return act


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_pairs(items: list[tuple[int, str]]) -> list[tuple[int, str]]:
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    for pos, s in items:
        if s not in seen:
            seen.add(s)
            out.append((pos, s))
    return out


# --------------------------------------------------------------------------------------------
# Grounding: typed values
# --------------------------------------------------------------------------------------------

_NO_GROUNDING = Grounding()
_HAS_DIGIT_RX = re.compile(r"\d")
_DIGIT3_RX = re.compile(r"\d\d\d")
_MONTH_HINT_RX = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_CUR_CODE_RX = re.compile(r"usd|cad|aud|eur|gbp|nzd|us\$|c\$|a\$")
_CUR_WORD_RX = re.compile(r"dollar|usd|buck|euro|eur|gbp|pound|quid")
_ID_RX = re.compile(
    r"(?<![\w@/.-])#?(?P<id>[A-Za-z]{1,6}-?\d{3,20}[A-Za-z0-9]{0,10})(?![\w@]|-\w)"
    r"|(?<![\w@/.-])#(?P<hid>\d{3,20})(?!\w)"
    r"|(?<![\w])(?:order|ticket|case|incident|request|reference|ref|confirmation|invoice|employee|asset)s?"
    r"(?:\s{1,3}(?:number|no\.?|num|id|#))?(?:\s{0,3}[:#])?\s{0,3}(?P<kid>\d{3,20})(?![\w.,]\d|\w)",
    re.IGNORECASE,
)
_NOT_ID_PREFIXES = frozenset(("USD", "EUR", "GBP", "CAD", "AUD", "US", "RS", "INR", "JPY", "CHF", "NZD", "HKD", "SGD", "MXN"))
_AMOUNT_PRE_RX = re.compile(
    r"(?:(?<![A-Za-z])(?:US\$|USD|CAD|AUD|EUR|GBP|NZD|C\$|A\$)|[$\u20ac\u00a3])\s?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d{1,12})(?P<frac>\.\d{1,4})?(?![\d,]\d|\d)",
    re.IGNORECASE,
)
_AMOUNT_SUF_RX = re.compile(
    r"(?<![\d.,$\u20ac\u00a3])(?P<int>\d{1,3}(?:,\d{3})+|\d{1,12})(?P<frac>\.\d{1,4})?\s?"
    r"(?:dollars?|usd|bucks|euros?|eur|gbp|pounds?|quid|\u20ac)(?![A-Za-z])",
    re.IGNORECASE,
)
_AMOUNT_EU_RX = re.compile(
    r"(?<![\d.,])(?P<int>\d{1,3}(?:\.\d{3})+|\d{1,12}),(?P<frac>\d{1,2})\s?(?:\u20ac|eur|euros?)(?![A-Za-z])",
    re.IGNORECASE,
)
_AMOUNT_EU_PRE_RX = re.compile(
    r"(?:\u20ac|(?<![A-Za-z])eur)\s?(?P<int>\d{1,3}(?:\.\d{3})+|\d{1,12}),(?P<frac>\d{1,2})(?![\d,.]\d|\d)",
    re.IGNORECASE,
)
_LOCAL_RX = re.compile(r"[A-Za-z0-9._%+-]{1,64}$")
_DOMAIN_RX = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])")
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DATE_ISO_RX = re.compile(r"(?<![\d-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d])")
_DATE_SLASH_RX = re.compile(r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?![\d/])")
_DATE_MDY_RX = re.compile(
    r"(?<![A-Za-z])" + _MONTH + r"\.?\s{1,3}(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s{1,3}(?P<y>\d{4})(?!\d)", re.IGNORECASE
)
_DATE_DMY_RX = re.compile(
    r"(?<![\d])(?P<d>\d{1,2})(?:st|nd|rd|th)?\s{1,3}(?:of\s{1,3})?" + _MONTH + r"\.?,?\s{1,3}(?P<y>\d{4})(?!\d)", re.IGNORECASE
)
_PHONE_RX = re.compile(r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]\d{4}(?!\d)|(?<![\w+])\+\d[\d\s.-]{7,16}\d(?!\d)")
_TIME_RX = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_LIST_MARK_RX = re.compile(r"(?m)^[ \t]*\d{1,3}[.)](?=\s)")
_ZIP_RX = re.compile(r"(?<![\w$#.,/\u20ac\u00a3-])(?P<zip>\d{5})(?:-\d{4})?(?![\w%\u20ac]|[.,]\d)")
_NUMBER_RX = re.compile(r"(?<![\w$#.,/\u20ac\u00a3])(?P<num>\d{1,9})(?![\w\u20ac]|[.,/]\d)")


def extract_grounding(text: str) -> Grounding:
    """Typed values in `text` (its first `MAX_GROUNDING_CHARS` characters), in order, de-duplicated."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    t = text[:MAX_GROUNDING_CHARS]
    has_digit = _HAS_DIGIT_RX.search(t) is not None
    emails = _emails(t) if "@" in t else []
    if not has_digit:
        return Grounding(emails=tuple(_dedupe(e for _, _, e in emails))) if emails else _NO_GROUNDING
    mask = bytearray(len(t))

    def free(a: int, b: int) -> bool:
        return mask.find(1, a, b) == -1

    def cover(a: int, b: int) -> None:
        mask[a:b] = b"\x01" * (b - a)

    for a, b, _ in emails:
        cover(a, b)
    low = t.lower()
    has3 = _DIGIT3_RX.search(t) is not None
    # Cheap gates: most messages need only a few of the patterns below.
    date_rxs = []
    if "-" in t:
        date_rxs.append(_DATE_ISO_RX)
    if "/" in t:
        date_rxs.append(_DATE_SLASH_RX)
    if _MONTH_HINT_RX.search(low):
        date_rxs += [_DATE_MDY_RX, _DATE_DMY_RX]
    amount_rxs: list[tuple[re.Pattern[str], bool]] = []
    if "\u20ac" in t or "eur" in low:
        amount_rxs += [(_AMOUNT_EU_RX, True), (_AMOUNT_EU_PRE_RX, True)]
    if "$" in t or "\u20ac" in t or "\u00a3" in t or _CUR_CODE_RX.search(low):
        amount_rxs.append((_AMOUNT_PRE_RX, False))
    if _CUR_WORD_RX.search(low) or "\u20ac" in t:
        amount_rxs.append((_AMOUNT_SUF_RX, False))
    # Dates before ids/amounts so "2026-11-28" is never an id or a number list.
    dates: list[tuple[int, str]] = []
    for rx in date_rxs:
        for m in rx.finditer(t):
            if not free(m.start(), m.end()):
                continue
            iso = _iso_date(m)
            if iso:
                dates.append((m.start(), iso))
                cover(m.start(), m.end())
    amounts: list[tuple[int, float]] = []
    for rx, eu in amount_rxs:
        for m in rx.finditer(t):
            if not free(m.start(), m.end()):
                continue
            value = _amount(m.group("int"), m.group("frac"), eu)
            if value is not None:
                amounts.append((m.start(), value))
                cover(m.start(), m.end())
    ids: list[tuple[int, str]] = []
    for m in _ID_RX.finditer(t) if has3 else ():
        grp = "id" if m.group("id") else "hid" if m.group("hid") else "kid"
        a, b = m.span(grp)
        if not free(a, b):
            continue
        value = m.group(grp).upper()
        if grp == "id":
            prefix = re.match(r"[A-Z]+", value)
            if prefix and prefix.group() in _NOT_ID_PREFIXES:
                continue
        ids.append((a, value))
        cover(m.start(), b)
    mask_rxs = [_PHONE_RX] if has3 else []
    if ":" in t:
        mask_rxs.append(_TIME_RX)
    if "\n" in t or t.lstrip()[:1].isdigit():
        mask_rxs.append(_LIST_MARK_RX)
    for rx in mask_rxs:
        for m in rx.finditer(t):
            cover(m.start(), m.end())
    zips: list[tuple[int, str]] = []
    for m in _ZIP_RX.finditer(t) if has3 else ():
        if free(m.start(), m.end()):
            zips.append((m.start(), m.group("zip")))
            cover(m.start(), m.end())
    numbers: list[tuple[int, int]] = []
    for m in _NUMBER_RX.finditer(t):
        if free(m.start(), m.end()):
            numbers.append((m.start(), int(m.group("num"))))
    return Grounding(
        ids=tuple(_dedupe(v for _, v in sorted(ids))),
        amounts=tuple(_dedupe(v for _, v in sorted(amounts))),
        emails=tuple(_dedupe(v for _, _, v in emails)),
        zips=tuple(_dedupe(v for _, v in zips)),
        dates=tuple(_dedupe(v for _, v in sorted(dates))),
        numbers=tuple(_dedupe(v for _, v in numbers)),
    )


def _dedupe(values: Iterable) -> list:
    seen: set = set()
    out: list = []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def _emails(t: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    i = t.find("@")
    last_end = 0
    tries = 0
    while i != -1 and tries < 300:  # bounded work on "@@@@..." floods
        tries += 1
        left = _LOCAL_RX.search(t, max(last_end, i - 64), i)
        right = _DOMAIN_RX.match(t, i + 1, min(len(t), i + 1 + 320))
        if left and right:
            local = left.group().lstrip(".")
            start = i - len(local)
            if local and not local.endswith("."):
                end = right.end()
                out.append((start, end, (local + "@" + right.group()).lower()))
                last_end = end
        i = t.find("@", i + 1)
    return out


def _iso_date(m: re.Match[str]) -> str | None:
    try:
        y = int(m.group("y"))
        d = int(m.group("d"))
        if "mon" in m.re.groupindex:
            mo = _MONTHS[m.group("mon")[:3].lower()]
        else:
            mo = int(m.group("m"))
            if m.re is _DATE_SLASH_RX and mo > 12 >= d:
                mo, d = d, mo
        if not 1900 <= y <= 2200:
            return None
        return _dt.date(y, mo, d).isoformat()
    except (ValueError, KeyError):
        return None


def _amount(int_part: str, frac: str | None, eu: bool) -> float | None:
    """Normalize to a float rounded half-up to cents ("1.234,50" in the EU form)."""
    try:
        if eu:
            digits = int_part.replace(".", "") + "." + (frac or "0")
        else:
            digits = int_part.replace(",", "") + (frac or "")
        return float(Decimal(digits).quantize(_CENT, rounding=ROUND_HALF_UP))
    except (ValueError, ArithmeticError):
        return None


_CENT = Decimal("0.01")


# --------------------------------------------------------------------------------------------
# The user's side: paraphrase bank
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
    "payment_method": "payment method",
    "quantity": "quantity",
    "option": "preferred option",
    "details": "details",
    "employee_id": "employee ID",
    "device": "device",
    "error_message": "error message",
    "application": "application",
    "budget": "budget",
}

TEMPLATE_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "inform_slot": ("slot_label", "value"),
    "dont_know": ("slot_label",),
    "refer_back": ("reference",),
    "affirm": (),
    "deny": (),
    "deny_correct": ("value",),
    "thanks_bye": (),
    "thanks_next": ("request",),
    "give_up": (),
    "repeat_request": ("request",),
    "acknowledge": (),
    "accept_refusal": (),
    "push_back": (),
    "already_said": ("value",),
    "clarify_unknown": ("request",),
    "accept_offer": (),
    "decline_offer": (),
    "wait_ack": (),
}
"""The placeholders each template key may use (all of them are supplied by callers)."""

USER_TEMPLATES: dict[str, tuple[str, ...]] = {
    "inform_slot": (
        "My {slot_label} is {value}.",
        "Sure, my {slot_label} is {value}.",
        "It's {value}.",
        "The {slot_label} is {value}.",
        "Yes, of course: {value}.",
        "{value}",
    ),
    "dont_know": (
        "I'm sorry, I don't know my {slot_label}.",
        "I don't have my {slot_label} handy, unfortunately.",
        "Hmm, I'm not sure what my {slot_label} is.",
        "Sorry, no idea what the {slot_label} is.",
        "I'm afraid I can't find my {slot_label} right now.",
    ),
    "refer_back": (
        "I don't have it in front of me, sorry: it's {reference}.",
        "It's {reference}. Don't you have it on file?",
        "I told you already: {reference}.",
        "Same as before: {reference}. I don't have it with me now.",
    ),
    "affirm": (
        "Yes, please go ahead.",
        "Yes.",
        "Sure, that works.",
        "Yes, that's right. Please proceed.",
        "Yep, go for it.",
        "That's correct, thank you.",
    ),
    "deny": (
        "No, that's not what I want.",
        "No, please don't.",
        "That's not right.",
        "No, hold on, that's not it.",
        "Please don't do that.",
    ),
    "deny_correct": (
        "No \u2014 I meant {value}.",
        "That's not right, it should be {value}.",
        "Actually, it's {value}.",
        "No, what I need is {value}.",
        "Not quite. I was talking about {value}.",
    ),
    "thanks_bye": (
        "Thanks, that's all. Bye!",
        "That's everything, thank you!",
        "Great, thanks for your help. Goodbye.",
        "Perfect, that's all I needed. Have a good day!",
        "Cheers, that sorts it. Bye.",
    ),
    "thanks_next": (
        "Great, thank you. One more thing: {request}",
        "Thanks! Also, {request}",
        "Perfect. Next, {request}",
        "Okay, thanks. There's something else: {request}",
        "Thank you. While I have you, {request}",
    ),
    "give_up": (
        "This is taking too long. I'll try again later.",
        "Never mind, I'll sort it out another time.",
        "I don't think this is working. Bye.",
        "Forget it, I'll call instead.",
        "I've run out of time for this. Goodbye.",
    ),
    "repeat_request": (
        "As I said, {request}",
        "Like I mentioned, {request}",
        "Again, {request}",
        "To repeat: {request}",
        "I'll say it again: {request}",
    ),
    "acknowledge": (
        "Okay.",
        "Alright.",
        "Got it.",
        "Sure.",
        "Okay, thanks.",
        "I see.",
    ),
    "accept_refusal": (
        "I see, that's a shame. Thanks anyway.",
        "Okay, I understand.",
        "That's disappointing, but fine.",
        "Alright, if that's the policy, I'll accept it.",
        "Understood. Thanks for checking.",
    ),
    "push_back": (
        "Are you sure? I really need this.",
        "Is there really nothing you can do?",
        "Could you please check again? It's important.",
        "That doesn't seem right. Can you make an exception?",
        "Please, I really need this sorted.",
    ),
    "already_said": (
        "I already told you: {value}.",
        "I gave that already, it's {value}.",
        "As I said before, {value}.",
        "It's {value}, like I mentioned.",
        "Same as before: {value}.",
    ),
    "clarify_unknown": (
        "Sorry, I'm not sure what you mean. {request}",
        "I don't follow. {request}",
        "Could you clarify? {request}",
        "Hmm, I'm confused. {request}",
        "I'm not sure I understand. {request}",
    ),
    "accept_offer": (
        "Yes, that works for me.",
        "Sure, let's do that.",
        "Okay, I'll take that.",
        "That sounds good, thank you.",
        "Fine, that's acceptable.",
    ),
    "decline_offer": (
        "No thanks, I'd rather not.",
        "I'll pass, thanks.",
        "That doesn't work for me.",
        "No, I'm not interested in that.",
        "Thanks, but that's not what I'm after.",
    ),
    "wait_ack": (
        "Sure, I'll wait.",
        "No problem, take your time.",
        "Okay, I'm here.",
        "Sure thing.",
        "Alright, I'll hold.",
    ),
}
"""Paraphrases of the simulated user's answers, formatted with `str.format`."""

_FORMATTER = string.Formatter()


def render_user(key: str, rng: random.Random, **values: object) -> str:
    """Pick a paraphrase for `key` with `rng` (deterministic given its state) and format it.

    `slot_label` is derived from a `slot=` value via `SLOT_LABELS` when not given.
    Raises KeyError for an unknown key or a missing placeholder value.
    """
    templates = USER_TEMPLATES[key]
    if "slot_label" not in values and "slot" in values:
        slot = str(values["slot"])
        values["slot_label"] = SLOT_LABELS.get(slot, slot.replace("_", " "))
    template = templates[rng.randrange(len(templates))]
    return _FORMATTER.vformat(template, (), values)
