"""Tasks: goals, oracle plans, templates, splits and expected change sets by replay."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from utility_gym.core.nlu import Grounding
from utility_gym.core.values import Value
from utility_gym.core.world import row_dicts

SPLITS = ("train", "test", "heldout")
TEST_SEED_BASE = 1_000_000_000  # train seeds are drawn below this, so train never repeats test


class NoTask(Exception):
    """A template cannot make a task from this world and seed (e.g. no matching order)."""

    # Set when the template gave up before drawing anything from its seed: no other seed would
    # do either (the world lacks what it needs), so a stream's fallbacks skip to the next template.
    every_seed: bool = False


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": dict(self.arguments)}


@dataclass(frozen=True)
class PlanStep:
    """One step of the oracle script: a tool call or a message to the user, for an intent."""

    intent: int
    call: ToolCall | None = None
    say: str | None = None
    essential: bool = True  # dropping it must make the episode fail (validity tests)
    expect_error: bool = (
        False  # the call is meant to fail (e.g. a verification that cannot succeed)
    )

    def action(self) -> str | dict[str, Any]:
        return self.call.to_dict() if self.call is not None else str(self.say)


_NOT_WORD = re.compile(r"[^\w$.#@-]+")


def _norm_text(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


@dataclass(frozen=True)
class Fact:
    """A typed value the agent must tell the user (checked on normalized values, not substrings)."""

    kind: str  # "amount" | "id" | "date" | "number" | "text"
    value: Any
    label: str
    # The value is computed (a total, a difference, a pro-rated credit), not read off one record;
    # the grader still compares numbers. Task-structure statistics count these.
    computed: bool = False

    def told_in(self, grounding: Grounding, normalized_text: str) -> bool:
        if self.kind == "amount":
            return round(float(self.value), 2) in grounding.amounts
        if self.kind == "id":
            return str(self.value).lstrip("#").upper() in grounding.ids
        if self.kind == "date":
            return str(self.value) in grounding.dates
        if self.kind == "number" and self.computed:
            return _count_told(int(self.value), self.label, normalized_text)
        if self.kind == "number":
            return int(self.value) in grounding.numbers or _word_in(
                str(self.value), normalized_text
            )
        if self.kind == "text":
            return _word_in(_norm_text(str(self.value)), normalized_text)
        raise ValueError(f"unknown fact kind {self.kind!r}")

    def describe(self) -> str:
        shown = f"${float(self.value):,.2f}" if self.kind == "amount" else str(self.value)
        return f"{self.label} {shown}"


_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9-]*[0-9][A-Z0-9-]*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Observed:
    """Values the agent has seen (tool results, the user's words): a fact it tells must be one.

    Texts are only stored on the hot path; they are scanned when a fact is told, which is rare.
    """

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.texts: list[str] = list(texts)

    def add(self, text: str) -> None:
        self.texts.append(text)

    def has(self, fact: Fact) -> bool:
        if fact.computed:  # a total or a difference: the agent works it out, it is seen nowhere
            return True
        if fact.kind in ("amount", "number"):
            target = round(float(fact.value), 2)
            return any(
                round(float(m.replace(",", "")), 2) == target
                for t in self.texts
                for m in _NUMBER.findall(t)
            )
        if fact.kind == "id":
            target = str(fact.value).lstrip("#").upper()
            return any(target in _TOKEN.findall(t.upper()) for t in self.texts)
        if fact.kind == "date":
            return any(str(fact.value) in _ISO_DATE.findall(t) for t in self.texts)
        phrase = _norm_text(str(fact.value))
        return any(_word_in(phrase, _norm_text(t)) for t in self.texts)


_NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


def _count_told(n: int, label: str, text: str) -> bool:
    """A count the agent worked out, told with what it counts ("2 pending orders", "pending
    orders: 2", "246 days of warranty left"): the number within three words of one of the
    label's words (a bare "2." numbering a list tells no count)."""
    number = str(n) if n >= len(_NUMBER_WORDS) else f"(?:{n}|{_NUMBER_WORDS[n]})"
    for word in label.casefold().split():
        if len(word) < 3 or word in _LABEL_FILLER:
            continue
        stem = re.escape(word.rstrip("s"))
        after = rf"(?<![\w.$]){number}(?:\s+\S+){{0,3}}?\s+{stem}"  # "2 pending orders"
        before = rf"{stem}\w*\W+(?:\S+\s+){{0,3}}?(?<![\w.$#]){number}(?!\w|\.\d)"  # "orders: 2"
        if re.search(after, text) is not None or re.search(before, text) is not None:
            return True
    return False


_LABEL_FILLER = frozenset(("the", "and", "for", "with", "left", "until", "from", "that", "this"))


def _word_in(phrase: str, text: str) -> bool:
    return re.search(r"(?<![\w])" + re.escape(phrase) + r"(?![\w])", text) is not None


@dataclass(frozen=True)
class Persona:
    style: str = "plain"  # "terse" | "plain" | "chatty" | "formal"
    patience: int = 10  # unproductive agent turns tolerated before the user leaves
    cooperative: bool = True  # pushes back on a refusal only when False

    @property
    def fussy(self) -> bool:
        """A formal user asks about a detail a proposal left out before saying yes."""
        return self.style == "formal"


@dataclass(frozen=True)
class Intent:
    """One thing the user wants from the conversation."""

    name: str
    request: str  # how the user asks for it
    outcome: str  # "write" | "refuse" | "inform" | "transfer"
    action: str | None = None  # NLU action class the agent's proposal should name
    targets: tuple[str, ...] = ()  # ids a proposal must mention (normalized, no '#')
    facts: tuple[Fact, ...] = ()  # what the agent must tell for this intent
    change_mind: str | None = None  # said at the first proposal: the user revises the request
    offer_accept: tuple[str, ...] = ()  # actions the user accepts when offered
    # What a proposal for this intent must state, as the user names it; the env fills it from
    # the decisive values of the intent's confirmed writes when a template leaves it empty.
    wants: tuple[Value, ...] = ()
    # A refusal's reason (a key of the domain's ``refusal_reasons``) and what must come before
    # it (look-ups and identity checks of the oracle plan; the env fills it).
    reason: str | None = None
    requires: tuple[ToolCall, ...] = ()
    # A conditional goal ("if the blue one is out of stock, refund me instead"): the condition
    # as the user states it. The template resolved it against the world; this intent is the
    # branch that holds. Task-structure statistics count these.
    condition: str | None = None
    # Facts the user states wrongly (a claimed tier, a warranty that has lapsed): what is claimed
    # and the claimed value, e.g. (("tier", "gold"),). The agent must check the world and act on
    # the truth.
    misstated: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class UserGoal:
    intents: tuple[Intent, ...]
    known: Mapping[str, str]  # slot -> value the user can tell when asked
    unknown: tuple[str, ...] = ()  # slots the user does not know ("I don't know")
    opening: str = ""  # first message; defaults to the first intent's request
    persona: Persona = field(default_factory=Persona)
    # Slots the user gave in an earlier conversation of a stream and will not repeat: slot -> how
    # they refer to it ("the address I gave you last time").
    referred: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Regularity:
    """A tacit regularity of the world that a stream task hits (docs/streams.md, "Tacit
    regularities"): something an experienced worker knows and no document states, such as the
    group that really handles printers at one site. Seeded per world, absent from the policy.

    ``kind`` names the domain's regularity (one stream-only template each); ``key`` names the
    instance, which recurs within a stream (the same site and category, the same customer);
    ``lesson`` is what a colleague tells the worker after the episode, appended to its
    ``feedback``.
    """

    kind: str
    key: str
    lesson: str


@dataclass(frozen=True)
class TaskDraft:
    """What a template returns; the environment turns it into a Task."""

    goal: UserGoal
    plan: tuple[PlanStep, ...]
    ask_required: tuple[str, ...] = ()  # slots the agent must ask for; "a|b" means either
    temptations: tuple[ToolCall, ...] = ()  # what a do-whatever-the-user-says agent would call
    summary: str = ""  # one line for people reading a task list
    extras: Mapping[str, Any] = field(
        default_factory=dict
    )  # domain data for the domain's own grading
    regularity: Regularity | None = None  # the tacit regularity this task hits, if any


@dataclass(frozen=True)
class Task:
    """A complete, graded task. Private: never shown to the agent through obs or info."""

    task_id: str
    domain: str
    template: str
    seed: int
    split: str
    generator_version: str
    goal: UserGoal
    plan: tuple[PlanStep, ...]
    ask_required: tuple[str, ...]
    temptations: tuple[ToolCall, ...]
    summary: str
    extras: Mapping[str, Any] = field(default_factory=dict)  # e.g. WebShop's purchase targets
    regularity: Regularity | None = None  # the tacit regularity it hits (stream templates)

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(s.call for s in self.plan if s.call is not None)

    @property
    def required_facts(self) -> tuple[Fact, ...]:
        return tuple(f for i in self.goal.intents for f in i.facts)


@dataclass(frozen=True)
class TaskTemplate:
    """A seeded task family. ``generate(db, rng, now)`` returns a TaskDraft or raises NoTask.

    A follow-up template (``follows`` names the template of the earlier episode it refers to) is
    served in streams only; its ``generate(db, rng, now, earlier)`` also gets that earlier Task.
    A regularity template (``regularity`` names the kind of tacit regularity its tasks hit) is
    planned only in streams, where the same instances recur; alone it is the isolated twin.
    """

    name: str
    description: str
    generate: Callable[..., TaskDraft]
    heldout: bool = False
    tags: tuple[str, ...] = ()
    follows: str | None = None
    regularity: str | None = None
    # How often the template is drawn relative to others: it takes ``weight`` slots of the
    # fixed test split's round-robin and of the train / heldout draw.
    weight: int = 1


_MEMO: dict[tuple[int, Any], Any] = {}
_REFERENCE_DBS: set[int] = set()
# Databases a stream is generating on now -> its memo (``core.live_memo.LiveMemo``), whose
# results stay valid while the tables they read are unchanged.
_LIVE: dict[int, Any] = {}


def register_reference(db: sqlite3.Connection) -> None:
    """Mark ``db`` as a pristine, never-changing world whose query results ``memo`` may keep."""
    _REFERENCE_DBS.add(id(db))


@contextmanager
def live_memo(db: sqlite3.Connection, memo_of_stream: Any) -> Iterator[None]:
    """Within the block, ``memo`` on ``db`` (a stream's copy of its live world) goes through
    ``memo_of_stream`` (a ``LiveMemo``)."""
    _LIVE[id(db)] = memo_of_stream
    try:
        with memo_of_stream.reading(db):
            yield
    finally:
        del _LIVE[id(db)]


def memo(db: sqlite3.Connection, key: Any, compute: Callable[[], Any]) -> Any:
    """Cache ``compute()`` per reference database: task generation reads a pristine world that
    never changes within a process, so candidate lists need computing once, not per reset.
    On a stream's live world the stream's ``LiveMemo`` keeps them while the tables they read
    are unchanged; on any other database it just computes."""
    if id(db) not in _REFERENCE_DBS:
        live = _LIVE.get(id(db))
        return compute() if live is None else live.get(key, compute)
    k = (id(db), key)
    if k not in _MEMO:
        _MEMO[k] = compute()
    return _MEMO[k]


def memo_keyed_rows(
    db: sqlite3.Connection,
    select: str,
    where: str,
    params: tuple,
    *,
    table: str,
    alias: str,
    pk: str = "id",
    joins: tuple[tuple[str, str], ...] = (),
) -> list[dict[str, Any]]:
    """``memo_rows`` of ``{select} WHERE {where} ORDER BY {alias}.{pk}``, where ``select`` reads
    ``table`` as ``alias`` and yields one row per row of it (joins to one row each, no
    aggregate), with its primary key as column ``pk``. ``joins``: ``(other table, column)``
    for each table joined by a column of ``table`` holding its key. On a stream's live world,
    when only these tables changed since the rows were kept, just the rows of the changed
    keys are read again."""
    sql = f"{select} WHERE {where} ORDER BY {alias}.{pk}"
    live = _LIVE.get(id(db))
    if live is None:  # a reference world (memoised as ever) or any other
        return memo_rows(db, sql, params)

    def refresh(changed: Mapping[str, frozenset[str]]) -> list[dict[str, Any]]:
        tests, values = [], []
        for column, keys in changed.items():
            tests.append(f"{alias}.{column} IN ({', '.join('?' for _ in keys)})")
            values += sorted(keys)
        only = f"{select} WHERE ({where}) AND ({' OR '.join(tests)})"
        return row_dicts(db.execute(only, (*params, *values)).fetchall())

    def compute() -> list[dict[str, Any]]:
        return row_dicts(db.execute(sql, params).fetchall())

    columns = {table: pk, **dict(joins)}
    return live.get_keyed(("rows", sql, params), compute, refresh, columns, pk)


def memo_rows(db: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    """A query's rows as dicts, through ``memo``: shared between calls, so callers must not mutate
    them."""
    return memo(db, ("rows", sql, params), lambda: row_dicts(db.execute(sql, params).fetchall()))


def task_id_for(domain: str, template: str, seed: int) -> str:
    return f"{domain}/{template}/{seed}"


def parse_task_id(task_id: str) -> tuple[str, str, int]:
    parts = task_id.split("/")
    if len(parts) != 3 or not parts[2].isdigit():
        raise ValueError(f"malformed task id {task_id!r}; expected DOMAIN/TEMPLATE/SEED")
    return parts[0], parts[1], int(parts[2])


def fixed_test_split(templates: Iterable[TaskTemplate], n: int) -> tuple[tuple[str, int], ...]:
    """The fixed leaderboard split: ``n`` (template, seed) pairs, round-robin over templates."""
    names = [t.name for t in templates if not t.heldout for _ in range(t.weight)]
    return tuple((names[i % len(names)], TEST_SEED_BASE + i) for i in range(n))


def task_set_hash(task_ids: Iterable[str]) -> str:
    return hashlib.sha256(json.dumps(sorted(task_ids)).encode()).hexdigest()[:16]


class Script:
    """Builds an oracle plan: messages and tool calls in order, each tagged with its intent.

    Set ``script.intent`` before the steps of the next intent. Messages default to
    non-essential (wording aside, dropping one need not fail the task); calls to essential.
    """

    def __init__(self) -> None:
        self.steps: list[PlanStep] = []
        self.intent = 0

    def say(self, text: str, essential: bool = False) -> None:
        self.steps.append(PlanStep(self.intent, say=text, essential=essential))

    def call(
        self, name: str, essential: bool = True, expect_error: bool = False, **arguments: Any
    ) -> None:
        self.steps.append(
            PlanStep(
                self.intent,
                call=ToolCall(name, arguments),
                essential=essential,
                expect_error=expect_error,
            )
        )
