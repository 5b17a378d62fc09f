"""Dependency-free RL learners (numpy) for the RL views of the utility envs.

``ReinforceAgent`` is a linear softmax policy over the admissible actions, trained by policy
gradient (REINFORCE, Williams 1992) with a linear value function for GAE(lambda) advantages
(Schulman et al. 2016), a count-based exploration bonus (Tang et al. 2017) and Adam steps on
mini-batches of episodes; ``epochs > 1`` reuses each batch under PPO's clipped surrogate. It
reads what ``AdmissibleActions`` + ``NumericObservation`` give it
(``utility_gym.wrappers.make_rl_env``): a float vector and ``info["action_mask"]``.

``train`` runs episodes and updates the agent; ``evaluate`` runs the greedy policy on fixed
seeds; ``wilson_interval`` gives a 95% interval for a success rate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np


class Adam:
    """Adam (Kingma & Ba 2015) for a list of numpy parameter arrays, updated in place."""

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 0.01,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        decay: float | None = None,
    ) -> None:
        self.params = list(params)
        self.lr, (self.b1, self.b2), self.eps, self.decay = lr, betas, eps, decay
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def ascend(self, grads: Sequence[np.ndarray]) -> None:
        """One step *up* the gradient (we maximize return)."""
        self.t += 1
        c1 = 1 - self.b1**self.t
        c2 = 1 - self.b2**self.t
        # lr / sqrt(1 + t / decay): big steps while the policy is uniform, small ones once it is
        # good.
        lr = self.lr / math.sqrt(1 + self.t / self.decay) if self.decay else self.lr
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            p += lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


@dataclass
class _Step:
    x: np.ndarray
    mask: np.ndarray
    action: int
    probs: np.ndarray
    reward: float = 0.0
    bonus: float = 0.0  # exploration bonus for reaching a rarely seen dialogue state


class ReinforceAgent:
    """Linear softmax policy over admissible actions, trained by policy gradient with a linear
    critic.

    ``act(obs, info)`` samples an admissible index (``info["action_mask"]``) while training and
    takes the most probable one when ``greedy`` is set. ``observe(reward)`` records the reward of
    the latest action; ``learn(outcome)`` closes the episode and, every ``batch`` episodes, takes
    an Adam step on ``sum_t A_t * grad log pi(a_t|x_t)`` plus an entropy bonus, where ``A_t`` is
    the GAE(``gae_lambda``) advantage from the linear value function (``gae_lambda=1``: the
    Monte Carlo return minus the baseline, plain REINFORCE).
    ``learn`` also accepts an ``EpisodeResult``-like outcome (``.reward``) when ``observe`` was
    not called: the whole return is then credited to the last step.

    Two additions make it learn multi-step dialogues from a success-only reward, where a uniform
    policy almost never succeeds (0 of 300 episodes on ``order_status``): a count-based
    exploration bonus (``novelty``: a SimHash of the ``novelty_dims`` features is counted and a
    step earns ``novelty / sqrt(count)``; pass ``state_feature_indices(feature_names)``), and a
    step size that decays as ``lr / sqrt(1 + updates / lr_decay)``.
    """

    name = "reinforce"

    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        *,
        lr: float = 0.02,
        value_lr: float = 0.02,
        gamma: float = 0.95,
        entropy: float = 0.01,
        batch: int = 8,
        normalize: bool = False,
        lr_decay: float | None = 200.0,
        novelty: float = 0.0,
        novelty_dims: Sequence[int] | None = None,
        gae_lambda: float = 0.9,
        epochs: int = 1,
        clip: float = 0.2,
        seed: int = 0,
    ) -> None:
        self.obs_dim, self.n_actions = int(obs_dim), int(n_actions)
        self.gamma, self.entropy, self.batch, self.normalize = gamma, entropy, batch, normalize
        self.gae_lambda, self.epochs, self.clip = gae_lambda, epochs, clip
        self.rng = np.random.default_rng(seed)
        self.W = np.zeros((self.n_actions, self.obs_dim + 1), np.float64)  # last column: bias
        self.u = np.zeros(self.obs_dim + 1, np.float64)
        self.policy_opt = Adam([self.W], lr=lr, decay=lr_decay)
        self.value_opt = Adam([self.u], lr=value_lr)
        # Count-based exploration (Tang et al. 2017, "#Exploration"): a SimHash of the state's
        # dialogue features is counted, and each step earns novelty / sqrt(count) while training.
        self.novelty = novelty
        self.novelty_dims = (
            np.arange(self.obs_dim) if novelty_dims is None else np.asarray(novelty_dims)
        )
        self._projection = np.random.default_rng(seed + 1).standard_normal(
            (24, len(self.novelty_dims))
        )
        self._counts: dict[bytes, int] = {}
        self.greedy = False
        self.episodes = 0
        self._episode: list[_Step] = []
        self._pending: list[list[_Step]] = []

    # -- the agent protocol ---------------------------------------------------------------------
    def reset(self) -> None:
        self._episode = []

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> int:
        x = np.append(np.asarray(obs, np.float64).ravel(), 1.0)
        mask = np.asarray(info["action_mask"], bool)
        if not mask.any():
            mask = np.ones(self.n_actions, bool)  # nothing admissible: any index costs a turn
        probs = self.probabilities(x, mask)
        a = int(np.argmax(probs)) if self.greedy else int(self.rng.choice(self.n_actions, p=probs))
        if not self.greedy:
            step = _Step(x, mask, a, probs)
            if self.novelty:
                key = np.packbits(self._projection @ x[self.novelty_dims] > 0).tobytes()
                count = self._counts[key] = self._counts.get(key, 0) + 1
                step.bonus = self.novelty / math.sqrt(count)
            self._episode.append(step)
        return a

    def observe(self, reward: float) -> None:
        if self._episode:
            self._episode[-1].reward += float(reward)

    def learn(self, outcome: Any = None) -> None:
        if self.greedy or not self._episode:
            self._episode = []
            return
        if outcome is not None and not any(s.reward for s in self._episode):
            total = getattr(outcome, "reward", None)
            if total is None and isinstance(outcome, dict):
                total = outcome.get("reward", 0.0)
            self._episode[-1].reward = float(total or 0.0)
        self._pending.append(self._episode)
        self._episode = []
        self.episodes += 1
        if len(self._pending) >= self.batch:
            self._update(self._pending)
            self._pending = []

    # -- the policy -------------------------------------------------------------------------------
    def probabilities(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        logits = self.W @ x
        logits = np.where(mask, logits, -np.inf)
        logits -= logits.max()
        p = np.exp(logits)
        return p / p.sum()

    def value(self, x: np.ndarray) -> float:
        return float(self.u @ x)

    def _update(self, episodes: list[list[_Step]]) -> None:
        items: list[tuple[_Step, float, float]] = []  # (step, value target, advantage)
        for steps in episodes:
            # GAE(lambda) (Schulman et al. 2016): advantages from the value function's TD errors;
            # lambda = 1 is the Monte Carlo return minus the baseline.
            values = [self.value(s.x) for s in steps] + [0.0]
            advantage = 0.0
            for t in range(len(steps) - 1, -1, -1):
                s = steps[t]
                delta = s.reward + s.bonus + self.gamma * values[t + 1] - values[t]
                advantage = delta + self.gamma * self.gae_lambda * advantage
                items.append((s, advantage + values[t], advantage))
        advantages = np.array([a for _, _, a in items])
        if self.normalize and len(items) > 1:
            # Advantages on the scale of one: the step size no longer depends on how rare success
            # is.
            advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        for epoch in range(self.epochs):
            gW = np.zeros_like(self.W)
            gu = np.zeros_like(self.u)
            for (s, target, _), advantage in zip(items, advantages):
                probs = s.probs if epoch == 0 else self.probabilities(s.x, s.mask)
                ratio = probs[s.action] / max(s.probs[s.action], 1e-12)
                # PPO's clipped surrogate (Schulman et al. 2017): no push past 1 +- clip of the
                # sampling policy. In the first epoch ratio = 1: the REINFORCE gradient.
                clipped = (advantage > 0 and ratio > 1 + self.clip) or (
                    advantage < 0 and ratio < 1 - self.clip
                )
                # d log pi(a|x) / d logits = onehot(a) - pi; masked entries have pi = 0.
                d = -probs.copy()
                d[s.action] += 1.0
                # entropy bonus: d H / d logits = -pi * (log pi + H)
                logp = np.log(np.where(s.mask, np.maximum(probs, 1e-12), 1.0))
                h = -float((probs * logp).sum())
                d_ent = -probs * (logp + h)
                g_logits = self.entropy * d_ent + (0.0 if clipped else advantage * ratio) * d
                gW += np.outer(g_logits, s.x)
                gu += (target - self.value(s.x)) * s.x  # the value regresses on the lambda-return
            self.policy_opt.ascend([gW / len(items)])
            self.value_opt.ascend([gu / len(items)])

    # -- persistence ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {"W": self.W.copy(), "u": self.u.copy(), "episodes": self.episodes}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.W[...] = state["W"]
        self.u[...] = state["u"]
        self.episodes = int(state.get("episodes", 0))


STATE_FEATURE_PREFIXES = (
    "called:",
    "last_call:",
    "asked:",
    "given:",
    "verified",
    "user_act:",
    "agent_act:",
    "role:",
)


def state_feature_indices(feature_names: Sequence[str]) -> list[int]:
    """The positions of ``NumericObservation``'s dialogue-state features (not the bags of words,
    not the counters): what the exploration bonus counts, so a new paraphrase is not a new state."""
    return [i for i, name in enumerate(feature_names) if name.startswith(STATE_FEATURE_PREFIXES)]


class MaskedRandomAgent:
    """Uniform over ``info["action_mask"]``: the random baseline on the same RL view."""

    name = "random-masked"

    def __init__(self, n_actions: int, seed: int = 0) -> None:
        self.n_actions = n_actions
        self.rng = np.random.default_rng(seed)

    def reset(self) -> None:
        pass

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> int:
        allowed = np.flatnonzero(np.asarray(info["action_mask"]))
        return (
            int(self.rng.choice(allowed))
            if len(allowed)
            else int(self.rng.integers(self.n_actions))
        )


@dataclass
class LearningCurve:
    """Success of the training episodes, in windows, and wall-clock time."""

    window: int
    episodes: list[int] = field(default_factory=list)
    success: list[float] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0


def run_rl_episode(
    env: gym.Env, agent: Any, seed: int | None = None, options: dict[str, Any] | None = None
) -> tuple[bool, float, int]:
    """One episode on an RL view; returns (success, return, steps). Calls ``observe`` if the agent
    has it."""
    obs, info = env.reset(seed=seed, options=options)
    agent.reset()
    total, steps = 0.0, 0
    observe = getattr(agent, "observe", None)
    while True:
        obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
        total += float(reward)
        steps += 1
        if observe is not None:
            observe(reward)
        if terminated or truncated:
            grade = info.get("grade", {})
            return bool(grade.get("success", total > 0)), total, steps


def train(
    env: gym.Env,
    agent: ReinforceAgent,
    episodes: int,
    *,
    window: int = 200,
    seed: int = 0,
    callback: Callable[[int, float], None] | None = None,
) -> LearningCurve:
    """Train ``agent`` for ``episodes`` episodes (seeds ``seed``, ``seed + 1``, ...)."""
    curve = LearningCurve(window)
    agent.greedy = False
    recent: list[bool] = []
    start = time.perf_counter()
    for i in range(episodes):
        success, total, steps = run_rl_episode(env, agent, seed=seed + i)
        agent.learn({"reward": total, "success": success})
        curve.steps += steps
        recent.append(success)
        if len(recent) == window:
            rate = sum(recent) / window
            curve.episodes.append(i + 1)
            curve.success.append(rate)
            if callback is not None:
                callback(i + 1, rate)
            recent = []
    curve.seconds = time.perf_counter() - start
    return curve


def evaluate(env: gym.Env, agent: Any, seeds: Sequence[int]) -> list[bool]:
    """Success of ``agent`` (greedy, if it can be) on one episode per seed."""
    was_greedy = getattr(agent, "greedy", None)
    if was_greedy is not None:
        agent.greedy = True
    try:
        return [run_rl_episode(env, agent, seed=int(s))[0] for s in seeds]
    finally:
        if was_greedy is not None:
            agent.greedy = was_greedy


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a success rate (95% by default)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, center - half), min(1.0, center + half))
