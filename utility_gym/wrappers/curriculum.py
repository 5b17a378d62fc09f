"""TaskCurriculum: draw training tasks from chosen templates only (an easy curriculum)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from utility_gym.core.tasks import TEST_SEED_BASE, NoTask, task_id_for


class TaskCurriculum(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Each ``reset`` serves a train task of one of ``templates`` (drawn with ``weights``).

    The template and the task seed come from a generator seeded by ``reset(seed=...)``, so the
    same seeds give the same tasks. ``options={"task_id": ...}`` or ``{"fork": ...}`` bypass the
    curriculum. ``set_templates`` changes the mix between episodes (to widen a curriculum).

    ``seed_pool=n`` draws task seeds from ``range(n)`` instead of the whole train range: tasks are
    generated once per process and then cached, which makes long training runs much cheaper.
    Evaluate on fresh seeds (``seed_pool=None``, or the ``test`` split) to measure generalization.
    """

    def __init__(
        self,
        env: gym.Env,
        templates: Sequence[str],
        weights: Sequence[float] | None = None,
        seed_pool: int | None = None,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self,
            templates=list(templates),
            weights=None if weights is None else list(weights),
            seed_pool=seed_pool,
        )
        gym.Wrapper.__init__(self, env)
        if seed_pool is not None and not 0 < seed_pool <= TEST_SEED_BASE:
            raise ValueError(f"seed_pool must be in 1..{TEST_SEED_BASE}, got {seed_pool}")
        self.seed_pool = seed_pool or TEST_SEED_BASE
        self._rng = np.random.default_rng()
        self.set_templates(templates, weights)

    def set_templates(
        self, templates: Sequence[str], weights: Sequence[float] | None = None
    ) -> None:
        domain = self.env.unwrapped.domain
        known = {t.name: t for t in domain.templates}
        unknown = [t for t in templates if t not in known]
        if unknown or not templates:
            raise ValueError(
                f"unknown templates {unknown} for {domain.name}; known: {', '.join(known)}"
            )
        w = np.asarray(weights if weights is not None else [1.0] * len(templates), dtype=float)
        if w.shape != (len(templates),) or (w < 0).any() or w.sum() <= 0:
            raise ValueError(
                f"weights must be {len(templates)} non-negative numbers, not all zero; got "
                f"{weights}"
            )
        self.templates = tuple(templates)
        self.weights = w / w.sum()

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        options = dict(options or {})
        if "task_id" in options or "fork" in options:
            return self.env.reset(seed=seed, options=options)
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        unwrapped = self.env.unwrapped
        for _ in range(50):
            template = self.templates[int(self._rng.choice(len(self.templates), p=self.weights))]
            task_seed = int(self._rng.integers(self.seed_pool))
            try:
                unwrapped.make_task(template, task_seed)
            except NoTask:
                continue
            options["task_id"] = task_id_for(unwrapped.domain.name, template, task_seed)
            return self.env.reset(seed=seed, options=options)
        raise RuntimeError(
            f"none of the templates {self.templates} could make a task in this world"
        )
