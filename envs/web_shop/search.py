"""Product search: SQLite FTS5 with BM25 ranking, filters, sorting and a per-process result
cache. A plain text search is ranked by ``ranking.py`` when it can (the same list, without
FTS5)."""

from __future__ import annotations

import re
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

from utility_gym.envs.web_shop import ranking
from utility_gym.envs.web_shop.schema import FTS_WEIGHTS

MAX_RESULTS = 100  # ten pages of ten; like a real shop, nobody pages further
PAGE_SIZE = 10
MAX_TERMS = 16
SORTS = ("relevance", "price_asc", "price_desc", "rating")
PRICE_BANDS = ((0.0, 25.0), (25.0, 50.0), (50.0, 100.0), (100.0, 200.0), (200.0, None))

# Words that carry no product meaning in a shopper's query; dropped before matching.
STOPWORDS = frozenset(
    """a an the and or for with without of in on to from my me i we our your you it its this that these those
    is are be some any please buy need want looking look find get getting under over below above than less more
    most not too very really something anything one pair set which what who under around about up at by as
    dollars dollar usd price priced cost costs costing cheap cheaper budget max maximum""".split()
)
_PRICE_EXPR = re.compile(r"\$\s*\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s*(?:dollars?|usd|bucks)\b", re.I)
_PRICE_CHAR = re.compile(r"[\d$]")
_WORD = re.compile(r"\w+")
_WEIGHTS = ", ".join(str(w) for w in FTS_WEIGHTS)  # bm25's column weights, as SQL


@dataclass(frozen=True)
class SearchQuery:
    """What a search asks for; every field comes from the URL's query string."""

    text: str = ""
    category: str = ""
    min_price: float | None = None
    max_price: float | None = None
    min_rating: float | None = None
    sort: str = "relevance"


class SearchResult(NamedTuple):
    """What a search lists (a named tuple: made on every new search, it costs a tenth of a frozen
    dataclass)."""

    nums: tuple[int, ...]  # product row numbers, best first, at most MAX_RESULTS
    more: bool  # more products matched than MAX_RESULTS
    relaxed: bool  # no product matched every word: these match any word
    categories: tuple[str, ...] = ()  # departments of the results, in order of first appearance


_PLAIN = SearchQuery()  # no department, no bounds, by relevance


def query_terms(text: str) -> tuple[str, ...]:
    """The words of a query that are matched: lower case, no prices, no stopwords, deduplicated."""
    text = text[:500]  # the words that count (and a bounded key)
    terms = _TERMS.get(text)
    if terms is None:
        if len(_TERMS) >= _TERMS_SIZE:
            _TERMS.clear()
        terms = _TERMS[text] = _query_terms(text)
    return terms


# The words of the last few thousand queries (the generator searches a product's title or its
# words again and again): reading the text costs more than the search that follows.
_TERMS: dict[str, tuple[str, ...]] = {}
_TERMS_SIZE = 4096


def _query_terms(text: str) -> tuple[str, ...]:
    if _PRICE_CHAR.search(text):  # a price needs a digit or a dollar sign
        text = _PRICE_EXPR.sub(" ", text)
    seen: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or len(word) > 40 or word in seen or word == "_":
            continue
        seen.append(word)
        if len(seen) == MAX_TERMS:
            break
    return tuple(seen)


class Searcher:
    """Runs searches against one catalog; results are cached (the catalog never changes)."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._cache: OrderedDict[tuple, SearchResult] = OrderedDict()
        self._cache_size = cache_size
        self._categories: dict[str, tuple[list[str], bytearray]] = {}

    def search(self, conn: sqlite3.Connection, catalog_key: str, q: SearchQuery) -> SearchResult:
        return self._search(conn, catalog_key, query_terms(q.text), q)

    def plain(self, conn: sqlite3.Connection, catalog_key: str, text: str) -> SearchResult:
        """``search(conn, catalog_key, SearchQuery(text=text))`` (the same cache), without making
        the query: the task generator's searches."""
        return self._search(conn, catalog_key, query_terms(text), _PLAIN)

    def _search(
        self, conn: sqlite3.Connection, catalog_key: str, terms: tuple[str, ...], q: SearchQuery
    ) -> SearchResult:
        """The search for ``terms`` with ``q``'s department, bounds and order (not its text)."""
        key = (catalog_key, terms, q.category, q.min_price, q.max_price, q.min_rating, q.sort)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        nums, more, relaxed = self._run(conn, catalog_key, terms, q)
        departments = self._departments(conn, catalog_key, nums) if nums else ()
        result = SearchResult(nums, more, relaxed, departments)
        self._cache[key] = result
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return result

    def _departments(
        self, conn: sqlite3.Connection, catalog_key: str, nums: tuple[int, ...]
    ) -> tuple[str, ...]:
        """The departments of the results, in order of first appearance."""
        names, of = self._category_of(conn, catalog_key)
        return tuple(names[i] for i in dict.fromkeys(map(of.__getitem__, nums)))

    def _category_of(
        self, conn: sqlite3.Connection, catalog_key: str
    ) -> tuple[list[str], bytearray]:
        """Each product's department, by row number (a catalog never changes): one byte per
        product, read once per catalog instead of a query per search."""
        known = self._categories.get(catalog_key)
        if known is None:
            rows = conn.execute("SELECT num, category FROM products").fetchall()
            names = sorted({c for _, c in rows})
            index = {c: i for i, c in enumerate(names)}
            of = bytearray(max((n for n, _ in rows), default=0) + 1)
            for n, c in rows:
                of[n] = index[c]
            known = self._categories[catalog_key] = (names, of)
        return known

    def _run(
        self, conn: sqlite3.Connection, catalog_key: str, terms: tuple[str, ...], q: SearchQuery
    ) -> tuple[tuple[int, ...], bool, bool]:
        """The search's row numbers (at most ``MAX_RESULTS``), whether more matched, and whether
        the query was relaxed to any word."""
        plain = not (q.category or _filtered(q))
        if terms and plain and q.sort == "relevance":
            # The common case, ranked without FTS5 when the catalog's ranker can (the same list).
            ranker = ranking.ranker(catalog_key)
            nums = ranker.rank(terms, MAX_RESULTS + 1) if ranker is not None else None
            if nums is not None:
                return nums[:MAX_RESULTS], len(nums) > MAX_RESULTS, False
        where, params = _filters(q)
        if not terms:
            if not q.category:
                return (), False, False
            order = {
                "relevance": "p.rating DESC, p.n_reviews DESC",
                "rating": "p.rating DESC, p.n_reviews DESC",
                "price_asc": "p.price ASC",
                "price_desc": "p.price DESC",
            }[q.sort]
            sql = f"SELECT p.num FROM products p WHERE 1 {where} ORDER BY {order}, p.num LIMIT ?"
            rows = conn.execute(sql, (*params, MAX_RESULTS + 1)).fetchall()
            return tuple(r[0] for r in rows[:MAX_RESULTS]), len(rows) > MAX_RESULTS, False
        if q.sort == "relevance" and not where:
            # The common case needs no join: rank inside the index (about twice as fast).
            sql = (
                "SELECT rowid FROM products_fts WHERE products_fts MATCH ? ORDER BY "
                f"bm25(products_fts, {_WEIGHTS}), rowid LIMIT ?"
            )
        else:
            order = {
                "relevance": f"bm25(products_fts, {_WEIGHTS})",
                "rating": "p.rating DESC, p.n_reviews DESC",
                "price_asc": "p.price ASC",
                "price_desc": "p.price DESC",
            }[q.sort]
            sql = (
                "SELECT p.num FROM products_fts JOIN products p ON p.num = products_fts.rowid "
                f"WHERE products_fts MATCH ? {where} ORDER BY {order}, p.num LIMIT ?"
            )
        # Every word must match; when nothing does, any word may (ranked by BM25, so products
        # matching more and rarer words still come first).
        all_words = " ".join(f'"{t}"' for t in terms)
        rows = conn.execute(sql, (all_words, *params, MAX_RESULTS + 1)).fetchall()
        relaxed = False
        if not rows and len(terms) > 1:
            relaxed = True
            rows = conn.execute(
                sql, (" OR ".join(f'"{t}"' for t in terms), *params, MAX_RESULTS + 1)
            ).fetchall()
        return tuple(r[0] for r in rows[:MAX_RESULTS]), len(rows) > MAX_RESULTS, relaxed


def _filtered(q: SearchQuery) -> bool:
    """Whether the query bounds the price or the rating."""
    return q.min_price is not None or q.max_price is not None or q.min_rating is not None


def _filters(q: SearchQuery) -> tuple[str, list]:
    clauses: list[str] = []
    params: list = []
    if q.category:
        clauses.append("AND p.category = ?")
        params.append(q.category)
    if q.min_price is not None:
        clauses.append("AND p.price >= ?")
        params.append(q.min_price)
    if q.max_price is not None:
        clauses.append("AND p.price <= ?")
        params.append(q.max_price)
    if q.min_rating is not None:
        clauses.append("AND p.rating >= ?")
        params.append(q.min_rating)
    return " ".join(clauses), params
