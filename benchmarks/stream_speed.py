"""Speed of a stream's reset: serving the next position of a long stream in its used world.

    python benchmarks/stream_speed.py                      # every stream id, 200 positions
    python benchmarks/stream_speed.py --env utility/TicketingStream-v2 --length 100 --json f.json

A stream's reset generates the next task on the world as earlier episodes left it and replays
its oracle plan twice (in the stream's world and as the isolated twin), so it costs more than an
episodic reset. Here the oracle plays every episode (untimed) so the world changes as it would
under an agent that does the work, and each ``reset()`` is timed. Target (issue 18): median
≤ 2 ms at the default world size, also judged at the reference Taxi speed (see ``speed.py``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym

import utility_gym  # noqa: F401  (registers utility/*)
from utility_gym.agents import OracleAgent

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import REFERENCE_TAXI_STEPS_PER_S, TaxiClock, summarize  # noqa: E402

STREAM_RESET_TARGET_US = 2_000.0
STREAM_IDS = (
    "utility/CustomerServiceStream-v2",
    "utility/TicketingStream-v2",
    "utility/WebShopStream-v2",
)


def time_stream(
    env_id: str, length: int, size: str, seed: int, clock: TaxiClock | None
) -> dict[str, Any]:
    env = gym.make(env_id, size=size, stream_length=length)
    agent = OracleAgent(env)
    samples: list[float] = []
    rates: list[float] = []
    by_template: dict[str, list[float]] = {}
    try:
        for position in range(length):
            start = time.perf_counter_ns()
            obs, info = env.reset(seed=seed) if position == 0 else env.reset()
            us = (time.perf_counter_ns() - start) / 1e3
            if position:  # position 0 is a new stream (a pristine world), not a next position
                samples.append(us)
                rates.append(clock.tick() if clock else float("nan"))
                by_template.setdefault(info["stream"]["template"], []).append(us)
            agent.reset()
            while True:
                obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
                if terminated or truncated:
                    break
        memo = env.unwrapped.streams.memo
        out = summarize(samples, rates)
        out["memo_hits"], out["memo_misses"] = memo.hits, memo.misses
        out["templates"] = {name: statistics.median(us) for name, us in sorted(by_template.items())}
        return out
    finally:
        env.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", action="append", help="a stream env id (repeatable)")
    parser.add_argument("--size", default="default", help="world size: small, default or large")
    parser.add_argument("--length", type=int, default=200, help="positions per stream")
    parser.add_argument("--seed", type=int, default=1, help="the stream seed")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.length < 2:
        parser.error("--length must be at least 2 (position 0 starts the stream)")
    clock = TaxiClock.make()
    results: dict[str, Any] = {"size": args.size, "length": args.length, "envs": {}}
    for env_id in args.env or STREAM_IDS:
        t = time_stream(env_id, args.length, args.size, args.seed, clock)
        results["envs"][env_id] = t
        scaled = t.get("median_us_at_reference")
        verdict = f"target ≤ {STREAM_RESET_TARGET_US / 1e3:.0f} ms: " + (
            "PASS" if t["median_us"] <= STREAM_RESET_TARGET_US else "MISS"
        )
        if scaled is not None:
            verdict += (
                f", at {REFERENCE_TAXI_STEPS_PER_S / 1e3:.0f}k Taxi/s {scaled / 1e3:.2f} ms: "
                + ("PASS" if scaled <= STREAM_RESET_TARGET_US else "MISS")
            )
        print(
            f"{env_id}  size={args.size}  {t['n']} next-position resets: median "
            f"{t['median_us'] / 1e3:.2f} ms  p90 {t['p90_us'] / 1e3:.2f} ms  mean "
            f"{t['mean_us'] / 1e3:.2f} ms   {verdict}   (memo {t['memo_hits']} hits, "
            f"{t['memo_misses']} misses)"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
