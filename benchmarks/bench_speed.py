"""Wall time of ``utility-bench run``: the full test split of every text env, heuristic agent.

    python benchmarks/bench_speed.py                       # heuristic, 4 trials, 2 workers, text
    envs
    python benchmarks/bench_speed.py --agent random --trials 1 --verify

Target (issue 6): under a minute on a 2-core machine for the text envs, 4 trials. Envs whose
heuristic agent does not exist yet are skipped with a note. The script measures; tests assert.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import utility_gym  # noqa: F401  (registers utility/*)
from utility_gym.bench.agents import AgentNotFound, agent_path
from utility_gym.bench.execution import Runner
from utility_gym.bench.runner import RunSettings, plan_agent, plan_envs, run_benchmark, select_envs
from utility_gym.bench.tables import print_run_table
from utility_gym.bench.verify import verify_run

TARGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent", default="heuristic")
    parser.add_argument("--env", nargs="+", default=["text"])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--out", type=Path, default=None, help="keep the run here (default: a temporary folder)"
    )
    parser.add_argument(
        "--verify", action="store_true", help="also time utility-bench verify on the run"
    )
    args = parser.parse_args()

    env_ids = []
    for env_id in select_envs(args.env):
        try:
            agent_path(args.agent, env_id)
            env_ids.append(env_id)
        except AgentNotFound as e:
            print(f"skipped {env_id}: {e}", file=sys.stderr)
    if not env_ids:
        print("nothing to time", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "run"
        start = time.perf_counter()
        envs = plan_envs(env_ids, "test", None, {})
        agents = [plan_agent(args.agent, envs)]
        planned = time.perf_counter()
        settings = RunSettings(
            agents=[args.agent],
            env_ids=env_ids,
            trials=args.trials,
            workers=args.workers,
            out=out,
            quiet=True,
            # the run as utility-bench would record it (verify accepts no other command)
            command=[
                "utility-bench",
                "run",
                "--agent",
                args.agent,
                "--env",
                ",".join(env_ids),
                "--split",
                "test",
                "--trials",
                str(args.trials),
                "--workers",
                str(args.workers),
                "--out",
                str(out),
            ],
        )
        (outcome,) = run_benchmark(settings, envs, agents)
        wall = time.perf_counter() - start
        print_run_table([outcome], sys.stdout)
        episodes = outcome.results["overall"]["episodes"]
        print()
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print(f"envs: {', '.join(env_ids)}")
        print(f"set-up (envs, task lists, agent): {planned - start:6.1f} s")
        print(
            f"episodes ({episodes}, {args.trials} trials, {args.workers} workers): "
            f"{outcome.results['provenance']['wall_seconds']:6.1f} s"
        )
        verdict = "PASS" if wall < TARGET_SECONDS else "MISS"
        print(
            f"wall time, all included: {wall:6.1f} s  ({episodes / wall:.0f} episodes/s)  "
            f"[{verdict}: target < {TARGET_SECONDS:.0f} s]"
        )
        if args.verify:
            start = time.perf_counter()
            with Runner(args.workers) as runner:
                report = verify_run(out, runner)
            status = "every score matches" if report.ok else f"{len(report.problems)} mismatches"
            print(f"verify ({status}): {time.perf_counter() - start:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
