"""RandomAgent: uniform over the admissible actions of the current step.

It lists actions exactly as ``utility_gym.wrappers.AdmissibleActions`` does (tool calls on the
entities seen in the episode, asking for facts, proposing a change, telling what a tool found,
refusing, asking whether there is anything else) and picks one uniformly, so the random
baseline of the text envs and of the RL view are the same policy.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from utility_gym.agents.base import Action
from utility_gym.wrappers.admissible import ActionListing, ToolInfo


class RandomAgent:
    """Uniform over the admissible actions (``AdmissibleActions``' listing) of each step.

    With ``env`` it knows which tools write (so it may propose a change before one) and the
    domain's lexicon; without it, it reads the tools from ``info["tools"]`` at the first step.
    """

    name = "random"

    def __init__(self, env: gym.Env | None = None, seed: int = 0, per_tool: int = 4) -> None:
        self.rng = np.random.default_rng(seed)
        self.per_tool = per_tool
        self.listing = ActionListing.for_env(env, per_tool=per_tool) if env is not None else None
        self._started = False

    def reset(self) -> None:
        self._started = False

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        if self.listing is None:
            tools = [ToolInfo.from_schema(t) for t in info.get("tools", [])]
            self.listing = ActionListing(
                tools, policy=info.get("policy", ""), per_tool=self.per_tool
            )
        events = info.get("events") or [{"role": "user", "content": obs}]
        valid = info.get("valid_actions")
        strings = (
            self.listing.observe(events, valid)
            if self._started
            else self.listing.reset(events, valid)
        )
        self._started = True
        options = [i for i, s in enumerate(strings) if s]
        return self.listing.take(options[int(self.rng.integers(len(options)))])
