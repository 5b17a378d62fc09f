"""The CustomerService rule book: its tacit regularities in feedback, and how to apply them.

The desk's lessons are about regular customers, named as the identity look-up shows them
("Amy Harris (customer C00067) ..."), so the table is keyed on the customer id the agent sees in
``find_customer_by_email`` / ``find_customer_by_name_zip`` results:

- ``refund_preference``: "... always wants refunds as store credit ..." -> ``store_credit``;
- ``usual_size``: "... always takes size L in clothing ..." -> ``L``;
- ``usual_address``: "... has parcels sent to the office as usual: 12 Oak Street, Austin, TX
  78701." -> that address.

Applied as a line the customer would have said had they remembered it, once the customer is
verified and speaks of "the usual": "Please put the refund on my store credit.", "I'd like size
L, please.", "The office address is 12 Oak Street, Austin, TX 78701.".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from utility_gym.agents.lessons.book import Lesson, RuleBook, Seen

_WHO = r"\(customer (C\d+)\)"
LESSONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("refund_preference", re.compile(_WHO + r" always wants refunds as (store credit)")),
    ("usual_size", re.compile(_WHO + r" always takes size ([A-Z0-9]+) in clothing")),
    (
        "usual_address",
        re.compile(
            _WHO + r" has parcels sent to the office as usual: (\d+ [^,]+, [^,]+, [A-Z]{2} "
            r"\d{5})"
        ),
    ),
)
# How the customer speaks of each regularity, and what a question about it looks like.
CUES: dict[str, re.Pattern[str]] = {
    "refund_preference": re.compile(r"\b(?:usual way|the way you always)\b", re.I),
    "usual_size": re.compile(r"\busual size\b|\balways take the same\b", re.I),
    "usual_address": re.compile(r"\boffice\b", re.I),
}
IDENTITY_TOOLS = ("find_customer_by_email", "find_customer_by_name_zip")


class CustomerServiceBook(RuleBook):
    domain = "customer_service"

    def __init__(self) -> None:
        super().__init__()
        self._episode: Seen | None = None
        self._said = 0  # user messages of this episode already answered with a hint
        self._hinted: set[str] = set()

    def read_lessons(self, feedback: str, seen: Seen) -> Iterable[Lesson]:
        for kind, rx in LESSONS:
            for m in rx.finditer(feedback):
                value = "store_credit" if kind == "refund_preference" else m.group(2)
                yield Lesson(kind, m.group(1), value)

    def hint(self, seen: Seen) -> str | None:
        if seen is not self._episode:
            self._episode, self._said, self._hinted = seen, 0, set()
        new = seen.user[self._said :]
        self._said = len(seen.user)
        customer = _verified(seen)
        if customer is None:
            return None
        lines = []
        for kind in ("refund_preference", "usual_size", "usual_address"):
            value = self.lookup(kind, customer)
            if value is None or not _cued(kind, seen.user, new, kind in self._hinted):
                continue
            self._hinted.add(kind)
            lines.append(_line(kind, value))
        return " ".join(lines) or None


def _verified(seen: Seen) -> str | None:
    """The customer id of this episode's last successful identity look-up (known by its shape:
    ``{"customer_id", "name", "verified": true}``, whatever the tool's name reads as)."""
    for name, result in reversed(seen.results):
        if (
            isinstance(result, dict)
            and result.get("verified") is True
            and result.get("customer_id")
            and name in (*IDENTITY_TOOLS, "")
        ):
            return str(result["customer_id"])
    return None


def _cued(kind: str, said: list[str], new: list[str], hinted: bool) -> bool:
    """Whether to say it now: a refund preference once the customer is verified, if they asked
    for "the usual way" at any point; a size or an address whenever they just referred to it
    (the answer to "which option?" or "what is the new address?")."""
    rx = CUES[kind]
    if kind == "refund_preference":
        return not hinted and any(rx.search(text) for text in said)
    return any(rx.search(text) for text in new)


def _line(kind: str, value: str) -> str:
    if kind == "refund_preference":
        return "Please put the refund on my store credit."
    if kind == "usual_size":
        return f"I'd like size {value}, please."
    return f"The office address is {value}."


RULE_BOOK = CustomerServiceBook
