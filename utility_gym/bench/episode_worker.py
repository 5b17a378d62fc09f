"""One episode in a worker process: the env kept per worker, the agent built for the episode,
and the trajectory record (the line of trajectories.jsonl) it returns.

Every job is a pure function of its `Episode` (its seed is in it), so which worker runs which
episode changes nothing (``execution.Runner``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import gymnasium as gym

from utility_gym.bench.agents import agent_usage, build_agent
from utility_gym.bench.run_plan import Episode

QUESTION_ACT = "inform"  # the user answered a request for information
REDUNDANT_ACT = "already_said"  # ... that it had answered before in the episode


_ENV_CACHE: dict[tuple[str, str], gym.Env] = {}


def cached_env(env_id: str, make_kwargs: str) -> gym.Env:
    """One env per (id, kwargs) per worker process: a reset restores everything an episode needs."""
    key = (env_id, make_kwargs)
    env = _ENV_CACHE.get(key)
    if env is None:
        import utility_gym  # noqa: F401  (registers utility/* in a fresh worker, e.g. on Ray)

        env = gym.make(env_id, **json.loads(make_kwargs))
        _ENV_CACHE[key] = env
    return env


def run_one(episode: Episode) -> dict[str, Any]:
    """Run one episode and return its trajectory record (the line of trajectories.jsonl)."""
    from utility_gym.core.rollout import EpisodeResult, run_episode

    env = cached_env(episode.env_id, episode.make_kwargs)
    usage = None
    start = time.perf_counter()
    try:
        agent = build_agent(
            episode.agent_path, env, episode.seed, json.loads(episode.agent_options)
        )
    except Exception as exc:
        result = EpisodeResult(episode.task_id, episode.seed, False, 0.0, 0.0, 0, 0, {})
        result.error = (
            f"{type(exc).__name__} in building the agent: {' '.join(str(exc).split())[:500]}"
        )
    else:
        result = run_episode(
            env,
            agent,
            seed=episode.seed,
            options={"task_id": episode.task_id},
            record=True,
            catch_errors=True,
        )
        try:
            usage = agent_usage(agent)
        except Exception:  # a broken usage() must not turn a finished episode into an error
            usage = None
    return trajectory_record(episode, result, usage, time.perf_counter() - start)


def run_group(episodes: Sequence[Episode]) -> list[dict[str, Any]]:
    """Run the trials of one task in one worker, so each worker generates each task at most once."""
    return [run_one(episode) for episode in episodes]


def group_by_task(episodes: Sequence[Episode]) -> list[tuple[Episode, ...]]:
    """Consecutive episodes of the same (env, task), in order: the unit of work of a worker."""
    groups: list[list[Episode]] = []
    for episode in episodes:
        if groups and (groups[-1][0].env_id, groups[-1][0].task_id) == (
            episode.env_id,
            episode.task_id,
        ):
            groups[-1].append(episode)
        else:
            groups.append([episode])
    return [tuple(g) for g in groups]


def trajectory_record(
    episode: Episode, result: Any, usage: dict[str, Any] | None, seconds: float
) -> dict[str, Any]:
    questions, redundant = count_questions(result.steps)
    return {
        "env_id": episode.env_id,
        "task_id": episode.task_id,
        "trial": episode.trial,
        "seed": episode.seed,
        "agent": episode.agent,
        "success": result.success,
        "partial": result.partial,
        "reward": result.reward,
        "turns": result.turns,
        "tool_calls": result.tool_calls,
        "questions": questions,
        "redundant_questions": redundant,
        "error": result.error,
        "usage": usage,
        "seconds": seconds,
        "grade": result.grade or None,
        "steps": result.steps,
    }


def count_questions(steps: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """(questions the user answered, of which repeats) from the user's acts, step by step."""
    questions = redundant = 0
    for step in steps:
        acts = step.get("user_acts") or ()
        if QUESTION_ACT in acts:
            questions += 1
            if REDUNDANT_ACT in acts:
                redundant += 1
    return questions, redundant
