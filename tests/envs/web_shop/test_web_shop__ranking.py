"""The generator's ranker (``ranking.py``) lists exactly what the shop's FTS5 search lists, or
leaves the query to it."""

from __future__ import annotations

import random

import gymnasium as gym
import pytest

from utility_gym.core.replay import reference_db
from utility_gym.envs.web_shop import catalog, ranking
from utility_gym.envs.web_shop.search import Searcher, SearchQuery, query_terms
from utility_gym.envs.web_shop.tasks import Spec, _catalog, _search_words


def _queries(db, n, seed=0):
    """What the templates search (attributes and type, brand first, titles), and stray words."""
    rng = random.Random(seed)
    items = _catalog(db).items
    out = []
    for item in rng.sample(items, min(n, len(items))):
        attrs = rng.sample(list(item.attributes), min(len(item.attributes), rng.randint(0, 3)))
        out.append(" ".join([*attrs, item.type]))
        out.append(" ".join([item.brand, *attrs, item.type]))
        out.append(item.title.replace("'", ""))
        out.append(rng.choice(item.title.split()))
        out.append(_search_words(Spec(item, attrs, {}, brand=item.brand)))
    return out


@pytest.mark.parametrize("size", ["small", "default"])
def test_web_shop__ranker_lists_what_the_search_lists(size):
    env = gym.make("utility/WebShop-v1", size=size)
    db = reference_db(env.unwrapped.template)
    catalog.attach(db)
    ranker = ranking.ranker(db)
    assert ranker is not None
    searcher, key = Searcher(), catalog.catalog_key(db)
    answered = 0
    queries = _queries(db, 400)
    for text in queries:
        mine = ranker.rank(query_terms(text))
        if mine is None:
            continue
        answered += 1
        assert mine == searcher.search(db, key, SearchQuery(text=text)).nums, text
    assert answered >= 0.9 * len(queries)  # the ranker answers nearly every generator query
    env.close()


def test_web_shop__ranker_leaves_what_it_cannot_tell_to_the_search():
    env = gym.make("utility/WebShop-v1", size="small")
    db = reference_db(env.unwrapped.template)
    catalog.attach(db)
    ranker = ranking.ranker(db)
    searcher, key = Searcher(), catalog.catalog_key(db)
    assert ranker.rank(()) is None  # no words: the search lists nothing or a department
    assert ranker.rank(("snake_case",)) is None  # two tokens: a phrase, not a word
    relaxed = searcher.search(db, key, SearchQuery(text="zzzqqq jacket"))
    assert relaxed.relaxed and ranker.rank(("zzzqqq", "jacket")) is None
    env.close()
