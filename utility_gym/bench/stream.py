"""``utility-bench stream``: the same stream of tasks in one persistent world and in isolation.

Each stream runs twice: in the persistent world with one agent for the whole stream (its
``learn(outcome)`` called after every episode), and as the same task ids in the pristine world,
each with a fresh agent. The paired difference is the familiarity gain.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from utility_gym.bench.agents import agent_path, build_agent
from utility_gym.bench.metrics import bootstrap_mean_ci
from utility_gym.bench.stream_kinds import format_kinds, kind_summaries
from utility_gym.core.rollout import run_episode


@dataclass(frozen=True)
class StreamEpisode:
    stream: int
    position: int
    task_id: str
    template: str
    persistent: bool
    isolated: bool
    events: tuple[str, ...]  # world events at the start of this position
    follows: int | None = None  # a follow-up: the position of the earlier episode it refers to
    anchor: bool = False  # a later follow-up refers to this episode
    world_events: tuple[str, ...] = ()  # every world event so far (the isolated twin has them too)
    regularity: str = ""  # the kind of tacit regularity the task hits, or ""
    regularity_key: str = ""  # which instance of it (recurs within a stream)
    persistent_steps: int = 0
    isolated_steps: int = 0

    @property
    def kind(self) -> str:
        """The regularity kind, ``follow-up/<template>`` for a follow-up, or "" for neither."""
        if self.regularity:
            return self.regularity
        return f"follow-up/{self.template}" if self.follows is not None else ""

    @property
    def instance(self) -> str:
        """What recurs: the regularity's key; every follow-up of a kind counts as one instance."""
        return self.regularity_key


def _learn(agent: Any, result: Any) -> None:
    learn = getattr(agent, "learn", None)
    if callable(learn):
        learn(result)


def run_stream(
    env_id: str,
    agent: str,
    stream_seed: int,
    length: int,
    *,
    size: str = "default",
    world_seed: int = 0,
    order: list[str | None] | None = None,
    agent_options: dict[str, Any] | None = None,
) -> list[StreamEpisode]:
    """One stream, persistent then isolated. ``order`` replays given task ids in that order
    (``None`` keeps the stream's own task at that position)."""
    path = agent_path(agent, env_id)
    kwargs = {"size": size, "world_seed": world_seed}
    stream_env = gym.make(env_id, mode="stream", stream_length=length, **kwargs)
    persistent_agent = build_agent(path, stream_env, stream_seed, agent_options)
    persistent = []
    served: list[tuple[Any, dict[str, Any]]] = []
    for position in range(length):
        options = {"task_id": order[position]} if order and order[position] else None
        result = run_episode(
            stream_env,
            persistent_agent,
            seed=stream_seed if position == 0 else None,
            options=options,
            catch_errors=True,
        )
        _learn(persistent_agent, result)
        persistent.append(result)
        unwrapped = stream_env.unwrapped
        entry = unwrapped.stream.plan[position]
        regularity = unwrapped.task.regularity
        served.append(
            (
                unwrapped.isolated_options(),
                {
                    **unwrapped.stream_info(),
                    "anchor": "anchor_for" in entry,
                    "regularity": (regularity.kind, regularity.key) if regularity else ("", ""),
                },
            )
        )
    stream_env.close()
    # The isolated twins: each task exactly as the stream served it, alone in the pristine world
    # with the same world events, with a fresh agent that remembers nothing.
    isolated_env = gym.make(env_id, mode="episodic", **kwargs)
    out = []
    for position, (result, (alone, info)) in enumerate(zip(persistent, served, strict=True)):
        fresh = build_agent(path, isolated_env, stream_seed, agent_options)
        twin = run_episode(
            isolated_env,
            fresh,
            seed=stream_seed * 1_000 + position,
            options=alone,
            catch_errors=True,
        )
        out.append(
            StreamEpisode(
                stream_seed,
                position,
                result.task_id,
                result.task_id.split("/")[1],
                result.success and result.error is None,
                twin.success and twin.error is None,
                tuple(e["name"] for e in info["events"]),
                info["follows_position"],
                info["anchor"],
                tuple(info["world_events"]),
                *info["regularity"],
                result.turns,
                twin.turns,
            )
        )
    isolated_env.close()
    return out


def summarize_streams(
    episodes: list[StreamEpisode], permutation_success: list[float] | None = None
) -> dict[str, Any]:
    """Stream success, paired familiarity gain with a bootstrap CI over streams, learning slope,
    repeat-template gain, stale-knowledge errors after world events, order robustness."""
    by_stream: dict[int, list[StreamEpisode]] = {}
    for e in episodes:
        by_stream.setdefault(e.stream, []).append(e)
    gains = [float(np.mean([e.persistent - e.isolated for e in eps])) for eps in by_stream.values()]
    p = np.array([e.persistent for e in episodes], dtype=float)
    i = np.array([e.isolated for e in episodes], dtype=float)
    positions = np.array([e.position for e in episodes], dtype=float)
    slope = float(np.polyfit(positions, p, 1)[0]) if len(set(positions)) > 1 else 0.0
    # The same fit of the paired difference (persistent minus isolated): what changes with
    # practice once the mix of tasks at each position is held fixed.
    paired_slope = float(np.polyfit(positions, p - i, 1)[0]) if len(set(positions)) > 1 else 0.0
    first, repeat = [], []
    for eps in by_stream.values():
        seen: set[str] = set()
        for e in sorted(eps, key=lambda e: e.position):
            (repeat if e.template in seen else first).append(e.persistent)
            seen.add(e.template)
    after_event = False
    stale = 0
    for eps in by_stream.values():
        after_event = False
        for e in sorted(eps, key=lambda e: e.position):
            after_event = after_event or bool(e.events)
            if after_event and e.isolated and not e.persistent:
                stale += 1
    follow_ups = [e for e in episodes if e.follows is not None]
    gain_values = gains if len(gains) > 1 else [float(e.persistent - e.isolated) for e in episodes]
    low, high = bootstrap_mean_ci(gain_values)
    out = {
        "streams": len(by_stream),
        "episodes": len(episodes),
        "persistent_success": float(p.mean()),
        "isolated_success": float(i.mean()),
        "familiarity_gain": float(np.mean(gain_values)),
        "familiarity_gain_ci": [low, high],
        "learning_slope": slope,
        "paired_learning_slope": paired_slope,
        "repeat_template_gain": (float(np.mean(repeat)) - float(np.mean(first)))
        if repeat and first
        else None,
        "stale_knowledge_errors": stale,
        "world_events": sum(bool(e.events) for e in episodes),
        "follow_ups": len(follow_ups),
        "follow_up_persistent_success": float(np.mean([e.persistent for e in follow_ups]))
        if follow_ups
        else None,
        "follow_up_isolated_success": float(np.mean([e.isolated for e in follow_ups]))
        if follow_ups
        else None,
        "regularity_hits": sum(bool(e.regularity) for e in episodes),
        "kinds": kind_summaries(episodes),
    }
    if permutation_success:
        out["order_success_mean"] = float(np.mean(permutation_success))
        out["order_success_std"] = float(np.std(permutation_success))
    return out


def run_stream_benchmark(
    env_id: str,
    agent: str,
    streams: int,
    length: int,
    *,
    size: str = "default",
    world_seed: int = 0,
    permutations: int = 0,
    seed: int = 0,
    agent_options: dict[str, Any] | None = None,
) -> tuple[list[StreamEpisode], dict[str, Any], list[float]]:
    episodes: list[StreamEpisode] = []
    for s in range(streams):
        episodes += run_stream(
            env_id,
            agent,
            seed + s,
            length,
            size=size,
            world_seed=world_seed,
            agent_options=agent_options,
        )
    orders: list[float] = []
    first = [e for e in episodes if e.stream == seed]
    # Follow-ups and the episodes they refer to keep their positions; the rest are shuffled.
    free = [i for i, e in enumerate(first) if e.follows is None and not e.anchor]
    rng = random.Random(f"orders/{seed}")
    for _ in range(permutations):
        shuffled = [first[i].task_id for i in free]
        rng.shuffle(shuffled)
        order: list[str | None] = [None] * len(first)
        for i, task_id in zip(free, shuffled, strict=True):
            order[i] = task_id
        try:
            replay = run_stream(
                env_id,
                agent,
                seed,
                length,
                size=size,
                world_seed=world_seed,
                order=order,
                agent_options=agent_options,
            )
        except Exception:  # a task the shuffled world cannot make counts as a failed order
            orders.append(0.0)
            continue
        orders.append(float(np.mean([e.persistent for e in replay])))
    return episodes, summarize_streams(episodes, orders or None), orders


def write_stream_results(
    out: Path, env_id: str, agent: str, episodes: list[StreamEpisode], summary: dict[str, Any]
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "stream.json").write_text(
        json.dumps(
            {
                "env": env_id,
                "agent": agent,
                "summary": summary,
                "episodes": [asdict(e) for e in episodes],
            },
            indent=2,
        ),
        encoding="utf-8",
    )


def plot_learning_curve(path: Path, episodes: list[StreamEpisode], title: str) -> bool:
    """Success against stream position, persistent vs isolated (PNG; needs the `plot` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    length = max(e.position for e in episodes) + 1
    xs = list(range(length))
    pers = [np.mean([e.persistent for e in episodes if e.position == x]) for x in xs]
    iso = [np.mean([e.isolated for e in episodes if e.position == x]) for x in xs]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(xs, pers, marker="o", label="persistent world")
    ax.plot(xs, iso, marker="s", label="isolated")
    ax.set_xlabel("stream position")
    ax.set_ylabel("success")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def format_summary(env_id: str, agent: str, s: dict[str, Any]) -> str:
    def pct(x: float | None) -> str:
        return "–" if x is None else f"{100 * x:.1f}"

    lines = [
        f"{env_id}  agent={agent}  streams={s['streams']}  episodes={s['episodes']}",
        f"  persistent success      {pct(s['persistent_success'])} %",
        f"  isolated success        {pct(s['isolated_success'])} %",
        f"  familiarity gain        {pct(s['familiarity_gain'])} pts  95% CI "
        f"[{pct(s['familiarity_gain_ci'][0])}, {pct(s['familiarity_gain_ci'][1])}]",
        f"  learning slope          {s['learning_slope']:+.4f} success/position "
        f"(paired: {s['paired_learning_slope']:+.4f})",
        f"  repeat-template gain    {pct(s['repeat_template_gain'])} pts",
        f"  stale-knowledge errors  {s['stale_knowledge_errors']} (after {s['world_events']} "
        "episodes with world events)",
    ]
    if s.get("follow_ups"):
        lines.append(
            f"  follow-ups              {s['follow_ups']}: persistent "
            f"{pct(s['follow_up_persistent_success'])} %, "
            f"isolated {pct(s['follow_up_isolated_success'])} %"
        )
    lines += format_kinds(s.get("kinds", {}))
    if "order_success_mean" in s:
        lines.append(
            f"  order robustness        {pct(s['order_success_mean'])} % ± "
            f"{pct(s['order_success_std'])} over permutations"
        )
    return "\n".join(lines)
