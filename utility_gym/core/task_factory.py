"""The task factory: which task a reset gets, and making it from its template and seed.

A task id is ``DOMAIN/TEMPLATE/SEED``; making it runs the template on the pristine world (a
read-only reference copy kept per process), then fills in what each intent's proposals must
state and what must come before each refusal. Tasks are cached per process (an LRU).
"""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from typing import Any

import numpy as np

from utility_gym.core.caches import LRUCache
from utility_gym.core.checks import shown
from utility_gym.core.domain import Domain
from utility_gym.core.replay import TASK_CACHE_SIZE, reference_db
from utility_gym.core.tasks import (
    TEST_SEED_BASE,
    Intent,
    NoTask,
    PlanStep,
    Task,
    ToolCall,
    UserGoal,
    fixed_test_split,
    parse_task_id,
    task_id_for,
)
from utility_gym.core.tools import Toolbox
from utility_gym.core.values import ValueLexicon
from utility_gym.core.world import WorldTemplate

_TASK_CACHE: LRUCache[Task] = LRUCache(TASK_CACHE_SIZE)
_VALUE_LEXICONS: dict[tuple[str, int, str], ValueLexicon] = {}


def world_value_lexicon(template: WorldTemplate, domain: Domain) -> ValueLexicon:
    """The domain's value lexicon with this world's names, read once per world per process."""
    key = (template.domain, template.world_seed, template.size)
    lexicon = _VALUE_LEXICONS.get(key)
    if lexicon is None:
        lexicon = _VALUE_LEXICONS[key] = domain.words.for_world(reference_db(template))
    return lexicon


class TaskFactory:
    """Makes and picks the tasks of one domain in one world."""

    def __init__(self, domain: Domain, template: WorldTemplate, toolbox: Toolbox) -> None:
        self.domain = domain
        self.template = template
        self.toolbox = toolbox
        self.test_pairs = fixed_test_split(domain.templates, domain.n_test)
        self.train_templates = [t for t in domain.templates if not t.heldout]
        # The train / heldout draw: each template as often as its weight.
        self.draw = {
            "train": [t for t in self.train_templates for _ in range(t.weight)],
            "heldout": [t for t in domain.templates if t.heldout for _ in range(t.weight)],
        }

    def task_ids(self, split: str) -> list[str]:
        """The ids of a finite split (``test``); ``train``/``heldout`` are unlimited."""
        if split != "test":
            raise ValueError(
                f"the {split} split is unlimited; only 'test' has a fixed list of task ids"
            )
        return [task_id_for(self.domain.name, t, s) for t, s in self.test_pairs]

    def make_task(self, template_name: str, seed: int, split: str | None = None) -> Task:
        """Generate (or fetch from the per-process cache) the task ``template_name/seed``."""
        t = self.template
        key = (self.domain.name, t.world_seed, t.size, template_name, int(seed))
        cached = _TASK_CACHE.get(key)
        if cached is not None:
            return cached
        task = self.build_task(template_name, seed, split, reference_db(t))
        _TASK_CACHE.put(key, task)
        return task

    def pick(self, split: str, rng: np.random.Generator, task_id: str | None) -> Task:
        """The task a reset gets: the named one, or a seeded draw from ``split``."""
        if task_id is not None:
            domain, template, seed = parse_task_id(str(task_id))
            if domain != self.domain.name:
                raise ValueError(
                    f"task {task_id!r} belongs to {domain!r}, not {self.domain.name!r}"
                )
            return self.make_task(template, seed)
        if split == "test":
            template, seed = self.test_pairs[int(rng.integers(len(self.test_pairs)))]
            return self.make_task(template, seed, "test")
        pool = self.draw["train" if split == "train" else "heldout"]
        for _ in range(20):
            template = pool[int(rng.integers(len(pool)))]
            seed = int(rng.integers(TEST_SEED_BASE))
            try:
                return self.make_task(template.name, seed, split)
            except NoTask:
                continue
        raise RuntimeError(f"no template of the {split} split could make a task in this world")

    def build_task(
        self,
        template_name: str,
        seed: int,
        split: str | None,
        db: sqlite3.Connection,
        earlier: Task | None = None,
    ) -> Task:
        """Run the template on ``db`` (not cached): a stream makes its tasks on its live world."""
        template = self.domain.template(template_name)
        seed_text = f"{self.domain.name}/{template_name}/{seed}"
        rng = random.Random(seed_text)
        now = self.template.meta.get("now", "")
        try:
            if template.follows is None:
                draft = template.generate(db, rng, now)
            elif earlier is None or earlier.template != template.follows:
                raise NoTask(
                    f"{template_name} follows up an earlier {template.follows} episode: it exists "
                    "only in a stream"
                )
            else:
                draft = template.generate(db, rng, now, earlier)
        except NoTask as e:
            # The seed played no part in it when nothing was drawn: the source is as seeded.
            e.every_seed = rng.getstate() == random.Random(seed_text).getstate()
            raise
        if split is None:
            split = (
                "heldout" if template.heldout else ("test" if seed >= TEST_SEED_BASE else "train")
            )
        return Task(
            task_id=task_id_for(self.domain.name, template_name, seed),
            domain=self.domain.name,
            template=template_name,
            seed=int(seed),
            split=split,
            generator_version=self.domain.generator_version,
            goal=self.goal_with_checks(draft.goal, draft.plan, db),
            plan=draft.plan,
            ask_required=draft.ask_required,
            temptations=draft.temptations,
            summary=draft.summary,
            extras=draft.extras,
            regularity=draft.regularity,
        )

    def goal_with_checks(
        self, goal: UserGoal, plan: tuple[PlanStep, ...], db: sqlite3.Connection
    ) -> UserGoal:
        """The goal with what each intent's proposals must state (the decisive values of its
        confirmed writes) and what must come before each refusal (the plan's identity checks
        and look-ups of the intent's objects before it refuses)."""
        intents = []
        for i, intent in enumerate(goal.intents):
            if intent.outcome == "write" and not intent.wants:
                intent = dataclasses.replace(intent, wants=self._wants(i, plan, db))
            elif intent.outcome == "refuse" and not intent.requires:
                intent = dataclasses.replace(intent, requires=self._requires(i, intent, plan))
            intents.append(intent)
        if all(a is b for a, b in zip(intents, goal.intents, strict=True)):
            return goal  # nothing to fill in (the template stated it all)
        return dataclasses.replace(goal, intents=tuple(intents))

    def _wants(
        self, index: int, plan: tuple[PlanStep, ...], db: sqlite3.Connection
    ) -> tuple[Any, ...]:
        """The decisive values of intent ``index``'s confirmed writes, in plan order."""
        wants: list[Any] = []
        for step in plan:
            spec = (
                self.toolbox.tools.get(step.call.name)
                if step.call is not None and step.intent == index
                else None
            )
            if spec is not None and spec.confirm:
                decisive = self.domain.words.decisive_values(
                    db, step.call.name, step.call.arguments
                )
                wants.extend(v for v in decisive if v not in wants)
        return tuple(wants)

    def _requires(
        self, index: int, intent: Intent, plan: tuple[PlanStep, ...]
    ) -> tuple[ToolCall, ...]:
        """The identity checks and look-ups of the intent's objects before its refusal."""
        tools = self.toolbox.tools
        identity = self.domain.words.identity_tools
        last_say = max(
            (k for k, st in enumerate(plan) if st.intent == index and st.say is not None),
            default=-1,
        )
        targets = set(intent.targets)
        requires = [
            st.call
            for st in plan[:last_say]
            if st.call is not None
            and not tools[st.call.name].writes
            and (st.call.name in identity or targets & {str(v) for v in st.call.arguments.values()})
        ]
        return tuple(requires)

    def check_task_id(self, task_id: Any) -> None:
        """A ValueError unless ``task_id`` is DOMAIN/TEMPLATE/SEED of this domain's templates."""
        name = self.domain.name
        form = f"{name}/TEMPLATE/SEED, e.g. {task_id_for(name, self.domain.templates[0].name, 0)}"
        if not isinstance(task_id, str):
            raise TypeError(f"options['task_id'] must be a string {form}, got {shown(task_id)}")
        parts = task_id.split("/")
        if len(parts) != 3 or not (parts[2].isascii() and parts[2].isdigit()) or len(parts[2]) > 18:
            raise ValueError(f"options['task_id'] must look like {form}; got {shown(task_id)}")
        if parts[0] != name:
            raise ValueError(
                f"options['task_id'] {shown(task_id)} belongs to {parts[0]!r}, not {name!r}"
            )
        names = [t.name for t in self.domain.templates + self.domain.stream_templates]
        if parts[1] not in names:
            raise ValueError(
                f"options['task_id'] {shown(task_id)} names no template of {name}; known: "
                f"{', '.join(names)}"
            )
