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


def return_window_days(db) -> int:
    """The return window in force (a stream's world event may shorten it)."""
    return read_setting(db, "return_window_days", RETURN_WINDOW_DAYS)
