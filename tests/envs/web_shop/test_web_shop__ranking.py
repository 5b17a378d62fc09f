"""The ranker (``ranking.py``) lists exactly what the shop's FTS5 search lists, or leaves the
query to it."""

from __future__ import annotations

import random

import gymnasium as gym
import pytest

from utility_gym.core.replay import reference_db
from utility_gym.envs.web_shop import catalog, ranking
from utility_gym.envs.web_shop.goals import (
    Spec,
    _catalog,
)
from utility_gym.envs.web_shop.search import MAX_RESULTS, Searcher, SearchQuery, query_terms
from utility_gym.envs.web_shop.tasks import (
    _search_words,
)


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


def _fts(monkeypatch, db, key, text):
    """The search's own list (FTS5), with no ranker to ask."""
    with monkeypatch.context() as m:
        m.setattr(ranking, "ranker", lambda catalog_key: None)
        return Searcher().search(db, key, SearchQuery(text=text))


@pytest.mark.parametrize("size", ["small", "default"])
def test_web_shop__ranker_lists_what_the_search_lists(size, monkeypatch):
    env = gym.make("utility/WebShop-v1", size=size)
    db = reference_db(env.unwrapped.template)
    catalog.attach(db)
    key = catalog.catalog_key(db)
    ranker = ranking.ranker(key)
    assert ranker is not None
    answered = 0
    queries = _queries(db, 400)
    for text in queries:
        mine = ranker.rank(query_terms(text), MAX_RESULTS + 1)
        if mine is None:
            continue
        answered += 1
        fts = _fts(monkeypatch, db, key, text)
        assert (mine[:MAX_RESULTS], len(mine) > MAX_RESULTS) == (fts.nums, fts.more), text
        # and the searcher, which asks the ranker, gives the same result
        assert Searcher().search(db, key, SearchQuery(text=text)) == fts
    assert answered >= 0.8 * len(queries)  # the ranker answers most of the generator's queries
    env.close()


def test_web_shop__ranker_leaves_what_it_cannot_tell_to_the_search(monkeypatch):
    env = gym.make("utility/WebShop-v1", size="small")
    db = reference_db(env.unwrapped.template)
    catalog.attach(db)
    key = catalog.catalog_key(db)
    ranker = ranking.ranker(key)
    assert ranker.rank((), 101) is None  # no words: the search lists nothing or a department
    assert ranker.rank(("snake_case",), 101) is None  # two tokens: a phrase, not a word
    relaxed = _fts(monkeypatch, db, key, "zzzqqq jacket")
    assert relaxed.relaxed and ranker.rank(("zzzqqq", "jacket"), 101) is None
    assert Searcher().search(db, key, SearchQuery(text="zzzqqq jacket")) == relaxed
    assert ranking.ranker("") is None and ranking.ranker("1/100000") is None
    env.close()
