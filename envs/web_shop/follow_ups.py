"""Stream follow-ups of the web shop: a returning shopper wants "the same as last time".

``regular_order`` (streams only, planned as an anchor): a shopper who gives their name orders
a product by its full title with every option. ``same_as_last_time`` follows it some positions
later: the same shopper, by name, wants the same product with the same options again (maybe
more of it this time), and does not say what it was. An assistant who remembers the earlier
conversation with them knows; one who does not must ask, and the shopper only answers "the
same one you got me last time" (``UserGoal.referred``).

The shopper of a regular order is a one-off name drawn from the task's seed, never one of the
world's regular shoppers (``tacit.Shopper``), so "last time" is that one earlier order.
"""

from __future__ import annotations

import dataclasses
import random
import sqlite3

from utility_gym.core.tasks import NoTask, Task, TaskDraft, TaskTemplate
from utility_gym.envs.web_shop.goals import (
    Spec,
    _catalog,
    _pick_items,
    _random_options,
)
from utility_gym.envs.web_shop.schema import product_num
from utility_gym.envs.web_shop.site.shop import max_quantity
from utility_gym.envs.web_shop.tacit import FIRST_NAMES, LAST_NAMES, shopper_names
from utility_gym.envs.web_shop.tasks import (
    Script,
    _buy_one,
    _draft,
    _intent,
    _known,
    option_phrase,
)

__all__ = ["FOLLOW_UPS"]


def regular_order(db: sqlite3.Connection, rng: random.Random, now: str) -> TaskDraft:
    cat = _catalog(db)
    unique = lambda it: cat.title_count[it.title.casefold()] == 1  # noqa: E731
    item = _pick_items(cat, rng, unique, key="unique title")[0]
    regulars = shopper_names(db)
    name = rng.choice(
        [n for n in (f"{f} {la}" for f in FIRST_NAMES for la in LAST_NAMES) if n not in regulars]
    )
    spec = Spec(item, [], _random_options(rng, item))
    opts = ", ".join(option_phrase(d, v) for d, v in spec.options.items())
    request = rng.choice(
        (
            f"Hi, this is {name}. Please buy me the {item.title}, {opts}.",
            f"Hello, my name is {name}. I'd like the {item.title} ({opts}). Can you order it?",
        )
    )
    s = Script()
    _buy_one(db, spec, s)
    draft = _draft([_intent(request, spec)], _known(spec), s, rng, f"{name}: {item.id}", [spec])
    return dataclasses.replace(draft, extras={**draft.extras, "shopper": name})


def same_as_last_time(
    db: sqlite3.Connection, rng: random.Random, now: str, earlier: Task
) -> TaskDraft:
    """The shopper of ``earlier`` (a regular_order of this stream) wants the same product with
    the same options again, and does not say which it was."""
    name = earlier.extras.get("shopper")
    targets = earlier.extras.get("targets") or ()
    if not name or len(targets) != 1:
        raise NoTask("the earlier episode was no regular shopper's order of one product")
    cat = _catalog(db)
    num = product_num(str(targets[0]["product_id"]))
    item = cat.items[num - 1] if num is not None and 0 < num <= len(cat.items) else None
    if item is None or item.id != targets[0]["product_id"]:
        raise NoTask(f"product {targets[0]['product_id']} is not in this catalogue")
    row = db.execute("SELECT quantity FROM stock WHERE product_id = ?", (item.id,)).fetchone()
    quantity = min(rng.choice((1, 1, 2, 3)), max_quantity(db), row[0] if row else 0)
    if quantity < 1:
        raise NoTask(f"{item.id} is sold out")
    spec = Spec(item, [], dict(targets[0]["options"]), quantity)
    more = {1: "", 2: " Two of them this time.", 3: " Three of them this time."}[quantity]
    request = rng.choice(
        (
            f"Hi, it's {name} again. Could you order the same as last time, please?{more}",
            f"Hello, it's {name} again. I'd like the same thing as last time.{more}",
        )
    )
    s = Script()
    _buy_one(db, spec, s)
    known = {"quantity": str(quantity)} if quantity != 1 else {}
    same = "the same one you got me last time"
    referred = {slot: same for slot in ("item", "option", *spec.options)}
    draft = _draft(
        [_intent(request, spec)], known, s, rng, f"{name} again: {item.id} x {quantity}", [spec]
    )
    goal = dataclasses.replace(draft.goal, referred=referred)
    # Its stock is what the earlier order left: the isolated twin carries that row.
    extras = {**draft.extras, "shopper": name, "carry": (("stock", item.id),)}
    return dataclasses.replace(draft, goal=goal, extras=extras)


FOLLOW_UPS: tuple[TaskTemplate, ...] = (
    TaskTemplate(
        "regular_order",
        "Streams only (an anchor): a shopper who gives their name orders a product by its title.",
        regular_order,
        tags=("anchor",),
    ),
    TaskTemplate(
        "same_as_last_time",
        "Streams only: a returning shopper wants the same product as in an earlier conversation, "
        "and does not say which it was.",
        same_as_last_time,
        tags=("follow-up",),
        follows="regular_order",
    ),
)
