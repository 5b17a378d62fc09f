"""A domain's words: what the core reads and says for it, declared in ``envs/<domain>/lexicon.py``.

The core reads the structure of a turn (questions, proposals, conditions, refusals) and checks
values against goals; what the slots, actions and values of a domain are called lives with the
domain, in one `DomainWords` record that its `Domain` carries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from utility_gym.core.nlu import DEFAULT_LEXICON, Lexicon
from utility_gym.core.values import Value, ValueLexicon

WorldValues = Callable[[sqlite3.Connection], Mapping[str, Mapping[str, tuple[str, ...]]]]
DecisiveValues = Callable[[sqlite3.Connection, str, Mapping[str, Any]], tuple[Value, ...]]


@dataclass(frozen=True)
class DomainWords:
    """Everything a domain says about its words.

    - ``lexicon``: slot and action patterns of the agent-turn reader.
    - ``values``: value phrases that hold in every world (reasons, refund destinations) and id
      prefixes; ``world_values(db)`` adds a world's own names (products, options,
      applications), read once per world.
    - ``tool_actions``: for each write the user must confirm, the action classes a proposal may
      name it by ("return_delivered_order_items": ("return",)).
    - ``decisive(db, tool, arguments)``: the values a proposal must state for that write, as
      the user names them (which order, item, colour, where the refund goes): what the user
      checks a proposal against and what the grader checks a confirmation against.
    - ``identity_tools``: the tools that verify who the user is (a refusal for want of
      identity counts only after one was tried).
    - ``refusal_reasons``: reason key -> regular expressions (on normalized lower-case text)
      that state it; a refusal counts only with its reason told.
    - ``value_phrases``: kind -> how the user names a wanted value when it corrects a proposal
      ("the refund should go to {value}"); ``preference_slots``: slots a user may simply have
      no preference on ("any brand is fine") rather than not know; ``must_state``: kinds of
      wanted value a proposal is refused without (a shopper says no to "shall I buy it?" when
      it does not say the product is the kind they want).
    - ``auxiliary_actions``: actions that accompany others in a proposal (a refund with a
      return) and never contradict the wanted one; ``stands_for``: action -> the auxiliary
      actions that alone may propose it ("I'll refund the lamp" proposes its return, not an
      exchange); ``action_phrases``: action -> how the user names it when it corrects a
      proposal of another action ("get my password reset").
    """

    lexicon: Lexicon = DEFAULT_LEXICON
    values: ValueLexicon = field(default_factory=ValueLexicon)
    world_values: WorldValues | None = None
    tool_actions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    decisive: DecisiveValues | None = None
    identity_tools: frozenset[str] = frozenset()
    refusal_reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    value_phrases: Mapping[str, str] = field(default_factory=dict)
    preference_slots: frozenset[str] = frozenset()
    must_state: frozenset[str] = frozenset()
    auxiliary_actions: frozenset[str] = frozenset({"refund", "lookup", "transfer"})
    stands_for: Mapping[str, frozenset[str]] = field(default_factory=dict)
    action_phrases: Mapping[str, str] = field(default_factory=dict)

    def decisive_values(
        self, db: sqlite3.Connection, tool: str, arguments: Mapping[str, Any]
    ) -> tuple[Value, ...]:
        if self.decisive is None:
            return ()
        try:
            return self.decisive(db, tool, arguments)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, sqlite3.Error):
            return ()  # arguments the tool itself rejects decide nothing

    def for_world(self, db: sqlite3.Connection) -> ValueLexicon:
        """The value lexicon of one world: the domain's phrases plus the world's names."""
        return self.values.extend(self.world_values(db)) if self.world_values else self.values
