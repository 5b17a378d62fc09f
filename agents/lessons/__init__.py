"""LessonAgent: the learning baseline for streams. It wraps the env's heuristic agent and keeps a
small table of what the end-of-episode feedback taught it (``book.RuleBook``), with no
privileged access: it reads the feedback text and what its own episodes showed, never the task
or the world. Each domain's book (``customer_service``, ``ticketing``, ``web_shop``) says how its
tacit regularities read in feedback and how a lesson changes what the wrapped agent does.

``--agent learner`` in ``utility-bench stream``; ``save(path)`` / ``load(path)`` keep the table
as JSON.
"""

from __future__ import annotations

import json
import os
from typing import Any

from utility_gym.agents.base import Action
from utility_gym.agents.heuristics import build_heuristic, env_domain
from utility_gym.agents.lessons import customer_service, ticketing, web_shop
from utility_gym.agents.lessons.book import NOTE, Lesson, RuleBook, Seen

BOOKS: dict[str, type[RuleBook]] = {
    b.domain: b for b in (customer_service.RULE_BOOK, ticketing.RULE_BOOK, web_shop.RULE_BOOK)
}


def rule_book(domain: str) -> RuleBook:
    """A fresh rule book for ``domain`` (an empty one for a domain without lessons)."""
    return BOOKS.get(domain, RuleBook)()


def rule_book_for(env: Any) -> RuleBook:
    """A fresh rule book for ``env``'s domain (read from its registered id, else its class)."""
    spec = getattr(env, "spec", None)
    return rule_book(env_domain(spec.id) if spec is not None else env.unwrapped.domain.name)


class LessonAgent:
    """Wraps ``inner`` and applies the lessons of ``book`` to what it does."""

    name = "lesson-learner"

    def __init__(self, inner: Any, book: RuleBook) -> None:
        self.inner = inner
        self.book = book
        self.seen = Seen()
        self.learned: list[Lesson] = []

    def reset(self) -> None:
        self.inner.reset()
        self.seen = Seen()

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        self.seen.observe(obs, info)
        hint = self.book.hint(self.seen)
        if hint:
            line = f"{hint} {NOTE}"
            obs = f"user: {line}\n{obs}"
            info = {
                **info,
                "events": [
                    {"role": "user", "content": line, "data": {"acts": [], "noted": True}},
                    *(info.get("events") or ()),
                ],
            }
        return self.book.rewrite(self.inner.act(obs, info), self.seen)

    def learn(self, outcome: Any) -> None:
        feedback = str(getattr(outcome, "feedback", "") or "")
        if isinstance(outcome, dict):
            feedback = str(outcome.get("feedback", ""))
        self.learned += self.book.learn(feedback, self.seen)
        learn = getattr(self.inner, "learn", None)
        if callable(learn):
            learn(outcome)

    def save(self, path: str | os.PathLike[str]) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"domain": self.book.domain, "lessons": self.book.to_json()}, f, indent=1)

    def load(self, path: str | os.PathLike[str]) -> None:
        with open(path, encoding="utf-8") as f:
            self.book.load_json(json.load(f)["lessons"])


class LessonHeuristicAgent(LessonAgent):
    """``--agent learner``: LessonAgent around the env's own heuristic agent."""

    def __init__(self, env: Any) -> None:
        super().__init__(build_heuristic(env, seed=0), rule_book_for(env))
