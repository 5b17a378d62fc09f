"""utility/WebShop-v1: shop on a real web shop, as text, for a simulated shopper."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from utility_gym.core.dialogue import Event, MessageAction, ToolCallAction, format_tool_call
from utility_gym.core.domain import Domain
from utility_gym.core.env import UtilityEnv
from utility_gym.core.episode import DomainState, Episode
from utility_gym.core.grading import CheckKind, Checkpoint, Grade
from utility_gym.core.vector import vector_env_factory
from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.actions import parse_web_action
from utility_gym.envs.web_shop.compound import TEMPLATES, WORLD_EVENTS
from utility_gym.envs.web_shop.follow_ups import FOLLOW_UPS
from utility_gym.envs.web_shop.generator import GENERATOR_VERSION, PRODUCT_COUNTS, build_world
from utility_gym.envs.web_shop.lexicon import WORDS
from utility_gym.envs.web_shop.navigator import Navigator, navigator_for
from utility_gym.envs.web_shop.page import Page
from utility_gym.envs.web_shop.replay import replay
from utility_gym.envs.web_shop.reward import PurchaseGrade, Wanted, bought_lines, purchase_score
from utility_gym.envs.web_shop.schema import IGNORED_COLUMNS, TRACKED_TABLES
from utility_gym.envs.web_shop.site.shop import order_count
from utility_gym.envs.web_shop.tacit import REGULARITIES
from utility_gym.envs.web_shop.tools import TOOLS, WEB_TOOL_NAMES

DOMAIN = Domain(
    name="web_shop",
    builder=build_world,
    tracked_tables=TRACKED_TABLES,
    tools=TOOLS,
    policy=(Path(__file__).parent / "policy.md").read_text(encoding="utf-8"),
    templates=TEMPLATES,
    n_test=100,
    generator_version=GENERATOR_VERSION,
    words=WORDS,
    # What the cart holds at the end is not graded; orders and stock are.
    ignored_columns=IGNORED_COLUMNS,
    world_events=WORLD_EVENTS,
    follow_ups=FOLLOW_UPS,
    regularities=REGULARITIES,
    prepare=catalog.attach,  # before the episode's transaction (rollback_reset)
    sizes=tuple(PRODUCT_COUNTS),
    replay=replay,
)

ASK_TEMPLATE = "ask[<question>]"


@dataclass
class ShopState(DomainState):
    """What the web shop keeps across an episode: the orders there were when it began."""

    orders_at_start: int
    tells: bool = True  # the task asks the agent to tell facts (pages are then kept as seen)


SEARCH_TEMPLATE = "search[<query>]"


class WebShopEnv(UtilityEnv):
    """A simulated shopper asks the agent to buy something on Utility Shop, a real web shop.

    ## Description
    The shopper (an agenda-based simulated user) wants one product, or several in one order,
    and says so in their own words ("a waterproof rain jacket for my son, nothing too
    expensive").
    The agent uses the shop's website, rendered as text, to search (SQLite FTS5 with BM25
    ranking, ten results a page, price and department filters, sorting), open product pages,
    choose every option (size, color, capacity, ...) and buy, either at once ("Buy Now") or
    through the cart and checkout. It may ask the shopper questions, and must when the request
    leaves out something it needs. Every page comes from the same WSGI application that
    ``WebShopBrowser-v1`` serves to Chromium and ``web_shop.site.serve`` serves to people;
    carts, orders and stock live in the episode's SQLite world. The catalog (200, 1,000,
    10,000 or 100,000 products in ten departments, each with its own attributes and option
    dimensions) and the goals are generated from ``world_seed``; every goal is built from a
    real product and is met by exactly one product in stock. Tasks come from 22 templates
    (17 in train and test, 5 held out): named products, attributes and budget, missing
    options that must be asked for, vague budgets, cheapest / best-rated / most-reviewed,
    quantities, brands, two or three items in one cart under one budget, orders over the
    per-item limit that policy forbids; prices the shopper asks the agent to work out and tell
    before buying (what two cost together, which of two is cheaper and by how much, a price
    per unit), graded by their number; goals that depend on what the agent finds ("if the two
    together are $290 or less buy both, otherwise just the bookshelf"; "the A if it's at most
    $40, else the B"); a request that fits products of several brands, where the agent must
    ask which; and a shopper who misremembers a price. Weights put 32 % of the test split's
    tasks on two or more products and 26 % on a computed amount (``TaskTemplate.weight``).

    ## Action Space
    ``UnicodeText(max_length)``. Web actions in bracket form: ``search[query]``,
    ``click[N or label]`` (an element number, its label, or a product id), ``select[option]``
    (``M``, ``size: M``, ``quantity 2``), ``back``, ``fill[N, text]``; ``ask[question]`` or any
    other text is a message to the shopper. The same actions exist as tools in the JSON form
    ``{"name": "click", "arguments": {"target": "5"}}`` (schemas in ``info["tools"]``), with
    ``end_conversation`` and ``transfer_to_human``. A malformed action costs a step and the
    observation says what was wrong.

    ## Observation Space
    ``UnicodeText(max_length)``: the new events since the last action, one per line group:
    ``page: ...`` (the page as text; interactive elements numbered ``[N] label``),
    ``user: ...`` (the shopper), ``error: ...``.

    ## Starting State
    The world is built once per process from ``world_seed`` and ``size``. The catalog
    (products, reviews and the FTS5 index) never changes during an episode, so it is built
    once per process and attached read-only to every episode's connection; the episode
    tables (stock, carts, orders) are restored from bytes on every reset and tracked by
    change capture. (A 100,000-product catalog with its index is about 100 MB: copying it on
    every reset would cost more than the episode.) The first observation is the shopper's
    request followed by the shop's home page.

    ## Rewards
    ``reward_mode="success"``: 1.0 at the end when the order is exactly the target (product,
    every option, quantity), every required clarifying question was asked and every amount
    the shopper asked for was told (compared as numbers: "$124.44" and "124.44 dollars" both
    count), else 0.
    ``"partial"``: WebShop's graded purchase score at the end, ``type match * (attributes
    matched + options matched + price within budget) / (attributes + options + 1)``, averaged
    over wanted items (1.0 only for the exact target); for a request policy forbids, the core's
    ``0.5 * checkpoint fraction + 0.5 * success``. ``"shaped"``: potential-based shaping over
    milestones, whose episode return equals the success reward.

    ## Episode End
    Terminated when an order is placed, when the shopper leaves (satisfied after a correct
    refusal, or out of patience), or when the agent calls ``end_conversation`` or
    ``transfer_to_human``. Truncated at ``max_episode_steps`` (50).

    ## Information
    Every ``reset`` and ``step`` returns the same keys, with values of the same types (so vector
    envs stack them and dataset recorders accept them): ``task_id``, ``split``, ``domain``,
    ``turn``, ``events``, ``tools``, ``policy``, ``grade``, ``feedback``, ``forked`` and
    ``valid_actions`` (the admissible actions on the current page; ``search[<query>]`` and
    ``ask[<question>]`` are templates to fill in; empty once the episode is over); stream ids add
    ``stream``. ``grade`` is the pending grade (outcome ``"running"``, an empty ``purchase``)
    until the step that ends the episode, which carries the real one: success, partial, every
    checkpoint, readable reasons, and ``purchase`` (the score and, per wanted item, what was
    bought and why it falls short). The goal and the oracle plan are never in ``obs`` or
    ``info``. docs/reliability.md has the table.

    ## Arguments
    ``world_seed`` (int, 0), ``size`` ("small" 200 products, "default" 1,000, "large" 10,000,
    "xl" 100,000), ``split`` ("train" | "test" | "heldout"), ``reward_mode`` ("success" |
    "partial" | "shaped"), ``max_length`` (100000), ``render_mode`` (None | "ansi").
    ``reset(options={"task_id": ...})`` picks a task; ``reset(options={"fork": snap})`` resumes
    ``env.unwrapped.snapshot()``.

    ``mode`` ("episodic" | "stream") and ``stream_length`` (20): ``mode="stream"`` serves a seeded
    stream of tasks in one persistent world (``utility/...Stream-v2``; docs/streams.md). In streams
    the per-order limit may drop to 3 units (``quantity_limit_3``). Streams also serve the world's
    regular shoppers, who say their name and leave their usual size, brand or budget unsaid,
    shoppers who call a product line by their own word, and a named shopper who later wants
    "the same as last time" (``tacit.py``, ``follow_ups.py``; docs/streams/tacit_web_shop.md).

    ## Version History
    * v0: initial release (generator version 1).
    * v0, 2026-12-07: the simulated user reads a turn's structure (lists, conditions, choice
      questions) and checks the values a proposal states; confirmations and refusals are graded
      by what was stated. Scores from before are not comparable.
    * v1 (issue 19): eight new templates (five in train and test, three held out)
      and template weights: the test split changed. Scores from before are not comparable.
    * Stream ids v2 (issue 18; the episodic id keeps v1): streams hit tacit regularities
      (stream-only templates; a colleague's lesson in the last ``feedback``), the numbers and
      positions of follow-ups and regularity hits vary with the stream seed, and follow-ups
      spread over the stream. Stream scores from before are not comparable.
    * Stream ids v2, 2026-12-07: a cart task (``two_items``, ``cart_budget``) planned in a
      stream is served as planned; before, its isolated twin's check counted the cart lines
      checkout empties, and the position fell back to another template whenever the stream's
      replay of its plan was the shop's own (no pages). Some streams serve other tasks from
      such a position on; the published figures (seeds 0-9, 50 positions) are unchanged.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}
    domain = DOMAIN
    # The last page's admissible actions: (the page, back possible, the actions).
    _listed: tuple[Page, bool, tuple[str, ...]] | None = None

    # -- the page and its actions -------------------------------------------------------------
    def navigator(self) -> Navigator:
        """How web actions reach the shop in this env (in-process here; Chromium in the browser
        env)."""
        return navigator_for(self._ctx)

    def page(self) -> Page:
        """The page the agent is on."""
        return self.navigator().page()

    def valid_actions(self) -> list[str]:
        """The admissible actions on the current page (``<...>`` marks a template to fill in)."""
        if self._episode is None or self._episode.done:
            return []
        page = self.page()
        back = len(self._ctx.state.get("history", ())) > 1
        known = self._listed
        if known is not None and known[0] is page and known[1] == back:
            return list(known[2])  # the same page (a message turn, a failed call): its list
        actions: list[str] = []
        if page.search_input() is not None:
            actions.append(SEARCH_TEMPLATE)
        actions.extend(page.actions)
        if back:
            actions.append("back")
        actions.append(ASK_TEMPLATE)
        self._listed = (page, back, tuple(actions))
        return actions

    # -- hooks of the core loop ---------------------------------------------------------------
    def on_start(self, episode: Episode) -> None:
        episode.domain_state = ShopState(
            orders_at_start=order_count(self.world.conn),
            tells=bool(episode.task.required_facts),
        )
        page = self._open_site()
        episode.transcript.append(Event("page", page.text, name="start"))

    def _open_site(self) -> Page:
        """Start the episode's session on the site and return the first page (in-process here)."""
        return self.page()

    def handle(self, action: ToolCallAction | MessageAction, events: list[Event]) -> bool | None:
        """Web actions (``search[...]``, ``click[...]`` or the web tools) go to the site;
        ``ask[...]``
        and plain messages to the shopper; other tools to the core."""
        if isinstance(action, ToolCallAction):
            return self._run_web(action, events, None) if action.name in WEB_TOOL_NAMES else None
        parsed = parse_web_action(action.text)
        if parsed is None:
            return None
        if isinstance(parsed, str):
            self.require_episode().transcript.append(Event("agent", action.text))
            events.append(Event("error", parsed))
            return False
        if parsed.name == "ask":
            return self.run_message(MessageAction(parsed.arguments["question"]), events)
        return self._run_web(
            ToolCallAction(parsed.name, parsed.arguments), events, action.text.strip()
        )

    def info_extras(self) -> dict[str, Any]:
        return {"valid_actions": self.valid_actions()}

    def _run_web(self, call: ToolCallAction, events: list[Event], shown: str | None) -> bool:
        ep = self.require_episode()
        if shown is None:
            try:
                shown = format_tool_call(call.name, call.arguments)
            except (TypeError, ValueError):
                shown = repr(call.arguments)
        ep.transcript.append(
            Event("agent", shown, name=call.name, data={"arguments": dict(call.arguments)})
        )
        out = self.toolbox.call(self._ctx, call.name, call.arguments)
        if not out.ok:
            events.append(Event("error", str(out.error)))
            return False
        events.append(Event("page", str(out.result), name=call.name))
        state = ep.domain_state
        shop = state if isinstance(state, ShopState) else None
        tells = shop.tells if shop is not None else bool(self.task and self.task.required_facts)
        if tells:
            ep.observed.add(str(out.result))  # a price told must be one the agent has seen
        # Only a call that wrote (a click may submit a form) can place an order.
        if out.wrote and order_count(self.world.conn) > (shop.orders_at_start if shop else 0):
            ep.record.outcome = "purchased"
            return True
        return False

    def pending_grade(self) -> dict[str, Any]:
        # A task that buys something is graded with its purchase; a forbidden request is not.
        pending = super().pending_grade()
        if self.task is not None and self.task.extras.get("targets"):
            pending["purchase"] = {"score": 0.0, "items": []}
        return pending

    def final_grade(self, g: Grade) -> Grade:
        assert self.task is not None
        targets = [Wanted.from_dict(t) for t in self.task.extras.get("targets", ())]
        if not targets:
            return g
        since = self.require_episode().change_seq
        orders = [
            c.pk for c in self.world.changes(since) if c.table == "orders" and c.op == "insert"
        ]
        score, items = purchase_score(targets, bought_lines(self.world.conn, orders))
        checkpoints = (
            *g.checkpoints,
            Checkpoint("the purchase matches the request", score == 1.0, CheckKind.DOMAIN),
        )
        reasons = g.reasons
        if score < 1.0:
            why = "; ".join(f"{i['wanted']}: {i['notes']}" for i in items)
            reasons = (*reasons, f"purchase score {score:.2f} ({why})")
        return PurchaseGrade(
            g.success and score == 1.0,
            score,
            checkpoints,
            reasons,
            g.outcome,
            {"score": float(score), "items": items},
        )


make_vector_env = vector_env_factory(WebShopEnv)
