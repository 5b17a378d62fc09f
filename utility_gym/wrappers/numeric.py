"""NumericObservation: a fixed-shape ``Box`` view of a utility env's text observations.

Stable-Baselines3, RLlib and CleanRL models take arrays. This wrapper turns the events of each
step into a float32 vector in [0, 1]: hashed bags of words (stable across processes: CRC32,
not Python's salted ``hash``) of the latest events, of everything the user said, and of the
agent's latest action, followed by dialogue-state features (turn, roles and user acts of the
latest events, the acts the env's NLU reads in the agent's latest message, which tools were
called, which facts were asked for and given, identity verified, errors).
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

import gymnasium as gym
import numpy as np

from utility_gym.core.nlu import ACT_KINDS, DEFAULT_LEXICON, Lexicon
from utility_gym.wrappers.entities import EntityTracker

# The slots the numeric view has a feature for (asked / given), in a fixed order so the layout
# is the same for every env of the suite; a domain's other slots have no feature.
SLOTS = (
    "name",
    "email",
    "zip",
    "phone",
    "order_id",
    "item",
    "reason",
    "address",
    "payment_method",
    "quantity",
    "option",
    "details",
    "employee_id",
    "device",
    "error_message",
    "application",
    "budget",
)

USER_ACTS = (
    "inform_intent",
    "inform",
    "affirm",
    "deny",
    "deny_change",
    "thanks",
    "bye",
    "push_back",
    "accept_refusal",
    "clarify",
    "acknowledge",
    "greet",
)
"""The AgendaUser's dialogue acts (``info["events"][i]["data"]["acts"]``); others share one
bucket."""

TOKEN_RX = re.compile(r"[a-z]{2,}")


def hashed(tokens: list[str], dim: int, out: np.ndarray) -> None:
    """Set ``out[crc32(token) % dim] = 1`` for every token (in place)."""
    for t in tokens:
        out[zlib.crc32(t.encode()) % dim] = 1.0


def tokens_of(text: str) -> list[str]:
    return TOKEN_RX.findall(text.lower())


class NumericObservation(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """A ``Box(0, 1, (dim,), float32)`` observation built from the env's events and the agent's
    actions.

    The layout (``feature_names()`` names every position):

    * ``bow:step`` (``hash_dim``): words, roles, tool names and user acts of the latest events;
    * ``bow:user`` (``hash_dim``): every word the user said in the episode (the request stays
    visible);
    * ``bow:action`` (``hash_dim // 4``): the agent's latest action (message words or tool name and
    argument names);
    * state: turn fraction, first turn, roles of the latest events, the user's latest acts,
      the NLU acts of the agent's latest message, tools called (ever, and just now), slots asked
      and slots the user gave, verified, counts of errors, tool calls, user turns and writes.

    Works inside or outside ``AdmissibleActions``: given an integer action it looks the text up in
    the previous ``info["action_strings"]``. The text observation stays in ``info["text"]``.
    """

    def __init__(self, env: gym.Env, hash_dim: int = 256) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, hash_dim=hash_dim)
        gym.Wrapper.__init__(self, env)
        self.hash_dim = int(hash_dim)
        domain = getattr(env.unwrapped, "domain", None)
        self.lexicon: Lexicon = getattr(domain, "lexicon", DEFAULT_LEXICON)
        toolbox = getattr(env.unwrapped, "toolbox", None)
        specs = list(toolbox.tools.values()) if toolbox is not None else []
        self.tool_names = [s.name for s in specs]
        self.write_tools = {s.name for s in specs if s.writes}
        self.tracker = EntityTracker([s.schema for s in specs], self.lexicon)
        self.cap = (
            int(env.spec.max_episode_steps)
            if env.spec is not None and env.spec.max_episode_steps
            else 40
        )
        self._names = self._layout()
        self.observation_space = gym.spaces.Box(0.0, 1.0, (len(self._names),), np.float32)
        self._turn = 0
        self._writes = 0
        self._user_bow = np.zeros(self.hash_dim, np.float32)
        self._action_strings: list[str] | None = None
        self._last_tool: str | None = None

    def feature_names(self) -> list[str]:
        """A name for every position of the observation vector."""
        return list(self._names)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        events = info.get("events", ())
        self.tracker.reset(events)
        self._turn = 0
        self._writes = 0
        self._last_tool = None
        self._user_bow = np.zeros(self.hash_dim, np.float32)
        self._action_strings = info.get("action_strings")
        info = dict(info)
        info["text"] = obs
        return self._features(events, ""), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        text = self._action_text(action)
        self.tracker.note_action(text)
        self._last_tool = self.tracker.pending_tool
        obs, reward, terminated, truncated, info = self.env.step(action)
        events = info.get("events", ())
        self.tracker.observe(events)
        self._turn += 1
        if self._last_tool in self.write_tools and any(e.get("role") == "tool" for e in events):
            self._writes += 1
        self._action_strings = info.get("action_strings")
        info = dict(info)
        info["text"] = obs
        return self._features(events, text), reward, terminated, truncated, info

    # -- features ----------------------------------------------------------------------------------
    def _action_text(self, action: Any) -> str:
        if isinstance(action, str):
            return action
        if isinstance(action, dict):
            return json.dumps(action, ensure_ascii=False, default=str)
        if isinstance(action, int | np.integer) and self._action_strings is not None:
            i = int(action)
            return self._action_strings[i] if 0 <= i < len(self._action_strings) else ""
        return ""

    def _layout(self) -> list[str]:
        names = [f"bow:step:{i}" for i in range(self.hash_dim)]
        names += [f"bow:user:{i}" for i in range(self.hash_dim)]
        names += [f"bow:action:{i}" for i in range(self.hash_dim // 4)]
        names += ["turn", "first_turn", "role:user", "role:tool", "role:error"]
        names += [f"user_act:{a}" for a in USER_ACTS] + ["user_act:other"]
        names += [f"agent_act:{a}" for a in ACT_KINDS] + ["agent_msg", "agent_question"]
        names += [f"called:{t}" for t in self.tool_names] + [
            f"last_call:{t}" for t in self.tool_names
        ]
        names += [f"asked:{s}" for s in SLOTS] + [f"given:{s}" for s in SLOTS]
        names += [
            "verified",
            "errors",
            "tool_calls",
            "user_turns",
            "writes",
            "ids_seen",
            "results_seen",
        ]
        return names

    def _features(self, events: Any, action_text: str) -> np.ndarray:
        h = self.hash_dim
        x = np.zeros(len(self._names), np.float32)
        step_tokens: list[str] = []
        roles = set()
        user_acts: list[str] = []
        for e in events:
            role = str(e.get("role", ""))
            roles.add(role)
            step_tokens.append(f"role:{role}")
            if e.get("name"):
                step_tokens.append(f"tool:{e['name']}")
            words = tokens_of(str(e.get("content", "")))
            step_tokens += words
            if role == "user":
                hashed(words, h, self._user_bow)
                user_acts += list((e.get("data") or {}).get("acts", []))
        step_tokens += [f"act:{a}" for a in user_acts]
        hashed(step_tokens, h, x[:h])
        x[h : 2 * h] = self._user_bow
        o = 2 * h
        a_dim = h // 4
        if action_text:
            if action_text.lstrip().startswith("{"):
                try:
                    obj = json.loads(action_text)
                    a_tokens = [f"call:{obj.get('name')}"] + [
                        f"arg:{k}" for k in (obj.get("arguments") or {})
                    ]
                except (ValueError, AttributeError):
                    a_tokens = ["call:malformed"]
            else:
                a_tokens = tokens_of(action_text)
            hashed(a_tokens, a_dim, x[o : o + a_dim])
        o += a_dim
        t = self.tracker
        x[o] = min(self._turn / self.cap, 1.0)
        x[o + 1] = float(self._turn == 0)
        x[o + 2] = float("user" in roles)
        x[o + 3] = float("tool" in roles)
        x[o + 4] = float("error" in roles)
        o += 5
        for a in user_acts:
            x[o + (USER_ACTS.index(a) if a in USER_ACTS else len(USER_ACTS))] = 1.0
        o += len(USER_ACTS) + 1
        if action_text and not action_text.lstrip().startswith("{"):
            reading = t.last_reading or t.read(action_text)
            for kind in reading.kinds:
                if kind in ACT_KINDS:
                    x[o + ACT_KINDS.index(kind)] = 1.0
            x[o + len(ACT_KINDS)] = 1.0
            x[o + len(ACT_KINDS) + 1] = float(reading.is_question)
        o += len(ACT_KINDS) + 2
        n_tools = len(self.tool_names)
        for name in t.tool_calls:
            if name in self.tool_names:
                x[o + self.tool_names.index(name)] = 1.0
        if self._last_tool in self.tool_names:
            x[o + n_tools + self.tool_names.index(self._last_tool)] = 1.0
        o += 2 * n_tools
        for s in t.asked:
            if s in SLOTS:
                x[o + SLOTS.index(s)] = 1.0
        o += len(SLOTS)
        given = {e.kind for e in t.entities.values() if e.by_user}
        for s in SLOTS:
            if s in given:
                x[o + SLOTS.index(s)] = 1.0
        o += len(SLOTS)
        x[o] = float(t.verified)
        x[o + 1] = min(t.errors / 5, 1.0)
        x[o + 2] = min(len(t.tool_calls) / 10, 1.0)
        x[o + 3] = min(len(t.user_texts) / 10, 1.0)
        x[o + 4] = min(self._writes / 3, 1.0)
        x[o + 5] = min(
            sum(1 for e in t.entities.values() if e.kind.endswith("_id") or e.kind == "id") / 10,
            1.0,
        )
        x[o + 6] = min(len(t.results) / 10, 1.0)
        return x
