"""Equal task parts made once: the oracle's clicks and choices, the values a shopper checks a
proposal against, the shopper's persona.

These are frozen dataclasses of the core, and making one sets each field through
``object.__setattr__`` (a five-field frozen record takes ~1 µs here, a slotted one ~0.15 µs): a
new task made ~8 plan steps, ~8 values and a persona. Most recur from task to task ("Buy Now",
``size: M``, the product kind ``smartwatch``, the same five patiences), so equal ones are shared:
a look-up instead of a construction. Shared parts are immutable (as a cached task, served to
every episode of its id, is already), and the tables are bounded (emptied when full).
"""

from __future__ import annotations

from utility_gym.core.tasks import Persona, PlanStep, ToolCall
from utility_gym.core.values import Value

_SIZE = 4096  # entries a table holds before it is emptied
_STEPS: dict[tuple[object, ...], PlanStep] = {}
_VALUES: dict[tuple[str, str, bool], Value] = {}
_PERSONAS: dict[tuple[str, int, bool], Persona] = {}


def call_step(intent: int, name: str, essential: bool, arguments: dict[str, str]) -> PlanStep:
    """``PlanStep(intent, call=ToolCall(name, arguments), essential=essential)``."""
    # The look-up is written out in each function: a shared helper would cost a Python call,
    # a third of what a look-up saves.
    key = (intent, name, essential, *arguments.items())
    step = _STEPS.get(key)
    if step is None:
        if len(_STEPS) >= _SIZE:
            _STEPS.clear()
        step = _STEPS[key] = PlanStep(intent, call=ToolCall(name, arguments), essential=essential)
    return step


def value(kind: str, text: str, required: bool = True) -> Value:
    """``Value(kind, text, required=required)``."""
    key = (kind, text, required)
    made = _VALUES.get(key)
    if made is None:
        if len(_VALUES) >= _SIZE:
            _VALUES.clear()
        made = _VALUES[key] = Value(kind, text, required=required)
    return made


def values(wanted: list[tuple[str, str, bool]]) -> tuple[Value, ...]:
    """``value(kind, text, required)`` of each of ``wanted``, in one call."""
    made = []
    for key in wanted:
        found = _VALUES.get(key)
        if found is None:
            found = value(*key)
        made.append(found)
    return tuple(made)


def persona(style: str, patience: int, cooperative: bool) -> Persona:
    """``Persona(style, patience, cooperative)`` (at most 40 of them)."""
    key = (style, patience, cooperative)
    made = _PERSONAS.get(key)
    if made is None:
        made = _PERSONAS[key] = Persona(style, patience, cooperative)
    return made
