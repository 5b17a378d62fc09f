"""PolicyAgent: a trained policy over the admissible-action view, as a ``utility-bench run`` agent.

``--agent policy:PATH`` loads ``PATH``: a Stable-Baselines3 / sb3-contrib ``.zip`` (MaskablePPO,
PPO, A2C, DQN; needs the ``rl`` extra) or a ``.npz`` saved by ``save_numpy_policy`` from the
numpy learner. At each step the agent computes the RL view of the text episode with
``RLViewMirror`` (the same ``AdmissibleActions`` over ``NumericObservation`` stack as training),
takes the policy's deterministic choice among the admissible indices, and sends that slot's text.

The view's settings (``hash_dim``, ``per_tool``, ``n_actions``) travel with the file: inside the
``.npz``, and as the ``utility_gym_view`` attribute of an SB3 model saved with
``model.save(path, include=["utility_gym_view"])`` (``examples/train_maskable_ppo.py`` does);
files without them use ``rl_view``'s defaults.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from utility_gym.agents.base import Action
from utility_gym.wrappers.mirror import RLViewMirror

VIEW_DEFAULTS = {"hash_dim": 256, "per_tool": 4, "n_actions": None}
SB3_CLASSES = (
    "sb3_contrib:MaskablePPO",
    "stable_baselines3:PPO",
    "stable_baselines3:A2C",
    "stable_baselines3:DQN",
)


class PolicyError(ValueError):
    """The policy file cannot be used (missing, unreadable, or made for another view)."""


class PolicyAgent:
    """Acts with a trained policy through the admissible-action view of the env it runs in."""

    name = "policy"
    deterministic = True

    def __init__(self, env: gym.Env, policy: str | os.PathLike[str], seed: int = 0) -> None:
        self.path = Path(policy).expanduser().resolve()
        self.policy = load_policy(self.path)
        view = {**VIEW_DEFAULTS, **self.policy.view}
        self.view = view
        self.mirror = RLViewMirror(
            env,
            per_tool=int(view["per_tool"]),
            hash_dim=int(view["hash_dim"]),
            n_actions=view["n_actions"],
        )
        dim, n = self.mirror.observation_space.shape[0], int(self.mirror.action_space.n)
        if (dim, n) != (self.policy.obs_dim, self.policy.n_actions):
            raise PolicyError(
                f"{self.path.name} expects {self.policy.obs_dim} observation floats and "
                f"{self.policy.n_actions} actions; this env's view ({view}) has {dim} and {n}: "
                "train it on this env id, or save the view settings with the policy"
            )
        self._last: Any = None
        self._started = False

    def reset(self) -> None:
        self._started = False

    def act(self, obs: str, info: dict[str, Any]) -> Action:
        if not self._started:
            step = self.mirror.start(obs, info)
            self._started = True
        else:
            step = self.mirror.advance(self._last, obs, info)
        mask = step.action_mask.astype(bool)
        index = self.policy.predict(step.observation, mask)
        text = step.action_strings[index] if mask.any() and mask[index] else ""
        # Nothing admissible (or a policy that ignores the mask): say so rather than send "".
        self._last = text or "I'm sorry, I can't help with that."
        return self._last

    def config(self) -> dict[str, Any]:
        return {
            "policy": str(self.path),
            "policy_sha256": file_sha256(self.path),
            "policy_kind": self.policy.kind,
            "view": self.view,
        }


class LoadedPolicy:
    """A policy's deterministic choice ``predict(x, mask) -> index`` and its sizes."""

    def __init__(
        self, kind: str, predict: Any, obs_dim: int, n_actions: int, view: dict[str, Any]
    ) -> None:
        self.kind, self._predict = kind, predict
        self.obs_dim, self.n_actions, self.view = int(obs_dim), int(n_actions), dict(view)

    def predict(self, x: np.ndarray, mask: np.ndarray) -> int:
        return int(self._predict(x, mask))


def load_policy(path: Path) -> LoadedPolicy:
    if not path.is_file():
        raise PolicyError(f"no policy file {path}")
    if path.suffix == ".npz":
        return _load_numpy(path)
    if path.suffix == ".zip":
        return _load_sb3(path)
    raise PolicyError(f"{path.name}: expected an SB3 .zip or a numpy .npz policy")


def save_numpy_policy(
    path: str | os.PathLike[str], weights: np.ndarray, view: dict[str, Any]
) -> Path:
    """Save a linear softmax policy (``ReinforceAgent.W``: actions x (features + 1)) and its
    view."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as f:  # a file object: np.savez would otherwise append .npz to the name
        np.savez(f, W=np.asarray(weights, np.float64), view=np.array(json.dumps(view)))
    return out


def _load_numpy(path: Path) -> LoadedPolicy:
    try:
        with np.load(path, allow_pickle=False) as data:
            weights = np.array(data["W"], np.float64)
            view = json.loads(str(data["view"])) if "view" in data.files else {}
    except (OSError, ValueError, KeyError) as e:
        raise PolicyError(f"{path.name} is not a numpy policy ({e})") from None

    def predict(x: np.ndarray, mask: np.ndarray) -> int:
        logits = weights @ np.append(np.asarray(x, np.float64), 1.0)
        return (
            int(np.argmax(np.where(mask, logits, -np.inf)))
            if mask.any()
            else int(np.argmax(logits))
        )

    return LoadedPolicy("numpy-linear", predict, weights.shape[1] - 1, weights.shape[0], view)


def _load_sb3(path: Path) -> LoadedPolicy:
    import importlib

    errors = []
    for entry in SB3_CLASSES:
        module, _, cls_name = entry.partition(":")
        try:
            cls = getattr(importlib.import_module(module), cls_name)
        except ImportError as e:
            errors.append(f"{entry}: {e}")
            continue
        try:
            model = cls.load(str(path), device="cpu")
        except Exception as e:  # another algorithm's file: try the next class
            errors.append(f"{entry}: {type(e).__name__}")
            continue
        return _sb3_policy(model, cls_name)
    raise PolicyError(
        f"{path.name} loads with none of {', '.join(SB3_CLASSES)} "
        f"(install the 'rl' extra for SB3 files): {'; '.join(errors)}"
    )


def _sb3_policy(model: Any, kind: str) -> LoadedPolicy:
    masked = kind == "MaskablePPO"

    def predict(x: np.ndarray, mask: np.ndarray) -> int:
        if masked:
            action, _ = model.predict(x, action_masks=mask, deterministic=True)
        else:
            action, _ = model.predict(x, deterministic=True)
        return int(action)

    view = getattr(model, "utility_gym_view", None) or {}
    return LoadedPolicy(
        f"sb3:{kind}", predict, model.observation_space.shape[0], model.action_space.n, view
    )


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
