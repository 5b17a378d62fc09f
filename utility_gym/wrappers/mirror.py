"""RLViewMirror: the RL view (numeric observation, mask, action strings) of a text episode that
runs elsewhere, step by step.

A trained policy evaluated by ``utility-bench run`` sees the text env's ``(obs, info)``; a
dataset exporter sees a recorded trajectory. Both need what ``rl_view`` would have shown at each
step. The mirror feeds the text steps into the same wrapper stack (``AdmissibleActions`` over
``NumericObservation``), so the vectors and masks are exactly those of training.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from utility_gym.wrappers.admissible import AdmissibleActions
from utility_gym.wrappers.numeric import NumericObservation


@dataclass(frozen=True)
class ViewStep:
    """What the RL view shows at one step."""

    observation: np.ndarray
    action_mask: np.ndarray
    action_strings: tuple[str, ...]

    def index_of(self, action: Any) -> int | None:
        """The slot whose action string is ``action`` (text or tool-call dict), else None."""
        key = action_key(action)
        for i, text in enumerate(self.action_strings):
            if text and action_key(text) == key:
                return i
        return None


class _Feed(gym.Wrapper):
    """Returns the queued text step instead of running one: the mirror's innermost env."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.queued: tuple[Any, ...] = ()
        self.actions: list[Any] = []

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        return self.queued

    def step(self, action: Any) -> Any:
        self.actions.append(action)
        return self.queued


class RLViewMirror:
    """Follows a text episode and computes its RL view with ``rl_view``'s wrappers.

    Args:
        env: the text env the episode runs in (only its tools, domain and spec are read).
        per_tool, n_actions, hash_dim: as given to ``rl_view`` / ``make_rl_env`` in training.

    ``start(obs, info)`` begins an episode; ``advance(action, obs, reward, terminated,
    truncated, info)`` reads the next step, where ``action`` is the text action taken (a slot's
    string, or any other text or tool call: it is then fed as text).
    """

    def __init__(
        self, env: gym.Env, *, per_tool: int = 4, n_actions: int | None = None, hash_dim: int = 256
    ) -> None:
        self._feed = _Feed(env)
        self.view = AdmissibleActions(
            NumericObservation(self._feed, hash_dim=hash_dim), per_tool=per_tool, n=n_actions
        )
        self.observation_space = self.view.observation_space
        self.action_space = self.view.action_space
        self.current: ViewStep | None = None

    def start(self, obs: Any, info: dict[str, Any]) -> ViewStep:
        self._feed.queued = (obs, info)
        x, view_info = self.view.reset()
        return self._note(x, view_info)

    def advance(
        self,
        action: Any,
        obs: Any,
        info: dict[str, Any],
        reward: float = 0.0,
        terminated: bool = False,
        truncated: bool = False,
    ) -> ViewStep:
        if self.current is None:
            raise RuntimeError("advance() before start()")
        self._feed.queued = (obs, reward, terminated, truncated, info)
        index = self.current.index_of(action)
        if index is not None:
            x, *_, view_info = self.view.step(index)
        else:
            text = action if isinstance(action, str) else json.dumps(action, ensure_ascii=False)
            x, *_, view_info = self.view.step_text(text)
        return self._note(x, view_info)

    def _note(self, x: np.ndarray, info: dict[str, Any]) -> ViewStep:
        self.current = ViewStep(
            np.asarray(x, np.float32),
            np.asarray(info["action_mask"], np.int8),
            tuple(info["action_strings"]),
        )
        return self.current


def action_key(action: Any) -> str:
    """A comparable form of an action: tool calls as sorted JSON, messages as their text."""
    if isinstance(action, str):
        stripped = action.strip()
        if not stripped.startswith("{"):
            return action
        try:
            action = json.loads(stripped)
        except ValueError:
            return action
    if isinstance(action, dict):
        return json.dumps(action, sort_keys=True, ensure_ascii=False, default=str)
    return str(action)
