"""The words of admissible actions that come from the episode: a tool result told as plain facts
(``describe_result``), and short search phrases from the user's request (``request_phrases``)."""

from __future__ import annotations

import re
from typing import Any

ISO_DATETIME_RX = re.compile(r"^(\d{4}-\d{2}-\d{2})T[\d:.]+$")
MAX_FACTS_CHARS = 700


_POLITE_RX = re.compile(
    r"^(?:(?:hi|hello|hey|hey there|good (?:morning|afternoon|evening)|please|so|i'?d like to|i "
    r"would like to|i want to|"
    r"i need to|i'?m looking for|looking for|can you|could "
    r"you|order|buy|get|find|purchase|me|us|some|a|an|the)\b[\s,!]*)+",
    re.IGNORECASE,
)


def request_phrases(text: str, limit: int = 3) -> list[str]:
    """Short search phrases from a request: its clauses, without greetings and politeness."""
    parts = re.split(r"[,;.!?]|\btogether with\b|\band also\b|\bas well as\b", text)
    out = []
    for part in parts:
        phrase = _POLITE_RX.sub("", part.strip()).strip()
        if len(phrase.split()) >= 2:
            out.append(phrase[:80])
        if len(out) == limit:
            break
    return out


def describe_result(value: Any, depth: int = 0) -> str:
    """A tool result as plain facts: ``status: shipped; total: $45.00; delivered at:
    2026-05-30``."""
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            if v is None or v == [] or v == {}:
                continue
            label = str(k).replace("_", " ")
            if isinstance(v, dict | list):
                if depth >= 2:
                    continue
                parts.append(f"{label}: ({describe_result(v, depth + 1)})")
            else:
                parts.append(f"{label}: {_scalar(str(k), v)}")
        text = "; ".join(parts)
    elif isinstance(value, list):
        text = " | ".join(describe_result(v, depth + 1) for v in value[:4])
        if len(value) > 4:
            text += f" | and {len(value) - 4} more"
    else:
        text = str(value)
    return text if len(text) <= MAX_FACTS_CHARS else text[: MAX_FACTS_CHARS - 3] + "..."


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and any(
        a in key.lower()
        for a in ("amount", "total", "price", "balance", "credit", "cost", "refund")
    ):
        return f"${float(value):,.2f}"
    text = str(value)
    m = ISO_DATETIME_RX.match(text)
    return m.group(1) if m else text
