"""The ticketing rule book: how its tacit regularities read in feedback, and how to apply them."""

from __future__ import annotations

from utility_gym.agents.lessons.book import RuleBook


class TicketingBook(RuleBook):
    domain = "ticketing"


RULE_BOOK = TicketingBook
