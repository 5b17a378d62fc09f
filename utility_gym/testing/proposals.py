"""Checks that a confirmation means what the policy says: proposals that state nothing, or one
wrong detail, and refusals that skip what the policy requires first.

- `bare_proposal_survivors`: the oracle with every proposal replaced by a bare "Shall I go
  ahead?" must fail every task that needs a confirmed write.
- `wrong_detail_cases`: each oracle proposal with one decisive value changed (another item,
  option, reason, refund destination, address, application, order): the user must say no and
  name the right value, and the oracle that then proposes again, correctly, must still succeed.
- `unearned_refusal_survivors`: the oracle with its refusal replaced by a bare one, or sent
  before the identity check and look-ups the policy requires, must fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import gymnasium as gym

from utility_gym.agents.oracle import OracleAgent
from utility_gym.core.rollout import run_episode
from utility_gym.core.tasks import PlanStep, Task
from utility_gym.core.values import Value
from utility_gym.testing.oracle_speech import meaning
from utility_gym.testing.validity import MUTATION_SEED, Cases, task_at

BARE_PROPOSAL = "Shall I go ahead? Please reply yes to confirm."
BARE_REFUSAL = "I'm sorry, I'm not able to help with that."


@dataclasses.dataclass(frozen=True)
class WrongDetail:
    """One proposal with one value changed, and what came of it."""

    task_id: str
    kind: str
    right: str
    wrong: str
    denied: bool  # the user said no
    # ... and named the right value (for an id it was never told: what it is, or "not the right
    # one")
    named: bool
    recovered: bool  # the oracle proposing again, correctly, still solved the task
    reply: str


def proposal_indices(env: gym.Env, task: Task) -> list[int]:
    """Plan indices of the oracle's messages that propose a confirmed write."""
    return [
        i
        for i, s in enumerate(task.plan)
        if s.say is not None and meaning(task, i, env).kind == "propose"
    ]


def bare_proposal_survivors(
    env: gym.Env, task_ids: Iterable[str], seed: int = MUTATION_SEED
) -> Cases:
    """Task ids the oracle still solves with every proposal replaced by a bare go-ahead question."""
    survived = Cases()
    for task_id in task_ids:
        task = task_at(env, task_id)
        indices = proposal_indices(env, task)
        if not indices:
            continue
        survived.checked += 1
        bare = {i: dataclasses.replace(task.plan[i], say=BARE_PROPOSAL) for i in indices}
        if run_episode(
            env, OracleAgent(env, replace=bare), seed=seed, options={"task_id": task_id}
        ).success:
            survived.append(task_id)
    return survived


def unearned_refusal_survivors(
    env: gym.Env, task_ids: Iterable[str], seed: int = MUTATION_SEED
) -> Cases:
    """``(task_id, how)`` of refusal tasks the oracle still solves with a bare refusal, or with
    its refusal said before the checks the policy requires (their look-ups dropped)."""
    survived = Cases()
    for task_id in task_ids:
        task = task_at(env, task_id)
        for k, intent in enumerate(task.goal.intents):
            if intent.outcome != "refuse":
                continue
            last = max(i for i, s in enumerate(task.plan) if s.intent == k and s.say is not None)
            variants = {
                "bare refusal": OracleAgent(
                    env, replace={last: dataclasses.replace(task.plan[last], say=BARE_REFUSAL)}
                )
            }
            required = [
                i
                for i, s in enumerate(task.plan[:last])
                if s.call is not None and s.call in intent.requires
            ]
            if required:
                variants["refusal before the required checks"] = OracleAgent(env, skip=required)
            for how, agent in variants.items():
                survived.checked += 1
                if run_episode(env, agent, seed=seed, options={"task_id": task_id}).success:
                    survived.append((task_id, how))
    return survived


def wrong_detail_cases(
    env: gym.Env, task_ids: Iterable[str], seed: int = MUTATION_SEED
) -> list[WrongDetail]:
    """Every oracle proposal of the tasks, with each decisive value in turn made wrong."""
    out: list[WrongDetail] = []
    for task_id in task_ids:
        task = task_at(env, task_id)
        for index in proposal_indices(env, task):
            for value, surface, wrong in _wrong_values(env, task, index):
                out.append(_play_wrong(env, task, index, value, surface, wrong, seed))
    return out


def _wrong_values(env: gym.Env, task: Task, index: int) -> list[tuple[Value, str, str]]:
    """(value, its words in the proposal, wrong words for it) for each value the proposal states."""
    text = str(task.plan[index].say)
    lexicon = env.unwrapped.values
    wants = task.goal.intents[task.plan[index].intent].wants
    out = []
    for value in wants:
        if not value.required:
            continue
        surface = next(
            (s for s in (value.value, *value.aliases, value.spoken) if s and s in text), None
        )
        if surface is None:
            continue
        wrong = _another(lexicon, value, text)
        if wrong is not None:
            out.append((value, surface, wrong))
    return out


def _another(lexicon: Any, value: Value, text: str) -> str | None:
    """A plausible wrong value of the same kind that the proposal does not already mention."""
    if lexicon.id_kind(value.value) is not None:
        digits = "".join(c for c in value.value if c.isdigit())
        prefix = value.value[: len(value.value) - len(digits)]
        return prefix + str((int(digits) + 7) % 10 ** len(digits)).zfill(len(digits))
    if value.kind == "amount":
        return f"${float(value.value) + 15:.2f}"
    if value.kind == "street":
        number, _, rest = value.value.partition(" ")
        return f"{int(number) + 11 if number.isdigit() else number} {rest}"
    low = text.casefold()
    for candidate in sorted(lexicon.phrases.get(value.kind, {})):
        if (
            candidate != value.value
            and candidate.casefold() not in low
            and value.value.casefold() not in candidate.casefold()
        ):
            return candidate
    return None


def _play_wrong(
    env: gym.Env, task: Task, index: int, value: Value, surface: str, wrong: str, seed: int
) -> WrongDetail:
    """Play the oracle to ``index``, send the proposal with ``value`` (said as ``surface``) made
    ``wrong``, then the right proposal, then the rest of the plan."""
    wrong_text = str(task.plan[index].say).replace(surface, wrong)
    steps: list[PlanStep | str] = [*task.plan[:index], wrong_text, *task.plan[index:]]
    obs, info = env.reset(seed=seed, options={"task_id": task.task_id})
    reply = ""
    denied = named = False
    terminated = truncated = False
    reward = 0.0
    for k, step in enumerate(steps):
        action = step if isinstance(step, str) else step.action()
        obs, reward, terminated, truncated, info = env.step(action)
        if k == index:
            users = [e for e in info["events"] if e["role"] == "user"]
            reply = " ".join(e["content"] for e in users)
            acts = {a for e in users for a in e.get("data", {}).get("acts", ())}
            denied = "deny" in acts
            # the value, or what it is when the user was never told its id ("I mean my monitor")
            told = [
                t
                for t in (
                    value.spoken,
                    value.value,
                    value.spoken.replace(value.value, "").strip(" ,()"),
                )
                if t
            ]
            named = denied and (
                any(t.casefold() in reply.casefold() for t in told) or "not the right" in reply
            )
        if terminated or truncated:
            break
    if not (terminated or truncated):
        _, reward, *_ = env.step({"name": "end_conversation", "arguments": {}})
    return WrongDetail(
        task.task_id, value.kind, value.value, wrong, denied, named, reward == 1.0, reply
    )
