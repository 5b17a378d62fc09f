"""Running one episode of an agent in an env: the loop every runner, test and benchmark shares."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym


@dataclass
class EpisodeResult:
    task_id: str
    seed: int | None
    success: bool
    partial: float
    reward: float
    turns: int
    tool_calls: int
    grade: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    feedback: str = ""  # the last info's feedback: the grade's reasons (and a stream's lesson)


def run_episode(
    env: gym.Env,
    agent: Any,
    *,
    seed: int | None = None,
    options: dict[str, Any] | None = None,
    record: bool = False,
    catch_errors: bool = False,
) -> EpisodeResult:
    """Reset, let ``agent`` act until the episode ends, and return the grade.

    With ``record=True`` every step (action, observation, reward, termination flags and the
    simulated user's dialogue acts) is kept, for trajectories. With ``catch_errors=True`` an
    exception (the agent's, or an endpoint's it calls) ends the episode as a failure with
    ``error`` set, keeping the steps made so far, instead of propagating.
    """
    start = time.perf_counter()
    task_id = str((options or {}).get("task_id", ""))
    total = 0.0
    turns = tool_calls = 0
    steps: list[dict[str, Any]] = []
    grade: dict[str, Any] = {}
    feedback = ""
    error: str | None = None
    stage = "env.reset"
    try:
        obs, info = env.reset(seed=seed, options=options)
        task_id = info["task_id"]
        if record:
            steps.append({"observation": obs})
        stage = "agent.reset"
        agent.reset()
        while True:
            stage = f"agent.act (turn {turns + 1})"
            action = agent.act(obs, info)
            stage = f"env.step (turn {turns + 1})"
            obs, reward, terminated, truncated, info = env.step(action)
            total += reward
            turns += 1
            if is_tool_call(action, info):
                tool_calls += 1
            if record:
                steps.append(
                    {
                        "action": action,
                        "observation": obs,
                        "reward": reward,
                        "terminated": bool(terminated),
                        "truncated": bool(truncated),
                        "user_acts": user_acts(info),
                    }
                )
            if terminated or truncated:
                break
        grade = info.get("grade", {})
        feedback = str(info.get("feedback", ""))
    except Exception as exc:
        if not catch_errors:
            raise
        message = " ".join(str(exc).split())
        error = f"{type(exc).__name__} in {stage}: {message[:500]}"
    return EpisodeResult(
        task_id=task_id,
        seed=seed,
        success=bool(grade.get("success", False)),
        partial=float(grade.get("partial", 0.0)),
        reward=total,
        turns=turns,
        tool_calls=tool_calls,
        grade=grade,
        steps=steps,
        seconds=time.perf_counter() - start,
        error=error,
        feedback=feedback,
    )


def user_acts(info: dict[str, Any]) -> list[str]:
    """The simulated user's dialogue acts in a step's ``info["events"]``, in order."""
    acts: list[str] = []
    for event in info.get("events", ()):
        if event.get("role") == "user":
            acts.extend(event.get("data", {}).get("acts", ()))
    return acts


# Event roles that answer a tool call: ``tool``, and ``page`` for the web shop's page actions.
TOOL_RESULT_ROLES = frozenset({"tool", "page"})


def is_tool_call(action: Any, info: dict[str, Any]) -> bool:
    """Whether a step's action was a tool call: the JSON form (dict or ``{...}`` string), or a
    text action the env answered with a tool result (the web shop's ``search[...]``, ...)."""
    if isinstance(action, dict) or (isinstance(action, str) and action.lstrip().startswith("{")):
        return True
    return any(event.get("role") in TOOL_RESULT_ROLES for event in info.get("events", ()))
