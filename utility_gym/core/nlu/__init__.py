"""Language understanding for the simulated user: reads agent turns into dialogue acts.

The rooms, in the order a turn passes through them:

* `clauses`: normalization (lower case, straight quotes, no markdown emphasis, chat
  abbreviations expanded) and splitting into clauses: sentences, list items, sub-clauses.
* `markers` and `lexicon`: the speech-act markers (question, proposal, refusal, outcome,
  social formulas) and a domain's slot and action patterns; `dispatch` tries each pattern only
  at the tokens where a match can start (`triggers` reads those tokens off the pattern).
* `reading`: `understand(text, lexicon)` turns the features of each clause into a `Reading`:
  dialogue acts in order (``request`` a slot, ``confirm`` / ``inform`` / ``offer`` /
  ``refuse`` an action, ``greet`` ...) and whether the turn asks the user something.
* `structure`: the turn's structure on top of its acts: the proposal and its words, a choice
  question's alternatives, list items that inherit their intro; and the `Reading` types.
* `grounding`: typed values found in the text (ids, amounts, emails, zips, dates, numbers).

Values a proposal states are checked against the user's goal in `utility_gym.core.values`;
the user's answers are worded by `utility_gym.core.voice`.
"""

from utility_gym.core.nlu.grounding import MAX_GROUNDING_CHARS, Grounding, extract_grounding
from utility_gym.core.nlu.lexicon import DEFAULT_LEXICON, SLOT_LABELS, Lexicon
from utility_gym.core.nlu.reading import ACT_KINDS, MAX_ACT_CHARS, MEMO_SIZE, understand
from utility_gym.core.nlu.structure import Act, Reading
from utility_gym.core.voice import TEMPLATE_PLACEHOLDERS, USER_TEMPLATES, render_user

__all__ = [
    "ACT_KINDS",
    "DEFAULT_LEXICON",
    "MAX_ACT_CHARS",
    "MAX_GROUNDING_CHARS",
    "MEMO_SIZE",
    "SLOT_LABELS",
    "TEMPLATE_PLACEHOLDERS",
    "USER_TEMPLATES",
    "Act",
    "Grounding",
    "Lexicon",
    "Reading",
    "extract_grounding",
    "render_user",
    "understand",
]
