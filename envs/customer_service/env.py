"""utility/CustomerService-v1: the support desk of an online retailer."""

from __future__ import annotations

from pathlib import Path

from utility_gym.core.domain import Domain
from utility_gym.core.env import UtilityEnv
from utility_gym.core.vector import vector_env_factory
from utility_gym.envs.customer_service.compound import TEMPLATES as COMPOUND_TEMPLATES
from utility_gym.envs.customer_service.generator import build_world
from utility_gym.envs.customer_service.lexicon import WORDS
from utility_gym.envs.customer_service.schema import TRACKED_TABLES
from utility_gym.envs.customer_service.tacit import REGULARITIES
from utility_gym.envs.customer_service.tasks import (
    FOLLOW_UPS,
    GENERATOR_VERSION,
    TEMPLATES,
    WORLD_EVENTS,
)
from utility_gym.envs.customer_service.tools import TOOLS

DOMAIN = Domain(
    name="customer_service",
    builder=build_world,
    tracked_tables=TRACKED_TABLES,
    # Written by the tools, not graded: exchanges take a variant's stock; comments are notes.
    untracked_writes=("variants",),
    tools=TOOLS,
    policy=(Path(__file__).parent / "policy.md").read_text(encoding="utf-8"),
    # The compound templates first: the fixed test split's round-robin starts with them.
    templates=COMPOUND_TEMPLATES + TEMPLATES,
    n_test=100,
    generator_version=GENERATOR_VERSION,
    # A transfer's free-text summary is the agent's own words: graded by presence, not wording.
    ignored_columns=frozenset({("transfers", "summary")}),
    identity_key="customer_id",
    words=WORDS,
    follow_ups=FOLLOW_UPS,
    regularities=REGULARITIES,
    world_events=WORLD_EVENTS,
)


class CustomerServiceEnv(UtilityEnv):
    """The support desk of an online retailer, with a simulated customer on the line.

    ## Description
    A customer contacts Northwind Goods' support. The agent must authenticate them, look up
    what it needs, follow the written policy (``info["policy"]``), state exactly what it will
    change (the order, items, option, address, reason, refund destination) and get the customer's
    "yes" to that, make the change through tools that write to a real
    SQLite database, and tell the customer the outcome. Tasks come from 27 seeded templates:
    cancellations, returns, exchanges, address and payment changes, status and refund
    questions, compensation, fraud transfers, requests policy forbids, ambiguous requests that
    need a clarifying question, facts only the customer knows, multi-intent calls and a
    customer who changes their mind; and compound requests (``compound.py``) as demanding as
    real work: several orders in one conversation ("cancel everything that hasn't shipped
    except the headphones"), variants described by their attributes ("the same shoes in size
    8"), totals the agent must compute and tell, goals that depend on what the agent finds
    ("if that one is out of stock, refund me instead"), and customers who misstate a fact (a
    gold tier they do not have, three pending orders when there are two). The compound
    templates come first in the test split's round-robin and weigh more in it (see
    docs/benchmark.md, "Difficulty tiers").

    ## Action Space
    ``UnicodeText(max_length)``: a JSON object ``{"name": TOOL, "arguments": {...}}`` (as a
    string or a dict) calls one of the 16 tools listed in ``info["tools"]`` (OpenAI function
    format); any other string is a message to the customer. A malformed action costs a step
    and the observation says what was wrong.

    ## Observation Space
    ``UnicodeText(max_length)``: the new events since the last action, one per line:
    ``user: ...`` (the customer), ``tool NAME: {json}`` (a tool result), ``error: ...``.

    ## Starting State
    The world (about 560 customers, 1,700 orders in every state, 50 products with variants,
    cards, PayPal and gift cards; one customer in nine a frequent shopper with a card, PayPal,
    a gift card and six to eight orders; today is 2026-06-15) is built once per process from
    ``world_seed`` and restored from bytes on every reset. The episode seed picks the task
    from the split and seeds the customer's choices. The first observation is the
    customer's opening message.

    ## Rewards
    ``reward_mode="success"``: 1.0 at the end of a successful episode, else 0.
    ``"partial"``: ``0.5 * checkpoint fraction + 0.5 * success`` at the end. ``"shaped"``:
    potential-based shaping over milestones (required writes, facts told, refusals,
    clarifying questions) whose episode return equals the success reward.

    ## Episode End
    Terminated when the customer leaves (satisfied or out of patience) or the agent calls
    ``end_conversation`` or ``transfer_to_human``. Truncated at ``max_episode_steps`` (40).

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
    a returning customer asks for another order to go to the address they gave in an earlier
    conversation (``same_address_again``), and the return window may shrink to 14 days
    (``return_window_14_days``). Streams also hit tacit regularities of the world's regular
    customers (``tacit.py``): refunds "the usual way" (store credit), an exchange to "my usual
    size", an order sent "to my office, as usual"; the value is never said nor in the policy, and
    the end-of-episode ``feedback`` carries a colleague's lesson naming it.

    ## Version History
    * v0: initial release (generator version 1).
    * v0, 2026-12-07: the simulated customer reads a turn's structure (lists, conditions, choice
      questions) and checks the values a proposal states; a write counts as confirmed only when
      the agreed proposal named its action and decisive values, and a refusal only after the
      policy's checks with its reason told. Scores from before are not comparable.
    * v1 (issue 19): compound templates (several orders, described variants,
      computed totals, conditional goals, misstated facts), frequent
      shoppers in the world, ``modify_pending_order_payment``, refund and return ids derived
      from their order (``RF`` + order number + count), and success per difficulty tier in
      results. Scores from before are not comparable.
    * Stream ids v2 (issue 18; the episodic id keeps v1): streams hit tacit regularities
      (stream-only templates; a colleague's lesson in the last ``feedback``), the numbers and
      positions of follow-ups and regularity hits vary with the stream seed, and follow-ups
      spread over the stream. Stream scores from before are not comparable.
    """

    domain = DOMAIN


make_vector_env = vector_env_factory(CustomerServiceEnv)
