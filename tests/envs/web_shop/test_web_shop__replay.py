"""The web shop's plan replay (``replay.py``) makes exactly the changes of the full replay
through the site, for every template, and hands back to it any plan it cannot read."""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import pytest

from utility_gym.agents import OracleAgent
from utility_gym.core.tasks import NoTask, PlanStep, ToolCall

N_PER_TEMPLATE = 6


@pytest.fixture(scope="module")
def shop_env():
    env = gym.make("utility/WebShop-v1", size="small")
    env.reset(seed=0)
    yield env.unwrapped
    env.close()


def _both(env, task):
    replayer = env.replayer
    fast = replayer.replay(task, env.template.data, changes_only=True).expected
    fast_path, replayer.fast = replayer.fast, None
    try:
        full = replayer.replay(task, env.template.data, changes_only=True).expected
    finally:
        replayer.fast = fast_path
    return fast, full


def _tasks(env, n=N_PER_TEMPLATE):
    for template in env.domain.templates:
        made = 0
        for seed in range(40):
            if made == n:
                break
            try:
                task = env.make_task(template.name, seed)
            except NoTask:
                continue
            made += 1
            yield task


def test_web_shop__fast_replay_makes_the_changes_of_the_full_replay(shop_env):
    from utility_gym.envs.web_shop.replay import replay

    checked = set()
    for task in _tasks(shop_env):
        fast, full = _both(shop_env, task)
        assert fast == full, task.task_id
        checked.add(task.template)
        marks: list[int] = []
        shop_env.world.reset()
        assert replay(_ctx(shop_env), task, marks.__len__), task.task_id  # read, not handed on
        shop_env.world.reset()
        assert replay(_ctx(shop_env), task, lambda m=marks: m.append(1))
        assert len(marks) == len(task.goal.intents)
        shop_env.world.reset()
    assert checked == {t.name for t in shop_env.domain.templates}


def test_web_shop__fast_replay_leaves_unreadable_plans_to_the_full_replay(shop_env):
    from utility_gym.envs.web_shop.replay import replay

    task = next(t for t in _tasks(shop_env, 1) if t.template == "named_product")
    odd = dataclasses.replace(
        task, plan=(*task.plan[:-1], PlanStep(0, call=ToolCall("back", {})), task.plan[-1])
    )
    marks: list[int] = []
    shop_env.world.reset()
    before = shop_env.world.change_seq()
    assert replay(_ctx(shop_env), odd, lambda: marks.append(1)) is False
    assert marks == [] and shop_env.world.change_seq() == before
    fast, full = _both(shop_env, odd)
    assert fast == full


def _ctx(env):
    from utility_gym.core.tools import ToolContext

    return ToolContext(env.world.conn, {}, env.template.meta.get("now", ""))


def test_replay__a_stream_serves_cart_tasks_as_planned_with_exact_twins():
    """A stream's replay records only the rows its plan leaves (the fast replay), while the
    isolated twin's replay goes through the site, where Add to Cart makes cart lines that
    checkout removes again: those must not count as rows the twin makes and the stream does not
    (they once did, and every cart task after the first purchase fell back to another
    template)."""
    cart_templates = {"two_items", "cart_budget"}
    env = gym.make("utility/WebShopStream-v2", size="small", stream_length=60)
    u = env.unwrapped
    plan = u.stream_plan(3, 60)
    agent = OracleAgent(env)
    served = []
    try:
        obs, info = env.reset(seed=3)
        for position in range(60):
            if position:
                obs, info = env.reset()
            planned = plan[position]["template"]
            if planned in cart_templates and position > 0:
                served.append((position, planned, info["stream"]["template"]))
                twin = u.isolated_options()["task"]
                assert twin.template == planned
            agent.reset()
            while True:
                obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
                if terminated or truncated:
                    break
            assert info["grade"]["success"], (position, info["stream"]["template"])
    finally:
        env.close()
    assert len(served) >= 3, served
    assert all(p == s for _, p, s in served), served


def _predicted(env, task):
    from utility_gym.core.replay import reference_db

    spans = env.replayer.fast.predict(reference_db(env.template), task)
    assert spans is not None, task.task_id
    return env.replayer._expected(spans, len(task.goal.intents))


def test_web_shop__predicted_changes_are_those_of_the_written_replay(shop_env):
    """The pristine prediction (no writes) equals both replays that write, per intent too."""
    checked = set()
    for task in _tasks(shop_env, 12):
        fast, full = _both(shop_env, task)
        assert _predicted(shop_env, task) == fast == full, task.task_id
        checked.add(task.template)
    assert checked == {t.name for t in shop_env.domain.templates}


def _variant(task, *calls):
    """``task`` with the plan ``calls`` (``(intent, name, arguments[, fails])``), the goal's
    intents kept (each call must name one of them)."""
    plan = tuple(
        PlanStep(c[0], call=ToolCall(c[1], c[2]), expect_error=c[3:] == (True,)) for c in calls
    )
    return dataclasses.replace(task, plan=plan)


def test_web_shop__predicted_refusals_change_what_the_shop_changes(shop_env):
    """Refused acts (a missing option, more in the cart than the limit, an empty cart, a second
    purchase beyond the stock) are predicted as the shop makes them: the same changes as the
    full replay, intent by intent."""
    from utility_gym.core.replay import reference_db
    from utility_gym.envs.web_shop.site.shop import get_product, max_quantity, stock_of

    db = reference_db(shop_env.template)
    limit = max_quantity(db)
    for task in (t for t in _tasks(shop_env, 20) if t.template == "two_items"):
        pid = task.extras["targets"][0]["product_id"]
        product, left = get_product(db, pid), stock_of(db, pid)
        if product.options and left >= limit:
            break
    else:
        raise AssertionError("no two_items task buys a product with options and stock")
    find = []
    for step in task.plan:  # the plan's own way to the first product: search, pages, click
        if step.call is not None:
            find.append((0, step.call.name, dict(step.call.arguments)))
            if step.call.arguments.get("target") == pid:
                break
    select = [(0, "select", {"option": f"{d}: {vs[0]}"}) for d, vs in product.options.items()]
    n = limit // 2 + 1  # twice n is over the limit; n + 1 is not (limit >= 2)

    def add(k, fails=False):
        return [
            *find,
            *select,
            (0, "select", {"option": f"quantity {k}"}),
            (0, "click", {"target": "Add to Cart"}, fails),
        ]

    checkout = [
        (1, "click", {"target": "Proceed to checkout"}),
        (1, "click", {"target": "Place order"}),
    ]
    plans = {
        "missing option": [*find, (0, "click", {"target": "Buy Now"})],
        "over the limit in the cart": [
            *add(n),
            *find,
            *select,
            (0, "select", {"option": f"quantity {n}"}),
            (0, "click", {"target": "Add to Cart"}),
            (0, "select", {"option": "quantity 1"}),
            (0, "click", {"target": "Add to Cart"}),
            *checkout,
        ],
        "empty cart": [(1, "click", {"target": "Place order"}, True)],
    }
    for name, plan in plans.items():
        odd = _variant(task, *plan)
        fast, full = _both(shop_env, odd)
        assert _predicted(shop_env, odd) == fast == full, name
    # Beyond the stock: the site offers no quantity above the stock left, so only the replays
    # that make acts without pages can try it; the prediction refuses as ``place_order`` does.
    pid, left = db.execute(
        "SELECT product_id, quantity FROM stock WHERE quantity BETWEEN 1 AND ? ORDER BY 1", (limit,)
    ).fetchone()
    product = get_product(db, pid)
    chosen = [("select", {"option": f"{d}: {vs[0]}"}) for d, vs in product.options.items()]
    acts = [
        ("click", {"target": pid}),
        *chosen,
        ("select", {"option": f"quantity {left}"}),
        ("click", {"target": "Buy Now"}),
    ]
    odd = _variant(task, *[(i, *a) for i in (0, 1) for a in acts])
    fast = shop_env.replayer.replay(odd, shop_env.template.data, changes_only=True).expected
    assert _predicted(shop_env, odd) == fast
    assert len(fast.per_intent[0]) > 0 and fast.per_intent[1] == frozenset()


def test_web_shop__a_refused_checkout_keeps_the_cart_in_the_prediction(shop_env):
    """Checkout refused (the cart holds more of a product than its stock) leaves the cart as it
    was, as ``checkout_cart`` does: a later checkout, with another product added, is refused
    again, in the prediction as in the written replay."""
    from utility_gym.core.replay import reference_db
    from utility_gym.envs.web_shop.site.shop import get_product, max_quantity

    db = reference_db(shop_env.template)
    limit = max_quantity(db)
    low, other = db.execute(
        "SELECT (SELECT product_id FROM stock WHERE quantity BETWEEN 2 AND ? ORDER BY 1), "
        "(SELECT product_id FROM stock WHERE quantity > ? ORDER BY 1)",
        (limit - 1, limit),
    ).fetchone()
    left = db.execute("SELECT quantity FROM stock WHERE product_id = ?", (low,)).fetchone()[0]
    half = left // 2 + 1  # twice as many is over the stock, not over the limit

    def add(intent, pid, quantity):
        product = get_product(db, pid)
        chosen = [{"option": f"{d}: {vs[0]}"} for d, vs in product.options.items()]
        return [
            (intent, "click", {"target": pid}),
            *((intent, "select", c) for c in chosen),
            (intent, "select", {"option": f"quantity {quantity}"}),
            (intent, "click", {"target": "Add to Cart"}),
        ]

    task = next(t for t in _tasks(shop_env, 20) if t.template == "two_items")
    order = [(1, "click", {"target": "Place order"})]
    odd = _variant(task, *add(0, low, half), *add(0, low, half), *order, *add(1, other, 1), *order)
    fast = shop_env.replayer.replay(odd, shop_env.template.data, changes_only=True).expected
    assert _predicted(shop_env, odd) == fast
    assert fast.changes == frozenset()  # both checkouts refused: nothing bought


def test_web_shop__options_key_is_the_shops_own():
    """The prediction writes an order line's options as ``shop.options_key`` does (JSON)."""
    from utility_gym.envs.web_shop.replay import _options_key
    from utility_gym.envs.web_shop.site.shop import options_key

    for chosen in (
        {},
        {"size": "S"},
        {"size": "S", "color": "black"},
        {"b": 'a "quoted" \\ value', "a": "tab\there\nnewline\x01"},
        {"größe": "日本語 ☃", "emoji": "\U0001f600", "z": "\u2028"},
    ):
        assert _options_key(chosen) == options_key(chosen), chosen


def test_web_shop__prediction_reads_the_products_as_the_shop_does(shop_env):
    """The pristine world's stock, read all at once (a small shop) or product by product, is
    what ``shop.stock_of`` gives; a choice the prediction accepts is one ``shop.check_choice``
    accepts; the kept world is read again after a write through its connection."""
    from utility_gym.core.replay import reference_db
    from utility_gym.core.world import World
    from utility_gym.envs.web_shop import replay as shop_replay
    from utility_gym.envs.web_shop.site.shop import ShopError, check_choice, get_product, stock_of

    db = reference_db(shop_env.template)
    preloaded = shop_replay._pristine(db)
    n = db.execute("SELECT count(*) FROM products").fetchone()[0]
    assert len(preloaded.stock) == db.execute("SELECT count(*) FROM stock").fetchone()[0] > 0
    lazy = dataclasses.replace(preloaded, stock=shop_replay.LRUCache(n + 1))
    for num in range(0, n + 2):
        target = f"P{num:06d}"
        product = get_product(db, target)
        if product is None:
            assert preloaded.item(target) is None and lazy.item(target) is None
            continue
        assert preloaded.item(target) == lazy.item(target) == (product, stock_of(db, product.id))
        page = shop_replay._Act("open", *lazy.item(target))
        for option in [f"{d}: {v}" for d, vs in product.options.items() for v in vs[:2]]:
            shop_replay._choose(page, option, 5)
            try:
                check_choice(product, page.chosen, page.quantity, 5)
                accepted = True
            except ShopError:
                accepted = False
            assert shop_replay._complete(product, page.chosen, page.quantity, 5) == accepted
    assert lazy.item("P1") is None and lazy.item("Buy Now") is None
    world = World(shop_env.template, rollback_reset=True)
    try:
        kept = shop_replay._pristine(world.conn)
        assert shop_replay._pristine(world.conn) is kept
        world.conn.execute("UPDATE stock SET quantity = quantity + 1")
        again = shop_replay._pristine(world.conn)
        assert again is not kept
        assert again.item("P000001")[1] == kept.item("P000001")[1] + 1
    finally:
        world.close()
