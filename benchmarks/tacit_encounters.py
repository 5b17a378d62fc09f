"""Success on tacit-regularity hits by how often the agent met the same instance before.

    python benchmarks/tacit_encounters.py --env utility/CustomerServiceStream-v1 \
        --agent learner --streams 10 --length 50

Runs the persistent half of ``utility-bench stream`` (one agent per stream, ``learn(outcome)``
after every episode) and, for every position that hit a regularity (``task.regularity``),
records its kind, its key and how many earlier hits of the same key that stream had. Prints
success per kind at the first encounter of a key and at later ones, and the encounter from
which every later hit of that kind succeeded ("experience to competence"). The isolated twins
are ``utility-bench stream``'s business; this script reads only the stream.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass

import gymnasium as gym

import utility_gym  # noqa: F401
from utility_gym.bench.agents import agent_path, build_agent
from utility_gym.core.rollout import run_episode


@dataclass(frozen=True)
class Hit:
    stream: int
    position: int
    kind: str
    key: str
    encounter: int  # 0 = the first hit of this key in the stream
    success: bool
    turns: int


def run(env_id: str, agent: str, streams: int, length: int, size: str) -> list[Hit]:
    hits: list[Hit] = []
    path = agent_path(agent, env_id)
    for seed in range(streams):
        env = gym.make(env_id, mode="stream", stream_length=length, size=size)
        player = build_agent(path, env, seed, None)
        met: dict[tuple[str, str], int] = defaultdict(int)
        for position in range(length):
            result = run_episode(env, player, seed=seed if position == 0 else None)
            learn = getattr(player, "learn", None)
            if callable(learn):
                learn(result)
            reg = env.unwrapped.task.regularity
            if reg is not None:
                n = met[(reg.kind, reg.key)]
                hits.append(Hit(seed, position, reg.kind, reg.key, n, result.success, result.turns))
                met[(reg.kind, reg.key)] += 1
        env.close()
    return hits


def figures(hits: list[Hit]) -> dict[str, dict[str, float | int | None]]:
    """Per kind: hits, keys met, success at first and at later encounters, and competence (the
    earlier encounters after which every hit succeeded; None if never)."""
    out: dict[str, dict[str, float | int | None]] = {}
    for kind in sorted({h.kind for h in hits}):
        mine = [h for h in hits if h.kind == kind]
        first = [h.success for h in mine if h.encounter == 0]
        later = [h.success for h in mine if h.encounter > 0]
        out[kind] = {
            "hits": len(mine),
            "keys": len({(h.stream, h.key) for h in mine}),
            "first_success": sum(first) / len(first) if first else None,
            "later_success": sum(later) / len(later) if later else None,
            "later": len(later),
            "competent_after": _competent_after(mine),
        }
    return out


def report(hits: list[Hit]) -> list[str]:
    lines = ["kind                 hits  keys  first-encounter  later-encounters  competent from"]
    for kind in sorted({h.kind for h in hits}):
        mine = [h for h in hits if h.kind == kind]
        first = [h.success for h in mine if h.encounter == 0]
        later = [h.success for h in mine if h.encounter > 0]
        keys = len({(h.stream, h.key) for h in mine})
        lines.append(
            f"{kind:20s} {len(mine):4d}  {keys:4d}  {_pct(first):>15s}  {_pct(later):>16s}  "
            f"{_competence(mine)}"
        )
    return lines


def _pct(xs: list[bool]) -> str:
    return f"{100 * sum(xs) / len(xs):5.1f} % ({len(xs)})" if xs else "-"


def _competent_after(hits: list[Hit]) -> int | None:
    """The smallest number of earlier encounters after which every hit succeeded."""
    for n in range(max(h.encounter for h in hits) + 1):
        if all(h.success for h in hits if h.encounter >= n):
            return n
    return None


def _competence(hits: list[Hit]) -> str:
    n = _competent_after(hits)
    return "never" if n is None else f"{n} earlier encounter{'s' if n != 1 else ''}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--env", required=True)
    ap.add_argument("--agent", default="learner")
    ap.add_argument("--streams", type=int, default=10)
    ap.add_argument("--length", type=int, default=50)
    ap.add_argument("--size", default="default")
    ap.add_argument("--json", action="store_true", help="print the figures per kind as JSON")
    args = ap.parse_args()
    hits = run(args.env, args.agent, args.streams, args.length, args.size)
    if args.json:
        print(json.dumps(figures(hits), indent=1))
        return
    print(f"{args.env}  agent={args.agent}  streams={args.streams}  length={args.length}")
    print("\n".join(report(hits)))


if __name__ == "__main__":
    main()
