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
from collections import OrderedDict

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


# What we know of the last few connections: (the connection, its catalog key, attached). A
# connection's catalog never changes (a world is restored only from its own template or
# snapshots, and attachments survive ``deserialize``), and the few connections that ask are
# the env's world, the replay's scratch world and the task generator's reference copy, which
# live as long as the process: remembering them saves two queries on every task, replay and
# episode start (~0.1 ms a new-task reset). Keyed by ``id``, holding the connection so the id
# cannot be reused while the entry lives (connections take no weak references); bounded.
_KNOWN: OrderedDict[int, tuple[sqlite3.Connection, str, bool]] = OrderedDict()
_KNOWN_SIZE = 8


def _known(conn: sqlite3.Connection) -> tuple[sqlite3.Connection, str, bool] | None:
    entry = _KNOWN.get(id(conn))
    if entry is not None and entry[0] is conn:
        _KNOWN.move_to_end(id(conn))
        return entry
    return None


def _remember(conn: sqlite3.Connection, key: str, attached: bool) -> None:
    _KNOWN[id(conn)] = (conn, key, attached)
    _KNOWN.move_to_end(id(conn))
    if len(_KNOWN) > _KNOWN_SIZE:
        _KNOWN.popitem(last=False)


def catalog_key(conn: sqlite3.Connection) -> str:
    """Which catalog a world uses (``seed/size``): the key of every per-catalog cache."""
    known = _known(conn)
    if known is not None:
        return known[1]
    rows = conn.execute(
        "SELECT key, value FROM _meta WHERE key IN ('catalog_seed', 'catalog_size') ORDER BY key"
    ).fetchall()
    key = "/".join(r[1] for r in rows)
    if len(rows) == 2:  # a web shop world (else nothing to remember)
        _remember(conn, key, False)
    return key


def attach(conn: sqlite3.Connection) -> None:
    """Attach the world's catalog to ``conn`` as ``catalog`` (idempotent)."""
    known = _known(conn)
    if known is not None and known[2]:
        return
    if any(row[1] == "catalog" for row in conn.execute("PRAGMA database_list")):
        _remember(conn, catalog_key(conn), True)
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
    _remember(conn, catalog_key(conn), True)
