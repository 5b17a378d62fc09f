"""A long run of each text env with its heuristic agent: memory and the slowest steps.

    python benchmarks/long_run.py                           # 1,000,000 steps of each text env
    python benchmarks/long_run.py --steps 100000 --env utility/WebShop-v1 --json runs/long.json

Each env runs ``--steps`` steps of the domain's heuristic agent on new train tasks (a new
episode seed at every reset), as an RL run does. It prints the process's resident memory (RSS)
at the start, every 100,000 steps and at the end, and the CPU time of the worst step and of the
99.9th-percentile step. CPU time (``time.thread_time``), not wall-clock: on a shared machine a
step descheduled for 30 ms of someone else's work has not been slow itself; a collector pause
or a cache that grows without bound costs CPU, and shows. The agent's ``act`` is timed apart
from ``env.step`` (the step figures are the env's). Acceptance (issue 14): RSS grows by at most
30 MB between 100k and the end, and no step takes longer than 50 ms of CPU.
Each env runs in its own process, so one env's caches do not show in another's memory.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

TEXT_ENVS = (
    "utility/CustomerService-v1",
    "utility/Ticketing-v1",
    "utility/TicketingQueue-v0",
    "utility/WebShop-v1",
)
REPORT_EVERY = 100_000
MAX_GROWTH_MB = 30.0
MAX_STEP_MS = 50.0
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """The resident set size of this process, in MB (from /proc, no dependency)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE / 1e6


def run_env(env_id: str, steps: int, size: str, every: int, seed: int = 0) -> dict[str, Any]:
    """Run ``steps`` steps of ``env_id`` with its heuristic agent; the figures as a dict."""
    import gymnasium as gym

    import utility_gym  # noqa: F401  (registers the envs)
    from utility_gym.bench.agents import agent_path, build_agent

    path = agent_path("heuristic", env_id)
    env = gym.make(env_id, size=size)
    rng = np.random.default_rng(seed)
    # The bookkeeping is allocated and touched up front, so its own pages do not show as growth
    # (a lazily committed array of 1M steps is 8 MB; a list of 170k Python ints about 7 MB).
    step_ns = np.empty(steps, dtype=np.int64)
    step_ns.fill(0)
    reset_ns = np.empty(steps, dtype=np.int64)
    reset_ns.fill(0)
    resets = 0
    clock = time.thread_time_ns
    rss = [(0, rss_mb())]
    print(f"{env_id}: start RSS {rss[0][1]:.1f} MB", flush=True)
    started = time.perf_counter()
    episodes = 0
    done = True
    obs: Any = None
    info: dict[str, Any] = {}
    agent: Any = None
    for n in range(steps):
        if done:
            t0 = clock()
            obs, info = env.reset(seed=int(rng.integers(2**31)))
            reset_ns[resets] = clock() - t0
            resets += 1
            agent = build_agent(path, env, episodes)
            episodes += 1
        action = agent.act(obs, info)
        t0 = clock()
        obs, _, terminated, truncated, info = env.step(action)
        step_ns[n] = clock() - t0
        done = terminated or truncated
        if (n + 1) % every == 0 or n + 1 == steps:
            rss.append((n + 1, rss_mb()))
            worst = step_ns[: n + 1].max() / 1e6
            p999 = float(np.percentile(step_ns[: n + 1], 99.9)) / 1e6
            print(
                f"{env_id}: {n + 1:>9,} steps  RSS {rss[-1][1]:7.1f} MB  worst step so far "
                f"{worst:6.2f} ms, p99.9 {p999:5.2f} ms "
                f"({episodes:,} episodes, {time.perf_counter() - started:,.0f} s)",
                flush=True,
            )
    env.close()
    reset_ns = reset_ns[:resets]
    at_100k = next((mb for k, mb in rss if k >= min(REPORT_EVERY, steps)), rss[-1][1])
    figures = {
        "env": env_id,
        "size": size,
        "steps": steps,
        "episodes": episodes,
        "seconds": round(time.perf_counter() - started, 1),
        "rss_mb": [[k, round(mb, 1)] for k, mb in rss],
        "growth_after_100k_mb": round(rss[-1][1] - at_100k, 1),
        "step_cpu_ms": {
            "median": round(float(np.median(step_ns)) / 1e6, 4),
            "p99": round(float(np.percentile(step_ns, 99)) / 1e6, 3),
            "p99.9": round(float(np.percentile(step_ns, 99.9)) / 1e6, 3),
            "worst": round(float(step_ns.max()) / 1e6, 3),
        },
        "reset_cpu_ms": {
            "median": round(float(np.median(reset_ns)) / 1e6, 3),
            "p99.9": round(float(np.percentile(reset_ns, 99.9)) / 1e6, 3),
            "worst": round(float(reset_ns.max()) / 1e6, 3),
        },
    }
    figures["pass"] = (
        figures["growth_after_100k_mb"] <= MAX_GROWTH_MB
        and figures["step_cpu_ms"]["worst"] <= MAX_STEP_MS
    )
    return figures


def _child(env_id: str, steps: int, size: str, every: int, out: Any) -> None:
    out.send(run_env(env_id, steps, size, every))
    out.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--env", action="append", help=f"an env id (repeatable); default: {', '.join(TEXT_ENVS)}"
    )
    parser.add_argument(
        "--steps", type=int, default=1_000_000, help="steps per env (default 1,000,000)"
    )
    parser.add_argument("--size", default="default", help="world size (default: default)")
    parser.add_argument(
        "--every", type=int, default=REPORT_EVERY, help="print RSS every this many steps"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    results = []
    ctx = mp.get_context("spawn")  # a fresh interpreter per env: its memory is its own
    for env_id in args.env or TEXT_ENVS:
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(env_id, args.steps, args.size, args.every, send))
        proc.start()
        send.close()
        figures = receive.recv()
        proc.join()
        results.append(figures)
        s = figures["step_cpu_ms"]
        print(
            f"{env_id}: RSS {figures['rss_mb'][0][1]:.1f} -> {figures['rss_mb'][-1][1]:.1f} MB "
            f"(+{figures['growth_after_100k_mb']:.1f} MB after 100k); step CPU median "
            f"{s['median']:.3f} ms, "
            f"p99.9 {s['p99.9']:.2f} ms, worst {s['worst']:.2f} ms; "
            f"{'PASS' if figures['pass'] else 'MISS'} (<= {MAX_GROWTH_MB:.0f} MB, <= "
            f"{MAX_STEP_MS:.0f} ms)",
            flush=True,
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"python": sys.version.split()[0], "results": results}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
