"""The web_shop rule book: how its tacit regularities read in feedback, and how to apply them."""

from __future__ import annotations

from utility_gym.agents.lessons.book import RuleBook


class WebShopBook(RuleBook):
    domain = "web_shop"


RULE_BOOK = WebShopBook
