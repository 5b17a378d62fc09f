"""What the agent sees of a step: the observation text, and the grade as info shows it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from utility_gym.core.dialogue import Event, render_events
from utility_gym.core.grading import Grade
from utility_gym.core.tasks import Regularity

TRUNCATION_NOTE = " ... [observation truncated]"


def observe(events: Sequence[Event], max_length: int) -> str:
    """The events as text, cut to ``max_length`` with a note saying so."""
    # One event is the common step (a user's answer, a page, an error).
    text = events[0].render() if len(events) == 1 else render_events(list(events))
    if len(text) > max_length:
        text = text[: max_length - len(TRUNCATION_NOTE)] + TRUNCATION_NOTE
    return text


def grade_info(g: Grade) -> dict[str, Any]:
    """``info["grade"]`` at the end: the grade's dict (the keys of the pending grade; recorded
    runs verify against it, so nothing is added), its numbers as the pending grade's types."""
    out = g.to_dict()
    out["success"] = bool(out["success"])
    out["partial"] = float(out["partial"])
    return out


def feedback(g: Grade, regularity: Regularity | None = None) -> str:
    """What a worker learns after the fact: the grade's reasons in plain words, and, after a
    task that hit a tacit regularity, what a colleague tells them about it (its lesson)."""
    if g.success:
        text = "Success: every required change was made and every required fact was told."
    else:
        text = "Not successful: " + "; ".join(g.reasons) + "."
    if regularity is not None:
        text += " A colleague adds: " + regularity.lesson
    return text
