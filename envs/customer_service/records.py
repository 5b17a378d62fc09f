"""Reading and numbering the desk's records, shared by the tools and the task generator."""

from __future__ import annotations

from utility_gym.core.streams import read_setting
from utility_gym.envs.customer_service.constants import RETURN_WINDOW_DAYS


def next_id(db, table: str, prefix: str) -> str:
    """The id the next row of ``table`` gets: the highest number so far, plus one."""
    n = db.execute(
        f"SELECT coalesce(max(CAST(substr(id, {len(prefix) + 1}) AS INTEGER)), 0) FROM {table}"
    ).fetchone()[0]
    return f"{prefix}{n + 1:06d}"


def order_row_id(db, table: str, prefix: str, order_id: str) -> str:
    """The id of an order's next refund or return: the prefix, the order's number and a count
    (``RF3833401``). It depends on the order, not on what else was done first, so making the
    same changes to several orders in another sequence gives every row the same id."""
    n = db.execute(f"SELECT count(*) FROM {table} WHERE order_id = ?", (order_id,)).fetchone()[0]
    return f"{prefix}{order_id.lstrip('W')}{n + 1}"


def return_window_days(db) -> int:
    """The return window in force (a stream's world event may shorten it)."""
    return read_setting(db, "return_window_days", RETURN_WINDOW_DAYS)
