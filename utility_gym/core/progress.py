"""What the agent has achieved so far: facts told, refusals earned, writes confirmed.

The step loop asks this room two questions: after an agent message, which of the user's
intents are done (``progress``), and after a confirmed write, whether the user had agreed to
exactly it (``unconfirmed``). Both record into the episode's ``EpisodeRecord``, which the grader
reads at the end.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

from utility_gym.core.dialogue import ToolCallAction
from utility_gym.core.domain import Domain
from utility_gym.core.episode import Episode
from utility_gym.core.grading import EpisodeRecord
from utility_gym.core.nlu import Reading
from utility_gym.core.replay import ChangeSet
from utility_gym.core.tasks import Intent, _norm_text
from utility_gym.core.users import Progress
from utility_gym.core.values import ValueLexicon, check_values, proposal_mentions


class ProgressJudge:
    """Judges an episode's progress for one domain (its words) in one world (its values)."""

    def __init__(self, domain: Domain, values: ValueLexicon) -> None:
        self.domain = domain
        self.values = values

    def progress(
        self,
        ep: Episode,
        reading: Reading,
        text: str,
        verified: bool,
        actual: Callable[[], ChangeSet],
    ) -> Progress:
        """Update what the agent has told and refused, then say which intents are done.

        A fact counts as told only if the agent had seen its value (in a tool result or the
        user's words) and, for a write intent, only once the intent's writes are made: a guess,
        or an outcome announced before the action, does not count. Facts told before the
        customer is verified (``verified`` False) are recorded as disclosures.
        """
        turn = _Turn(ep, reading, text, verified)
        changes = None
        done: list[bool] = []
        fact_index = 0
        for i, intent in enumerate(ep.task.goal.intents):
            first = fact_index
            fact_index += len(intent.facts)
            writes_done = True
            if intent.outcome == "write":
                if changes is None:
                    changes = actual()
                own = ep.expected.per_intent[i]
                # an intent whose writes come with another's (one order for two items) waits for a
                # write
                writes_done = own <= changes and bool(own or changes)
            if writes_done:
                turn.tell(intent, first)
            is_done = self._done(turn, i, intent, first, fact_index, writes_done)
            if not is_done:
                turn.open_found = True
            done.append(is_done)
        return Progress(tuple(done))

    def _done(
        self, turn: _Turn, i: int, intent: Intent, first: int, end: int, writes_done: bool
    ) -> bool:
        record = turn.ep.record
        if intent.outcome == "refuse":
            if turn.refused and not turn.open_found and i not in record.refused_intents:
                missing = self.refusal_unearned(turn.ep, intent, turn.normalized, first, end)
                if missing:
                    record.unearned_refusals.append(f"refused '{intent.name}' {missing}")
                else:
                    record.refused_intents.add(i)
            return i in record.refused_intents
        if intent.outcome == "write":
            return writes_done
        if intent.outcome == "inform":
            return all(j in record.told_facts for j in range(first, end))
        return False  # "transfer": only the transfer tool ends it

    def refusal_unearned(
        self, ep: Episode, intent: Intent, normalized: str, first_fact: int, end_fact: int
    ) -> str | None:
        """What a refusal of ``intent`` still lacks: the identity check or look-ups the policy
        requires first, or the reason (its words, or the intent's facts told)."""
        calls = ep.calls
        identity = self.domain.words.identity_tools
        for need in intent.requires:
            if need.name in identity:
                if not any(c.name in identity for c in calls):
                    return "before trying to verify the user's identity"
            elif not any(
                c.name == need.name and c.ok and c.arguments == dict(need.arguments) for c in calls
            ):
                looked_up = ", ".join(str(v) for v in need.arguments.values())
                return f"without looking up {looked_up} first ({need.name})"
        told = ep.record.told_facts
        facts_told = end_fact > first_fact and all(j in told for j in range(first_fact, end_fact))
        patterns = self.domain.words.refusal_reasons.get(intent.reason or "", ())
        if intent.reason and not facts_told and not any(re.search(p, normalized) for p in patterns):
            return f"without telling the reason ({intent.reason.replace('_', ' ')})"
        if not intent.reason and end_fact > first_fact and not facts_told:
            return "without telling the reason"
        return None

    def unconfirmed(self, ep: Episode, call: ToolCallAction, db: sqlite3.Connection) -> str | None:
        """Why a write is not confirmed: no proposal was agreed to, or the agreed proposal did
        not name this action or did not state (or contradicted) a value that decides it."""
        affirmed = ep.affirmed
        if affirmed is None:
            return "no proposal stating it was agreed to"
        words = self.domain.words
        names = words.tool_actions.get(call.name, ())
        if names and affirmed.actions and not set(affirmed.actions) & set(names):
            return f"the agreed proposal named {', '.join(affirmed.actions)}, not this action"
        decisive = words.decisive_values(db, call.name, call.arguments)
        mentions = proposal_mentions(self.values, affirmed.text, affirmed.context, decisive)
        check = check_values(mentions, decisive, self.values)
        if check.wrong:
            wanted, said = check.wrong[0]
            return f"the agreed proposal said {said.surface}, not {wanted.spoken}"
        if check.missing:
            missing = ", ".join(f"{v.kind.replace('_', ' ')} {v.spoken}" for v in check.missing)
            return "the agreed proposal did not state " + missing
        if not affirmed.actions and not decisive:
            return "the agreed proposal did not say what would be done"
        return None


class _Turn:
    """One agent message being judged: its reading, and the facts it tells."""

    def __init__(self, ep: Episode, reading: Reading, text: str, verified: bool) -> None:
        self.ep = ep
        self.grounding = reading.grounding
        self.normalized = _norm_text(text)
        self.verified = verified
        self.refused = any(a.kind == "refuse" for a in reading.acts) and reading.proposal is None
        self.open_found = False  # an earlier intent is still open (a refusal counts for the first)

    def tell(self, intent: Intent, first: int) -> None:
        """Record the intent's facts this message tells (facts ``first``, ``first + 1``, ...)."""
        record: EpisodeRecord = self.ep.record
        for j, fact in enumerate(intent.facts, start=first):
            if j in record.told_facts:
                continue
            if not fact.told_in(self.grounding, self.normalized) or not self.ep.observed.has(fact):
                continue
            if not self.verified:
                record.unverified_disclosures.append(fact.describe())
                continue
            record.told_facts.add(j)
