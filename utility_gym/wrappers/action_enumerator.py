"""ActionEnumerator: every step, the admissible action of each slot of a fixed layout.

``[anything-else, refuse, tell, ask:<slot>..., <tool> x k..., propose:<write tool> x k...,
env actions, padding]``: tool calls whose arguments are entities seen in the episode
(``EntityTracker``), proposals of confirmed writes, dialogue acts, and the env's own list of
valid actions where it has one. Index ``i`` of the k slots of a tool is its i-th best argument
combination (what the user said first, then the most recent, then records seen together).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from utility_gym.core.dialogue import format_tool_call
from utility_gym.core.nlu import DEFAULT_LEXICON, Lexicon
from utility_gym.wrappers.action_slots import Slot, ToolInfo, ask_phrase, default_ask_slots
from utility_gym.wrappers.action_words import describe_result, request_phrases
from utility_gym.wrappers.entities import Entity, EntityTracker, id_kind_of_param

ANYTHING_ELSE = "Is there anything else I can help you with?"
REFUSAL = "I'm sorry, but I can't do that: our policy does not allow it."
ADDRESS_PARTS = ("address1", "city", "state", "zip")
NAME_PARTS = ("first_name", "last_name")
DOLLARS_RX = re.compile(r"\$(\d+(?:\.\d{1,2})?)")
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
TEMPLATE_RX = re.compile(r"\w+\[<[^>]*>\]")


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
