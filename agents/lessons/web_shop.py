"""The web_shop rule book: how its tacit regularities read in feedback, and how to apply them.

Four kinds (``envs/web_shop/tacit.py`` makes them; this book only reads their lessons):

- ``usual_size``: "Dana Reyes always wears size L; ..." -> (usual_size, "Dana Reyes") = "L".
- ``loyal_brand``: "Dana Reyes only buys Trailfox; ..." -> (loyal_brand, "Dana Reyes") =
  "Trailfox".
- ``usual_budget``: "Dana Reyes never spends more than $75 on one item; ..." ->
  (usual_budget, "Dana Reyes") = "$75".
- ``catalogue_vocabulary``: "Shoppers who ask for 'parka' mean what the catalogue calls 'winter
  coat'; ..." -> (catalogue_vocabulary, "parka") = "winter coat".

The book applies a lesson with a hint: when the opening request comes from a shopper it knows
(the name they say) and asks for "my usual size", "brand" or "budget", or uses a word it knows,
it shows the wrapped heuristic the missing value as a line of the shopper's ("I wear size L,
as always."), as MemoryAgent shows what it recalls. Keys are what the agent saw: the name the
shopper said and the words they used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from utility_gym.agents.lessons.book import Lesson, RuleBook, Seen

_NAME = r"[A-Z][\w'-]+(?: [A-Z][\w'-]+)+"
_LESSONS = (
    ("usual_size", re.compile(rf"(?P<key>{_NAME}) always wears size (?P<value>[^;.]+);")),
    ("loyal_brand", re.compile(rf"(?P<key>{_NAME}) only buys (?P<value>[^;]+);")),
    (
        "usual_budget",
        re.compile(rf"(?P<key>{_NAME}) never spends more than (?P<value>\$[\d,.]*\d) on one"),
    ),
    (
        "catalogue_vocabulary",
        re.compile(r"ask for '(?P<key>[^']+)' mean what the catalogue calls '(?P<value>[^']+)'"),
    ),
)
# The shopper saying who they are, as the heuristic also reads it.
_SPEAKER = re.compile(rf"\b(?:[Ii]t's|[Tt]his is|[Mm]y name is) (?P<name>{_NAME}?)(?= again|[.,!])")


class WebShopBook(RuleBook):
    domain = "web_shop"

    def read_lessons(self, feedback: str, seen: Seen) -> Iterable[Lesson]:
        for kind, rx in _LESSONS:
            for m in rx.finditer(feedback):
                yield Lesson(kind, m.group("key").strip(), m.group("value").strip())

    def hint(self, seen: Seen) -> str | None:
        """At the opening request only: what the shopper leaves unsaid, if a lesson knows it."""
        if len(seen.texts) != 1 or not seen.user:
            return None
        said = " ".join(seen.user)
        low = said.lower()
        lines = []
        speaker = _SPEAKER.search(said)
        name = speaker.group("name") if speaker else None
        size = self.lookup("usual_size", name) if name else None
        if size and "usual size" in low:
            lines.append(f"I wear size {size}, as always.")
        brand = self.lookup("loyal_brand", name) if name else None
        if brand and "usual brand" in low:
            lines.append(f"I only buy {brand}.")
        budget = self.lookup("usual_budget", name) if name else None
        if budget and "usual budget" in low:
            lines.append(f"My budget is {budget}.")
        for (kind, word), value in sorted(self.table.items()):
            if kind == "catalogue_vocabulary" and re.search(rf"(?<![\w-]){re.escape(word)}", low):
                lines.append(f"By '{word}' I mean what you call {value}.")
        return " ".join(lines) or None


RULE_BOOK = WebShopBook
