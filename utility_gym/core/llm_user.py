"""LLMUser: the simulated user with a model's words (its chat client is in ``core.chat_client``).

``LLMUser`` keeps everything that decides an episode with the ``AgendaUser``: the goal, the facts
the user may reveal, the dialogue acts, patience and termination. Only the words change: a
model rewrites each templated turn in the persona's voice, given the conversation so far. A
rewrite that drops or invents an id, amount, email, zip or date is rejected and the template's
words are used instead (counted in ``usage()["fallbacks"]``), so the model can never leak or
corrupt a fact. Select it with ``gym.make(id, user="llm")``; such an env is nondeterministic
(``env.unwrapped.nondeterministic`` is True): the same seeds no longer give the same transcript.

The client (``core.chat_client``) needs the ``llm`` extra (``pip install 'utility-gym[llm]'``,
the ``openai`` package). Endpoint, model and key come from arguments or from
``UTILITY_GYM_LLM_BASE_URL``, ``UTILITY_GYM_LLM_MODEL`` and ``UTILITY_GYM_LLM_API_KEY``.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from utility_gym.core.chat_client import ChatClient, LLMConfig, LLMEndpointError
from utility_gym.core.nlu import Reading, extract_grounding
from utility_gym.core.tasks import UserGoal
from utility_gym.core.users import AgendaUser, Progress, UserTurn

# -- the LLM-voiced user -----------------------------------------------------------------------

USER_SYSTEM_PROMPT = """\
You play a customer talking to a support agent. Your style is {style}. Rewrite the customer's \
next message, given as DRAFT, in your own words and style. Keep its meaning exactly: say yes \
or no where it does, ask what it asks, and keep every id, amount, email address, zip code, \
name, date and number exactly as written. Add no new facts, ids, numbers or requests. Reply \
with the message only."""


class LLMUser(AgendaUser):
    """An ``AgendaUser`` whose words an OpenAI-compatible model writes (see the module docstring).

    Args:
        client: a ``ChatClient``; by default one from ``UTILITY_GYM_LLM_*`` and ``**config``.
        on_error: ``"raise"`` (default) raises ``LLMEndpointError`` out of ``step`` when the
            endpoint fails; ``"template"`` falls back to the template's words for that turn.
        **config: ``LLMConfig`` fields (``model``, ``base_url``, ``temperature``, ...).
    """

    def __init__(
        self, client: ChatClient | None = None, *, on_error: str = "raise", **config: Any
    ) -> None:
        super().__init__()
        if on_error not in ("raise", "template"):
            raise ValueError(f"on_error must be 'raise' or 'template', got {on_error!r}")
        self.client = client if client is not None else ChatClient(LLMConfig.from_env(**config))
        self.on_error = on_error
        self.history: list[tuple[str, str]] = []  # ("agent" | "customer", text)

    def usage(self) -> dict[str, Any]:
        return self.client.usage.to_dict()

    def start(self, goal: UserGoal, rng: random.Random) -> str:
        draft = super().start(goal, rng)
        self.history = []
        text = self._voice(draft)
        self.history.append(("customer", text))
        return text

    def hear(self, text: str) -> None:
        """The agent's message, for context (the env calls this before ``respond``)."""
        self.history.append(("agent", text))

    def respond(self, reading: Reading, progress: Progress) -> UserTurn:
        turn = super().respond(reading, progress)
        text = self._voice(turn.text)
        self.history.append(("customer", text))
        return dataclasses.replace(turn, text=text)

    def state(self) -> dict:
        out = super().state()
        out["history"] = [list(h) for h in self.history]
        return out

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.history = [(r, t) for r, t in state.get("history", [])]

    def _voice(self, draft: str) -> str:
        assert self.goal is not None
        messages = [
            {"role": "system", "content": USER_SYSTEM_PROMPT.format(style=self.goal.persona.style)}
        ]
        for role, text in self.history[-12:]:
            messages.append(
                {"role": "assistant" if role == "customer" else "user", "content": text}
            )
        messages.append({"role": "user", "content": f"DRAFT: {draft}"})
        try:
            reply = self.client.complete(messages)
        except LLMEndpointError:
            if self.on_error == "raise":
                raise
            self.client.usage.fallbacks += 1
            return draft
        text = " ".join(str(reply.get("content") or "").split())
        if not text or not same_facts(draft, text):
            self.client.usage.fallbacks += 1
            return draft
        return text


def same_facts(draft: str, text: str) -> bool:
    """Whether ``text`` states exactly the typed values of ``draft`` (ids, amounts, emails, zips,
    dates)."""
    a, b = extract_grounding(draft), extract_grounding(text)
    return all(
        set(getattr(a, k)) == set(getattr(b, k))
        for k in ("ids", "amounts", "emails", "zips", "dates")
    )
