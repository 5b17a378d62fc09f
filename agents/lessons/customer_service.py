"""The CustomerService rule book: its tacit regularities in feedback, and how to apply them."""

from __future__ import annotations

from utility_gym.agents.lessons.book import RuleBook


class CustomerServiceBook(RuleBook):
    domain = "customer_service"


RULE_BOOK = CustomerServiceBook
