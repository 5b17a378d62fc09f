"""Equal task parts made once: the oracle's clicks and choices, the values a shopper checks a
proposal against, the shopper's persona.

These are frozen dataclasses of the core, and making one costs 1,000-2,000 machine instructions
a field (each field is set through ``object.__setattr__``): a new task made ~8 plan steps, ~8
values and a persona, a third of the time it took. Most recur from task to task ("Buy Now",
``size: M``, the product kind ``smartwatch``, the same five patiences), so equal ones are shared:
a look-up instead of a construction. Shared parts are immutable (as a cached task, served to
every episode of its id, is already), and the tables are bounded (emptied when full).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from utility_gym.core.tasks import Persona, PlanStep, ToolCall
from utility_gym.core.values import Value

_SIZE = 4096  # entries a table holds before it is emptied
_STEPS: dict[tuple[object, ...], PlanStep] = {}
_VALUES: dict[tuple[str, str, bool], Value] = {}
_PERSONAS: dict[tuple[str, int, bool], Persona] = {}
T = TypeVar("T")


def call_step(intent: int, name: str, essential: bool, arguments: dict[str, str]) -> PlanStep:
    """``PlanStep(intent, call=ToolCall(name, arguments), essential=essential)``."""
    key = (intent, name, essential, *arguments.items())
    return _shared(_STEPS, key, _call_step, intent, name, essential, arguments)


def value(kind: str, text: str, required: bool = True) -> Value:
    """``Value(kind, text, required=required)``."""
    return _shared(_VALUES, (kind, text, required), Value, kind, text, (), required)


def persona(style: str, patience: int, cooperative: bool) -> Persona:
    """``Persona(style, patience, cooperative)`` (a few dozen of them)."""
    key = (style, patience, cooperative)
    return _shared(_PERSONAS, key, Persona, style, patience, cooperative)


def _shared(table: dict[Any, T], key: Any, make: Callable[..., T], *args: Any) -> T:
    """The part ``make(*args)`` of ``key``: the one made before, else a new one, kept."""
    made = table.get(key)
    if made is None:
        if len(table) >= _SIZE:
            table.clear()
        made = table[key] = make(*args)
    return made


def _call_step(intent: int, name: str, essential: bool, arguments: dict[str, str]) -> PlanStep:
    return PlanStep(intent, call=ToolCall(name, arguments), essential=essential)
