"""The ticketing rule book: how its tacit regularities read in feedback, and how to apply them.

Three kinds of lesson, each one sentence a colleague adds to the end-of-episode feedback:

- ``site_routing``: 'Tickets about the "label printer" at the Austin site go to the app-support
  group, not to desktop-support.' Kept under (label, site); applied by changing the group of an
  ``assign_ticket`` call when the caller named that thing and that site (or ``get_employee``
  showed the site).
- ``kb_real_fix``: 'When a caller reports "error 809", the fix that works is KB0011 (...), not
  KB0010 (...), whatever the titles say.' Kept under the caller's words; applied by opening the
  article that works instead of the one the wrapped agent chose.
- ``app_nickname``: '"Atlas" is what people here call Tableau: a request for it is for
  Tableau.' Kept under the nickname; applied as a line the wrapped agent reads as the caller's
  ("By Atlas I mean Tableau.") when the caller uses it.

Only the feedback text and what the episode showed are read: the caller's words and tool
results, never the task or the world.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from utility_gym.agents.base import Action
from utility_gym.agents.lessons.book import Lesson, RuleBook, Seen

_ROUTE = re.compile(
    r'Tickets about the "(?P<label>[^"]+)" at the (?P<site>[A-Z][A-Za-z ]+?) site go to the '
    r"(?P<group>[a-z-]+) group"
)
_FIX = re.compile(r'When a caller reports "(?P<cue>[^"]+)", the fix that works is (?P<kb>KB\d+)')
_NICK = re.compile(r'"(?P<nick>[^"]+)" is what people here call (?P<app>[^:]+):')
SEP = " @ "  # between a site-routing lesson's label and site in its key


class TicketingBook(RuleBook):
    domain = "ticketing"

    def read_lessons(self, feedback: str, seen: Seen) -> Iterable[Lesson]:
        for m in _ROUTE.finditer(feedback):
            yield Lesson("site_routing", f"{m['label']}{SEP}{m['site']}", m["group"])
        for m in _FIX.finditer(feedback):
            yield Lesson("kb_real_fix", m["cue"], m["kb"])
        for m in _NICK.finditer(feedback):
            yield Lesson("app_nickname", m["nick"], m["app"].strip())

    def hint(self, seen: Seen) -> str | None:
        """The application a nickname stands for, when the caller's newest words use one."""
        latest = _user_lines(seen.texts[-1] if seen.texts else "")
        for (kind, nick), app in sorted(self.table.items()):
            if kind != "app_nickname" or app.lower() in latest.lower():
                continue
            if re.search(rf"\b{re.escape(nick)}\b", latest):  # a name, as written
                return f"By {nick} I mean {app}."
        return None

    def rewrite(self, action: Action, seen: Seen) -> Action:
        if not isinstance(action, dict):
            return action
        args = action.get("arguments") or {}
        name = action.get("name")
        said = " ".join(seen.user).lower()
        if name == "assign_ticket":
            group = self._site_group(said, seen)
            if group is not None and args.get("group") != group:
                return {**action, "arguments": {**args, "group": group}}
        if name == "get_kb_article":
            article = next(
                (
                    kb
                    for (k, cue), kb in self.table.items()
                    if k == "kb_real_fix" and cue.lower() in said
                ),
                None,
            )
            if article is not None and args.get("article_id") != article:
                return {**action, "arguments": {**args, "article_id": article}}
        return action

    def _site_group(self, said: str, seen: Seen) -> str | None:
        """The group a lesson routes this caller's problem to: the thing they named, at the site
        they named or their profile shows."""
        sites = {
            str(r.get("location", "")).lower()
            for n, r in seen.results
            if n == "get_employee" and isinstance(r, dict)
        }
        for (kind, key), group in sorted(self.table.items()):
            if kind != "site_routing":
                continue
            label, _, site = key.partition(SEP)
            at_site = site.lower() in sites or re.search(rf"\b{re.escape(site.lower())}\b", said)
            if label.lower() in said and at_site:
                return group
        return None


def _user_lines(obs: str) -> str:
    return " ".join(line[6:] for line in obs.split("\n") if line.startswith("user: "))


RULE_BOOK = TicketingBook
