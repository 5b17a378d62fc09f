"""The positions of AdmissibleActions' Discrete space: what the enumerator knows of each tool
(`ToolInfo`), what each index means (`Slot`), and the facts worth an ``ask`` slot, each with a
question the env's NLU reads as exactly that request."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from utility_gym.core.nlu import Lexicon, understand
from utility_gym.wrappers.numeric import SLOTS


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
