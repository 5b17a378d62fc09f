"""Plain text searches worked out in Python for the task generator: FTS5's ranking, exactly.

A new task searches the catalog once or twice (is the target found by these words, and on which
page?), and an FTS5 query with its bm25 ranking costs 50-100 µs, the largest part of making a
task. The catalog never changes in a process, so the index the query reads can be read once:
for each word the generator searches, the products holding it and its weight in each (the sum
of the bm25 column weights over its occurrences, from the ``fts5vocab`` instance table), and
each product's length in tokens (``products_fts_docsize``). ``rank`` then finds the products
holding every word and orders them by the score FTS5's ``bm25()`` computes (same formula, same
operations in the same order, so the same floating-point values) and by row number, as
``search.Searcher`` does: the same list, in 10-20 µs. It answers only what it can answer
exactly: a word that is not one token, or no product holding every word (the searcher then
relaxes the query), gives None, and the caller asks the searcher.
``test_web_shop__ranking.py`` compares both on thousands of queries at every size.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import threading

from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.schema import FTS_COLUMNS, FTS_WEIGHTS

# Larger catalogs keep the searcher: their word lists would cost too much memory.
MAX_PRODUCTS = 10_000
# Bounds of what a ranker keeps (per catalog): occurrences read, and words tokenized.
_MAX_POSTINGS = 250_000
_MAX_WORDS = 20_000
# More products than this hold every word: FTS5 scores them faster than Python.
_MAX_SCORED = 150
_K1, _B = 1.2, 0.75  # FTS5's bm25 constants
_WEIGHT = dict(zip(FTS_COLUMNS, FTS_WEIGHTS, strict=True))
_WORD = re.compile(r"\w+")  # as search.query_terms splits a query
_PLAIN = re.compile(r"[a-z0-9]+")  # one token each, whatever the stemmer makes of it


def _varints(blob: bytes) -> list[int]:
    """The SQLite varints of an FTS5 record (each byte: 7 bits, the high bit says more)."""
    out: list[int] = []
    value = 0
    for byte in blob:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            out.append(value)
            value = 0
    return out


class Ranker:
    """One catalog's index as the generator's searches read it (see the module's docstring)."""

    def __init__(self, location: str) -> None:
        self.conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self.conn.execute("ATTACH DATABASE ? AS catalog", (location,))
        self.conn.execute(
            "CREATE VIRTUAL TABLE temp.occurrences USING fts5vocab(catalog, products_fts, instance)"
        )
        # Words are tokenized by an empty table with the catalog's tokenizer.
        self.conn.execute(
            "CREATE VIRTUAL TABLE temp.words USING fts5(x, tokenize='porter unicode61 "
            "remove_diacritics 2')"
        )
        self.conn.execute("CREATE VIRTUAL TABLE temp.tokens USING fts5vocab(temp, words, instance)")
        averages = self.conn.execute(
            "SELECT block FROM catalog.products_fts_data WHERE id = 1"
        ).fetchone()[0]
        counts = _varints(averages)  # the row count, then each column's token count
        self.rows = counts[0]
        self.avgdl = sum(counts[1:]) / self.rows
        self.tokens: dict[str, tuple[str, ...]] = {}
        self.postings: dict[str, dict[int, float]] = {}
        self.held = 0  # occurrences kept in ``postings``
        self.norms: dict[int, float] = {}  # per product: bm25's length normalisation
        self.lock = threading.Lock()
        self._learn_vocabulary()

    def _learn_vocabulary(self) -> None:
        """Tokenize at once the words of every product's title, brand, type, department and
        attributes (the words the generator searches: ~550 at the default size), and read their
        lists (~30 ms once), so that the first new tasks find them ready instead of paying
        ~100 µs a word."""
        words: set[str] = set()
        for row in self.conn.execute(
            "SELECT title, brand, type, category, attributes FROM catalog.products"
        ):
            for text in row:
                words.update(_WORD.findall(str(text or "").lower()))
        plain = sorted(w for w in words if _PLAIN.fullmatch(w))
        self.conn.execute("INSERT INTO temp.words (x) VALUES (?)", (" ".join(plain),))
        tokens = [t for (t,) in self.conn.execute("SELECT term FROM temp.tokens ORDER BY offset")]
        self.conn.execute("DELETE FROM temp.words")
        if len(tokens) != len(plain):
            return  # not one token a word after all: left to one word at a time
        for word, token in zip(plain, tokens, strict=True):
            self.tokens[word] = (token,)
        for token in dict.fromkeys(tokens):
            if self.held > _MAX_POSTINGS // 2:
                break  # a large catalog: the rest is read when searched
            self._posting(token)

    def rank(self, terms: tuple[str, ...], limit: int) -> tuple[int, ...] | None:
        """The first ``limit`` row numbers of an FTS5 search for every one of ``terms``
        (``search.query_terms``), best first; None when the search must tell (see above)."""
        if not terms:
            return None
        with self.lock:
            posts = []
            for term in terms:
                tokens = self._tokens(term)
                if len(tokens) != 1:
                    return None
                posts.append(self._posting(tokens[0]))
            docs = set(min(posts, key=len))
            for post in posts:
                docs.intersection_update(post)
            if not docs or len(docs) > _MAX_SCORED:
                return None  # none: the searcher relaxes the query to any word
            return self._order(docs, posts)[:limit]

    def _order(self, docs: set[int], posts: list[dict[int, float]]) -> tuple[int, ...]:
        """``ORDER BY bm25(products_fts, *FTS_WEIGHTS), rowid``, as fts5's bm25 scores:
        ``-sum(idf * (f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)))`` over the words."""
        rows = self.rows
        idf = []
        for post in posts:
            x = math.log((rows - len(post) + 0.5) / (len(post) + 0.5))
            idf.append(x if x > 0.0 else 1e-6)
        scored = []
        for doc in docs:
            norm = self._norm(doc)
            score = 0.0
            for i, post in enumerate(posts):
                f = post[doc]
                score += idf[i] * ((f * (_K1 + 1.0)) / (f + norm))
            scored.append((-1.0 * score, doc))
        scored.sort()
        return tuple(doc for _, doc in scored)

    def _tokens(self, word: str) -> tuple[str, ...]:
        tokens = self.tokens.get(word)
        if tokens is None:
            if len(self.tokens) >= _MAX_WORDS:
                self.tokens.clear()
            self.conn.execute("INSERT INTO temp.words (x) VALUES (?)", (word,))
            rows = self.conn.execute("SELECT term FROM temp.tokens ORDER BY offset").fetchall()
            self.conn.execute("DELETE FROM temp.words")
            tokens = self.tokens[word] = tuple(r[0] for r in rows)
        return tokens

    def _posting(self, token: str) -> dict[int, float]:
        """Each product holding ``token``, with the sum of its occurrences' column weights."""
        post = self.postings.get(token)
        if post is None:
            post = {}
            for doc, column in self.conn.execute(
                "SELECT doc, col FROM temp.occurrences WHERE term = ?", (token,)
            ):
                post[doc] = post.get(doc, 0.0) + _WEIGHT[column]
            if self.held + len(post) > _MAX_POSTINGS:
                self.postings.clear()
                self.held = 0
            self.postings[token] = post
            self.held += len(post)
        return post

    def _norm(self, doc: int) -> float:
        """``k1 * (1 - b + b * D / avgdl)``, D the product's length in tokens (all columns)."""
        norm = self.norms.get(doc)
        if norm is None:
            blob = self.conn.execute(
                "SELECT sz FROM catalog.products_fts_docsize WHERE id = ?", (doc,)
            ).fetchone()[0]
            length = float(sum(_varints(blob)))
            norm = self.norms[doc] = _K1 * (1 - _B + _B * length / self.avgdl)
        return norm


# Per process and catalog: a connection must not cross a fork (the catalog is per process too).
_RANKERS: dict[tuple[int, str], Ranker | None] = {}
_LOCK = threading.Lock()


def ranker(catalog_key: str) -> Ranker | None:
    """The ranker of the catalog ``catalog_key`` (made once per process and catalog), or None
    for a catalog of more than ``MAX_PRODUCTS`` products."""
    key = (os.getpid(), catalog_key)
    if key in _RANKERS:
        return _RANKERS[key]
    seed, _, size = catalog_key.partition("/")
    if not (seed.isascii() and seed.isdigit() and size.isascii() and size.isdigit()):
        return None  # not a catalog's key (the searcher works without one)
    with _LOCK:
        if key not in _RANKERS:
            small = int(size) <= MAX_PRODUCTS
            _RANKERS[key] = Ranker(catalog.ensure_built(int(seed), int(size))) if small else None
    return _RANKERS[key]
