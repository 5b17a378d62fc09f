"""What an agent has seen in an episode: typed entities (ids, emails, names, zips, addresses,
amounts) from user text and tool results, the slots it asked for, and the tool results so far.

Domain-free: entity kinds come from the JSON keys of tool results (``order_id``, ``items[].id``
-> ``item_id``), from the example ids in tool schemas ("such as W123456"), and from the user's
answers to the slots the agent asked for (read with the env's own NLU). The RL wrappers, the
random agent and the memory agent share this one reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from utility_gym.core.nlu import DEFAULT_LEXICON, Lexicon, Reading, extract_grounding, understand

ID_RX = re.compile(r"(?<![\w@/.-])#?([A-Z]{1,6}-?\d{3,20})(?![\w@])")
KEYED_ID_RX = re.compile(r"[A-Z0-9][A-Z0-9_.:-]{1,40}")
EMAIL_RX = re.compile(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
ZIP_RX = re.compile(r"(?<![\w$#.,/-])(\d{5})(?![\w%]|[.,]\d)")
ADDRESS_RX = re.compile(
    r"(\d{1,6}\s+[A-Za-z0-9 .'#-]+?),\s*([A-Za-z .'-]+?),\s*([A-Z]{2})\s+(\d{5})(?!\d)"
)
NAME_RX = re.compile(
    r"(?:my (?:full )?name is|name's|i am|i'm|this is|name:)\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)+)"
)
CAPITALIZED_PAIR_RX = re.compile(r"\b([A-Z][a-z'-]+)\s+([A-Z][a-z'-]+(?:-[A-Z][a-z'-]+)?)\b")
EXAMPLE_ID_RX = re.compile(r"such as #?([A-Z]{1,6}-?\d{2,})")
DONT_KNOW_RX = re.compile(
    r"don't know|do not know|not sure|no idea|can't find|don't have|cannot find", re.IGNORECASE
)
INFORM_PREFIX_RX = re.compile(
    r"^(?:sure,\s*|yes,\s*of course:\s*|okay,\s*|ok,\s*)?(?:(?:my|the)\s+[\w "
    r"'-]+?\s+is\s+|it's\s+|it is\s+)?",
    re.IGNORECASE,
)
AMOUNT_KEYS = ("amount", "total", "price", "balance", "credit", "cost", "refund")
NAME_WORDS_NOT_NAMES = frozenset(
    {"Sure", "Yes", "My", "The", "It", "Hi", "Hello", "Thanks", "Good", "Okay"}
)
_VERB_WORDS = frozenset(
    {
        "get",
        "list",
        "find",
        "search",
        "lookup",
        "look",
        "show",
        "check",
        "details",
        "detail",
        "info",
        "status",
        "view",
    }
)


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def id_shape(value: str) -> str:
    """The letter prefix of an id (``W`` for ``W123456``, ``IT`` for ``IT12``): ids of one kind
    share it."""
    m = re.match(r"[A-Za-z]+-?", value)
    return m.group().upper() if m else ""


def tool_noun(tool_name: str) -> str:
    """The thing a tool is about: ``get_order_details`` -> ``order``, ``list_orders`` ->
    ``order``."""
    words = tool_name.lower().split("_")
    if "by" in words:
        words = words[: words.index("by")]
    nouns = [w for w in words if w not in _VERB_WORDS]
    return singular(nouns[-1]) if nouns else ""


def id_kind_of_param(name: str) -> str | None:
    """The id kind a parameter takes: ``order_id`` -> ``order_id``, ``new_variant_ids`` ->
    ``new_variant_id`` (``EntityTracker.ids_for`` falls back to ``variant_id``)."""
    n = name.lower()
    if n.endswith("_ids"):
        n = n[:-1]
    if not n.endswith("_id"):
        return None
    return n


@dataclass
class Entity:
    """One value seen in the episode, with where and when it was seen."""

    # "email" | "name" | "zip" | "address" | "amount" | "<thing>_id" | "id" (untyped) | a slot name
    kind: str
    value: Any  # str; (first, last) for a name; (address1, city, state, zip) for an address
    by_user: bool = False  # the user said it, or it sits next to something the user said
    last_seen: int = 0
    groups: set[int] = field(
        default_factory=set
    )  # tool-result records it appeared in, and their parents
    own: set[int] = field(default_factory=set)  # the records it appeared in directly

    @property
    def text(self) -> str:
        if self.kind == "name":
            return " ".join(self.value)
        if self.kind == "address":
            a1, city, state, zip_code = self.value
            return f"{a1}, {city}, {state} {zip_code}"
        return str(self.value)


class EntityTracker:
    """Reads the events of an episode and keeps what an agent could act on.

    Call ``reset(events)`` with the reset events, ``note_action(action)`` with every action the
    agent takes and ``observe(events)`` with the events each step returns (``info["events"]``).
    """

    def __init__(
        self, tools: Sequence[Mapping[str, Any]] = (), lexicon: Lexicon = DEFAULT_LEXICON
    ) -> None:
        self.lexicon = lexicon
        self.tools = [t.get("function", t) for t in tools]
        self._readings: dict[str, Reading] = {}
        self._ranked: dict[tuple[str, str], list[Entity]] = {}
        self._param_shapes: dict[str, str] = {}  # id shape -> kind, from "such as W123456"
        for fn in self.tools:
            for pname, schema in fn.get("parameters", {}).get("properties", {}).items():
                kind = id_kind_of_param(pname)
                m = EXAMPLE_ID_RX.search(str(schema.get("description", "")))
                if kind and m:
                    self._param_shapes.setdefault(id_shape(m.group(1)), kind)
        self.reset()

    # -- feeding --------------------------------------------------------------------------------
    def reset(self, events: Iterable[Mapping[str, Any]] = ()) -> None:
        self.entities: dict[
            tuple[str, Any], Entity
        ] = {}  # ("id", value) for every id, else (kind, value)
        self.clock = 0
        self.user_texts: list[str] = []
        self.user_acts: list[str] = []  # the user's acts in the latest observation
        self.results: list[tuple[str, Any]] = []  # (tool name, parsed result) of successful calls
        self.tool_calls: list[str] = []  # names of the tools the agent called
        self.errors = 0
        self.last_roles: tuple[str, ...] = ()
        self.last_error = ""
        self.asked: list[str] = []  # slots the agent asked for, in order
        self.pending_slots: tuple[str, ...] = ()  # asked in the latest agent message
        self.last_action = ""  # the agent's latest action as text
        self.last_reading: Reading | None = None  # the NLU's reading of the agent's latest message
        self.verified = False
        self._shapes: dict[
            str, dict[str, int]
        ] = {}  # id shape -> kind -> count (from tool results)
        self._record_texts: list[
            tuple[int, str]
        ] = []  # (record, casefolded text) of tool-result fields
        self._records = 0
        self._user_folded = ""
        self.pending_tool: str | None = None  # the tool the agent's latest action called
        self.observe(events)

    def note_action(self, action: Any) -> None:
        """Record the agent's action (a tool call dict or JSON string, or a message)."""
        text = (
            action
            if isinstance(action, str)
            else json.dumps(action, ensure_ascii=False, default=str)
        )
        self.last_action = text
        self.last_reading = None
        self.pending_slots = ()
        self._ranked.clear()
        self.pending_tool = None
        stripped = text.lstrip()
        if stripped.startswith("{"):
            try:
                obj = json.loads(stripped)
            except ValueError:
                obj = None
            if isinstance(obj, dict):
                if isinstance(obj.get("function"), dict):
                    obj = obj["function"]
                name = obj.get("name")
                if isinstance(name, str):
                    self.pending_tool = name
                    self.tool_calls.append(name)
            return
        self.last_reading = self.read(text)
        slots = self.last_reading.slots()
        self.pending_slots = tuple(dict.fromkeys(slots))
        for s in self.pending_slots:
            if s not in self.asked:
                self.asked.append(s)

    def read(self, text: str) -> Reading:
        """The env's NLU reading of an agent message (cached: agents repeat themselves)."""
        reading = self._readings.get(text)
        if reading is None:
            if len(self._readings) > 4096:
                self._readings.clear()
            reading = self._readings[text] = understand(text, self.lexicon)
        return reading

    def observe(self, events: Iterable[Mapping[str, Any]]) -> None:
        self._ranked.clear()
        roles = []
        self.user_acts = []
        for event in events:
            self.clock += 1
            role = event.get("role", "")
            roles.append(role)
            content = str(event.get("content", ""))
            if role == "user":
                self._read_user(content)
                self.user_acts.extend((event.get("data") or {}).get("acts", []))
            elif role == "tool":
                self._read_result(str(event.get("name") or self.pending_tool or ""), content)
            elif role == "error":
                self.errors += 1
                self.last_error = content
        self.last_roles = tuple(roles)

    # -- queries ----------------------------------------------------------------------------------
    def of_kind(self, kind: str, limit: int = 8) -> list[Entity]:
        """Entities of one kind, most useful first: what the user said (or its record), then the
        newest."""
        key = ("kind", kind)
        found = self._ranked.get(key)
        if found is None:
            found = [e for e in self.entities.values() if e.kind == kind]
            found.sort(key=lambda e: (not e.by_user, -e.last_seen))
            self._ranked[key] = found
        return found[:limit]

    def ids_for(self, kind: str, limit: int = 8) -> list[Entity]:
        """Ids usable as ``kind`` (e.g. ``order_id``): typed ones, and untyped ids of the same
        shape.

        A qualified kind with no ids falls back to its head: ``new_variant_id`` -> ``variant_id``.
        """
        found = self._ids_of(kind)
        while not found and kind.count("_") > 1:
            kind = kind.split("_", 1)[1]
            found = self._ids_of(kind)
        return found[:limit]

    def _ids_of(self, kind: str) -> list[Entity]:
        key = ("ids", kind)
        found = self._ranked.get(key)
        if found is None:
            shapes = {s for s, k in self._param_shapes.items() if k == kind}
            shapes |= {s for s, counts in self._shapes.items() if kind in counts}
            found = [
                e
                for e in self.entities.values()
                if e.kind == kind or (e.kind == "id" and id_shape(str(e.value)) in shapes)
            ]
            found.sort(key=lambda e: (not e.by_user, -e.last_seen))
            self._ranked[key] = found
        return found

    def kinds(self) -> set[str]:
        return {e.kind for e in self.entities.values()}

    def said_by_user(self, text: str) -> bool:
        """Whether the user said ``text`` (case-insensitive, ignoring ``_`` vs space)."""
        t = text.casefold().replace("_", " ").strip()
        return bool(t) and t in self._user_folded

    @property
    def opening(self) -> str:
        return self.user_texts[0] if self.user_texts else ""

    @property
    def last_result(self) -> tuple[str, Any] | None:
        return self.results[-1] if self.results else None

    # -- reading ----------------------------------------------------------------------------------
    def _add(self, kind: str, value: Any, by_user: bool, records: tuple[int, ...] = ()) -> Entity:
        key = (kind, value)
        e = self.entities.get(key)
        if e is None:
            e = self.entities[key] = Entity(kind, value)
        e.by_user = e.by_user or by_user
        e.last_seen = self.clock
        e.groups.update(records)
        if records:
            e.own.add(records[0])
        return e

    def _add_id(
        self, value: str, by_user: bool, kind: str | None = None, records: tuple[int, ...] = ()
    ) -> Entity | None:
        v = value.strip().lstrip("#").upper()
        # A value under an id key is an id whatever its shape; elsewhere it must look like one.
        if not (ID_RX.fullmatch(v) or (kind and KEYED_ID_RX.fullmatch(v))):
            return None
        if kind:
            counts = self._shapes.setdefault(id_shape(v), {})
            counts[kind] = counts.get(kind, 0) + 1
        e = self._add("id", v, by_user, records)
        if kind:
            e.kind = kind
        elif e.kind == "id":
            e.kind = self._kind_of_id(v)
        return e

    def _kind_of_id(self, value: str) -> str:
        shape = id_shape(value)
        counts = self._shapes.get(shape)
        if counts:
            return max(counts, key=lambda k: counts[k])
        return self._param_shapes.get(shape, "id")

    def _read_user(self, text: str) -> None:
        self.user_texts.append(text)
        self._user_folded += "\n" + text.casefold()
        for m in ID_RX.finditer(text):
            self._add_id(m.group(1), True)
        for email in EMAIL_RX.findall(text):
            self._add("email", email.lower(), True)
        for m in ADDRESS_RX.finditer(text):
            self._add(
                "address", (m.group(1).strip(), m.group(2).strip(), m.group(3), m.group(4)), True
            )
        for m in NAME_RX.finditer(text):
            self._add_name(m.group(1), True)
        grounding = extract_grounding(text)
        for z in grounding.zips:
            self._add("zip", z, True)
        for amount in grounding.amounts:
            self._add("amount", amount, True)
        self._read_answers(text)
        folded = text.casefold()
        self._mark_records({r for r, t in self._record_texts if t in folded})

    def _read_answers(self, text: str) -> None:
        """Values the user gave for the slots the agent just asked for, one sentence per slot."""
        if not self.pending_slots or DONT_KNOW_RX.search(text):
            return
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
        for slot, sentence in zip(self.pending_slots, sentences):
            value = INFORM_PREFIX_RX.sub("", sentence, count=1).rstrip(".!").strip()
            if not value:
                continue
            if slot == "name":
                pair = CAPITALIZED_PAIR_RX.search(value)
                if pair and pair.group(1) not in NAME_WORDS_NOT_NAMES:
                    self._add("name", (pair.group(1), pair.group(2)), True)
            elif slot not in ("email", "zip", "address", "order_id"):
                self._add(slot, value, True)  # free text: item names, options, reasons, ...
        self.pending_slots = ()

    def _add_name(self, text: str, by_user: bool, records: tuple[int, ...] = ()) -> None:
        parts = text.split()
        if len(parts) >= 2 and parts[0] not in NAME_WORDS_NOT_NAMES:
            self._add("name", (parts[0], " ".join(parts[1:])), by_user, records)

    def _mark_records(self, records: set[int]) -> None:
        """The values of a tool-result record that holds something the user said are the user's
        (the record itself, not its parent: naming a product marks it, not its siblings)."""
        if records:
            for e in self.entities.values():
                if e.own & records:
                    e.by_user = True

    def _read_result(self, tool: str, content: str) -> None:
        try:
            value = json.loads(content)
        except ValueError:
            value = content
        self.results.append((tool, value))
        if isinstance(value, dict) and value.get("verified") is True:
            self.verified = True
        self._walk(value, tool_noun(tool))

    def _walk(self, value: Any, container: str, parents: tuple[int, ...] = ()) -> None:
        if isinstance(value, list):
            for v in value:
                self._walk(v, container, parents)
            return
        if not isinstance(value, dict):
            return
        self._records += 1
        record = self._records
        records = (record, *parents)
        folded_user = " ".join(self.user_texts).casefold()
        related = False
        first = last = None
        for key, v in value.items():
            k = str(key).lower()
            if isinstance(v, bool) or v is None:
                continue
            if isinstance(v, int | float):
                if any(a in k for a in AMOUNT_KEYS):
                    self._add("amount", round(float(v), 2), False, records)
                continue
            if isinstance(v, dict | list):
                if (
                    k.endswith("_ids")
                    and isinstance(v, list)
                    and all(isinstance(x, str) for x in v)
                ):
                    for x in v:
                        self._add_id(x, False, id_kind_of_param(k), records)
                else:
                    self._walk(v, singular(k), records)
                continue
            v = str(v)
            if k == "id" or k.endswith("_id"):
                self._add_id(
                    v,
                    False,
                    k if k != "id" else (f"{container}_id" if container else None),
                    records,
                )
                continue
            if k == "email" or EMAIL_RX.fullmatch(v):
                self._add("email", v.lower(), False, records)
            elif k == "first_name":
                first = v
            elif k == "last_name":
                last = v
            elif k in ("name", "full_name", "customer_name") and (
                "customer_id" in value or "email" in value
            ):
                self._add_name(v, False, records)
            elif k == "zip" and ZIP_RX.fullmatch(v):
                self._add("zip", v, False, records)
            elif "address" in k:
                m = ADDRESS_RX.search(v)
                if m:
                    self._add(
                        "address",
                        (m.group(1).strip(), m.group(2).strip(), m.group(3), m.group(4)),
                        False,
                        records,
                    )
            if len(v) >= 4:
                folded = v.casefold()
                self._record_texts.append((record, folded))
                related = related or folded in folded_user
        if first and last:
            self._add("name", (first, last), False, records)
        if related:
            self._mark_records({record})
