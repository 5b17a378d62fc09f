"""utility/Ticketing-v1: an IT service desk with a ticket system and an employee on the line."""

from __future__ import annotations

from pathlib import Path

from utility_gym.core.domain import Domain
from utility_gym.core.env import UtilityEnv
from utility_gym.core.vector import vector_env_factory
from utility_gym.envs.ticketing.generator import build_world
from utility_gym.envs.ticketing.lexicon import WORDS
from utility_gym.envs.ticketing.schema import IGNORED_COLUMNS, TRACKED_TABLES
from utility_gym.envs.ticketing.tacit import REGULARITIES
from utility_gym.envs.ticketing.tasks import (
    FOLLOW_UPS,
    GENERATOR_VERSION,
    TEMPLATES,
    WORLD_EVENTS,
)
from utility_gym.envs.ticketing.tools import TOOLS
from utility_gym.envs.ticketing.workload_tasks import TEMPLATES as WORKLOAD_TEMPLATES

POLICY = (Path(__file__).parent / "policy.md").read_text(encoding="utf-8")

DOMAIN = Domain(
    name="ticketing",
    builder=build_world,
    tracked_tables=TRACKED_TABLES,
    # Written by the tools, not graded: exchanges take a variant's stock; comments are notes.
    untracked_writes=("ticket_comments",),
    tools=TOOLS,
    policy=POLICY,
    templates=TEMPLATES + WORKLOAD_TEMPLATES,
    n_test=100,
    generator_version=GENERATOR_VERSION,
    words=WORDS,
    # Short descriptions, notes and summaries are the agent's own words: graded by presence.
    ignored_columns=IGNORED_COLUMNS,
    follow_ups=FOLLOW_UPS,
    regularities=REGULARITIES,
    world_events=WORLD_EVENTS,
)


class TicketingEnv(UtilityEnv):
    """An IT service desk: an employee calls, the agent works the company's ticket system.

    ## Description
    An employee of Lumen Analytics calls the IT service desk. The agent works the ticket system
    the way a service-desk analyst does (ServiceNow-style incidents and requests): identify the
    caller, find or open the right ticket, triage it by the written rules (kind, category, an
    impact x urgency priority matrix, assignment group), resolve what the desk may resolve
    (password resets and unlocks after identity verification, standard application access,
    knowledge-base fixes), request manager approvals for sensitive applications, order
    hardware replacements only under warranty or with a damage report (delivered to the
    office, or home for remote staff), book out-of-warranty repairs billed to the caller's
    department, grant temporary read-only access with an end date, link duplicates to the
    open parent instead of working them twice, escalate overdue tickets, reopen recent ones,
    route everything else, transfer security incidents, and keep the caller informed (ticket
    numbers, approvers, due dates, days until due). The policy is in ``info["policy"]``.
    Tasks come from 31 seeded templates, 7 of them held out: resets with and without
    successful verification, unlocks, access with and without approval, hardware in and out
    of warranty and with a damage report, a KB walk-through, a vague report that needs
    clarifying questions, duplicates (a new report, an existing ticket), follow-ups (status
    with the days until due, overdue), a reopen, forbidden requests, security incidents and
    multi-issue calls; and demanding calls (``workload_tasks.py``): two or three failed
    devices in one call, each replaced under warranty or else repaired; an outage reported
    for named teammates (a linked report each, or one team ticket); conditional goals
    ("if it's still under warranty replace it, otherwise send it for repair"; "switch on
    whichever my manager has approved, request the rest"; "if I already have one of them,
    just the other"), callers who misstate a fact (a lapsed warranty, an approval that does
    not exist, their department), temporary read-only access to two applications, and, held
    out, a manager asking for a direct report and a computed answer (days of warranty left).
    The test split weights the demanding templates (``TaskTemplate.weight``, 50 slots of two
    tasks each): 64 % of its tasks have a conditional goal, 42 % need two or more confirmed
    writes, 14 % have a caller who misstates a fact, 5.4 tool calls a task. Several
    expect a ticket left in an exact state (kind, category, impact, urgency, priority,
    group, status, resolution code).

    ## Action Space
    ``UnicodeText(max_length)``: a JSON object ``{"name": TOOL, "arguments": {...}}`` (as a
    string or a dict) calls one of the 25 tools listed in ``info["tools"]`` (OpenAI function
    format): employee lookup and identity verification, full-text knowledge-base search
    (SQLite FTS5) and articles, ticket search, get, create, update, assign, comment, link
    duplicate, resolve, reopen, escalate, password reset, account unlock, application catalog,
    access grant (role, optional end date), approval request, asset lookup, replacement order
    (with delivery), repair order (fault class, cost centre), ``transfer_to_human`` and
    ``end_conversation``. Any other string is a message to the caller. A malformed action
    costs a step and the observation says what was wrong.

    ## Observation Space
    ``UnicodeText(max_length)``: the new events since the last action, one per line:
    ``user: ...`` (the caller), ``tool NAME: {json}`` (a tool result), ``error: ...``.

    ## Starting State
    The world (about 300 employees in 10 departments with managers; their laptops, phones,
    monitors, docks and headsets with warranty dates and damage reports; 15 applications, six
    of them sensitive, with access grants and approvals; 44 knowledge-base procedures; seven
    assignment groups with SLA targets; about 500 open and closed tickets including major
    incidents with linked and not-yet-linked near-duplicates; it is 2026-06-15 10:00) is built
    once per process from ``world_seed`` and restored from bytes on every reset. The episode
    seed picks the task from the split and seeds the caller's choices. The first observation
    is the caller's opening message.

    ## Rewards
    ``reward_mode="success"``: 1.0 at the end of a successful episode, else 0.
    ``"partial"``: ``0.5 * checkpoint fraction + 0.5 * success`` at the end. ``"shaped"``:
    potential-based shaping over milestones (required writes, facts told, refusals,
    clarifying questions) whose episode return equals the success reward. Success needs every
    required write (exact ticket state), no other write, the caller's explicit "yes" to a
    proposal that stated each confirmable action and what it is for (reset, unlock, grant and
    approval request with the application, replacement with the device, reopen and escalation
    with the ticket), every required fact told, every required refusal (after the identity
    check and look-ups the policy requires, with its reason told) and clarifying question.

    ## Episode End
    Terminated when the caller leaves (satisfied or out of patience) or the agent calls
    ``end_conversation`` or ``transfer_to_human``. Truncated at ``max_episode_steps`` (60).

    ## Information
    Every ``reset`` and ``step`` returns the same keys, with values of the same types (so vector
    envs stack them and dataset recorders accept them): ``task_id``, ``split``, ``domain``,
    ``turn``, ``events`` (the observation's events as dicts), ``tools``, ``policy``, ``grade``,
    ``feedback`` and ``forked``; stream ids add ``stream``. ``grade`` is the pending grade (outcome
    ``"running"``) until
    the step that ends the episode, which carries the real one (success, partial, every
    checkpoint and readable reasons) and its ``feedback``. The goal and the oracle plan
    are never in ``obs`` or ``info``; they live on ``env.unwrapped.task``. docs/reliability.md
    has the table.

    ## Arguments
    ``world_seed`` (int, 0), ``size`` ("small" | "default" | "large"), ``split`` ("train" |
    "test" | "heldout"), ``reward_mode`` ("success" | "partial" | "shaped"), ``max_length``
    (100000), ``render_mode`` (None | "ansi"). ``reset(options={"task_id": ...})`` picks a task;
    ``reset(options={"fork": env.unwrapped.snapshot()})`` resumes a snapshot.

    ``mode`` ("episodic" | "stream") and ``stream_length`` (20): ``mode="stream"`` serves a seeded
    stream of tasks in one persistent world (``utility/...Stream-v2``; docs/streams.md). In streams
    a colleague of an earlier caller has the same device problem
    (``colleague_same_problem``), a teammate duplicates a ticket opened earlier in the stream
    (``duplicate_of_stream_ticket``), and the reopen window may shrink to 7 days
    (``reopen_window_7_days``). Streams also hit the desk's tacit regularities (``tacit.py``,
    docs/streams.md), which no document states and each world seeds anew: a problem one site
    routes to another group (``site_routing``), an error that another article than the one its
    title matches fixes (``kb_real_fix``), and an application callers know only by its in-house
    nickname (``app_nickname``); the end-of-episode ``feedback`` carries a colleague's lesson.

    ## Version History
    * v0: initial release (generator version 1).
    * v0, 2026-12-07: the simulated user reads a turn's structure (lists, conditions, choice
      questions) and checks the values a proposal states; confirmations and refusals are graded
      by what was stated. Scores from before are not comparable.
    * v1 (issue 19): 10 demanding templates (several
      devices, applications or teammates, conditional goals, misstated facts, temporary
      read-only access, repairs), test split weighted towards them; the follow-up and reopen
      templates state
      their condition; replacements carry ``deliver_to``, repairs and access roles and end
      dates are new world columns (``repair_orders``, ``access_grants.role``/``expires_on``).
    * Stream ids v2 (issue 18; the episodic id keeps v1): streams hit tacit regularities
      (stream-only templates; a colleague's lesson in the last ``feedback``), the numbers and
      positions of follow-ups and regularity hits vary with the stream seed, and follow-ups
      spread over the stream. Stream scores from before are not comparable.
    """

    domain = DOMAIN


make_vector_env = vector_env_factory(TicketingEnv)
