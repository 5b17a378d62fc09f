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

This module is the wrapper and the listing it shares with ``RandomAgent``; the layout's records
and the ask questions are in ``action_slots``, the enumerator in ``action_enumerator``, and the
words taken from the episode (facts, search phrases) in ``action_words``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from utility_gym.core.dialogue import InvalidAction
from utility_gym.core.nlu import DEFAULT_LEXICON, Lexicon
from utility_gym.wrappers.action_enumerator import (
    ADDRESS_PARTS,
    ANYTHING_ELSE,
    DOLLARS_RX,
    NAME_PARTS,
    NOTE_WORDS,
    QUERY_WORDS,
    REFUSAL,
    TEMPLATE_RX,
    ActionEnumerator,
)
from utility_gym.wrappers.action_slots import (
    Slot,
    ToolInfo,
    ask_phrase,
    default_ask_slots,
    tools_of,
)
from utility_gym.wrappers.action_words import (
    ISO_DATETIME_RX,
    MAX_FACTS_CHARS,
    describe_result,
    request_phrases,
)
from utility_gym.wrappers.entities import EntityTracker

__all__ = [
    "ADDRESS_PARTS",
    "ANYTHING_ELSE",
    "DOLLARS_RX",
    "ENV_ACTIONS",
    "ISO_DATETIME_RX",
    "MAX_FACTS_CHARS",
    "NAME_PARTS",
    "NOTE_WORDS",
    "QUERY_WORDS",
    "REFUSAL",
    "TEMPLATE_RX",
    "ActionEnumerator",
    "ActionListing",
    "AdmissibleActions",
    "Slot",
    "ToolInfo",
    "ask_phrase",
    "default_ask_slots",
    "describe_result",
    "request_phrases",
    "tools_of",
]

ENV_ACTIONS = (
    32  # slots for an env's own list of valid actions (the web shop's clicks), when it has one
)


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
