"""How the simulated user answers a choice question: which alternative it picks, in its words.

"Would you like the refund on your card, or as store credit?": the user picks the alternative
that states the value it wants (else the action it wants, else a fact it knows) and names it as
a person would, by the value ("my original payment method"), not by repeating the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from utility_gym.core.nlu.reading import named_actions
from utility_gym.core.values import Value, ValueLexicon, check_values
from utility_gym.core.words import DomainWords

_WORD_RX = re.compile(r"[a-z0-9']+")
_CHOICE_STOPWORDS = frozenset(
    (
        "would",
        "like",
        "prefer",
        "rather",
        "want",
        "your",
        "with",
        "that",
        "this",
        "just",
        "them",
        "they",
        "have",
        "need",
        "please",
        "there",
        "which",
        "what",
        "option",
        "instead",
        "other",
    )
)
_CHOICE_LEAD_RX = re.compile(
    r"^(?:(?:so|and|or|ok(?:ay)?|great|sure|alright),?\s+)*(?:(?:would|do|did|will|shall|should|"
    r"can|could)\s+(?:you|i|we)\s+"
    r"(?:(?:like|want|prefer|rather|need)\s+)?(?:(?:me|us)\s+)?(?:to\s+)?)?(?:prefer\s+|rather\s+)?"
)


def pick_choice(
    choices: Sequence[str],
    wants: tuple[Value, ...],
    values: ValueLexicon,
    words: DomainWords,
    same_actions: set[str] | None,
    known: list[str] | None,
) -> str | None:
    """The alternative that states what the user wants (by value, else by action); ``same_actions``
    are the actions its intent may be named by (None: it names none), ``known`` what it knows."""
    best, best_score = None, 0
    for choice in choices:
        check = check_values(values.mentions(choice, wants), wants, values)
        score = 2 * len(check.stated) - 3 * len(check.wrong)
        if same_actions is not None:
            actions = set(named_actions(choice, words.lexicon))
            if actions & same_actions:
                score += 1
            elif actions - words.auxiliary_actions:
                score -= 1
            elif actions:
                score += 1  # "a refund, or an exchange?" to a user who wants to return it
        if known is not None:
            lowered = [k.casefold() for k in known]
            if any(k in choice for k in lowered if len(k) > 3):
                score += 2  # "is the reason 'no longer needed', or ...?": the one it knows
            # "only you, or several colleagues?" to a user who said three colleagues have it too
            said = {w for w in _WORD_RX.findall(choice) if len(w) > 3} - _CHOICE_STOPWORDS
            score += len(said & {w for k in lowered for w in _WORD_RX.findall(k)})
        if score > best_score:
            best, best_score = choice, score
    return best


def choice_words(
    choice: str, wants: tuple[Value, ...], values: ValueLexicon, known: list[str]
) -> str:
    """How the user names the alternative it picks: the wanted value it states, else the
    alternative without its question words ("would you like me to ...")."""
    trimmed = _CHOICE_LEAD_RX.sub("", choice).strip() or choice
    for m in values.mentions(choice, wants):
        for v in wants:
            if v.kind == m.kind and (v.value in m.values or any(a in m.values for a in v.aliases)):
                # in the user's own words where it has them ("my original payment method")
                own = next((k for k in known if v.value.casefold() in k.casefold()), None)
                if own is not None and values.id_kind(v.value) is None:
                    return own
                if len(trimmed.split()) > 8:
                    return (
                        "the " + m.surface
                        if m.kind not in ("order", "ticket", "asset", "amount")
                        else m.surface
                    )
    return trimmed
