"""Benchmark validity on stream tasks: the oracle solves every position of a stream and its
isolated twin, and degenerate agents fail the twins that need more than they do.

Stream tasks (follow-ups, tacit regularities, ordinary templates made on a used world) are not
in any split, so the split-based checks of ``validity`` never see them; this plays a stream and
checks each served task where a stranger would run it alone::

    report = stream_validity("utility/TicketingStream-v2", stream_seed=3, length=40)
    assert not report.oracle_failures and not report.degenerate_successes
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from utility_gym.agents import OracleAgent
from utility_gym.core.rollout import run_episode
from utility_gym.testing.validity import (
    DEGENERATE_AGENTS,
    DEGENERATE_SEED,
    ORACLE_SEED,
    needs_more_than_refusal,
    short_task,
)

# Degenerate agents whose success is no fault on some tasks: refusing where refusing is right,
# and a random agent on a task of one or two essential steps.
MAY_SUCCEED = {
    "refuse-everything": lambda task: not needs_more_than_refusal(task),
    "random": short_task,
}


@dataclass
class StreamValidity:
    """What one stream showed: failures are ``(position, task_id, reasons)``."""

    positions: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # regularity kind / follow-up -> count
    oracle_failures: list[tuple[int, str, Any]] = field(default_factory=list)
    twin_failures: list[tuple[int, str, Any]] = field(default_factory=list)
    degenerate_successes: list[tuple[str, int, str]] = field(default_factory=list)
    degenerate_checked: int = 0


def stream_validity(
    env_id: str, stream_seed: int, length: int, size: str = "small", agents: tuple[str, ...] = ()
) -> StreamValidity:
    """Play stream ``stream_seed`` of ``env_id`` with the oracle; run each position's isolated
    twin with the oracle and with each degenerate agent of ``agents`` (default: all)."""
    report = StreamValidity()
    stream = gym.make(env_id, size=size, mode="stream", stream_length=length)
    isolated = gym.make(env_id, size=size, mode="episodic")
    names = agents or tuple(DEGENERATE_AGENTS)
    try:
        for position in range(length):
            result = run_episode(
                stream, OracleAgent(stream), seed=stream_seed if position == 0 else None
            )
            report.positions += 1
            u = stream.unwrapped
            task = u.task
            kind = _kind(u)
            if kind:
                report.kinds[kind] = report.kinds.get(kind, 0) + 1
            if not result.success:
                report.oracle_failures.append((position, task.task_id, result.grade.get("reasons")))
            options = u.isolated_options()
            alone = run_episode(isolated, OracleAgent(isolated), seed=ORACLE_SEED, options=options)
            if not alone.success:
                report.twin_failures.append((position, task.task_id, alone.grade.get("reasons")))
            _degenerate(report, isolated, options, names, position)
    finally:
        stream.close()
        isolated.close()
    return report


def _kind(unwrapped: Any) -> str:
    if unwrapped.task.regularity is not None:
        return unwrapped.task.regularity.kind
    follows = unwrapped.stream_info()["follows_position"]
    return f"follow-up/{unwrapped.task.template}" if follows is not None else ""


def _degenerate(
    report: StreamValidity, env: gym.Env, options: dict[str, Any], names: tuple[str, ...], at: int
) -> None:
    task = options["task"]
    for name in names:
        may = MAY_SUCCEED.get(name)
        if may is not None and may(task):
            continue
        report.degenerate_checked += 1
        agent = DEGENERATE_AGENTS[name](env)
        if run_episode(env, agent, seed=DEGENERATE_SEED, options=options).success:
            report.degenerate_successes.append((name, at, task.task_id))
