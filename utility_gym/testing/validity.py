"""Benchmark-validity checks: the oracle solves each task and nothing cheaper does.

A shared smoke-test kit any env with an oracle plan (``env.unwrapped.task.plan``) can run, a
contributor's included. Each check plays whole episodes and returns the offending cases, so a
test asserts the list is empty and shows the first few when it is not::

    from utility_gym.agents import DoNothingAgent
    from utility_gym.testing import degenerate_successes, dropped_step_survivors, oracle_failures

    ids = env.unwrapped.task_ids("test")
    assert not (failed := oracle_failures(env, ids)), failed[:5]
    assert not (passed := degenerate_successes(env, ids, DoNothingAgent())), passed[:5]
    survivors = dropped_step_survivors(env, ids)
    assert survivors.checked >= 100 and not survivors, survivors[:5]

The lists are ``Cases``: a list that also counts how many cases were tried (``checked``), so a
test can insist the check covered enough ground.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable
from typing import Any

import gymnasium as gym

from utility_gym.agents import (
    AgreeToEverythingAgent,
    BareConfirmAgent,
    DoNothingAgent,
    OracleAgent,
    RandomAgent,
    RefuseEverythingAgent,
    TransferAtOnceAgent,
)
from utility_gym.core.rollout import run_episode
from utility_gym.core.tasks import PlanStep, ToolCall

ORACLE_SEED = 7
DEGENERATE_SEED = 11
MUTATION_SEED = 3

DEGENERATE_AGENTS: dict[str, Callable[[gym.Env], Any]] = {
    "do-nothing": lambda env: DoNothingAgent(),
    "refuse-everything": lambda env: RefuseEverythingAgent(),
    "bare-confirm": lambda env: BareConfirmAgent(),
    "transfer-at-once": lambda env: TransferAtOnceAgent(),
    "agree-to-everything": lambda env: AgreeToEverythingAgent(env),
    "random": lambda env: RandomAgent(seed=1),
}
"""Cheap policies no task should reward, by name, each made from the env: parametrize a test
over the names an env supports and pass ``DEGENERATE_AGENTS[name](env)`` to
``degenerate_successes``."""


class Cases(list):
    """The offending cases of a check; ``checked`` is how many cases it tried in all."""

    def __init__(self, items: Iterable[Any] = (), checked: int = 0) -> None:
        super().__init__(items)
        self.checked = checked


def task_at(env: gym.Env, task_id: str) -> Any:
    """Reset ``env`` onto ``task_id`` and return its task."""
    env.reset(options={"task_id": task_id})
    return env.unwrapped.task


def templates_of(env: gym.Env, task_ids: Iterable[str]) -> set[str]:
    """The templates the tasks ``task_ids`` are drawn from."""
    return {task_at(env, t).template for t in task_ids}


def train_templates(env: gym.Env) -> set[str]:
    """The names of the env's templates that are not held out."""
    return {t.name for t in env.unwrapped.domain.templates if not t.heldout}


def heldout_task_ids(env: gym.Env, per_template: int) -> list[str]:
    """The first ``per_template`` task ids of every held-out template."""
    domain = env.unwrapped.domain
    return [
        f"{domain.name}/{t.name}/{s}"
        for t in domain.templates
        if t.heldout
        for s in range(per_template)
    ]


def oracle_failures(
    env: gym.Env,
    task_ids: Iterable[str],
    seed: int = ORACLE_SEED,
    accept: Callable[[Any, Any], bool] | None = None,
) -> Cases:
    """``(task_id, reward, reasons)`` of each task the oracle fails.

    ``accept(result, task)``, when given, is a further condition a success must meet
    (an exact reward, say).
    """
    failures = Cases()
    for task_id in task_ids:
        failures.checked += 1
        result = run_episode(env, OracleAgent(env), seed=seed, options={"task_id": task_id})
        if not result.success or (accept is not None and not accept(result, env.unwrapped.task)):
            failures.append((task_id, result.reward, result.grade.get("reasons")))
    return failures


def heldout_oracle_failures(env: gym.Env, per_template: int) -> Cases:
    """``oracle_failures`` over ``heldout_task_ids``, each instance played with its index as
    seed."""
    failures = Cases()
    for seed in range(per_template):
        ids = [t for t in heldout_task_ids(env, per_template) if t.endswith(f"/{seed}")]
        found = oracle_failures(env, ids, seed=seed)
        failures += found
        failures.checked += found.checked
    return failures


def needs_more_than_refusal(task: Any) -> bool:
    """Whether some intent of the task's goal is not a bare refusal (a refusal agent must fail
    it)."""
    return any(i.outcome != "refuse" or i.facts for i in task.goal.intents)


def short_task(task: Any, steps: int = 2) -> bool:
    """Whether the task's whole solution is at most ``steps`` essential plan steps (verify and
    transfer; look a ticket up and tell its status): a random agent over admissible actions may
    stumble on such a task by chance, and succeeding there proves nothing against it."""
    return sum(s.essential for s in task.plan) <= steps


def degenerate_successes(
    env: gym.Env,
    task_ids: Iterable[str],
    agent: Any,
    applies: Callable[[Any], bool] | None = None,
    seed: int = DEGENERATE_SEED,
) -> Cases:
    """The task ids ``agent`` solves among those where ``applies(task)`` (all, by default).

    ``checked`` counts the tasks ``applies`` to: where it does not, a success is no fault
    (a refusal agent on a task whose right answer is a refusal).
    """
    passed = Cases()
    for task_id in task_ids:
        result = run_episode(env, agent, seed=seed, options={"task_id": task_id})
        if applies is None or applies(env.unwrapped.task):
            passed.checked += 1
            if result.success:
                passed.append(task_id)
    return passed


def dropped_step_survivors(
    env: gym.Env, task_ids: Iterable[str], seed: int = MUTATION_SEED
) -> Cases:
    """``(task_id, index, step)`` of each essential plan step the oracle still succeeds without."""
    survived = Cases()
    for task_id in task_ids:
        for i, step in enumerate(task_at(env, task_id).plan):
            if not step.essential:
                continue
            survived.checked += 1
            if run_episode(
                env, OracleAgent(env, skip=[i]), seed=seed, options={"task_id": task_id}
            ).success:
                survived.append((task_id, i, step.say or step.call.name))
    return survived


def argument_mutations(value: Any, schema: dict[str, Any]) -> list[Any]:
    """Wrong values for a tool argument: another enum member, a flipped flag, an off-by-one
    number, a shortened or altered list, an altered string."""
    if "enum" in schema:
        return [v for v in schema["enum"] if v != value][:1]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int | float):
        return [value + 1]
    if isinstance(value, list):
        return [value[:-1] or ["IT0000000"], [str(value[0]) + "9"] + value[1:]]
    if isinstance(value, str):
        return [value + "9", value[::-1]]
    return []


def argument_schema(env: gym.Env, tool: str, arg: str) -> dict[str, Any]:
    """The JSON schema of argument ``arg`` of ``tool`` in the env's toolbox."""
    return env.unwrapped.toolbox.tools[tool].schema["function"]["parameters"]["properties"][arg]


def writes(env: gym.Env, step: PlanStep) -> bool:
    """Whether ``step`` calls a tool that writes (the default steps to mutate)."""
    return step.call is not None and env.unwrapped.toolbox.tools[step.call.name].writes


def _schema_mutations(env: gym.Env, call: ToolCall, arg: str) -> list[Any]:
    return argument_mutations(call.arguments[arg], argument_schema(env, call.name, arg))


def mutated_argument_survivors(
    env: gym.Env,
    task_ids: Iterable[str],
    *,
    steps: Callable[[gym.Env, PlanStep], bool] = writes,
    free_text: Collection[str] = (),
    mutations: Callable[[gym.Env, ToolCall, str], list[Any]] = _schema_mutations,
    seed: int = MUTATION_SEED,
) -> Cases:
    """``(task_id, tool, arg, value)`` of each changed argument the oracle still succeeds with.

    Each plan step ``steps`` selects (write calls, by default) has each argument in turn
    replaced by each of ``mutations(env, call, arg)`` (``argument_mutations`` by the tool's
    schema, by default). Arguments named in ``free_text`` (the agent's own words, graded by
    presence only) are passed over unless their schema has an enum. ``checked`` counts the
    mutated episodes.
    """
    survived = Cases()
    for task_id in task_ids:
        for i, step in enumerate(task_at(env, task_id).plan):
            if not steps(env, step):
                continue
            call = step.call
            for arg in call.arguments:
                if arg in free_text and "enum" not in argument_schema(env, call.name, arg):
                    continue
                for new in mutations(env, call, arg):
                    replaced = dataclasses.replace(
                        step, call=ToolCall(call.name, dict(call.arguments) | {arg: new})
                    )
                    survived.checked += 1
                    agent = OracleAgent(env, replace={i: replaced})
                    if run_episode(env, agent, seed=seed, options={"task_id": task_id}).success:
                        survived.append((task_id, call.name, arg, new))
    return survived
