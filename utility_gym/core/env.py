"""UtilityEnv: the shared reset/step loop of every domain, with grading, rewards and forks."""

from __future__ import annotations

import copy
import dataclasses
import random
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
from gymnasium.wrappers import OrderEnforcing, TimeLimit

from utility_gym.core.caches import LRUCache, freeze_long_lived
from utility_gym.core.checks import check_choice, check_int, check_keys, check_mapping, shown
from utility_gym.core.dialogue import (
    Event,
    InvalidAction,
    MessageAction,
    ToolCallAction,
    dumps,
    json_encoder,
    parse_action,
    render_events,
)
from utility_gym.core.grading import EpisodeRecord, Grade, checkpoints_for, grade
from utility_gym.core.nlu import Lexicon, understand
from utility_gym.core.spaces import UnicodeText
from utility_gym.core.streams import WorldEvent, build_plan, revised_policy
from utility_gym.core.tasks import (
    SPLITS,
    TEST_SEED_BASE,
    Intent,
    NoTask,
    Observed,
    PlanStep,
    Task,
    TaskTemplate,
    UserGoal,
    _norm_text,
    fixed_test_split,
    parse_task_id,
    register_reference,
    substitute_ids,
    task_id_for,
)
from utility_gym.core.tools import Toolbox, ToolContext, ToolSpec
from utility_gym.core.users import AgendaUser, Progress
from utility_gym.core.values import check_values, proposal_mentions
from utility_gym.core.words import DomainWords
from utility_gym.core.world import (
    World,
    WorldBuilder,
    WorldTemplate,
    build_template,
    change_facts,
    query_one,
)

REWARD_MODES = ("success", "partial", "shaped")
MODES = ("episodic", "stream")
MAX_WORLD_SEED = 2**63 - 1
MAX_STREAM_LENGTH = 100_000
# The shortest observation bound: room for an error line, and for the truncation note.
MIN_MAX_LENGTH = 64
TRUNCATION_NOTE = " ... [observation truncated]"
# What reset(options=...) understands.
RESET_OPTIONS = ("task_id", "fork", "task", "world_events")


class OraclePlanError(RuntimeError):
    """A task's oracle plan does not run as scripted in the world it is replayed on."""


class StreamExhausted(RuntimeError):
    """A stream has no next task: its last position is done, or earlier episodes used up what
    every template needs (a small queue's new tickets). ``reset(seed=...)`` starts a new stream."""

# The ids a plan may refer to (INC0000512, RT000041): letters and digits, not bare row numbers.
_ID = re.compile(r"(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9-]{4,}")
# An env built outside gym.make has no registered cap; an episode must still end.
DEFAULT_STEP_CAP = 200
# A tool call's arguments as the transcript shows them; json.dumps with options would build a
# new encoder on every step.
_encode_arguments = json_encoder(sort_keys=True)


@dataclass(frozen=True)
class Domain:
    """Everything that makes a domain: world builder, tools, policy and task templates."""

    name: str
    builder: WorldBuilder
    tracked_tables: tuple[str, ...]
    tools: tuple[ToolSpec, ...]
    policy: str
    templates: tuple[TaskTemplate, ...]
    n_test: int = 100
    generator_version: str = "1"
    words: DomainWords = field(default_factory=DomainWords)
    ignored_columns: frozenset[tuple[str, str]] = frozenset()
    # Tool-state key set once the user is verified; facts told before it count as disclosures.
    identity_key: str | None = None
    # Streams only: templates that follow up an earlier episode (``TaskTemplate.follows``), and
    # the world events a stream may schedule.
    follow_ups: tuple[TaskTemplate, ...] = ()
    world_events: tuple[WorldEvent, ...] = ()
    # Reset worlds by rolling back the episode's transaction (see World); off for a domain
    # whose tools ATTACH a database, which SQLite cannot do inside a transaction.
    rollback_reset: bool = True
    # The world sizes its builder knows (the ``size`` kwarg).
    sizes: tuple[str, ...] = ("small", "default", "large")
    # Optional: ``replay(ctx, task, mark)`` makes the writes of ``task``'s oracle plan without its
    # interface (changes only), calling ``mark()`` as each intent starts; False: did nothing.
    replay: Callable[[ToolContext, Task, Callable[[], None]], bool] | None = None

    @property
    def lexicon(self) -> Lexicon:
        """The agent-turn reader's patterns for this domain."""
        return self.words.lexicon

    def template(self, name: str) -> TaskTemplate:
        for t in self.templates + self.follow_ups:
            if t.name == name:
                return t
        known = ", ".join(t.name for t in self.templates + self.follow_ups)
        raise KeyError(f"unknown template {name!r} for {self.name}; known: {known}")

    def event(self, name: str) -> WorldEvent:
        for e in self.world_events:
            if e.name == name:
                return e
        known = ", ".join(e.name for e in self.world_events) or "none"
        raise KeyError(f"unknown world event {name!r} for {self.name}; known: {known}")


@dataclass(frozen=True)
class Expected:
    """A task's expected outcome, computed once by replaying its oracle plan on a fresh world."""

    changes: frozenset[tuple[str, str, str, Any]]
    per_intent: tuple[frozenset[tuple[str, str, str, Any]], ...]


@dataclass
class Snapshot:
    """Everything needed to resume an episode exactly: database bytes and episode state."""

    domain: str
    world_key: tuple[str, int, str]
    data: bytes
    episode: dict[str, Any] = field(default_factory=dict)


class UtilityEnv(gym.Env[str, str]):
    """Base class; each domain subclasses it with ``domain = Domain(...)`` and its docstring."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}
    domain: Domain
    _closed = False  # set by close(); step() and reset() then raise ClosedEnvironmentError

    def __init__(
        self,
        render_mode: str | None = None,
        *,
        world_seed: int = 0,
        size: str = "default",
        split: str = "train",
        reward_mode: str = "success",
        max_length: int = 100_000,
        user: str = "agenda",
        user_options: dict[str, Any] | None = None,
        mode: str = "episodic",
        stream_length: int = 20,
    ) -> None:
        # Every option is checked before anything is built: a typo fails at once, by name.
        check_choice("render_mode", render_mode, self.metadata["render_modes"], none_ok=True)
        world_seed = check_int("world_seed", world_seed, 0, MAX_WORLD_SEED)
        check_choice("world size", size, self.domain.sizes)
        check_choice("split", split, SPLITS)
        check_choice("reward_mode", reward_mode, REWARD_MODES)
        max_length = check_int("max_length", max_length, MIN_MAX_LENGTH)
        check_choice("user", user, USERS)
        user_options = check_mapping("user_options", user_options) or None
        check_choice("mode", mode, MODES)
        stream_length = check_int("stream_length", stream_length, 1, MAX_STREAM_LENGTH)
        self.render_mode = render_mode
        self.mode = mode
        self.stream_length = stream_length
        self._stream: dict[str, Any] | None = None
        self._stream_expected: tuple[Task, Expected] | None = None
        self._isolation_bases: dict[tuple[str, ...], bytes] = {}  # world events applied -> world bytes
        self.world_seed = world_seed
        self.size = size
        self.split = split
        self.reward_mode = reward_mode
        self.max_length = max_length
        self.observation_space = UnicodeText(self.max_length)
        self.action_space = UnicodeText(self.max_length)
        self.template: WorldTemplate = build_template(
            self.domain.name, self.world_seed, size, self.domain.builder, self.domain.tracked_tables
        )
        self.world = World(self.template, rollback_reset=self.domain.rollback_reset)
        self.toolbox = Toolbox(self.domain.tools)
        self.values = _world_value_lexicon(self.template, self.domain.words)
        self.user = make_user(user, user_options)
        use_words = getattr(self.user, "use_words", None)
        if use_words is not None:
            use_words(self.domain.words, self.values)
        # An LLM-voiced user makes transcripts depend on the model, not only on the seeds.
        self.nondeterministic = user != "agenda"
        self.task: Task | None = None
        self._test_pairs = fixed_test_split(self.domain.templates, self.domain.n_test)
        self._train_templates = [t for t in self.domain.templates if not t.heldout]
        self._heldout_templates = [t for t in self.domain.templates if t.heldout]
        # The train / heldout draw: each template as often as its weight.
        self._draw = {
            "train": [t for t in self._train_templates for _ in range(t.weight)],
            "heldout": [t for t in self._heldout_templates for _ in range(t.weight)],
        }
        self._episode: dict[str, Any] = {}
        # Used when the env is built outside gym.make (no spec); the registry's cap wins otherwise.
        self.step_cap: int | None = None

    # -- public API ---------------------------------------------------------------------------
    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        ep = self._episode
        if not ep:
            self._check_open("step")
            raise gym.error.ResetNeeded("call reset() before step()")
        if ep["done"]:
            events = [Event("error", "the episode is over; call reset() to start a new one")]
            return self._observe(events), 0.0, True, False, self._info(events, grade=ep["grade"])
        ep["steps"] += 1
        # Asynchronous events (a reply to an earlier message) come first, before this action.
        arrived = self._arrivals()
        ep["transcript"].extend(arrived)
        events: list[Event] = []
        parsed = parse_action(action, self.max_length)
        terminated = False
        if isinstance(parsed, InvalidAction):
            events.append(Event("error", parsed.error))
        elif isinstance(parsed, ToolCallAction):
            terminated = self._run_tool(parsed, events)
        else:
            terminated = self._run_message(parsed, events)
        ep["transcript"].extend(events)
        events = arrived + events

        cap = ep.get("cap") or self._step_cap()
        truncated = not terminated and cap is not None and ep["steps"] >= cap
        reward = 0.0
        if self.reward_mode == "shaped":
            phi = self._potential()
            reward += phi - ep["phi"]
            ep["phi"] = phi
        if terminated or truncated:
            if truncated:
                ep["record"].outcome = "truncated"
            g = self._grade()
            ep["done"] = True
            ep["grade"] = g
            if self.reward_mode == "success":
                reward = 1.0 if g.success else 0.0
            elif self.reward_mode == "partial":
                reward = g.partial
            else:
                reward += (1.0 if g.success else 0.0) - ep["phi"]
        return self._observe(events), float(reward), terminated, truncated, self._info(events, grade=ep["grade"])

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        self._check_open("reset")
        options = self._checked_reset_options(seed, options)
        super().reset(seed=seed)
        if "fork" in options:
            return self._restore(options.pop("fork"))
        revisions: list[tuple[int, WorldEvent]] = []
        if "task" in options:
            task = self._isolated_task(options, revisions)
        elif self.mode == "stream":
            task = self._next_stream_task(seed, options)
            revisions = [(p, self.domain.event(n)) for p, n in self._stream["applied"]]
        else:
            task = self._pick_task(options)
            self.world.reset()
        self._start_episode(task)
        ep = self._episode
        ep["policy"] = revised_policy(self.domain.policy, revisions)
        # The world, its reference copy and the tables built for the first task live as long as
        # the process: out of the collector's way from now on.
        freeze_long_lived((self.domain.name, self.world_seed, self.size))
        return self._observe(ep["transcript"]), self._info(ep["transcript"])

    def _info(self, events: Sequence[Event], *, grade: Grade | None = None, forked: bool = False) -> dict[str, Any]:
        """The info of a reset or step: the same keys, with values of the same types, every time
        (Gymnasium's vector envs stack infos across envs, dataset recorders compare them with the
        reset's). ``grade`` is the pending grade (outcome "running") until the episode ends, and
        ``feedback`` is empty until then. docs/reliability.md has the table."""
        ep = self._episode
        task = self.task
        assert task is not None
        info: dict[str, Any] = {
            "task_id": ep["task_id"],
            "split": task.split,
            "domain": self.domain.name,
            "turn": ep["steps"],
            "events": [e.to_dict() for e in events],
            "tools": self.toolbox.schemas,
            "policy": ep.get("policy", self.domain.policy),
            "grade": self._grade_info(grade) if grade is not None else self._pending_grade(),
            "feedback": _feedback(grade) if grade is not None else "",
            "forked": forked,
        }
        if self.mode == "stream" and self._stream is not None:
            stream = self._stream_info()
            # An int every time: -1 when the task follows up no earlier position (None in one env
            # and an int in another would not stack in a vector env).
            if stream["follows_position"] is None:
                stream["follows_position"] = -1
            info["stream"] = stream
        return info

    def _pending_grade(self) -> dict[str, Any]:
        """``info["grade"]`` before the episode ends: the final grade's keys and types, outcome
        "running". A domain whose grade has more keys extends it."""
        return {"success": False, "partial": 0.0, "outcome": "running", "checkpoints": [], "reasons": []}

    def _grade_info(self, g: Grade) -> dict[str, Any]:
        """``info["grade"]`` at the end: the grade's dict (the keys of the pending grade; recorded
        runs verify against it, so nothing is added), its numbers as the pending grade's types."""
        out = g.to_dict()
        out["success"] = bool(out["success"])
        out["partial"] = float(out["partial"])
        return out

    def _isolated_task(self, options: dict[str, Any], revisions: list[tuple[int, WorldEvent]]) -> Task:
        """``reset(options={"task": task, "world_events": [...]})``: this exact Task (e.g. one a
        stream served) alone, in the pristine world with only the named world events applied:
        the isolated twin of a stream episode."""
        task = options["task"]
        if not isinstance(task, Task):
            raise TypeError(f"options['task'] must be a Task (e.g. env.unwrapped.task of a stream), got {type(task).__name__}")
        if task.domain != self.domain.name:
            raise ValueError(f"task {task.task_id!r} belongs to {task.domain!r}, not {self.domain.name!r}")
        if self.mode == "stream":
            raise ValueError("options['task'] runs one task in isolation; use an env with mode='episodic'")
        names = [str(n) for n in options.get("world_events", ())]
        self.world.restore(self._isolated_world(task, names))
        revisions += [(0, self.domain.event(n)) for n in names]
        self._stream_expected = (task, self.expected(task, self.world.snapshot()))
        return task

    def _isolated_world(self, task: Task, event_names: Sequence[str]) -> bytes:
        """Where ``task`` runs alone: the pristine world, the world events, and the rows of the
        stream's world it refers to (``extras["carried_rows"]``, e.g. a ticket an earlier
        episode opened that it duplicates)."""
        base = self._isolation_base(event_names)
        rows = task.extras.get("carried_rows") or ()
        if not rows:
            return base
        scratch = _scratch_world(self.template, self.domain.rollback_reset)
        scratch.restore(base)
        try:
            for table, row in rows:
                columns = ", ".join(f'"{c}"' for c in row)
                marks = ", ".join("?" for _ in row)
                scratch.conn.execute(f'INSERT OR REPLACE INTO "{table}" ({columns}) VALUES ({marks})', tuple(row.values()))
            return scratch.snapshot()
        finally:
            scratch.reset()

    def _isolation_base(self, event_names: Sequence[str]) -> bytes:
        """The pristine world with ``event_names`` applied (what an isolated twin starts from)."""
        key = tuple(event_names)
        if not key:
            return self.template.data
        cache = self._isolation_bases
        if key not in cache:
            scratch = _scratch_world(self.template, self.domain.rollback_reset)
            scratch.restore(self.template.data)
            try:
                for name in key:
                    self.domain.event(name).apply(scratch.conn)
                cache[key] = scratch.snapshot()
            finally:
                scratch.reset()
        return cache[key]

    # -- streams ------------------------------------------------------------------------------
    def _next_stream_task(self, seed: int | None, options: dict[str, Any]) -> Task:
        """``reset(seed=s)`` starts stream ``s`` in a pristine world; a plain ``reset()`` serves
        the next task of the same stream in the same world (what earlier episodes did stays)."""
        named = None
        if "task_id" in options:
            domain, template_name, task_seed = parse_task_id(str(options["task_id"]))
            if domain != self.domain.name:
                raise ValueError(f"task {options['task_id']!r} belongs to {domain!r}, not {self.domain.name!r}")
            self.domain.template(template_name)  # an unknown template is a clear KeyError here
            named = (template_name, task_seed)
        stream = self._stream
        if seed is not None or stream is None:
            stream_seed = int(seed) if seed is not None else int(self.np_random.integers(2**31))
            self.world.reset()
            stream = self._stream = {
                "seed": stream_seed,
                "position": 0,
                "plan": self.stream_plan(stream_seed, self.stream_length),
                "tasks": {},  # position -> Task, kept for the follow-ups that refer to it
                "applied": [],  # (position, world event name), in order
                "new_events": [],
            }
        else:
            if stream["position"] + 1 >= len(stream["plan"]):
                raise StreamExhausted(
                    f"stream {stream['seed']} has no task after position {stream['position']}; "
                    "call reset(seed=...) to start a new stream"
                )
            stream["position"] += 1
        position = stream["position"]
        entry = stream["plan"][position]
        if named is not None:
            # A named task takes this position (e.g. to replay a stream in another order); the
            # world events scheduled here still happen.
            entry = stream["plan"][position] = {"template": named[0], "seed": named[1], **{
                k: v for k, v in entry.items() if k == "events"}}
        stream["new_events"] = []
        for name in entry.get("events", ()):
            event = self.domain.event(name)
            event.apply(self.world.conn)
            stream["applied"].append((position, name))
            stream["new_events"].append({"name": name, "description": event.description, "position": position})
        earlier = stream["tasks"].get(entry["after"]) if "after" in entry else None
        # Tasks are generated on the world as this stream has left it, so they stay valid. If
        # earlier episodes used up what a template needs, the next seeds, then the stream's
        # other templates, are tried in a fixed order; the plan records what was served. A task
        # must also run in isolation (the pristine world with the same world events), so every
        # stream episode has an isolated twin.
        live = self.world.snapshot()
        applied = [n for _, n in stream["applied"]]
        view = _stream_view(self.template)
        view.restore(live)
        follow_ups = {t.name for t in self.domain.follow_ups}
        template = entry["template"]
        others = [e["template"] for e in stream["plan"] if e["template"] != template and e["template"] not in follow_ups]
        fallbacks = [template] if named else [template] + others
        reasons: dict[str, str] = {}
        try:
            for name in dict.fromkeys(fallbacks):
                for k in range(1 if named else 8):
                    candidate = entry["seed"] if k == 0 else (entry["seed"] + 104_729 * k) % TEST_SEED_BASE
                    try:
                        task = self._build_task(name, candidate, None, view.conn, earlier if name == template else None)
                        task = _with_carried_rows(task, view.conn)
                        # An anchor: the follow-up planned later must be possible in the world
                        # its oracle plan leaves (checked within the same replay).
                        follow_up = entry.get("anchor_for") if name == template else None
                        inspect = (lambda db, t=task, f=follow_up, c=candidate: self._build_task(f, c, None, db, t)) if follow_up else None
                        # Its plan must work in this world and in isolation; the replay is kept,
                        # and the isolated twin gets the ids the pristine world gives new rows.
                        expected, created, _ = self._replay(task, live, inspect=inspect)
                        twin = self._twin(task, expected, created, self._isolated_world(task, applied))
                        self._stream_expected = (task, expected)
                    except (NoTask, OraclePlanError) as e:
                        reasons[name] = str(e)
                        continue
                    stream["twin"] = twin
                    served = {"template": name, "seed": candidate, **{k: v for k, v in entry.items() if k == "events"}}
                    if name == template:
                        served.update({k: v for k, v in entry.items() if k in ("after", "anchor_for")})
                    stream["plan"][position] = served
                    if "anchor_for" in served:
                        stream["tasks"][position] = task
                    return task
        finally:
            view.reset()
        if named is not None:
            raise NoTask(f"task {options['task_id']!r} cannot be made in this stream's world at position {position}")
        why = "; ".join(f"{n}: {r}" for n, r in reasons.items())
        raise StreamExhausted(
            f"no template of stream {stream['seed']} can make a task at position {position}: earlier episodes used up "
            f"what they need ({why}). Start a new stream with reset(seed=...), or use a shorter stream_length or a "
            "larger world size"
        )

    def _twin(self, task: Task, expected: Expected, created: list[list[tuple[str, str]]], isolated: bytes) -> Task:
        """``task`` as it is alone in the ``isolated`` world (pristine plus world events), or
        OraclePlanError if it is not the same task there: its plan must run, make the same
        changes (up to the ids of new rows) and show every fact the agent must tell."""
        outputs: list[str] = []
        alone, _, mapping = self._replay(task, isolated, like=created, outputs=outputs)
        twin = substitute_ids(task, mapping)
        if substitute_ids(expected, mapping) != alone:
            raise OraclePlanError(f"{task.task_id} changes the world differently in isolation")
        seen = Observed([*outputs, *twin.goal.known.values(), *(i.request for i in twin.goal.intents), twin.goal.opening])
        missing = [f for f in twin.required_facts if not seen.has(f)]
        if missing:
            raise OraclePlanError(f"{task.task_id} has other facts in isolation: {', '.join(f.describe() for f in missing)}")
        return twin

    def isolated_options(self) -> dict[str, Any]:
        """How to run the current stream task alone: ``reset(options=...)`` of an episodic env of
        this domain with these options runs its isolated twin (the same task with the ids the
        pristine world gives new rows, in the pristine world with the world events so far)."""
        if self.mode != "stream" or self._stream is None or self.task is None:
            raise RuntimeError("isolated_options() needs a stream episode: make the env with mode='stream' and reset it")
        return {"task": self._stream.get("twin", self.task), "world_events": [n for _, n in self._stream["applied"]]}

    def stream_plan(self, stream_seed: int, length: int) -> list[dict[str, Any]]:
        """Each position's template and seed, follow-ups of earlier positions and world events
        (see ``utility_gym.core.streams.build_plan``)."""
        train = {t.name for t in self._train_templates}
        pairs = [(t.name, t.follows) for t in self.domain.follow_ups if t.follows in train]
        return build_plan(
            self.domain.name, stream_seed, length, [t.name for t in self._train_templates],
            pairs, [e.name for e in self.domain.world_events],
        )

    def _stream_info(self) -> dict[str, Any]:
        stream = self._stream
        assert stream is not None
        entry = stream["plan"][stream["position"]]
        return {
            "seed": stream["seed"],
            "position": stream["position"],
            "length": len(stream["plan"]),
            "template": entry["template"],
            "follows_position": entry.get("after"),
            "events": list(stream["new_events"]),
            "world_events": [n for _, n in stream["applied"]],
        }

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        transcript = self._episode.get("transcript", [])
        return render_events(transcript) + "\n"

    def close(self) -> None:
        # The episode goes with the world: a later step() or reset() says the env is closed.
        self._closed = True
        self._episode = {}
        self.world.close()

    def _check_open(self, method: str) -> None:
        if self._closed:
            raise gym.error.ClosedEnvironmentError(
                f"{method}() called after close(): this env's world is closed; make a new env with gym.make"
            )

    def _checked_reset_options(self, seed: Any, options: Any) -> dict[str, Any]:
        """``options`` as a new dict, after checking ``seed`` and every option reset understands."""
        if seed is not None:
            check_int("seed", seed, 0)
        options = check_mapping("options", options)
        check_keys("reset option", options, RESET_OPTIONS)
        if "task_id" in options:
            self._check_task_id(options["task_id"])
        if "world_events" in options:
            names = options["world_events"]
            if isinstance(names, str) or not isinstance(names, list | tuple):
                raise TypeError(f"options['world_events'] must be a list of world event names, got {shown(names)}")
            known = [e.name for e in self.domain.world_events]
            for name in names:
                check_choice("a name in options['world_events']", name, known)
        return options

    def _check_task_id(self, task_id: Any) -> None:
        """A ValueError unless ``task_id`` is DOMAIN/TEMPLATE/SEED of this domain's templates."""
        form = f"{self.domain.name}/TEMPLATE/SEED, e.g. {task_id_for(self.domain.name, self.domain.templates[0].name, 0)}"
        if not isinstance(task_id, str):
            raise TypeError(f"options['task_id'] must be a string {form}, got {shown(task_id)}")
        parts = task_id.split("/")
        if len(parts) != 3 or not (parts[2].isascii() and parts[2].isdigit()) or len(parts[2]) > 18:
            raise ValueError(f"options['task_id'] must look like {form}; got {shown(task_id)}")
        if parts[0] != self.domain.name:
            raise ValueError(f"options['task_id'] {shown(task_id)} belongs to {parts[0]!r}, not {self.domain.name!r}")
        names = [t.name for t in self.domain.templates + self.domain.follow_ups]
        if parts[1] not in names:
            raise ValueError(f"options['task_id'] {shown(task_id)} names no template of {self.domain.name}; known: {', '.join(names)}")

    def __getstate__(self) -> dict[str, Any]:
        # The Toolbox holds @tool functions (not importable by name) and the ToolContext the live
        # connection: drop both and rebuild them from the class's Domain and the unpickled World.
        state = self.__dict__.copy()
        state.pop("toolbox", None)
        state.pop("_ctx", None)
        state["_isolation_bases"] = {}  # a cache, rebuilt on demand
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.toolbox = Toolbox(self.domain.tools)
        if self._episode:
            self._ctx = ToolContext(self.world.conn, self._episode["tool_state"], self.template.meta.get("now", ""))

    # -- tasks --------------------------------------------------------------------------------
    def task_ids(self, split: str | None = None) -> list[str]:
        """The ids of a finite split (``test``); ``train``/``heldout`` are unlimited."""
        split = split or self.split
        if split != "test":
            raise ValueError(f"the {split} split is unlimited; only 'test' has a fixed list of task ids")
        return [task_id_for(self.domain.name, t, s) for t, s in self._test_pairs]

    def make_task(self, template_name: str, seed: int, split: str | None = None) -> Task:
        """Generate (or fetch from the per-process cache) the task ``template_name/seed``."""
        key = (self.domain.name, self.world_seed, self.size, template_name, int(seed))
        cached = _TASK_CACHE.get(key)
        if cached is not None:
            return cached
        task = self._build_task(template_name, seed, split, _reference_db(self.template))
        _bounded_put(_TASK_CACHE, key, task)
        return task

    def _build_task(
        self, template_name: str, seed: int, split: str | None, db: sqlite3.Connection, earlier: Task | None = None,
    ) -> Task:
        template = self.domain.template(template_name)
        rng = random.Random(f"{self.domain.name}/{template_name}/{seed}")
        now = self.template.meta.get("now", "")
        if template.follows is None:
            draft = template.generate(db, rng, now)
        elif earlier is None or earlier.template != template.follows:
            raise NoTask(f"{template_name} follows up an earlier {template.follows} episode: it exists only in a stream")
        else:
            draft = template.generate(db, rng, now, earlier)
        if split is None:
            split = "heldout" if template.heldout else ("test" if seed >= TEST_SEED_BASE else "train")
        draft = dataclasses.replace(draft, goal=self._goal_with_checks(draft.goal, draft.plan, db))
        return Task(
            task_id=task_id_for(self.domain.name, template_name, seed),
            domain=self.domain.name,
            template=template_name,
            seed=int(seed),
            split=split,
            generator_version=self.domain.generator_version,
            goal=draft.goal,
            plan=draft.plan,
            ask_required=draft.ask_required,
            temptations=draft.temptations,
            summary=draft.summary,
            extras=draft.extras,
        )

    def _goal_with_checks(self, goal: UserGoal, plan: tuple[PlanStep, ...], db: sqlite3.Connection) -> UserGoal:
        """The goal with what each intent's proposals must state (the decisive values of its
        confirmed writes) and what must come before each refusal (the plan's identity checks
        and look-ups of the intent's objects before it refuses)."""
        words = self.domain.words
        tools = self.toolbox.tools
        intents = []
        for i, intent in enumerate(goal.intents):
            if intent.outcome == "write" and not intent.wants:
                wants: list[Any] = []
                for step in plan:
                    spec = tools.get(step.call.name) if step.call is not None and step.intent == i else None
                    if spec is not None and spec.confirm:
                        wants.extend(v for v in words.decisive_values(db, step.call.name, step.call.arguments) if v not in wants)
                intent = dataclasses.replace(intent, wants=tuple(wants))
            elif intent.outcome == "refuse" and not intent.requires:
                last_say = max((k for k, st in enumerate(plan) if st.intent == i and st.say is not None), default=-1)
                targets = set(intent.targets)
                requires = [
                    st.call for st in plan[:last_say] if st.call is not None and not tools[st.call.name].writes
                    and (st.call.name in words.identity_tools or targets & {str(v) for v in st.call.arguments.values()})
                ]
                intent = dataclasses.replace(intent, requires=tuple(requires))
            intents.append(intent)
        return dataclasses.replace(goal, intents=tuple(intents))

    def expected(self, task: Task, base: bytes | None = None, *, on: World | None = None) -> Expected:
        """The task's expected change set, by replaying its oracle plan on a fresh copy of the
        pristine world (cached), or of ``base`` (a stream's current world; not cached).

        ``on``: a world that rolls back to the template (``rollback_reset``) to replay on instead
        of the per-process scratch world; it is reset to the template afterwards.
        """
        key = (self.domain.name, self.world_seed, self.size, task.task_id)
        cached = _EXPECTED_CACHE.get(key) if base is None else None
        if cached is not None:
            return cached
        result = self._replay(task, base if base is not None else self.template.data, on=on, changes_only=True)[0]
        if base is None:
            _bounded_put(_EXPECTED_CACHE, key, result)
        return result

    def _replay(
        self, task: Task, base: bytes, like: list[list[tuple[str, str]]] | None = None, outputs: list[str] | None = None,
        inspect: Callable[[sqlite3.Connection], Any] | None = None, on: World | None = None, changes_only: bool = False,
    ) -> tuple[Expected, list[list[tuple[str, str]]], dict[str, str]]:
        """Replay ``task``'s oracle plan on a copy of ``base``: the expected changes, the rows
        each call inserted (table, key) and, given ``like`` (those of a replay on another world),
        how the ids this world gave new rows map from those: ``{other id: this world's id}``;
        ``inspect(db)`` is called on the world the plan leaves, before it is reset; ``on`` as in
        ``expected``. Ids of new rows (ticket numbers, return ids) depend on the world's history;
        a plan made for one world runs on the other with the ids mapped as they are created.
        ``changes_only``: only the changes are wanted, not a check that every call of the plan
        works here, so pure look-ups are skipped (they change neither the world nor the session)."""
        if on is not None and on.rollback_reset:
            scratch = on
        else:
            scratch = _scratch_world(self.template, self.domain.rollback_reset)
        scratch.restore(base)
        ctx = ToolContext(scratch.conn, {}, self.template.meta.get("now", ""))
        start = scratch.change_seq()  # a stream's world already carries earlier episodes' log
        marks = []
        created: list[list[tuple[str, str]]] = []
        mapping: dict[str, str] = {}
        # Ids are tracked unless this is the pristine replay.
        skip_pure = changes_only and outputs is None
        track = like is not None or base is not self.template.data
        tools = self.toolbox.tools
        fast = self.domain.replay if skip_pure and not track else None
        try:
            done = fast is not None and fast(ctx, task, lambda: marks.append(scratch.change_seq()))
            for index in range(0 if done else len(task.goal.intents)):
                marks.append(start if index == 0 else scratch.change_seq())
                for step in task.plan:
                    if step.intent != index or step.call is None:
                        continue
                    if skip_pure and tools[step.call.name].pure:
                        if track:
                            created.append([])
                        continue
                    arguments = dict(step.call.arguments)
                    if mapping:
                        arguments = substitute_ids(arguments, mapping)
                    before = scratch.change_seq() if track else 0
                    # A call that should work needs no savepoint: if it fails, the replay is
                    # abandoned and the world reset. One that should fail must leave nothing.
                    out = self.toolbox.call(ctx, step.call.name, arguments, atomic=step.expect_error)
                    if out.ok == step.expect_error:
                        raise OraclePlanError(f"oracle plan of {task.task_id} misbehaves at {step.call.name}: {out.error or 'it should fail'}")
                    if outputs is not None:
                        outputs.append(dumps(out.result) if out.ok else str(out.error))
                    if not track:
                        continue  # the pristine replay: no ids to track
                    inserted = [(c.table, c.pk) for c in scratch.changes(before) if c.op == "insert"] if out.wrote else []
                    if like is not None:
                        theirs = like[len(created)] if len(created) < len(like) else []
                        if [t for t, _ in theirs] != [t for t, _ in inserted]:
                            raise OraclePlanError(f"oracle plan of {task.task_id} creates other rows in this world at {step.call.name}")
                        mapping.update({a: b for (_, a), (_, b) in zip(theirs, inserted, strict=True) if a != b and _ID.fullmatch(a)})
                    created.append(inserted)
            spans = scratch.changes_in_spans(marks or [start])
            per_intent = [self._graded(change_facts(span)) for span in spans[: len(marks)]]
            result = Expected(self._graded(change_facts(spans[-1])), tuple(per_intent))
            if inspect is not None:
                inspect(scratch.conn)  # e.g. whether a follow-up can be made in the world the plan leaves
        finally:
            scratch.reset()
        return result, created, mapping

    def _graded(self, facts: frozenset) -> frozenset:
        """Drop the domain's ignored columns (the agent's own wording): an intent is done, and
        graded, by the values that matter, not by matching the oracle's free text."""
        ignored = self.domain.ignored_columns
        return frozenset(f for f in facts if (f[0], f[2]) not in ignored) if ignored else facts

    def _pick_task(self, options: dict[str, Any]) -> Task:
        if "task_id" in options:
            domain, template, seed = parse_task_id(str(options["task_id"]))
            if domain != self.domain.name:
                raise ValueError(f"task {options['task_id']!r} belongs to {domain!r}, not {self.domain.name!r}")
            return self.make_task(template, seed)
        rng = self.np_random
        if self.split == "test":
            template, seed = self._test_pairs[int(rng.integers(len(self._test_pairs)))]
            return self.make_task(template, seed, "test")
        pool = self._draw["train" if self.split == "train" else "heldout"]
        for _ in range(20):
            template = pool[int(rng.integers(len(pool)))]
            seed = int(rng.integers(TEST_SEED_BASE))
            try:
                return self.make_task(template.name, seed, self.split)
            except NoTask:
                continue
        raise RuntimeError(f"no template of the {self.split} split could make a task in this world")

    # -- episode ------------------------------------------------------------------------------
    def _step_cap(self) -> int:
        return _registered_cap(self.spec) or self.step_cap or DEFAULT_STEP_CAP

    def _start_episode(self, task: Task) -> None:
        self.task = task
        user_rng = random.Random(int(self.np_random.integers(2**63)))
        opening = self.user.start(task.goal, user_rng)
        pending, self._stream_expected = self._stream_expected, None
        if pending is not None and pending[0] is task:
            expected = pending[1]
        elif self.mode == "stream":
            expected = self.expected(task, self.world.snapshot())
        else:
            # The world was just reset to the template: a new task's plan is replayed on it and
            # rolled back, so the episode's first calls find its statements and pages warm.
            expected = self.expected(task, on=self.world)
        self._episode = {
            "task_id": task.task_id,
            "steps": 0,
            "done": False,
            "transcript": self._opening_events(task, opening),
            "record": EpisodeRecord(set(), set(), set(), []),
            "tool_state": {},
            "affirmed": None,  # (actions, words, context) of the last proposal the user said yes to
            "calls": [],  # (tool, arguments, ok) of every call, for a refusal's prerequisites
            "expected": expected,
            "phi": 0.0,
            "grade": None,
            "change_seq": self.world.change_seq(),
            "cap": self._step_cap(),  # looked up once, not on every step
            "observed": Observed([opening]),
        }
        self._ctx = ToolContext(self.world.conn, self._episode["tool_state"], self.template.meta.get("now", ""))

    def _opening_events(self, task: Task, opening: str) -> list[Event]:
        """The first observation's events: the user's opening message (variants may override)."""
        return [Event("user", opening, data={"acts": ["inform_intent"]})]

    def _arrivals(self) -> list[Event]:
        """Events that arrived since the last step, shown first in this step's observation.

        None in a live conversation; an asynchronous variant (a ticket queue whose requesters
        answer comments later) overrides it.
        """
        return []

    def _run_tool(self, call: ToolCallAction, events: list[Event]) -> bool:
        ep = self._episode
        try:
            args_text = _encode_arguments(call.arguments)
            data = {"arguments": call.arguments}
        except (TypeError, ValueError, RecursionError):  # a non-JSON or circular value from a dict action
            args_text, data = repr(call.arguments), {}
        ep["transcript"].append(Event("agent", args_text, name=call.name, data=data))
        out = self.toolbox.call(self._ctx, call.name, call.arguments)
        # a failed call's arguments may be anything (deep, huge): only its name is kept
        ep["calls"].append((call.name, dict(call.arguments) if out.ok else {}, out.ok))
        if not out.ok:
            events.append(Event("error", str(out.error)))
            return False
        result_text = dumps(out.result)
        events.append(Event("tool", result_text, name=call.name))
        ep["observed"].add(result_text)
        spec = self.toolbox.tools[call.name]
        if out.wrote and spec.confirm:
            problem = self._unconfirmed(call)
            if problem:
                ep["record"].unconfirmed_writes.append(f"{call.name}({_short_args(call.arguments)}): {problem}")
        if spec.terminal:
            ep["record"].outcome = "transferred" if "transfer" in call.name else "agent_ended"
            return True
        return False

    def _unconfirmed(self, call: ToolCallAction) -> str | None:
        """Why a write is not confirmed: no proposal was agreed to, or the agreed proposal did
        not name this action or did not state (or contradicted) a value that decides it."""
        affirmed = self._episode["affirmed"]
        if affirmed is None:
            return "no proposal stating it was agreed to"
        actions, text, context = affirmed
        names = self.domain.words.tool_actions.get(call.name, ())
        if names and actions and not set(actions) & set(names):
            return f"the agreed proposal named {', '.join(actions)}, not this action"
        decisive = self.domain.words.decisive_values(self.world.conn, call.name, call.arguments)
        check = check_values(proposal_mentions(self.values, text, context, decisive), decisive, self.values)
        if check.wrong:
            wanted, said = check.wrong[0]
            return f"the agreed proposal said {said.surface}, not {wanted.spoken}"
        if check.missing:
            return "the agreed proposal did not state " + ", ".join(f"{v.kind.replace('_', ' ')} {v.spoken}" for v in check.missing)
        if not actions and not decisive:
            return "the agreed proposal did not say what would be done"
        return None

    def _run_message(self, message: MessageAction, events: list[Event]) -> bool:
        ep = self._episode
        text = message.text
        ep["transcript"].append(Event("agent", text))
        reading = understand(text, self.domain.lexicon)
        hear = getattr(self.user, "hear", None)
        if hear is not None:  # a user that writes its own words (LLMUser) wants the agent's words
            hear(text)
        record: EpisodeRecord = ep["record"]
        for act in reading.acts:
            if act.kind == "request" and act.slot:
                record.asked_slots.add(act.slot)
        progress = self._progress(reading, text)
        turn = self.user.respond(reading, progress)
        if reading.proposal is not None:
            # The user's yes holds for what this proposal stated; anything else withdraws it.
            agreed = turn.agreed if "affirm" in turn.acts else None
            ep["affirmed"] = (agreed.actions, agreed.text, agreed.context) if agreed is not None else None
        elif "deny" in turn.acts or "deny_change" in turn.acts:
            ep["affirmed"] = None
        user_event = Event("user", turn.text, data={"acts": list(turn.acts)})
        ep["observed"].add(turn.text)
        events.append(user_event)
        if turn.done:
            record.outcome = turn.outcome or "satisfied"
            return True
        return False

    def _progress(self, reading: Any, text: str) -> Progress:
        """Update what the agent has told and refused, then say which intents are done.

        A fact counts as told only if the agent had seen its value (in a tool result or the
        user's words) and, for a write intent, only once the intent's writes are made: a guess,
        or an outcome announced before the action, does not count. Facts told before the
        customer is verified are recorded as disclosures.
        """
        ep = self._episode
        task = self.task
        assert task is not None
        record: EpisodeRecord = ep["record"]
        grounding = reading.grounding
        normalized = _norm_text(text)
        observed: Observed = ep["observed"]
        key = self.domain.identity_key
        verified = key is None or bool(self._ctx.state.get(key))
        refused = any(a.kind == "refuse" for a in reading.acts) and reading.proposal is None
        actual = None
        done: list[bool] = []
        open_found = False
        fact_index = 0
        for i, intent in enumerate(task.goal.intents):
            first = fact_index
            fact_index += len(intent.facts)
            writes_done = True
            if intent.outcome == "write":
                if actual is None:
                    actual = self._actual()
                own = ep["expected"].per_intent[i]
                # an intent whose writes come with another's (one order for two items) waits for a write
                writes_done = own <= actual and bool(own or actual)
            for j, fact in enumerate(intent.facts, start=first):
                if j in record.told_facts or not writes_done:
                    continue
                if not fact.told_in(grounding, normalized) or not observed.has(fact):
                    continue
                if not verified:
                    record.unverified_disclosures.append(fact.describe())
                    continue
                record.told_facts.add(j)
            if intent.outcome == "refuse":
                if refused and not open_found and i not in record.refused_intents:
                    missing = self._refusal_unearned(intent, normalized, first, fact_index)
                    if missing:
                        record.unearned_refusals.append(f"refused '{intent.name}' {missing}")
                    else:
                        record.refused_intents.add(i)
                is_done = i in record.refused_intents
            elif intent.outcome == "write":
                is_done = writes_done
            elif intent.outcome == "inform":
                is_done = all(j in record.told_facts for j in range(first, fact_index))
            else:  # "transfer": only the transfer tool ends it
                is_done = False
            if not is_done:
                open_found = True
            done.append(is_done)
        return Progress(tuple(done))

    def _refusal_unearned(self, intent: Intent, normalized: str, first_fact: int, end_fact: int) -> str | None:
        """What a refusal of ``intent`` still lacks: the identity check or look-ups the policy
        requires first, or the reason (its words, or the intent's facts told)."""
        calls = self._episode["calls"]
        identity = self.domain.words.identity_tools
        for need in intent.requires:
            if need.name in identity:
                if not any(name in identity for name, _, _ in calls):
                    return "before trying to verify the user's identity"
            elif not any(name == need.name and ok and dict(args) == dict(need.arguments) for name, args, ok in calls):
                looked_up = ", ".join(str(v) for v in need.arguments.values())
                return f"without looking up {looked_up} first ({need.name})"
        told = self._episode["record"].told_facts
        facts_told = end_fact > first_fact and all(j in told for j in range(first_fact, end_fact))
        patterns = self.domain.words.refusal_reasons.get(intent.reason or "", ())
        if intent.reason and not facts_told and not any(re.search(p, normalized) for p in patterns):
            return f"without telling the reason ({intent.reason.replace('_', ' ')})"
        if not intent.reason and end_fact > first_fact and not facts_told:
            return "without telling the reason"
        return None

    def _actual(self) -> frozenset:
        return change_facts(self.world.changes(self._episode["change_seq"]))

    def _grade(self) -> Grade:
        ep = self._episode
        assert self.task is not None
        return grade(self.task, ep["expected"].changes, self._actual(), ep["record"], self.domain.ignored_columns)

    def _potential(self) -> float:
        """Shaping potential: the fraction of positive milestones reached (0 at the start)."""
        ep = self._episode
        assert self.task is not None
        checks, _ = checkpoints_for(self.task, ep["expected"].changes, self._actual(), ep["record"], self.domain.ignored_columns)
        milestones = [c for c in checks if c.name.startswith(("write ", "told ", "refused ", "asked for "))]
        if not milestones:
            return 0.0
        return sum(c.passed for c in milestones) / len(milestones)

    def _observe(self, events: Sequence[Event]) -> str:
        text = render_events(list(events))
        if len(text) > self.max_length:
            text = text[: self.max_length - len(TRUNCATION_NOTE)] + TRUNCATION_NOTE
        return text

    # -- snapshots ----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Capture the world and the whole episode state; ``reset(options={"fork": snap})`` resumes it."""
        if not self._episode:
            raise gym.error.ResetNeeded("call reset() before snapshot()")
        ep = self._episode
        episode = {k: v for k, v in ep.items() if k not in ("expected",)}
        episode = copy.deepcopy(episode)
        episode["user"] = self.user.state()
        episode["np_random"] = copy.deepcopy(self.np_random.bit_generator.state)
        # Immutable records, kept by reference: a stream's task depends on the world it was made in.
        episode["task"] = self.task
        episode["expected"] = ep["expected"]
        episode["stream"] = copy.deepcopy(self._stream)
        return Snapshot(self.domain.name, (self.domain.name, self.world_seed, self.size), self.world.snapshot(), episode)

    def _restore(self, snap: Snapshot) -> tuple[str, dict[str, Any]]:
        if not isinstance(snap, Snapshot):
            raise TypeError(f"options['fork'] must be a Snapshot from env.unwrapped.snapshot(), got {type(snap).__name__}")
        if snap.world_key != (self.domain.name, self.world_seed, self.size):
            raise ValueError(f"snapshot is of world {snap.world_key}, this env has {(self.domain.name, self.world_seed, self.size)}")
        self.world.restore(snap.data)
        kept = ("user", "np_random", "task", "expected", "stream")
        episode = copy.deepcopy({k: v for k, v in snap.episode.items() if k not in kept})
        task = snap.episode.get("task")
        if task is None:  # a snapshot from before tasks were stored in it
            _, template, seed = parse_task_id(episode["task_id"])
            task = self.make_task(template, seed)
        self.task = task
        self.user.goal = task.goal
        self.user.load_state(snap.episode["user"])
        self.np_random.bit_generator.state = copy.deepcopy(snap.episode["np_random"])
        episode["expected"] = snap.episode.get("expected") or self.expected(task)
        self._stream = copy.deepcopy(snap.episode.get("stream"))
        self._episode = episode
        self._ctx = ToolContext(self.world.conn, episode["tool_state"], self.template.meta.get("now", ""))
        info = self._info(episode["transcript"], grade=episode.get("grade"), forked=True)
        return self._observe(episode["transcript"][-1:]), info


USERS = ("agenda", "llm")


def make_user(user: str, options: dict[str, Any] | None = None) -> Any:
    """The simulated user an env kwarg names: ``"agenda"`` (AgendaUser) or ``"llm"`` (LLMUser)."""
    if user == "agenda":
        if options:
            raise ValueError(f"user_options apply to user='llm' only, got {sorted(options)}")
        return AgendaUser()
    if user == "llm":
        # The 'llm' extra: imported only when asked for.
        from utility_gym.core.llm_user import LLMUser

        return LLMUser(**dict(options or {}))
    raise ValueError(f"unknown user {user!r}; choose one of {', '.join(USERS)}")


# Tasks and expected outcomes are cached per process for the tasks that come back: the test
# split (100 per domain), pass^k trials, a stream's isolated twins. Train resets draw fresh
# seeds, which never repeat, so a larger cache would hold only what is never asked for again.
# A task costs 0.3-1.5 ms to make and 5-15 KB and ~25 tracked objects to keep; an expected
# outcome 0.3-3 ms and 2-70 KB (docs/reliability.md). 256 of each hold a domain's test split
# (100 tasks) with room for pass^k trials, in at most ~20 MB; every entry is also walked by each
# full garbage collection, so a larger cache would cost pauses, not just memory.
TASK_CACHE_SIZE = 256
_TASK_CACHE: LRUCache[Task] = LRUCache(TASK_CACHE_SIZE)


_VALUE_LEXICONS: dict[tuple[str, int, str], Any] = {}


def _world_value_lexicon(template: WorldTemplate, words: DomainWords) -> Any:
    """The domain's value lexicon with this world's names, read once per world per process."""
    key = (template.domain, template.world_seed, template.size)
    lexicon = _VALUE_LEXICONS.get(key)
    if lexicon is None:
        lexicon = _VALUE_LEXICONS[key] = words.for_world(_reference_db(template))
    return lexicon


def _bounded_put(cache: LRUCache, key: tuple, value: Any) -> None:
    cache.put(key, value)

_REFERENCE: dict[tuple[str, int, str], World] = {}


_PROCESS_WORLDS: dict[tuple[str, str, int, str], World] = {}


def _process_world(template: WorldTemplate, role: str, rollback_reset: bool = False) -> World:
    """One reusable world per process and ``role``, restored before each use."""
    key = (role, template.domain, template.world_seed, template.size)
    world = _PROCESS_WORLDS.get(key)
    if world is None:
        world = _PROCESS_WORLDS[key] = World(template, rollback_reset=rollback_reset)
    return world


def _scratch_world(template: WorldTemplate, rollback_reset: bool) -> World:
    """The world oracle plans are replayed on."""
    return _process_world(template, "scratch", rollback_reset)


def _stream_view(template: WorldTemplate) -> World:
    """The world stream tasks are generated on, from a copy of the live state."""
    return _process_world(template, "stream view")


def _reference_db(template: WorldTemplate) -> sqlite3.Connection:
    """A read-only copy of the pristine world, kept per process, that task templates query."""
    key = (template.domain, template.world_seed, template.size)
    world = _REFERENCE.get(key)
    if world is None:
        world = World(template)
        world.conn.execute("PRAGMA query_only = ON")
        register_reference(world.conn)
        _REFERENCE[key] = world
    return world.conn
_EXPECTED_CACHE: LRUCache[Expected] = LRUCache(TASK_CACHE_SIZE)


def _with_carried_rows(task: Task, db: sqlite3.Connection) -> Task:
    """``task`` with the rows its ``extras["carry"]`` names ((table, key) pairs of the stream's
    world) copied into ``extras["carried_rows"]``, for its isolated twin."""
    carry = task.extras.get("carry")
    if not carry:
        return task
    rows = []
    for table, key in carry:
        pk = next(r[1] for r in db.execute(f'PRAGMA table_info("{table}")') if r[5] == 1)
        row = query_one(db, f'SELECT * FROM "{table}" WHERE "{pk}" = ?', (key,))
        if row is None:
            raise NoTask(f"{task.task_id} refers to {table} {key}, which this world does not have")
        rows.append((table, row))
    return dataclasses.replace(task, extras={**task.extras, "carried_rows": tuple(rows)})


def _feedback(g: Grade) -> str:
    """What a worker learns after the fact: the grade's reasons in plain words."""
    if g.success:
        return "Success: every required change was made and every required fact was told."
    return "Not successful: " + "; ".join(g.reasons) + "."


def _registered_cap(spec: gym.envs.registration.EnvSpec | None) -> int | None:
    """The registered step cap. ``gym.make`` gives the unwrapped env a spec without it (the
    TimeLimit wrapper holds it), so look the id up: the env must grade the step that truncates."""
    if spec is None:
        return None
    if spec.max_episode_steps:
        return spec.max_episode_steps
    registered = gym.registry.get(spec.id)
    return registered.max_episode_steps if registered is not None else None


def _short_args(arguments: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    return text if len(text) < 120 else text[:117] + "..."


def vector_env_factory(env_cls: type[UtilityEnv]) -> Callable[..., gym.vector.VectorEnv]:
    """A ``vector_entry_point`` for ``env_cls``: worker processes, strings passed by pipe.

    Gymnasium's shared-memory path is not used for text observations (see ``core.spaces``).
    """

    def make_vector_env(num_envs: int = 1, max_episode_steps: int | None = None, **kwargs: Any) -> gym.vector.VectorEnv:
        def make_one() -> gym.Env:
            inner = env_cls(**kwargs)
            inner.step_cap = max_episode_steps
            env: gym.Env = OrderEnforcing(inner)
            if max_episode_steps is not None:
                env = TimeLimit(env, max_episode_steps)
            return env

        return gym.vector.AsyncVectorEnv([make_one for _ in range(num_envs)], shared_memory=False)

    return make_vector_env


