"""utility/TicketingQueue-v0: the service desk's queue of new tickets, with requesters who answer
comments."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from utility_gym.core.dialogue import Event, MessageAction, ToolCallAction
from utility_gym.core.env import UtilityEnv
from utility_gym.core.episode import DomainState, Episode
from utility_gym.core.nlu import Reading
from utility_gym.core.tasks import Task, UserGoal
from utility_gym.core.users import AgendaUser, Progress, UserTurn
from utility_gym.core.vector import vector_env_factory
from utility_gym.envs.ticketing.env import DOMAIN, POLICY
from utility_gym.envs.ticketing.queue_tasks import QUEUE_TEMPLATES

QUEUE_POLICY = (
    POLICY.rstrip() + "\n" + (Path(__file__).parent / "queue_policy.md").read_text(encoding="utf-8")
)

# Same world, tools and vocabulary as the live desk; the tasks are queues.
# The queue has no caller to return or colleague to name, and its own templates: no follow-ups,
# and none of the live desk's tacit regularities (they are calls).
QUEUE_DOMAIN = replace(
    DOMAIN,
    policy=QUEUE_POLICY,
    templates=QUEUE_TEMPLATES,
    follow_ups=(),
    regularities=(),
    world_events=(),
)


@dataclass
class QueueState(DomainState):
    """The requesters' answers waiting to arrive at the next step."""

    pending: list[Event] = field(default_factory=list)


NO_CALLER = (
    "no caller is on the line in the queue: to reach a requester, post a public comment with "
    'add_comment(ticket_id, body, visibility="public"); their answer arrives as a new comment'
)


class QueueRequesters:
    """The requesters of the queued tickets: one AgendaUser per ticket, each with its own goal.

    Implements the UserSimulator protocol so the core's snapshots and forks work unchanged;
    ``focus`` says whose ticket the message being answered was posted on.
    """

    def __init__(self) -> None:
        self.goal: UserGoal | None = None
        self.focus: str | None = None
        self._users: dict[str, AgendaUser] = {}
        self._index: dict[str, int] = {}

    @property
    def tickets(self) -> tuple[str, ...]:
        return tuple(self._index)

    def start(self, goal: UserGoal, rng: random.Random) -> str:
        self.goal = goal
        self._build()
        for user in self._users.values():
            user.start(user.goal, random.Random(rng.getrandbits(64)))  # type: ignore[arg-type]
        return ""

    def respond(self, reading: Reading, progress: Progress) -> UserTurn:
        tid = self.focus
        if tid not in self._users:
            raise KeyError(f"{tid!r} is not a queued ticket")
        sub = Progress((progress.intents_done[self._index[tid]],))
        return self._users[tid].respond(reading, sub)

    def state(self) -> dict:
        return {tid: user.state() for tid, user in self._users.items()}

    def load_state(self, state: dict) -> None:
        self._build()
        for tid, user in self._users.items():
            user.load_state(state[tid])

    def _build(self) -> None:
        assert self.goal is not None, "set goal (start) first"
        self._users, self._index = {}, {}
        for i, intent in enumerate(self.goal.intents):
            tid = intent.targets[0]
            prefix = f"{tid}:"
            known = {
                k.removeprefix(prefix): v
                for k, v in self.goal.known.items()
                if k.startswith(prefix)
            }
            user = AgendaUser()
            user.goal = UserGoal((intent,), known, (), intent.request, self.goal.persona)
            self._users[tid] = user
            self._index[tid] = i


class TicketingQueueEnv(UtilityEnv):
    """The service desk's queue: triage, link, resolve or route new tickets; requesters answer
    comments.

    ## Description
    No caller is on the line: the episode is a shift on the queue of new self-service tickets
    of the same world as ``utility/Ticketing-v1``. The agent must triage each ticket by the
    written rules (category, impact x urgency priority), link duplicates of open incidents to
    their parent, resolve the ones a knowledge-base article solves (with a public note that
    walks the requester through it), route the rest to the right resolver group, and, for a
    ticket too vague to categorize, ask its requester through a public comment. Each
    requester is the same rule-based AgendaUser as on the phone, asynchronous: their answer to
    a public comment arrives as a new public comment in the next observation. The agent ends
    the shift with ``end_conversation``. Tasks come from 5 templates (1 held out) of 3 to 5
    tickets. Policy: ``info["policy"]`` (the desk's policy plus the queue's rules).

    ## Action Space
    ``UnicodeText(max_length)``: a JSON tool call ``{"name": TOOL, "arguments": {...}}`` (the
    25 tools of ``utility/Ticketing-v1``, in ``info["tools"]``). A plain message reaches nobody
    and returns an ``error:`` saying how to reach a requester. A malformed action costs a step
    and the observation says what was wrong.

    ## Observation Space
    ``UnicodeText(max_length)``: the new events since the last action, one per line: ``system:
    queue ...`` (the queued tickets, at reset), ``tool NAME: {json}``, ``error: ...``, and
    ``user: public comment on TICKET: ...`` (a requester's answer).

    ## Starting State
    The ticketing world restored from bytes, and a queue of 3 to 5 new tickets (oldest first),
    each with its requester, filed as ``software`` with impact 3 and urgency 3.

    ## Rewards
    As in ``utility/Ticketing-v1``: ``"success"`` (default), ``"partial"`` or ``"shaped"``.
    Success needs every required ticket state (category, impact, urgency, priority, group,
    status, parent, resolution code) and no other write, the key step of each knowledge-base
    fix told in a public note or comment, and a question to the requester of each vague ticket.

    ## Episode End
    Terminated when the agent calls ``end_conversation`` or ``transfer_to_human``. Truncated at
    ``max_episode_steps`` (60).

    ## Information
    As in ``utility/Ticketing-v1``: the same keys at every reset and step (``task_id``,
    ``split``, ``domain``, ``turn``, ``events``, ``tools``, ``policy``, ``grade``, ``feedback``,
    ``forked``), ``grade`` pending until the end.

    ## Arguments
    Those of ``utility/Ticketing-v1``: ``world_seed``, ``size``, ``split``, ``reward_mode``,
    ``max_length``, ``render_mode``.

    ## Version History
    * v0: initial release (generator version 1). The desk's new tools and columns of
      ``Ticketing-v1`` leave the queue's tasks and transcripts unchanged, so it stays v0.
    """

    domain = QUEUE_DOMAIN

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        super().__init__(render_mode, **kwargs)
        self.user = QueueRequesters()

    # -- hooks of the core loop ---------------------------------------------------------------
    def on_start(self, episode: Episode) -> None:
        episode.domain_state = QueueState()
        for event in episode.transcript:
            episode.observed.add(event.content)  # the queued tickets' words

    def opening_events(self, task: Task, opening: str) -> list[Event]:
        events = [
            Event(
                "system",
                f"queue: {len(task.goal.intents)} new tickets to triage, oldest first; no caller "
                "is on the line",
            )
        ]
        ids = [intent.targets[0] for intent in task.goal.intents]
        rows = self.world.conn.execute(
            "SELECT t.*, e.first_name || ' ' || e.last_name AS requester FROM tickets t "
            "JOIN employees e ON e.id = t.requester_id WHERE t.id IN "
            f"({', '.join('?' * len(ids))})",
            ids,
        ).fetchall()
        by_id = {row["id"]: row for row in rows}
        for tid in ids:
            t = by_id[tid]
            events.append(
                Event(
                    "system",
                    f"queue ticket {t['id']} from {t['requester']} ({t['requester_id']}), opened "
                    f"{t['opened_at']}, "
                    f"filed as {t['category']} impact {t['impact']} urgency {t['urgency']}: "
                    f"{t['short_description']} | {t['description']}",
                    data={"ticket_id": t["id"]},
                )
            )
        return events

    def arrivals(self) -> list[Event]:
        ep = self.require_episode()
        state = self._state()
        pending, state.pending = state.pending, []
        for event in pending:
            # The requester's answer is a real public comment on the ticket (comments are not
            # graded).
            self.world.conn.execute(
                "INSERT INTO ticket_comments (ticket_id, author, visibility, body, created_at) "
                "VALUES (?, ?, 'public', ?, ?)",
                (event.data["ticket_id"], event.data["author"], event.data["body"], self.world.now),
            )
            ep.observed.add(event.content)
        return pending

    def handle(self, action: ToolCallAction | MessageAction, events: list[Event]) -> bool | None:
        if isinstance(action, MessageAction):
            self.require_episode().transcript.append(Event("agent", action.text))
            events.append(Event("error", NO_CALLER))
            return False
        terminated = self.run_tool(action, events)
        if terminated or not events or events[-1].role != "tool":
            return terminated
        args = action.arguments
        tid = str(args.get("ticket_id", "")).strip().lstrip("#").upper()
        if action.name == "add_comment" and args.get("visibility") == "public":
            self._to_requester(tid, str(args["body"]), reply=True)
        elif action.name == "resolve_ticket":
            self._to_requester(
                tid, str(args["public_note"]), reply=False
            )  # emailed: informs, asks nothing
        return False

    # -- helpers ------------------------------------------------------------------------------
    def _state(self) -> QueueState:
        state = self.require_episode().domain_state
        assert isinstance(state, QueueState)
        return state

    def _to_requester(self, tid: str, text: str, reply: bool) -> None:
        """The requester of ``tid`` reads ``text`` (the same turn pipeline as a live caller's);
        with ``reply``, their answer is queued for the next step."""
        if tid not in self.user.tickets:
            return  # not a queued ticket: its requester is not simulated and does not answer
        reading, progress = self.read_turn(text)
        if not reply:
            return
        self.user.focus = tid
        turn = self.user.respond(reading, progress)
        row = self.world.conn.execute(
            "SELECT e.first_name || ' ' || e.last_name AS name FROM tickets t JOIN employees e ON "
            "e.id = t.requester_id WHERE t.id = ?",
            (tid,),
        ).fetchone()
        self._state().pending.append(
            Event(
                "user",
                f"public comment on {tid} from {row['name']}: {turn.text}",
                data={
                    "acts": list(turn.acts),
                    "ticket_id": tid,
                    "author": row["name"],
                    "body": turn.text,
                },
            )
        )


make_vector_env = vector_env_factory(TicketingQueueEnv)
