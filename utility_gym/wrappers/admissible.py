"""AdmissibleActions: a Discrete(N) view of the currently admissible actions, with masks.

The text action space of a utility env is unbounded; RL code wants a fixed discrete one. Each
step, ``ActionEnumerator`` lists what an agent could sensibly do now, from what the episode has
shown (``EntityTracker``): tool calls whose arguments are entities seen in the episode (ids,
emails, names, zips, addresses, amounts; enum values), and dialogue acts (ask for each fact not
yet asked, propose a pending change and ask for confirmation, tell the facts just looked up,
refuse, ask whether there is anything else). The list has a fixed layout, so an index keeps its
meaning across steps and episodes as far as possible:

``[anything-else, refuse, tell, ask:<slot>..., <tool> x k..., propose:<write tool> x k...,
padding]``

Index ``i`` of the k slots of a tool is its i-th best argument combination (what the user said
first, then the most recent, then records seen together).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from utility_gym.core.dialogue import InvalidAction, format_tool_call
from utility_gym.core.nlu import DEFAULT_LEXICON, Lexicon, understand
from utility_gym.wrappers.entities import Entity, EntityTracker, id_kind_of_param
from utility_gym.wrappers.numeric import SLOTS

ANYTHING_ELSE = "Is there anything else I can help you with?"
REFUSAL = "I'm sorry, but I can't do that: our policy does not allow it."
ADDRESS_PARTS = ("address1", "city", "state", "zip")
NAME_PARTS = ("first_name", "last_name")
DOLLARS_RX = re.compile(r"\$(\d+(?:\.\d{1,2})?)")
ISO_DATETIME_RX = re.compile(r"^(\d{4}-\d{2}-\d{2})T[\d:.]+$")
MAX_FACTS_CHARS = 700
QUERY_WORDS = frozenset({"query", "search", "keywords", "keyword", "q", "terms"})
NOTE_WORDS = frozenset(
    {
        "summary",
        "description",
        "note",
        "notes",
        "details",
        "message",
        "comment",
        "justification",
        "body",
        "text",
        "reason",
        "issue",
    }
)
ENV_ACTIONS = (
    32  # slots for an env's own list of valid actions (the web shop's clicks), when it has one
)


@dataclass(frozen=True)
class ToolInfo:
    """What the enumerator needs to know about a tool."""

    name: str
    description: str
    properties: Mapping[str, Mapping[str, Any]]
    required: tuple[str, ...]
    writes: bool = False
    terminal: bool = False
    confirm: bool = False

    @classmethod
    def from_schema(
        cls,
        schema: Mapping[str, Any],
        writes: bool = False,
        terminal: bool = False,
        confirm: bool | None = None,
    ) -> ToolInfo:
        fn = schema.get("function", schema)
        params = fn.get("parameters", {})
        return cls(
            name=fn["name"],
            description=fn.get("description", ""),
            properties=dict(params.get("properties", {})),
            required=tuple(params.get("required", ())),
            writes=writes,
            terminal=terminal,
            # A terminal write (a hand-off) ends the episode: there is no turn left to confirm it.
            confirm=writes and not terminal if confirm is None else (confirm and not terminal),
        )


@dataclass(frozen=True)
class Slot:
    """One position of the Discrete action space."""

    kind: str  # "more" | "refuse" | "tell" | "ask" | "tool" | "propose" | "pad"
    tool: str | None = None
    rank: int = 0  # the rank-th argument combination of the tool
    slot: str | None = None  # the fact asked for, for "ask"

    @property
    def label(self) -> str:
        if self.kind == "ask":
            return f"ask:{self.slot}"
        if self.kind in ("tool", "propose"):
            return f"{self.kind}:{self.tool}#{self.rank}"
        if self.kind == "env":
            return f"env#{self.rank}"
        return self.kind


def tools_of(env: gym.Env) -> list[ToolInfo]:
    """The tools of a utility env (``env.unwrapped.toolbox``), with their write/terminal flags."""
    toolbox = getattr(env.unwrapped, "toolbox", None)
    if toolbox is None:
        raise TypeError(
            f"{env.unwrapped!r} has no toolbox; AdmissibleActions needs a utility_gym env"
        )
    return [
        ToolInfo.from_schema(
            spec.schema, spec.writes, spec.terminal, getattr(spec, "confirm", None)
        )
        for spec in toolbox.tools.values()
    ]


_ASK_PHRASES: dict[
    tuple[int, str], tuple[Lexicon, str | None]
] = {}  # the lexicon is kept: its id stays unique


def ask_phrase(slot: str, lexicon: Lexicon) -> str | None:
    """A question the env's NLU reads as a request for exactly ``slot``, or None (cached per
    lexicon)."""
    key = (id(lexicon), slot)
    if key not in _ASK_PHRASES:
        _ASK_PHRASES[key] = (lexicon, _find_ask_phrase(slot, lexicon))
    return _ASK_PHRASES[key][1]


def _find_ask_phrase(slot: str, lexicon: Lexicon) -> str | None:
    label = lexicon.label(slot)
    for phrase in (
        f"Could you please tell me your {label}?",
        f"Could you please tell me the {label}?",
        f"Which {label} is it about?",
        f"What is the {label}?",
    ):
        if understand(phrase, lexicon).slots() == (slot,):
            return phrase
    return None


def default_ask_slots(tools: Sequence[ToolInfo], policy: str, lexicon: Lexicon) -> tuple[str, ...]:
    """The slots worth asking for: those whose name or label the tools or the policy mention."""
    words = (
        " ".join(
            [
                t.name.replace("_", " ") + " " + t.description + " " + " ".join(t.properties)
                for t in tools
            ]
            + [policy]
        )
        .replace("_", " ")
        .casefold()
    )
    out = []
    for slot in dict.fromkeys((*SLOTS, *lexicon.slot_patterns)):
        names = {slot.replace("_", " "), lexicon.label(slot).casefold()}
        if any(re.search(r"\b" + re.escape(n) + r"s?\b", words) for n in names) and ask_phrase(
            slot, lexicon
        ):
            out.append(slot)
    return tuple(out)


class ActionEnumerator:
    """Lists the admissible actions of the current step in a fixed layout of ``n`` slots."""

    def __init__(
        self,
        tools: Sequence[ToolInfo],
        *,
        lexicon: Lexicon = DEFAULT_LEXICON,
        policy: str = "",
        ask_slots: Sequence[str] | None = None,
        per_tool: int = 4,
        n: int | None = None,
        env_actions: int = 0,
    ) -> None:
        self.tools = {t.name: t for t in tools}
        # Parameters with the same name and schema take the same values: compute them once a step.
        self._param_keys = {
            (t.name, p): (p, json.dumps(dict(sch), sort_keys=True))
            for t in tools
            for p, sch in t.properties.items()
        }
        self._values: dict[tuple[str, str], list[tuple[Any, Entity | None, str]]] = {}
        self._env_verbs: set[str] = set()
        self.lexicon = lexicon
        self.per_tool = per_tool
        slots = default_ask_slots(tools, policy, lexicon) if ask_slots is None else tuple(ask_slots)
        self.ask_phrases = {s: p for s in slots if (p := ask_phrase(s, lexicon))}
        self.policy_amounts = sorted({float(m) for m in DOLLARS_RX.findall(policy)})
        layout = [Slot("more"), Slot("refuse"), Slot("tell")]
        layout += [Slot("ask", slot=s) for s in self.ask_phrases]
        for t in tools:
            layout += [Slot("tool", t.name, k) for k in range(self._block(t))]
        for t in tools:
            if t.confirm:
                layout += [Slot("propose", t.name, k) for k in range(self._block(t))]
        layout += [Slot("env", rank=k) for k in range(env_actions)]
        if n is not None:
            if n < len(layout):
                raise ValueError(
                    f"n={n} is too small: this env needs at least {len(layout)} action slots"
                )
            layout += [Slot("pad")] * (n - len(layout))
        self.layout: tuple[Slot, ...] = tuple(layout)
        self._index = {s: i for i, s in enumerate(self.layout) if s.kind != "pad"}

    @property
    def n(self) -> int:
        return len(self.layout)

    def enumerate(
        self,
        tracker: EntityTracker,
        calls_made: set[str] | None = None,
        env_actions: Sequence[str] | None = None,
    ) -> list[str]:
        """The action string of every slot ('' where the slot is not admissible now).

        ``env_actions`` are the env's own list of valid actions (``info["valid_actions"]``, e.g.
        the web shop's ``click[5]``), placed in the ``env`` slots; a tool the env already lists
        that way (``click``) gets no slots of its own, and a template such as ``search[<query>]``
        is filled with phrases from the user's request.
        """
        calls_made = calls_made if calls_made is not None else set()
        self._values = {}
        out = [""] * self.n
        out[0] = ANYTHING_ELSE
        facts = describe_result(tracker.last_result[1]) if tracker.last_result else ""
        out[1] = REFUSAL + (f" For reference: {facts}." if facts else "")
        told_marker = f"result:{len(tracker.results)}"
        if facts and told_marker not in calls_made:
            out[2] = f"Here is what I found: {facts}."
        for slot, phrase in self.ask_phrases.items():
            if slot in tracker.asked or self._known(slot, tracker):
                continue
            out[self._index[Slot("ask", slot=slot)]] = phrase
        listed = self._fill_env_actions(out, env_actions or (), tracker)
        for tool in self.tools.values():
            if tool.name in listed:
                continue
            block = self._block(tool)
            k = 0
            for args, shown in self.candidates(tool, tracker):
                call = format_tool_call(tool.name, args)
                if call in calls_made:  # the same call again tells nothing new
                    continue
                out[self._index[Slot("tool", tool.name, k)]] = call
                if tool.confirm:
                    out[self._index[Slot("propose", tool.name, k)]] = self.proposal(
                        tool, args, shown
                    )
                k += 1
                if k == block:
                    break
        return out

    def _fill_env_actions(
        self, out: list[str], actions: Sequence[str], tracker: EntityTracker
    ) -> set[str]:
        slots = [i for i, s in enumerate(self.layout) if s.kind == "env"]
        concrete: list[str] = []
        verbs: set[str] = set()
        for action in actions:
            m = TEMPLATE_RX.fullmatch(action)
            verb = action.split("[", 1)[0]
            verbs.add(verb)
            if m is None:
                concrete.append(action)
            elif verb == "search":
                concrete += [f"search[{q}]" for q in request_phrases(tracker.opening)]
            # other templates (ask[<question>]) are covered by the dialogue acts
        for i, action in zip(slots, dict.fromkeys(concrete)):
            out[i] = action
        if not slots:
            return set()
        self._env_verbs |= verbs  # a tool the env lists itself on some page is left to that list
        return self._env_verbs

    # -- tool arguments
    # -----------------------------------------------------------------------------
    def candidates(
        self, tool: ToolInfo, tracker: EntityTracker
    ) -> list[tuple[dict[str, Any], list[str]]]:
        """Argument combinations for ``tool``, best first, each with its parts described for people
        (``"order #W123"``, ``"reason: no longer needed"``; ``""`` for secondary ids)."""
        groups: list[tuple[tuple[str, ...], list[tuple[tuple[Any, ...], Entity | None, str]]]] = []
        props = tool.properties
        names = [p for p in props if p in tool.required]
        if all(p in names for p in NAME_PARTS):
            groups.append((NAME_PARTS, [(e.value, e, e.text) for e in tracker.of_kind("name", 3)]))
            names = [p for p in names if p not in NAME_PARTS]
        if all(p in names for p in ADDRESS_PARTS):
            groups.append(
                (ADDRESS_PARTS, [(e.value, e, e.text) for e in tracker.of_kind("address", 3)])
            )
            names = [p for p in names if p not in ADDRESS_PARTS]
        for p in names:
            key = self._param_keys[tool.name, p]
            values = self._values.get(key)
            if values is None:
                values = self._values[key] = self._param_values(p, props[p], tracker)
            groups.append(((p,), [((v,), e, shown) for v, e, shown in values]))
        if any(not values for _, values in groups):
            return []
        lists = [values[: self.per_tool] for _, values in groups]
        combos = []
        for ranks in itertools.product(*(range(len(v)) for v in lists)):
            picks = [lst[r] for lst, r in zip(lists, ranks)]
            ents = [e for _, e, _ in picks if e is not None and e.groups]
            apart = len(ents) > 1 and not set.intersection(*(e.groups for e in ents))
            combos.append((apart, sum(ranks), ranks, picks))
        combos.sort(key=lambda c: c[:3])
        out = []
        for *_, picks in combos:
            args: dict[str, Any] = {}
            shown = []
            for (params, _), (value, _, text) in zip(groups, picks):
                args.update(zip(params, value))
                shown.append(text)
            out.append((args, shown))
        return out

    def _param_values(
        self, name: str, schema: Mapping[str, Any], tracker: EntityTracker
    ) -> list[tuple[Any, Entity | None, str]]:
        label = name.replace("_", " ")
        if "enum" in schema:
            values = list(schema["enum"])
            values.sort(key=lambda v: not tracker.said_by_user(str(v)))
            return [(v, None, f"{label}: {str(v).replace('_', ' ')}") for v in values]
        kind = schema.get("type")
        if kind == "array":
            item_kind = id_kind_of_param(name)
            ents = tracker.ids_for(item_kind) if item_kind else []
            out = [([e.value], e, "") for e in ents]
            mine = [e for e in ents if e.by_user]
            if len(mine) > 1 and set.intersection(*(e.groups for e in mine)):
                out.insert(0, ([e.value for e in mine], mine[0], ""))
            return out
        if kind in ("number", "integer"):
            if kind == "integer":
                return [(1, None, f"{label}: 1")]
            amounts = [
                e.value for e in tracker.of_kind("amount") if e.by_user
            ] + self.policy_amounts
            return [(a, None, f"${a:,.2f}") for a in dict.fromkeys(amounts)]
        if kind == "boolean":
            return [(True, None, f"{label}: yes"), (False, None, f"{label}: no")]
        id_kind = id_kind_of_param(name)
        if id_kind:
            noun = id_kind.removesuffix("_id").replace("_", " ")
            return [(e.value, e, f"{noun} #{e.value}") for e in tracker.ids_for(id_kind)]
        for entity_kind in ("email", "zip", "name", "address"):
            if entity_kind in name.lower():
                return [(e.text, e, e.text) for e in tracker.of_kind(entity_kind, 4)]
        said = tracker.of_kind(name, 2)
        if said:
            return [(e.text, e, f"{label}: {e.text}") for e in said]
        words = set(name.lower().split("_"))
        if words & QUERY_WORDS:  # a search: short phrases of the user's request
            return [(q, None, f"{label}: {q}") for q in request_phrases(tracker.opening)]
        if (
            words & NOTE_WORDS and tracker.opening
        ):  # a summary or a note: the request in the user's words
            verified = [e.value for e in tracker.of_kind("customer_id", 1)]
            text = f"Customer request: {tracker.opening}" + (
                f" Verified customer {verified[0]}." if verified else ""
            )
            return [(text[:500], None, "")]
        return []  # nothing seen fits: the tool is not admissible yet

    def proposal(self, tool: ToolInfo, args: Mapping[str, Any], shown: Sequence[str]) -> str:
        """A message that states the change and asks for an explicit yes.

        Only the first id is named: the simulated user checks that the ids in a proposal are the
        ones it means, and secondary ids (items, variants) are not the user's words.
        """
        what = re.split(r"[.;:]", tool.description, maxsplit=1)[0].strip()
        what = what[:1].lower() + what[1:]
        details = []
        for part in shown:
            if "#" in part and any("#" in d for d in details):
                continue
            if part:
                details.append(part)
        detail = f" ({', '.join(details)})" if details else ""
        return f"I can {what}{detail}. Shall I go ahead? Please reply yes to confirm."

    # -- helpers ----------------------------------------------------------------------------------
    def _block(self, tool: ToolInfo) -> int:
        needs_values = [
            p
            for p in tool.required
            if "enum" in tool.properties[p] or self._entity_param(p, tool.properties[p])
        ]
        return self.per_tool if needs_values else 1

    @staticmethod
    def _entity_param(name: str, schema: Mapping[str, Any]) -> bool:
        if schema.get("type") in ("number", "boolean", "array"):
            return True
        if set(name.lower().split("_")) & QUERY_WORDS:
            return True
        return bool(id_kind_of_param(name)) or any(
            k in name.lower() for k in ("email", "zip", "name", "address", "city", "state")
        )

    @staticmethod
    def _known(slot: str, tracker: EntityTracker) -> bool:
        if slot == "order_id":
            return any(e.by_user for e in tracker.ids_for("order_id", 4))
        return any(e.by_user for e in tracker.of_kind(slot, 1))


TEMPLATE_RX = re.compile(r"\w+\[<[^>]*>\]")
_POLITE_RX = re.compile(
    r"^(?:(?:hi|hello|hey|hey there|good (?:morning|afternoon|evening)|please|so|i'?d like to|i "
    r"would like to|i want to|"
    r"i need to|i'?m looking for|looking for|can you|could "
    r"you|order|buy|get|find|purchase|me|us|some|a|an|the)\b[\s,!]*)+",
    re.IGNORECASE,
)


def request_phrases(text: str, limit: int = 3) -> list[str]:
    """Short search phrases from a request: its clauses, without greetings and politeness."""
    parts = re.split(r"[,;.!?]|\btogether with\b|\band also\b|\bas well as\b", text)
    out = []
    for part in parts:
        phrase = _POLITE_RX.sub("", part.strip()).strip()
        if len(phrase.split()) >= 2:
            out.append(phrase[:80])
        if len(out) == limit:
            break
    return out


def describe_result(value: Any, depth: int = 0) -> str:
    """A tool result as plain facts: ``status: shipped; total: $45.00; delivered at:
    2026-05-30``."""
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            if v is None or v == [] or v == {}:
                continue
            label = str(k).replace("_", " ")
            if isinstance(v, dict | list):
                if depth >= 2:
                    continue
                parts.append(f"{label}: ({describe_result(v, depth + 1)})")
            else:
                parts.append(f"{label}: {_scalar(str(k), v)}")
        text = "; ".join(parts)
    elif isinstance(value, list):
        text = " | ".join(describe_result(v, depth + 1) for v in value[:4])
        if len(value) > 4:
            text += f" | and {len(value) - 4} more"
    else:
        text = str(value)
    return text if len(text) <= MAX_FACTS_CHARS else text[: MAX_FACTS_CHARS - 3] + "..."


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and any(
        a in key.lower()
        for a in ("amount", "total", "price", "balance", "credit", "cost", "refund")
    ):
        return f"${float(value):,.2f}"
    text = str(value)
    m = ISO_DATETIME_RX.match(text)
    return m.group(1) if m else text


class ActionListing:
    """What an agent could do now: an ``EntityTracker`` fed with the episode, and the
    ``ActionEnumerator``'s list of the current step. Shared by ``AdmissibleActions`` (indices)
    and ``RandomAgent`` (text), so both see exactly the same actions."""

    def __init__(
        self,
        tools: Sequence[ToolInfo],
        *,
        lexicon: Lexicon = DEFAULT_LEXICON,
        policy: str = "",
        ask_slots: Sequence[str] | None = None,
        per_tool: int = 4,
        n: int | None = None,
        env_actions: int = 0,
    ) -> None:
        self.enumerator = ActionEnumerator(
            tools,
            lexicon=lexicon,
            policy=policy,
            ask_slots=ask_slots,
            per_tool=per_tool,
            n=n,
            env_actions=env_actions,
        )
        schemas = [
            {
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": {"properties": dict(t.properties)},
                }
            }
            for t in tools
        ]
        self.tracker = EntityTracker(schemas, lexicon)
        self.strings: list[str] = [""] * self.enumerator.n
        self._done: set[str] = set()  # tool calls made and results told: not offered again

    @classmethod
    def for_env(cls, env: gym.Env, env_actions: int = ENV_ACTIONS, **kwargs: Any) -> ActionListing:
        """The listing for a utility env; ``env_actions`` slots if it lists valid actions itself."""
        domain = getattr(env.unwrapped, "domain", None)
        has_list = callable(getattr(env.unwrapped, "valid_actions", None))
        return cls(
            tools_of(env),
            lexicon=getattr(domain, "lexicon", DEFAULT_LEXICON),
            policy=getattr(domain, "policy", ""),
            env_actions=env_actions if has_list else 0,
            **kwargs,
        )

    def reset(
        self, events: Iterable[Mapping[str, Any]], valid_actions: Sequence[str] | None = None
    ) -> list[str]:
        """Start an episode from its first events; returns the action string of every slot."""
        self.tracker.reset(events)
        self._done = set()
        return self._list(valid_actions)

    def observe(
        self, events: Iterable[Mapping[str, Any]], valid_actions: Sequence[str] | None = None
    ) -> list[str]:
        """Read a step's events (and the env's ``info["valid_actions"]``, if any); returns the new
        list."""
        self.tracker.observe(events)
        return self._list(valid_actions)

    def take(self, index: int) -> str:
        """The action of slot ``index`` ('' if not admissible), recorded as the agent's action."""
        text = self.strings[index] if 0 <= index < len(self.strings) else ""
        self.tracker.note_action(text)
        if text:
            kind = self.enumerator.layout[index].kind
            if kind == "tool":
                self._done.add(text)
            elif kind == "tell":
                self._done.add(f"result:{len(self.tracker.results)}")
        return text

    def _list(self, valid_actions: Sequence[str] | None) -> list[str]:
        self.strings = self.enumerator.enumerate(self.tracker, self._done, valid_actions)
        return list(self.strings)


class AdmissibleActions(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """A ``Discrete(n)`` action space over the admissible actions of a utility env.

    Every ``reset`` and ``step`` adds ``info["action_mask"]`` (``int8``, 1 = admissible) and
    ``info["action_strings"]`` (the text action of each index, ``""`` where masked);
    ``action_masks()`` returns the current mask as ``bool`` (sb3-contrib's MaskablePPO reads it).
    ``step(i)`` sends ``info["action_strings"][i]`` to the env. A masked index is not an error
    that stops training: it costs a turn like any malformed action, and the observation says so.

    Args:
        env: a utility env (``gym.make("utility/...")``), possibly already wrapped; the
            observation is passed through, so ``NumericObservation`` may sit inside or outside.
        per_tool: argument combinations listed per tool (and proposals per confirmed write).
        n: the size of the action space; defaults to the layout's own size. Give a larger ``n``
            to share one action space across envs; a smaller one raises.
        ask_slots: the facts the agent may ask for; default: the slots the tools and the policy
            mention (each asked with a phrase the env's NLU reads as exactly that request).
    """

    def __init__(
        self,
        env: gym.Env,
        per_tool: int = 4,
        n: int | None = None,
        ask_slots: Sequence[str] | None = None,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, per_tool=per_tool, n=n, ask_slots=None if ask_slots is None else list(ask_slots)
        )
        gym.Wrapper.__init__(self, env)
        self.listing = ActionListing.for_env(env, ask_slots=ask_slots, per_tool=per_tool, n=n)
        self.enumerator = self.listing.enumerator
        self.tracker = self.listing.tracker
        self.lexicon: Lexicon = self.enumerator.lexicon
        self.action_space = gym.spaces.Discrete(self.enumerator.n)

    @property
    def layout(self) -> tuple[Slot, ...]:
        """What each index means (``Slot.label``: ``ask:email``, ``tool:get_order_details#0``,
        ...)."""
        return self.enumerator.layout

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self.listing.reset(info.get("events", ()), info.get("valid_actions"))
        return obs, self._annotate(info)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        index = int(action)
        text = self.listing.take(index)
        sent: Any = text or InvalidAction(
            f"action {index} is not admissible now; choose an index where info['action_mask'] is 1 "
            f"(there are {sum(1 for s in self.listing.strings if s)} admissible actions)"
        )
        obs, reward, terminated, truncated, info = self.env.step(sent)
        self.listing.observe(info.get("events", ()), info.get("valid_actions"))
        return obs, reward, terminated, truncated, self._annotate(info)

    def step_text(self, text: str) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Step with a text action that may lie outside the listing (a demonstration's own
        words): the tracker notes it as the agent's action, as ``step(i)`` notes slot ``i``."""
        self.listing.tracker.note_action(text)
        obs, reward, terminated, truncated, info = self.env.step(text)
        self.listing.observe(info.get("events", ()), info.get("valid_actions"))
        return obs, reward, terminated, truncated, self._annotate(info)

    def action_masks(self) -> np.ndarray:
        """The current mask as ``bool``, for sb3-contrib's MaskablePPO."""
        return np.array([bool(s) for s in self.listing.strings], dtype=bool)

    def admissible(self) -> list[tuple[int, str]]:
        """The admissible ``(index, action string)`` pairs of the current step."""
        return [(i, s) for i, s in enumerate(self.listing.strings) if s]

    def _annotate(self, info: dict[str, Any]) -> dict[str, Any]:
        strings = self.listing.strings
        info = dict(info)
        info["action_mask"] = np.array([1 if s else 0 for s in strings], dtype=np.int8)
        info["action_strings"] = list(strings)
        return info
