"""The shared read-only catalog: one in-memory database per process, attached to every world.

A 100,000-product catalog with its search index is about 100 MB; copying it on every reset (as
the episode tables are) would cost more than the episode. It never changes during an episode,
so each process builds it once (deterministically, from the seed stored in the world's
``_meta``) and every episode connection attaches it read-only as schema ``catalog``.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from utility_gym.envs.web_shop.generator import build_catalog
from utility_gym.envs.web_shop.schema import product_id, product_num  # noqa: F401 (used as catalog.*)

_CATALOGS: dict[tuple[int, int, int], sqlite3.Connection] = {}  # (pid, seed, size) -> owner
_LOCK = threading.Lock()


def uri(seed: int, size: int) -> str:
    return f"file:utility_gym_web_shop_{os.getpid()}_{seed}_{size}?mode=memory&cache=shared"


def ensure_built(seed: int, size: int) -> str:
    """Build the catalog ``(seed, size)`` in this process if needed; return its URI."""
    key = (os.getpid(), seed, size)
    with _LOCK:
        if key not in _CATALOGS:
            conn = sqlite3.connect(
                uri(seed, size), uri=True, isolation_level=None, check_same_thread=False
            )
            build_catalog(conn, seed, size)
            conn.execute("PRAGMA query_only = 1")
            _CATALOGS[key] = conn  # the owner keeps the shared in-memory database alive
    return uri(seed, size)


def catalog_key(conn: sqlite3.Connection) -> str:
    """Which catalog a world uses (``seed/size``): the key of every per-catalog cache."""
    rows = conn.execute(
        "SELECT key, value FROM _meta WHERE key IN ('catalog_seed', 'catalog_size') ORDER BY key"
    ).fetchall()
    return "/".join(r[1] for r in rows)


def attach(conn: sqlite3.Connection) -> None:
    """Attach the world's catalog to ``conn`` as ``catalog`` (idempotent)."""
    if any(row[1] == "catalog" for row in conn.execute("PRAGMA database_list")):
        return
    meta = dict(
        conn.execute(
            "SELECT key, value FROM _meta WHERE key IN ('catalog_seed', 'catalog_size')"
        ).fetchall()
    )
    if len(meta) != 2:
        raise RuntimeError("this database is not a web shop world (no catalog_seed in _meta)")
    location = ensure_built(int(meta["catalog_seed"]), int(meta["catalog_size"]))
    conn.execute("ATTACH DATABASE ? AS catalog", (location,))
