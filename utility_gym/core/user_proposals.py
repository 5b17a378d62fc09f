"""How the simulated user answers a proposal: agree to exactly what was stated, correct the
action or a value that is wrong, or ask about a detail a fussy user wants stated first."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from utility_gym.core.nlu import Reading
from utility_gym.core.nlu.reading import named_actions
from utility_gym.core.nlu.structure import Proposal
from utility_gym.core.tasks import Intent, UserGoal
from utility_gym.core.values import Value, ValueLexicon, check_values, proposal_mentions
from utility_gym.core.words import DomainWords

# Asked about a value a proposal left out, by its kind.
DETAIL_QUESTIONS = {
    "order": "which order is that for",
    "item": "which item exactly",
    "option": "which option will I get",
    "reason": "what reason will you put down",
    "refund_to": "where will the refund go",
    "address": "which address will it go to",
    "amount": "how much will that be",
    "app": "which application is that for",
    "ticket": "which ticket is that",
    "asset": "which device is that",
    "product": "what product is it exactly",
    "brand": "which brand is it",
}


_GREETING = re.compile(r"^(?:hi|hello|hey there|hey|good morning|good afternoon)[,!.]?\s+", re.I)


def strip_greeting(text: str) -> str:
    """A request without its greeting, to repeat it mid-conversation."""
    text = _GREETING.sub("", text)
    first = text[:1].lower() + text[1:] if text[:2] != "I " and text[:2] != "I'" else text
    return first.rstrip(".!")


class ProposalAnswers:
    """``AgendaUser``'s answers to proposals (a mixin: it reads the user's goal, words, values
    and conversation state)."""

    goal: UserGoal | None
    words: DomainWords
    values: ValueLexicon

    def _answer_proposal(
        self,
        intent: Intent,
        reading: Reading,
        index: int,
        choice: str | None = None,
    ) -> tuple[str, str, bool, Proposal | None]:
        """(words, act, productive, the proposal agreed to); with ``choice``, the proposal
        narrowed to that alternative of its choice question."""
        s = self._s
        proposal = reading.proposal
        assert proposal is not None
        if intent.change_mind and index not in s["mind_changed"] and choice is None:
            s["mind_changed"].append(index)
            return intent.change_mind, "deny_change", True, None
        wants = self._wants(intent)
        text = proposal.text
        if choice is not None:
            for other in reading.choices:
                if other != choice:
                    text = text.replace(other, " ")
        proposal, text = self._with_open_proposal(proposal, text)
        mentions = proposal_mentions(self.values, text, proposal.context, wants)
        s["open_proposal"] = None
        if proposal.bare and not mentions:
            return self._say("ask_what"), "ask_what", False, None
        if not self._action_fits(proposal, intent, text if choice is not None else None):
            correction = self._action_correction(intent, wants, index)
            return self._say("deny_correct", value=correction), "deny", False, None
        check = check_values(mentions, wants, self.values)
        if check.wrong:
            wanted, said = check.wrong[0]
            # name every value of that kind it wants ("size M, color yellow"), the one it misses
            # first
            same = [wanted, *(v for v in wants if v.kind == wanted.kind and v != wanted)]
            correction = self._name_value(
                dataclasses.replace(wanted, said=", ".join(v.spoken for v in same))
            )
            return (
                self._say("deny_value", correction=correction, said=said.surface),
                "deny",
                False,
                None,
            )
        must = [v for v in check.missing if v.kind in self.words.must_state]
        if must:
            return self._say("deny_correct", value=self._name_value(must[0])), "deny", False, None
        if check.missing and self.goal is not None and self.goal.persona.fussy:
            detail = DETAIL_QUESTIONS.get(
                check.missing[0].kind, f"what about the {check.missing[0].kind.replace('_', ' ')}"
            )
            s["open_proposal"] = [list(proposal.actions), text, proposal.context]
            return self._say("ask_detail", detail=detail), "ask_detail", True, None
        return (
            self._say("affirm"),
            "affirm",
            True,
            Proposal(proposal.actions, text, proposal.context),
        )

    def _action_fits(self, proposal: Proposal, intent: Intent, narrowed: str | None = None) -> bool:
        """Whether the proposal's actions include what the user wants (auxiliary actions such as a
        refund with a return never conflict; a proposal naming no action is judged by its
        values)."""
        named = set(proposal.actions)
        if narrowed is not None:
            named = set(named_actions(narrowed, self.words.lexicon)) or named
        if not intent.action or not named:
            return True
        if intent.action in named or named & self._same_actions(intent.action):
            return True
        if named - self.words.auxiliary_actions:
            return False  # another primary action: a cancel for a return
        # only auxiliary actions: "I'll refund the lamp" stands for a return, not an exchange
        return (
            bool(named & self.words.stands_for.get(intent.action, frozenset()))
            or intent.outcome != "write"
        )

    def _with_open_proposal(self, proposal: Proposal, text: str) -> tuple[Proposal, str]:
        """ "The refund goes to your card. Shall I go ahead?" after it asked about that detail:
        the go-ahead is for the proposal it asked about, with the agent's answer added."""
        s: Any = self._s  # type: ignore[attr-defined]
        open_proposal = s["open_proposal"]
        if open_proposal is None or not set(proposal.actions) <= (
            self.words.auxiliary_actions | set(open_proposal[0])
        ):
            return proposal, text
        actions, earlier, context = open_proposal
        merged = Proposal(
            tuple(dict.fromkeys((*actions, *proposal.actions))),
            f"{earlier} | {text}",
            f"{context} | {proposal.context}".strip(" |"),
        )
        return merged, merged.text

    def _action_correction(self, intent: Intent, wants: tuple[Value, ...], index: int) -> str:
        """The action it wants, the values of it it knows ("to 8171 Oak Street, ..."), and its
        request."""
        goal = self.goal
        wanted = self.words.action_phrases.get(intent.action or "")
        heard = (
            " ".join((*goal.known.values(), *(i.request for i in goal.intents))).casefold()
            if goal
            else ""
        )
        known = [
            v.spoken
            for v in wants
            if v.required and v.spoken.casefold() in heard and v.kind not in ("order", "ticket")
        ]
        details = f" ({', '.join(known)})" if known else ""
        request = strip_greeting(self._request(intent, index))  # type: ignore[attr-defined]
        return f"{wanted}{details}: {request}" if wanted else request

    def _name_value(self, value: Value) -> str:
        """How the user names a value it wants; an id it was never told (the order the agent
        found for it) it does not name, it only says that is not the one."""
        if self.values.id_kind(value.value) is not None and self.goal is not None:
            heard = " ".join(
                (*self.goal.known.values(), *(i.request for i in self.goal.intents))
            ).upper()
            if value.value.upper() not in heard:
                # "my laptop", without its id (nor the ids of the others it wants, never told it)
                words = re.split(r"[\s,()]+", value.spoken)
                what = " ".join(w for w in words if w and self.values.id_kind(w) is None)
                return (
                    f"I mean {what}"
                    if what
                    else f"that's not the right {value.kind.replace('_', ' ')}"
                )
        phrase = self.words.value_phrases.get(value.kind, "I want {value}")
        return phrase.format(value=value.spoken)
