"""MemoryAgent: wraps another agent and replays what worked before on a recurring problem.

The baseline for streams (DESIGN.md, "Streams"): the same problems recur, so an agent that
remembers a solved conversation and adapts it to the new customer should gain from
familiarity. After a successful episode the memory stores the action sequence *abstracted*:
every value the agent took from an observation (an order id the user said, an email, a tracking
number from a tool result, an amount) is replaced by a placeholder naming where it came from
(``user:id:W#0`` = the first W-id the user said; ``get_order_details:tracking_number#0``). The
key is the user's opening request abstracted the same way. When a new episode opens with a
request that matches a stored key (exactly, or by word overlap above ``min_similarity``), the
memory replays the stored actions with the placeholders bound to this episode's values. It
stops replaying and hands over to the wrapped agent as soon as the conversation diverges (the
observation's roles or the user's acts differ from the stored episode, or a placeholder has no
value yet). The wrapped agent sees every observation throughout, so it can take over.

It also keeps every conversation it had (the user's words, each after the agent message it
answered) under the identities that appeared in it: emails, customer and employee ids, full
names. When a user refers to an earlier conversation ("the address I gave you last time", "my
colleague Ann Lee had the same problem this morning") and shares an identity with one, the
memory recalls what that user said then and shows it to the wrapped agent as an extra user line
ending in ``(recalled from an earlier conversation)``: the reply to the agent question most like
the one just asked, or else that conversation's opening request. The wrapped agent reads it
like anything else the user says; ``recall=False`` turns this off.

``learn(outcome)`` receives the episode result (``EpisodeResult`` or a dict with ``success``)
and is passed on to the wrapped agent. ``save(path)`` / ``load(path)`` keep the memory as JSON.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from utility_gym.agents.base import Action
from utility_gym.agents.heuristics import build_heuristic
from utility_gym.agents.lessons import LessonAgent, rule_book_for

_USER_VALUE_RX = re.compile(
    r"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})"
    r"|(?<![\w/.-])#?(?P<id>[A-Z]{1,6}-?\d{3,20})(?![\w@])"
    r"|\$(?P<money>\d[\d,]*(?:\.\d{1,2})?)"
    r"|(?P<date>\d{4}-\d{2}-\d{2})"
    r"|(?<![\w.$])(?P<number>\d{3,})(?![\w])"
    r"|(?P<name>\b[A-Z][a-z'-]+\s+[A-Z][a-z'-]+\b)"
)
# A user referring to an earlier conversation instead of repeating what they said in it.
_REFERENCE_RX = re.compile(
    r"\b(?:last time|earlier|this morning|yesterday|before|again|i told you|i gave you|you fixed "
    r"it|same (?:one|way|problem|issue|address))\b",
    re.IGNORECASE,
)
# "It's me again" / "this is Dana Reyes again" greets; it refers to no earlier conversation.
_GREETING_RX = re.compile(
    r"\b(?:it'?s|it is|this is|here'?s)\s+(?:me|[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)*)\s+again\b",
    re.IGNORECASE,
)
_IDENTITY_FIELDS = frozenset({"email", "customer_id", "employee_id", "requester_id"})
RECALLED = "(recalled from an earlier conversation)"
MAX_RECALLS = 3  # per episode
_PLACEHOLDER_RX = re.compile(r"\u27e6([^\u27e7]+)#(\d+)\u27e7")
_WORD_RX = re.compile(r"[a-z]+|\u27e6[^\u27e7]+\u27e7")
MIN_VALUE_CHARS = 3


class EpisodeValues:
    """The values an episode has shown, by where they came from, in order of first appearance."""

    def __init__(self) -> None:
        self.by_source: dict[str, list[str]] = {}
        self.first: dict[
            str, tuple[str, int]
        ] = {}  # value -> (source, index) of its first appearance

    def observe(self, events: Iterable[Mapping[str, Any]]) -> None:
        for event in events:
            role, content = event.get("role"), str(event.get("content", ""))
            if role == "user":
                for m in _USER_VALUE_RX.finditer(content):
                    kind = m.lastgroup or "value"
                    value = m.group(kind)
                    source = (
                        f"user:id:{re.match(r'[A-Z]+', value).group()}"
                        if kind == "id"
                        else f"user:{kind}"
                    )  # type: ignore[union-attr]
                    self._add(source, value)
                    if kind == "name":  # tools take first and last names apart
                        first, last = value.split(None, 1)
                        self._add("user:first_name", first)
                        self._add("user:last_name", last)
            elif role == "tool":
                try:
                    result = json.loads(content)
                except ValueError:
                    continue
                self._walk(str(event.get("name") or "tool"), result, "")

    def _walk(self, tool: str, value: Any, path: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                self._walk(tool, v, f"{path}.{k}" if path else str(k))
        elif isinstance(value, list):
            for v in value:
                self._walk(tool, v, f"{path}[]")
        elif value is not None and not isinstance(value, bool):
            self._add(f"{tool}:{path}", str(value))

    def _add(self, source: str, value: str) -> None:
        if len(value) < MIN_VALUE_CHARS:
            return
        values = self.by_source.setdefault(source, [])
        if value not in values:
            values.append(value)
        self.first.setdefault(value, (source, values.index(value)))

    def abstract(self, text: str) -> str:
        """``text`` with every value seen replaced by its placeholder (longest values first)."""
        for value in sorted(self.first, key=len, reverse=True):
            if value in text:
                source, index = self.first[value]
                text = re.sub(
                    r"(?<![\w@.])" + re.escape(value) + r"(?![\w@])",
                    f"\u27e6{source}#{index}\u27e7",
                    text,
                )
        return text

    def bind(self, template: str) -> str | None:
        """``template`` with placeholders replaced by this episode's values; None if one is
        unbound."""
        missing = False

        def value(m: re.Match[str]) -> str:
            nonlocal missing
            values = self.by_source.get(m.group(1), [])
            index = int(m.group(2))
            if index >= len(values):
                missing = True
                return ""
            return values[index]

        out = _PLACEHOLDER_RX.sub(value, template)
        return None if missing else out


@dataclass
class Memory:
    """One remembered episode: the abstracted actions and what each observation looked like."""

    key: str
    actions: list[str]
    tool_call: list[bool]  # whether each action was a tool call (a dict), to restore its type
    signatures: list[str]  # roles and user acts of the observation after each action
    uses: int = 0
    successes: int = 0
    failures: int = 0
    # Whether each action may be replayed: a tool call whose literal arguments echo the user's own
    # words (an address, a reason) would carry that user's values into another episode.
    replayable: list[bool] = field(default_factory=list)


@dataclass
class Conversation:
    """One past conversation, for recall: who it was with and what the user said, in order."""

    identities: list[str]
    opening: str
    turns: list[tuple[str, str]]  # (the agent's message, the user's reply to it)


def identities(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """Who a conversation is with: emails and full names the user says, and the identity fields
    (email, customer and employee ids, the full name) of a tool result that is one record; lists
    (search results name other people) and nested records (a manager) are not the caller."""
    out: set[str] = set()
    for event in events:
        content = str(event.get("content", ""))
        if event.get("role") == "user":
            for m in _USER_VALUE_RX.finditer(content):
                if m.lastgroup in ("email", "name"):
                    out.add(m.group(m.lastgroup).lower())
        elif event.get("role") == "tool":
            try:
                record = json.loads(content)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            for k, v in record.items():
                if k in _IDENTITY_FIELDS and isinstance(v, str) and v:
                    out.add(v.lower())
            full = record.get("name")
            if isinstance(record.get("first_name"), str) and isinstance(
                record.get("last_name"), str
            ):
                full = f"{record['first_name']} {record['last_name']}"
            if isinstance(full, str) and _FULL_NAME_RX.fullmatch(full):
                out.add(full.lower())
    return out


_FULL_NAME_RX = re.compile(r"[A-Z][a-z'-]+(?: [A-Z][a-z'-]+)+")


@dataclass
class MemoryStats:
    episodes: int = 0
    hits: int = 0
    replayed_to_the_end: int = 0
    handovers: int = 0
    hit_successes: int = 0
    stored: int = 0
    forgotten: int = 0
    recalls: int = 0


@dataclass
class _Episode:
    values: EpisodeValues = field(default_factory=EpisodeValues)
    key: str | None = None
    memory: Memory | None = None
    replaying: bool = False
    step: int = 0
    actions: list[str] = field(default_factory=list)
    tool_call: list[bool] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    # For recall: who this conversation is with, what the user said after which agent message.
    who: set[str] = field(default_factory=set)
    opening: str = ""
    turns: list[tuple[str, str]] = field(default_factory=list)
    last_message: str = ""
    recalls: int = 0
    said: set[str] = field(default_factory=set)  # content words the user has said


def signature(events: Iterable[Mapping[str, Any]]) -> str:
    """What an observation looked like, without its words: roles, tool names and user acts."""
    parts = []
    for e in events:
        acts = ",".join((e.get("data") or {}).get("acts", []))
        parts.append(f"{e.get('role')}:{e.get('name') or ''}:{acts}")
    return "|".join(parts)


_CONTENT_RX = re.compile(r"[a-z]{4,}")


def _content_words(text: str) -> set[str]:
    return set(_CONTENT_RX.findall(text.lower()))


def _literal_words(call_text: str) -> set[str]:
    """The words of an abstracted tool call's literal argument values (not its placeholders)."""
    try:
        arguments = json.loads(call_text).get("arguments") or {}
    except (ValueError, AttributeError):
        return set()
    out: set[str] = set()
    stack = [arguments]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack += value.values()
        elif isinstance(value, list):
            stack += value
        elif isinstance(value, str):
            out |= _content_words(_PLACEHOLDER_RX.sub(" ", value))
    return out


def words(text: str) -> set[str]:
    return set(_WORD_RX.findall(text.lower()))


class MemoryAgent:
    """Wraps ``inner`` with an episodic memory of successful conversations (see the module
    docstring).

    Args:
        inner: the agent to wrap (it acts whenever the memory has nothing to replay).
        min_similarity: the word-overlap (Jaccard) a new opening request needs with a stored one.
        max_entries: the most memories kept; the least successful are forgotten first.
        replay: set False to only record (a control arm: the wrapped agent alone, same code path).
        recall: set False to never show the wrapped agent what a user said in an earlier
        conversation.
        max_conversations: the most past conversations kept for recall (the oldest are dropped).
    """

    def __init__(
        self,
        inner: Any,
        *,
        min_similarity: float = 0.75,
        max_entries: int = 10_000,
        replay: bool = True,
        recall: bool = True,
        max_conversations: int = 1_000,
    ) -> None:
        self.inner = inner
        self.name = f"memory({getattr(inner, 'name', type(inner).__name__)})"
        self.min_similarity = min_similarity
        self.max_entries = max_entries
        self.replay = replay
        self.recall_conversations = recall
        self.max_conversations = max_conversations
        self.conversations: list[Conversation] = []
        self.memories: dict[str, Memory] = {}
        self.stats = MemoryStats()
        self._ep = _Episode()

    # -- the agent protocol ---------------------------------------------------------------------
    def reset(self) -> None:
        self.inner.reset()
        self._ep = _Episode()

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        ep = self._ep
        events = info.get("events") or [{"role": "user", "content": obs}]
        ep.values.observe(events)
        if ep.key is None:
            opening = " ".join(str(e.get("content", "")) for e in events if e.get("role") == "user")
            ep.key = ep.values.abstract(opening)
            ep.memory = self.recall(ep.key) if self.replay else None
            ep.replaying = ep.memory is not None
            if ep.memory is not None:
                self.stats.hits += 1
                ep.memory.uses += 1
        elif ep.replaying:
            assert ep.memory is not None
            if ep.step - 1 < len(ep.memory.signatures) and ep.memory.signatures[
                ep.step - 1
            ] != signature(events):
                self._hand_over()
        if ep.step:
            ep.signatures.append(signature(events))
        user_text = " ".join(str(e.get("content", "")) for e in events if e.get("role") == "user")
        ep.who |= identities(events)
        if user_text:
            ep.said |= _content_words(user_text)
            if not ep.opening:
                ep.opening = user_text
            else:
                ep.turns.append((ep.last_message, user_text))
        recalled = self._recall_said(user_text) if self.recall_conversations and user_text else None
        if recalled is not None:
            line = f"{recalled} {RECALLED}"
            obs = f"user: {line}\n{obs}"
            info = {
                **info,
                "events": [
                    {"role": "user", "content": line, "data": {"acts": [], "recalled": True}},
                    *events,
                ],
            }
        inner_action = self.inner.act(obs, info)
        action: Action = inner_action
        if ep.replaying:
            assert ep.memory is not None
            replayed = self._replayed(ep.memory, ep.step)
            if replayed is None:
                self._hand_over()
            else:
                action = replayed
        text = (
            action
            if isinstance(action, str)
            else json.dumps(action, ensure_ascii=False, sort_keys=True)
        )
        if isinstance(action, str):
            ep.last_message = action
        ep.actions.append(ep.values.abstract(text))
        ep.tool_call.append(not isinstance(action, str))
        ep.step += 1
        return action

    def learn(self, outcome: Any) -> None:
        success = _success(outcome)
        ep = self._ep
        self.stats.episodes += 1
        if ep.opening and ep.who:
            self.conversations.append(Conversation(sorted(ep.who), ep.opening, ep.turns))
            del self.conversations[: -self.max_conversations]
        if ep.memory is not None:
            if success:
                ep.memory.successes += 1
                self.stats.hit_successes += 1
            else:
                ep.memory.failures += 1
            if ep.replaying:
                self.stats.replayed_to_the_end += 1
        if (
            success
            and ep.key is not None
            and ep.actions
            and not (ep.memory is not None and ep.replaying)
        ):
            previous = self.memories.get(ep.key)
            signatures = ep.signatures + [
                ""
            ]  # the last observation (the episode's end) is not needed
            said = _content_words(" ".join([ep.opening, *(reply for _, reply in ep.turns)]))
            replayable = [
                not (call and _literal_words(a) & said)
                for a, call in zip(ep.actions, ep.tool_call, strict=True)
            ]
            self.memories[ep.key] = Memory(
                ep.key,
                ep.actions,
                ep.tool_call,
                signatures[: len(ep.actions)],
                uses=previous.uses if previous else 0,
                successes=(previous.successes if previous else 0) + 1,
                failures=previous.failures if previous else 0,
                replayable=replayable,
            )
            self.stats.stored += 1
            self._forget()
        elif ep.memory is not None and not success and ep.memory.failures > ep.memory.successes:
            self.memories.pop(ep.memory.key, None)
            self.stats.forgotten += 1
        inner_learn = getattr(self.inner, "learn", None)
        if inner_learn is not None:
            inner_learn(outcome)

    # -- memory -----------------------------------------------------------------------------------
    def recall(self, key: str) -> Memory | None:
        """The stored memory for an abstracted opening request: exact, else the most similar."""
        if key in self.memories:
            return self.memories[key]
        mine = words(key)
        best, best_score = None, self.min_similarity
        for memory in self.memories.values():
            theirs = words(memory.key)
            score = len(mine & theirs) / max(1, len(mine | theirs))
            if score >= best_score:
                best, best_score = memory, score
        return best

    def _recall_said(self, user_text: str) -> str | None:
        """What the user (or the colleague they name) said in the latest earlier conversation
        with them, if they refer to one: the reply to the question most like the one just asked,
        else its opening request."""
        ep = self._ep
        if ep.recalls >= MAX_RECALLS or not _REFERENCE_RX.search(_GREETING_RX.sub("", user_text)):
            return None
        who = ep.who | {
            m.group("name").lower()
            for m in _USER_VALUE_RX.finditer(user_text)
            if m.lastgroup == "name"
        }
        for past in reversed(self.conversations):
            if not who & set(past.identities):
                continue
            asked = words(ep.last_message) if ep.last_message else set()
            best, best_score = past.opening, 0.5
            for question, reply in past.turns:
                theirs = words(question)
                score = len(asked & theirs) / max(1, len(asked | theirs))
                if score >= best_score:
                    best, best_score = reply, score
            ep.recalls += 1
            self.stats.recalls += 1
            return best
        return None

    def save(self, path: str | os.PathLike[str]) -> None:
        data = {
            "memories": [asdict(m) for m in self.memories.values()],
            "stats": asdict(self.stats),
            "conversations": [asdict(c) for c in self.conversations],
        }
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)

    def load(self, path: str | os.PathLike[str]) -> None:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        self.memories = {m["key"]: Memory(**m) for m in data["memories"]}
        self.conversations = [
            Conversation(c["identities"], c["opening"], [tuple(t) for t in c["turns"]])
            for c in data.get("conversations", [])
        ]

    def usage(self) -> dict[str, Any]:
        out = asdict(self.stats)
        out["memories"] = len(self.memories)
        inner_usage = getattr(self.inner, "usage", None)
        if callable(inner_usage):
            out["inner"] = inner_usage()
        return out

    def _replayed(self, memory: Memory, step: int) -> Action | None:
        if step >= len(memory.actions):
            return None
        if (
            memory.replayable
            and not memory.replayable[step]
            and not _literal_words(memory.actions[step]) <= self._ep.said
        ):
            # it carries words of that user's the current one has not said: the wrapped agent acts
            return None
        text = self._ep.values.bind(memory.actions[step])
        if text is None:
            return None
        if memory.tool_call[step]:
            try:
                return json.loads(text)
            except ValueError:
                return None
        return text

    def _hand_over(self) -> None:
        if self._ep.replaying:
            self._ep.replaying = False
            self.stats.handovers += 1

    def _forget(self) -> None:
        if len(self.memories) <= self.max_entries:
            return
        ranked = sorted(self.memories.values(), key=lambda m: (m.successes - m.failures, m.uses))
        for m in ranked[: len(self.memories) - self.max_entries]:
            del self.memories[m.key]
            self.stats.forgotten += 1


def _success(outcome: Any) -> bool:
    if isinstance(outcome, bool):
        return outcome
    if isinstance(outcome, Mapping):
        if "success" in outcome:
            return bool(outcome["success"])
        return bool((outcome.get("grade") or {}).get("success", False))
    return bool(getattr(outcome, "success", False))


class MemoryHeuristicAgent(MemoryAgent):
    """``--agent memory``: MemoryAgent around the env's own heuristic agent (the stream baseline).

    Recall is on; so are lessons: the heuristic is wrapped in a ``LessonAgent`` that keeps what
    the end-of-episode feedback taught (``--agent-arg lessons=false`` leaves the bare
    heuristic, whose only memory is the recalled conversations). Replay is off by default
    (``--agent-arg replay=true`` turns it on): the heuristic keeps its own dialogue state, which
    a replayed action it did not choose leaves out of step with the conversation, so replay
    costs it more episodes than it saves.
    """

    def __init__(
        self, env: Any, replay: bool | str = False, lessons: bool | str = True, **options: Any
    ) -> None:
        inner: Any = build_heuristic(env, seed=0)
        if _flag(lessons):
            inner = LessonAgent(inner, rule_book_for(env))
        super().__init__(inner, replay=_flag(replay), **options)


def _flag(value: bool | str) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
