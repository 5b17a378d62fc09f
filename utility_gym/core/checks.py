"""Up-front checks of construction and reset options: every message names the option, what was
given and what is allowed, so a typo fails at once and says how to fix it."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from typing import Any

# Seeds and lengths are ints; numpy integers are welcome, bools and floats are not (``True``
# or ``1.9`` silently becoming 1 hides a bug in the caller).
_INT_KINDS = "an int"


def shown(value: Any) -> str:
    """``value`` for a message: its repr, clipped, and never raising (a broken ``__repr__``)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001  (a caller's object: anything may happen in its __repr__)
        return f"a {type(value).__name__} object"
    if type(text) is not str:
        return f"a {type(value).__name__} object"
    return text if len(text) <= 80 else text[:77] + "..."


def check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    """``value`` as an int in ``[lo, hi]``, or a ValueError/TypeError naming ``name``."""
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{name} must be {_INT_KINDS}, got {shown(value)} ({type(value).__name__})")
    number = operator.index(value)
    if number < lo or (hi is not None and number > hi):
        allowed = f"from {lo} to {hi}" if hi is not None else f"at least {lo}"
        raise ValueError(f"{name} must be an int {allowed}, got {number}")
    return number


def check_choice(name: str, value: Any, allowed: Iterable[Any], *, none_ok: bool = False) -> Any:
    """``value`` if it is one of ``allowed`` (or None when ``none_ok``), else a ValueError."""
    choices = tuple(allowed)
    if none_ok and value is None:
        return None
    # Compare by type too: True == 1 and 1.0 == 1, but neither is the string or int asked for.
    if any(type(value) is type(c) and value == c for c in choices):
        return value
    listed = ", ".join(repr(c) for c in choices) + (" or None" if none_ok else "")
    raise ValueError(f"unknown {name} {shown(value)}; choose one of {listed}")


def check_mapping(name: str, value: Any, *, none_ok: bool = True) -> dict[str, Any]:
    """``value`` as a new dict (None as ``{}`` when ``none_ok``), or a TypeError naming ``name``."""
    if value is None and none_ok:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{name} must be a dict{' or None' if none_ok else ''}, got {shown(value)} "
            f"({type(value).__name__})"
        )
    bad = [k for k in value if not isinstance(k, str)]
    if bad:
        raise TypeError(f"{name} keys must be strings, got {shown(bad[0])}")
    return dict(value)


def check_keys(name: str, given: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """A ValueError naming the first key of ``given`` that ``allowed`` lacks."""
    known = tuple(allowed)
    unknown = [k for k in given if k not in known]
    if unknown:
        raise ValueError(f"unknown {name} {shown(unknown[0])}; allowed: {', '.join(known)}")
