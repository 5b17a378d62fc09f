"""The cheap ways the web shop's task generator makes its parts give what the plain ways give."""

from __future__ import annotations

import random

import gymnasium as gym

from utility_gym.core.replay import reference_db
from utility_gym.core.tasks import Persona, PlanStep, ToolCall
from utility_gym.core.values import Value
from utility_gym.envs.web_shop import interned, search
from utility_gym.envs.web_shop.goals import (
    Spec,
    _catalog,
    _most_telling,
)
from utility_gym.envs.web_shop.reward import Wanted


def test_web_shop__interned_parts_equal_new_ones():
    step = interned.call_step(1, "click", True, {"target": "Buy Now"})
    assert step == PlanStep(1, call=ToolCall("click", {"target": "Buy Now"}), essential=True)
    assert interned.call_step(1, "click", True, {"target": "Buy Now"}) is step
    assert interned.call_step(0, "click", True, {"target": "Buy Now"}) != step
    assert interned.values([("option", "M", True), ("attribute", "x", False)]) == (
        Value("option", "M"),
        Value("attribute", "x", required=False),
    )
    assert interned.persona("terse", 7, False) == Persona("terse", 7, False)


def test_web_shop__targets_are_wanted_dicts_and_the_telling_attribute_is_maxs():
    env = gym.make("utility/WebShop-v1", size="small")
    cat = _catalog(reference_db(env.unwrapped.template))
    rng = random.Random(0)
    for item in rng.sample(cat.items, 100):
        spec = Spec(item, list(item.attributes[:1]), {}, 2, 12.5, item.brand, min_price=3.0)
        wanted = Wanted(
            item.id,
            item.type,
            item.category,
            tuple(spec.attributes),
            {},
            2,
            12.5,
            item.brand,
            3.0,
            None,
        )
        assert spec.target() == wanted.to_dict()
        rivals = cat.by_type[item.type]
        spare = list(item.attributes)
        if spare:
            best = max(
                spare, key=lambda a: (sum(a not in q.attributes for q in rivals), -spare.index(a))
            )
            lacking = sum(best not in q.attributes for q in rivals)
            assert _most_telling(spare, rivals) == (best, lacking)
    env.close()


def test_web_shop__query_words_are_remembered_within_bounds(monkeypatch):
    monkeypatch.setattr(search, "_TERMS", {})
    monkeypatch.setattr(search, "_TERMS_SIZE", 3)
    for text in ("Blue $20 shirt", "blue shirt", "a 12 pack of socks", "socks 5 dollars", "x"):
        assert search.query_terms(text) == search._query_terms(text[:500])
        assert len(search._TERMS) <= 3
    assert search.query_terms("Blue $20 shirt") == ("blue", "shirt")
    assert search.query_terms("socks 5 dollars") == ("socks",)
