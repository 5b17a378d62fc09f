"""UtilityEnv: the step loop every domain shares.

One tool-call step goes parse → tools → user → grade: ``step`` parses the action
(``core.dialogue``), runs a tool call through the toolbox (``core.tools``) or reads an agent
message and lets the simulated user answer (``core.nlu``, ``core.users``, with ``core.progress``
judging what the agent achieved), then grades the episode when it ends (``core.grading``).
Tasks come from ``core.task_factory``, their expected changes from ``core.replay``, stream
tasks from ``core.stream_server``; the episode's state is a typed ``core.episode.Episode``.

Domains customise the loop through the public hooks below (``on_start``, ``opening_events``,
``arrivals``, ``handle``, ``pending_grade``, ``final_grade``, ``info_extras``, ``on_restore``);
docs/architecture.md walks through them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import gymnasium as gym

from utility_gym.core.caches import collect_between_episodes, freeze_long_lived
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
from utility_gym.core.domain import Domain
from utility_gym.core.episode import Affirmed, CallRecord, Episode
from utility_gym.core.grading import CheckKind, Grade, checkpoints_for, grade
from utility_gym.core.hooks import DomainHooks
from utility_gym.core.nlu import Reading, understand
from utility_gym.core.observation import feedback, grade_info, observe
from utility_gym.core.options import EnvOptions, checked_reset_options, make_user, registered_cap
from utility_gym.core.progress import ProgressJudge
from utility_gym.core.replay import Expected, Replayer
from utility_gym.core.snapshots import Forking
from utility_gym.core.spaces import UnicodeText
from utility_gym.core.stream_server import StreamServer, StreamState
from utility_gym.core.streams import WorldEvent, revised_policy
from utility_gym.core.task_factory import TaskFactory, world_value_lexicon
from utility_gym.core.tasks import Observed, Task
from utility_gym.core.tools import Toolbox, ToolContext
from utility_gym.core.users import Progress
from utility_gym.core.world import World, build_template, change_facts

# An env built outside gym.make has no registered cap; an episode must still end.
DEFAULT_STEP_CAP = 200
# The checkpoints the shaped reward counts as milestones.
MILESTONES = frozenset({CheckKind.WRITE, CheckKind.TOLD, CheckKind.REFUSED, CheckKind.ASKED})
# A tool call's arguments as the transcript shows them; json.dumps with options would build a
# new encoder on every step.
_encode_arguments = json_encoder(sort_keys=True)


class UtilityEnv(DomainHooks, Forking, gym.Env[str, str]):
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
        options = EnvOptions.checked(
            render_mode,
            self.metadata["render_modes"],
            self.domain.sizes,
            world_seed=world_seed,
            size=size,
            split=split,
            reward_mode=reward_mode,
            max_length=max_length,
            user=user,
            user_options=user_options,
            mode=mode,
            stream_length=stream_length,
        )
        self.render_mode = render_mode
        self.mode = options.mode
        self.stream_length = options.stream_length
        self.world_seed = options.world_seed
        self.size = options.size
        self.split = options.split
        self.reward_mode = options.reward_mode
        self.max_length = options.max_length
        self.observation_space = UnicodeText(self.max_length)
        self.action_space = UnicodeText(self.max_length)
        domain = self.domain
        self.template = build_template(
            domain.name,
            self.world_seed,
            self.size,
            domain.builder,
            domain.tracked_tables,
            domain.prepare,
        )
        self.world = World(self.template, rollback_reset=domain.rollback_reset)
        self.values = world_value_lexicon(self.template, domain)
        self.user = make_user(options.user, options.user_options)
        use_words = getattr(self.user, "use_words", None)
        if use_words is not None:
            use_words(domain.words, self.values)
        # An LLM-voiced user makes transcripts depend on the model, not only on the seeds.
        self.nondeterministic = options.user != "agenda"
        self._build_rooms()
        self.stream: StreamState | None = None
        self.task: Task | None = None
        self._episode: Episode | None = None
        # A replay already made for the next task (a stream's, an isolated twin's): (task,
        # expected).
        self._prepared: tuple[Task, Expected] | None = None
        # Used when the env is built outside gym.make (no spec); the registry's cap wins otherwise.
        self.step_cap: int | None = None

    # -- public API ---------------------------------------------------------------------------
    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        ep = self._episode
        if ep is None:
            self._check_open("step")
            raise gym.error.ResetNeeded("call reset() before step()")
        if ep.done:
            events = [Event("error", "the episode is over; call reset() to start a new one")]
            return self._observe(events), 0.0, True, False, self._info(events, grade=ep.grade)
        ep.steps += 1
        # Asynchronous events (a reply to an earlier message) come first, before this action.
        arrived = self.arrivals()
        ep.transcript.extend(arrived)
        events: list[Event] = []
        terminated = self._act(parse_action(action, self.max_length), events)
        ep.transcript.extend(events)
        events = arrived + events
        truncated = not terminated and ep.steps >= ep.cap
        reward = self._reward(ep, terminated or truncated, truncated)
        return (
            self._observe(events),
            reward,
            terminated,
            truncated,
            self._info(events, grade=ep.grade),
        )

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        self._check_open("reset")
        options = checked_reset_options(seed, options, self.tasks, self.domain.world_events)
        super().reset(seed=seed)
        if "fork" in options:
            return self._restore(options.pop("fork"))
        revisions: list[tuple[int, WorldEvent]] = []
        if "task" in options:
            task, names = self.streams.isolate(
                options["task"], options.get("world_events", ()), self.mode
            )
            self._prepared = (task, self.expected(task, self.world.snapshot()))
            revisions = [(0, self.domain.event(n)) for n in names]
        elif self.mode == "stream":
            task = self._next_stream_task(seed, options.get("task_id"))
            assert self.stream is not None
            revisions = [(p, self.domain.event(n)) for p, n in self.stream.applied]
        else:
            task = self.tasks.pick(self.split, self.np_random, options.get("task_id"))
            self.world.reset()
        ep = self._start_episode(task, options.get("user_seed"))
        ep.policy = revised_policy(self.domain.policy, revisions)
        # The world, its reference copy and the tables built for the first task live as long as
        # the process: out of the collector's way from now on.
        freeze_long_lived((self.domain.name, self.world_seed, self.size))
        collect_between_episodes()
        return self._observe(ep.transcript), self._info(ep.transcript)

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        transcript = self._episode.transcript if self._episode is not None else []
        return render_events(transcript) + "\n"

    def close(self) -> None:
        # The episode goes with the world: a later step() or reset() says the env is closed.
        self._closed = True
        self._episode = None
        self.world.close()

    @property
    def episode(self) -> Episode | None:
        """The current episode's state (None before the first reset)."""
        return self._episode

    # -- tasks, replay and streams (delegated to their rooms) ---------------------------------
    def task_ids(self, split: str | None = None) -> list[str]:
        """The ids of a finite split (``test``); ``train``/``heldout`` are unlimited."""
        return self.tasks.task_ids(split or self.split)

    def make_task(self, template_name: str, seed: int, split: str | None = None) -> Task:
        """Generate (or fetch from the per-process cache) the task ``template_name/seed``."""
        return self.tasks.make_task(template_name, seed, split)

    def expected(
        self, task: Task, base: bytes | None = None, *, on: World | None = None
    ) -> Expected:
        """The task's expected changes (see ``Replayer.expected``)."""
        return self.replayer.expected(task, base, on=on)

    def stream_plan(self, stream_seed: int, length: int) -> list[dict[str, Any]]:
        """Each position's template and seed, follow-ups and world events (``core.streams``)."""
        return self.streams.plan(stream_seed, length)

    def stream_info(self) -> dict[str, Any]:
        """Where the current stream is (``follows_position`` None unless a follow-up)."""
        if self.stream is None:
            raise RuntimeError(
                "stream_info() needs a stream episode: make the env with mode='stream' and reset it"
            )
        return self.stream.info()

    def isolated_options(self) -> dict[str, Any]:
        """How to run the current stream task alone: ``reset(options=...)`` of an episodic env of
        this domain with these options runs its isolated twin (the same task with the ids the
        pristine world gives new rows, in the pristine world with the world events so far, met
        by the same simulated user: the stream episode's user seed)."""
        if self.mode != "stream" or self.stream is None or self.task is None:
            raise RuntimeError(
                "isolated_options() needs a stream episode: make the env with mode='stream' and "
                "reset it"
            )
        return {
            "task": self.stream.twin or self.task,
            "world_events": [n for _, n in self.stream.applied],
            "user_seed": self.require_episode().user_seed,
        }

    def _next_stream_task(self, seed: int | None, task_id: str | None) -> Task:
        """``reset(seed=s)`` starts stream ``s`` in a pristine world; a plain ``reset()`` serves
        the next task of the same stream in the same world (what earlier episodes did stays)."""
        if seed is not None or self.stream is None:
            stream_seed = int(seed) if seed is not None else int(self.np_random.integers(2**31))
            self.stream = self.streams.start(stream_seed, self.stream_length)
        else:
            self.streams.advance(self.stream)
        task, expected = self.streams.serve(self.stream, task_id)
        self._prepared = (task, expected)
        return task

    # -- the episode ----------------------------------------------------------------------------
    def _start_episode(self, task: Task, user_seed: int | None = None) -> Episode:
        self.task = task
        if user_seed is None:
            user_seed = int(self.np_random.integers(2**63))
        opening = self.user.start(task.goal, random.Random(user_seed))
        prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared[0] is task:
            expected = prepared[1]
        elif self.mode == "stream":
            expected = self.expected(task, self.world.snapshot())
        else:
            # The world was just reset to the template: a new task's plan is replayed on it and
            # rolled back, so the episode's first calls find its statements and pages warm.
            expected = self.expected(task, on=self.world)
        ep = self._episode = Episode(
            task=task,
            expected=expected,
            transcript=self.opening_events(task, opening),
            observed=Observed([opening]),
            change_seq=self.world.change_seq(),
            write_mark=self.world.write_mark(),
            cap=self._step_cap(),
            user_seed=user_seed,
        )
        self._ctx = ToolContext(self.world.conn, ep.tool_state, self.template.meta.get("now", ""))
        self.on_start(ep)
        return ep

    def _act(
        self, parsed: InvalidAction | ToolCallAction | MessageAction, events: list[Event]
    ) -> bool:
        """Carry out one parsed action; True when it ends the episode."""
        if isinstance(parsed, InvalidAction):
            events.append(Event("error", parsed.error))
            return False
        handled = self.handle(parsed, events)
        if handled is not None:
            return handled
        if isinstance(parsed, ToolCallAction):
            return self.run_tool(parsed, events)
        return self.run_message(parsed, events)

    def run_tool(self, call: ToolCallAction, events: list[Event]) -> bool:
        """The core's handling of a tool call (a ``handle`` hook may call it): run it, show its
        result or error, check a confirmed write was agreed to; True when the tool ends the
        episode."""
        ep = self.require_episode()
        try:
            args_text = _encode_arguments(call.arguments)
            data = {"arguments": call.arguments}
        except (
            TypeError,
            ValueError,
            RecursionError,
        ):  # a non-JSON or circular value from a dict action
            args_text, data = repr(call.arguments), {}
        ep.transcript.append(Event("agent", args_text, name=call.name, data=data))
        out = self.toolbox.call(self._ctx, call.name, call.arguments)
        ep.calls.append(CallRecord(call.name, dict(call.arguments) if out.ok else {}, out.ok))
        if not out.ok:
            events.append(Event("error", str(out.error)))
            return False
        result_text = dumps(out.result)
        events.append(Event("tool", result_text, name=call.name))
        ep.observed.add(result_text)
        spec = self.toolbox.tools[call.name]
        if out.wrote and spec.confirm:
            problem = self.judge.unconfirmed(ep, call, self.world.conn)
            if problem:
                ep.record.unconfirmed_writes.append(
                    f"{call.name}({_short_args(call.arguments)}): {problem}"
                )
        if spec.terminal:
            ep.record.outcome = spec.outcome
            return True
        return False

    def run_message(self, message: MessageAction, events: list[Event]) -> bool:
        """The core's handling of a message to the user (a ``handle`` hook may call it): the
        user reads it and answers; True when the user ends the conversation."""
        ep = self.require_episode()
        text = message.text
        ep.transcript.append(Event("agent", text))
        hear = getattr(self.user, "hear", None)
        if hear is not None:  # a user that writes its own words (LLMUser) wants the agent's words
            hear(text)
        reading, progress = self.read_turn(text)
        turn = self.user.respond(reading, progress)
        if reading.proposal is not None or reading.offer is not None:
            # The user's yes holds for what this proposal (or offered alternative) stated;
            # anything else withdraws it.
            agreed = turn.agreed if "affirm" in turn.acts else None
            ep.affirmed = (
                Affirmed(agreed.actions, agreed.text, agreed.context)
                if agreed is not None
                else None
            )
        elif "deny" in turn.acts or "deny_change" in turn.acts:
            ep.affirmed = None
        events.append(Event("user", turn.text, data={"acts": list(turn.acts)}))
        ep.observed.add(turn.text)
        if turn.done:
            ep.record.outcome = turn.outcome or "satisfied"
            return True
        return False

    def read_turn(self, text: str) -> tuple[Reading, Progress]:
        """The turn pipeline every agent message goes through: read it, record the facts it
        asks for, and judge what it achieved (the user then answers from both)."""
        ep = self.require_episode()
        reading = understand(text, self.domain.lexicon)
        for act in reading.acts:
            if act.kind == "request" and act.slot:
                ep.record.asked_slots.add(act.slot)
        key = self.domain.identity_key
        verified = key is None or bool(self._ctx.state.get(key))
        return reading, self.judge.progress(ep, reading, text, verified, self._actual)

    def _reward(self, ep: Episode, done: bool, truncated: bool) -> float:
        reward = 0.0
        if self.reward_mode == "shaped":
            phi = self._potential()
            reward += phi - ep.phi
            ep.phi = phi
        if not done:
            return reward
        if truncated:
            ep.record.outcome = "truncated"
        g = ep.grade = self._grade()
        ep.done = True
        if self.reward_mode == "success":
            return 1.0 if g.success else 0.0
        if self.reward_mode == "partial":
            return float(g.partial)
        reward += (1.0 if g.success else 0.0) - ep.phi
        return float(reward)

    def _actual(self) -> frozenset:
        ep = self.require_episode()
        if self.world.write_mark() == ep.write_mark:
            return frozenset()  # nothing written since the start (each user turn asks)
        return change_facts(self.world.changes(ep.change_seq))

    def _grade(self) -> Grade:
        ep = self.require_episode()
        g = grade(
            ep.task, ep.expected.changes, self._actual(), ep.record, self.domain.ignored_columns
        )
        return self.final_grade(g)

    def _potential(self) -> float:
        """Shaping potential: the fraction of positive milestones reached (0 at the start)."""
        ep = self.require_episode()
        checks, _ = checkpoints_for(
            ep.task, ep.expected.changes, self._actual(), ep.record, self.domain.ignored_columns
        )
        milestones = [c for c in checks if c.kind in MILESTONES]
        if not milestones:
            return 0.0
        return sum(c.passed for c in milestones) / len(milestones)

    def require_episode(self) -> Episode:
        if self._episode is None:
            raise gym.error.ResetNeeded("call reset() first")
        return self._episode

    def _step_cap(self) -> int:
        return registered_cap(self.spec) or self.step_cap or DEFAULT_STEP_CAP

    # -- observations and info ------------------------------------------------------------------
    def _observe(self, events: Sequence[Event]) -> str:
        return observe(events, self.max_length)

    def _info(
        self, events: Sequence[Event], *, grade: Grade | None = None, forked: bool = False
    ) -> dict[str, Any]:
        """The info of a reset or step: the same keys, with values of the same types, every time
        (Gymnasium's vector envs stack infos across envs, dataset recorders compare them with the
        reset's). ``grade`` is the pending grade (outcome "running") until the episode ends, and
        ``feedback`` is empty until then. docs/reliability.md has the table."""
        ep = self.require_episode()
        info: dict[str, Any] = {
            "task_id": ep.task_id,
            "split": ep.task.split,
            "domain": self.domain.name,
            "turn": ep.steps,
            "events": [e.to_dict() for e in events],
            "tools": self.toolbox.schemas,
            "policy": ep.policy or self.domain.policy,
            "grade": grade_info(grade) if grade is not None else self.pending_grade(),
            "feedback": feedback(grade, ep.task.regularity) if grade is not None else "",
            "forked": forked,
        }
        if self.mode == "stream" and self.stream is not None:
            stream = self.stream.info()
            # An int every time: -1 when the task follows up no earlier position (None in one env
            # and an int in another would not stack in a vector env).
            if stream["follows_position"] is None:
                stream["follows_position"] = -1
            info["stream"] = stream
        info.update(self.info_extras())
        return info

    # -- checks ---------------------------------------------------------------------------------
    def _check_open(self, method: str) -> None:
        if self._closed:
            raise gym.error.ClosedEnvironmentError(
                f"{method}() called after close(): this env's world is closed; make a new env with "
                "gym.make"
            )

    def _build_rooms(self) -> None:
        """The toolbox and the rooms built on it (also after unpickling: @tool functions and
        the live connection do not pickle)."""
        domain = self.domain
        self.toolbox = Toolbox(domain.tools)
        self.tasks = TaskFactory(domain, self.template, self.toolbox)
        self.replayer = Replayer(
            self.template,
            self.toolbox,
            rollback_reset=domain.rollback_reset,
            ignored_columns=domain.ignored_columns,
            fast=domain.replay,
        )
        self.judge = ProgressJudge(domain, self.values)
        self.streams = StreamServer(domain, self.world, self.tasks, self.replayer)


def _short_args(arguments: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    return text if len(text) < 120 else text[:117] + "..."
