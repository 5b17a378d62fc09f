"""Plain text searches worked out in Python for the task generator: FTS5's ranking, exactly.

A new task searches the catalog once or twice (is the target found by these words, and on which
page?), and an FTS5 query with its bm25 ranking costs 50-100 µs, the largest part of making a
task. The catalog never changes in a process, so the index the query reads can be read once:
for each word the generator searches, the products holding it and the word's term of each one's
bm25 score (worked out from the column weights of its occurrences, from the ``fts5vocab``
instance table, and the product's length in tokens, ``products_fts_docsize``). ``rank`` then
finds the products holding every word and orders them by the sum of their terms, the score
FTS5's ``bm25()`` computes (same formula, same operations in the same order, so the same
floating-point values), and by row number, as
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
from collections.abc import Collection

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
        # Per token: each product holding it, with the token's term of the product's bm25 score.
        self.postings: dict[str, dict[int, float]] = {}
        # Per word of one token: its token's posting (the two look-ups of a search in one).
        self.by_word: dict[str, dict[int, float]] = {}
        self.held = 0  # occurrences kept in ``postings``
        self.norms = self._norms()  # per product: bm25's length normalisation
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
        for word, token in zip(plain, tokens, strict=True):
            if self.held > _MAX_POSTINGS // 2:
                break  # a large catalog: the rest is read when searched
            self.by_word[word] = self._posting(token)

    def rank(self, terms: tuple[str, ...], limit: int) -> tuple[int, ...] | None:
        """The first ``limit`` row numbers of an FTS5 search for every one of ``terms``
        (``search.query_terms``), best first; None when the search must tell (see above)."""
        if not terms:
            return None
        with self.lock:
            posts = []
            for term in terms:
                post = self.by_word.get(term)
                if post is None:
                    post = self._word(term)
                    if post is None:
                        return None
                posts.append(post)
            docs = _common(posts)
            if not docs or len(docs) > _MAX_SCORED:
                return None  # none: the searcher relaxes the query to any word
            return _order(docs, posts)[:limit]

    def _word(self, word: str) -> dict[int, float] | None:
        """The posting of ``word``'s token, None when the word is not one token."""
        tokens = self._tokens(word)
        if len(tokens) != 1:
            return None
        post = self._posting(tokens[0])
        if len(self.by_word) >= _MAX_WORDS:
            self.by_word.clear()
        self.by_word[word] = post
        return post

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
        """Each product holding ``token``, with the token's term of its bm25 score:
        ``idf * (f * (k1 + 1)) / (f + norm)``, ``f`` the sum of its occurrences' column weights
        (the operations of fts5's bm25, in its order: the same floating-point value)."""
        post = self.postings.get(token)
        if post is None:
            weights: dict[int, float] = {}
            for doc, column in self.conn.execute(
                "SELECT doc, col FROM temp.occurrences WHERE term = ?", (token,)
            ):
                weights[doc] = weights.get(doc, 0.0) + _WEIGHT[column]
            x = math.log((self.rows - len(weights) + 0.5) / (len(weights) + 0.5))
            idf = x if x > 0.0 else 1e-6
            norms = self.norms
            post = {doc: idf * ((f * (_K1 + 1.0)) / (f + norms[doc])) for doc, f in weights.items()}
            if self.held + len(post) > _MAX_POSTINGS:
                self.postings.clear()
                self.by_word.clear()  # it holds the postings too
                self.held = 0
            self.postings[token] = post
            self.held += len(post)
        return post

    def _norms(self) -> dict[int, float]:
        """Per product ``k1 * (1 - b + b * D / avgdl)``, D its length in tokens (all columns)."""
        norms = {}
        for doc, blob in self.conn.execute("SELECT id, sz FROM catalog.products_fts_docsize"):
            length = float(sum(_varints(blob)))
            norms[doc] = _K1 * (1 - _B + _B * length / self.avgdl)
        return norms


def _common(posts: list[dict[int, float]]) -> Collection[int]:
    """The products in every posting (in no particular order), each step in C over the smaller
    side (a dict's keys and a set intersect by looking up the smaller in the larger)."""
    if len(posts) == 1:
        return posts[0]
    smallest = min(posts, key=len)
    docs: Collection[int] = smallest.keys()
    for post in posts:
        if post is not smallest:
            docs = post.keys() & docs
            if not docs:
                break
    return docs


def _order(docs: Collection[int], posts: list[dict[int, float]]) -> tuple[int, ...]:
    """``ORDER BY bm25(products_fts, *FTS_WEIGHTS), rowid``: fts5's bm25 is
    ``-sum(idf * (f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)))`` over the words, in their
    order; each word's term is in its posting (``Ranker._posting``)."""
    if len(docs) == 1:
        return tuple(docs)  # the usual answer: one product holds every word
    scored = []
    for doc in docs:
        score = 0.0
        for post in posts:
            score += post[doc]
        scored.append((-1.0 * score, doc))
    scored.sort()
    return tuple(doc for _, doc in scored)


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
