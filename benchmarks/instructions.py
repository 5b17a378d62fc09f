"""Instructions per reset and per step, counted under valgrind: figures that machine load does not
move.

    python benchmarks/instructions.py                     # CustomerService, Ticketing,
    TicketingQueue
    python benchmarks/instructions.py --env utility/Ticketing-v1 --steps 300 --resets 100 --json
    runs/instr.json

Wall-clock medians (``speed.py``) move with the load of a shared machine: the same build ran
Gymnasium's Taxi-v4 at 32,000 to 72,000 steps/s on one day. Instruction counts do not move.
Each measured operation runs alone inside ``itertools.starmap``; callgrind counts only inside
it and writes one profile per operation (``--toggle-collect=starmap_next
--dump-after=starmap_next``), so each operation gets its own count and the figures are
medians, as in ``speed.py``:

- reset (new task): ``reset(seed=s)`` for seeds never used before in the process;
- step: tool call: the tool calls of each task's oracle plan, as ``speed.py`` times them;
- episode, new task (``--loops N``): one episode of ``speed.py``'s episode loop with new tasks
  (the reset and the scripted steps), after 200 warm-up resets;
- Taxi-v4: one random step (the reference, counted the same way).

Each median is printed in instructions and in Taxi steps. This is the figure to compare two
versions of the code by: the same build, inputs and seeds give the same counts, run after run.
It is not a verdict on the targets: the env's working set is larger than Taxi's, so it runs
fewer instructions per second (on a shared machine, under load, fewer still), and its time in
Taxi steps is higher in ``speed.py`` than its instructions are here. The targets are judged
on ``speed.py``'s wall-clock medians. Needs valgrind (Debian: ``apt-get install valgrind``); a
run of the three envs takes about five minutes on two cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

DEFAULT_ENVS = ("utility/CustomerService-v1", "utility/Ticketing-v1", "utility/TicketingQueue-v0")
LABELS = {
    "reset": "reset (new task)",
    "tool": "step: tool call",
    "loop": "episode, new task",
    "taxi": "Taxi-v4 step",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--env", action="append", help="an env id (repeatable); default: " + ", ".join(DEFAULT_ENVS)
    )
    parser.add_argument("--size", default="default", help="world size: small, default or large")
    parser.add_argument(
        "--steps", type=int, default=200, help="tool-call steps counted per env (at least 10)"
    )
    parser.add_argument(
        "--resets", type=int, default=60, help="new-task resets counted per env (at least 5)"
    )
    parser.add_argument(
        "--loops",
        type=int,
        default=0,
        help="also count this many episodes of speed.py's episode loop with new tasks (a reset "
        "and its scripted steps each; default 0: not counted)",
    )
    parser.add_argument(
        "--jobs", type=int, default=min(2, os.cpu_count() or 1), help="valgrind runs at once"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--worker", nargs=4, metavar=("KIND", "ENV", "N", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.worker:
        kind, env_id, n, out = args.worker
        return worker(kind, env_id, int(n), Path(out), args.size)

    valgrind = shutil.which("valgrind")
    if valgrind is None:
        parser.error(
            "valgrind is not installed; on Debian: apt-get install valgrind (or use speed.py for "
            "wall-clock figures)"
        )
    if args.steps < 10 or args.resets < 5:
        parser.error("--steps must be at least 10 and --resets at least 5")
    envs = args.env or list(DEFAULT_ENVS)
    jobs = [("taxi", "Taxi-v4", max(args.steps, 200))]
    kinds = ("reset", "tool", "loop") if args.loops else ("reset", "tool")
    sizes = {"reset": args.resets, "tool": args.steps, "loop": args.loops}
    jobs += [(kind, env_id, sizes[kind]) for env_id in envs for kind in kinds]
    print(
        f"instructions per operation under callgrind (medians; world size {args.size!r}); "
        f"{len(jobs)} valgrind runs, {args.jobs} at a time\n"
    )
    with (
        tempfile.TemporaryDirectory(prefix="utility-gym-instr-") as tmp,
        ThreadPoolExecutor(args.jobs) as pool,
    ):
        counts = list(pool.map(lambda job: run_job(valgrind, job, Path(tmp), args.size), jobs))
    figures = {
        f"{kind} {env_id}": summarize(c) for (kind, env_id, _), c in zip(jobs, counts, strict=True)
    }
    taxi = figures[f"taxi {jobs[0][1]}"]
    results: dict[str, Any] = {"size": args.size, "taxi": taxi, "envs": {}}
    for env_id in envs:
        print(env_id)
        results["envs"][env_id] = {}
        for kind in kinds:
            f = figures[f"{kind} {env_id}"]
            results["envs"][env_id][kind] = f | {"taxi_steps": f["median"] / taxi["median"]}
            print_row(LABELS[kind], f, taxi)
        print()
    print(
        f"reference: {jobs[0][1]} median {taxi['median']:,.0f} instructions per step "
        f"(n={taxi['n']})"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


# -- the parent: one valgrind run per (kind, env)
# ---------------------------------------------------


def run_job(valgrind: str, job: tuple[str, str, int], tmp: Path, size: str) -> list[int]:
    kind, env_id, n = job
    out = tmp / f"{kind}-{env_id.replace('/', '_')}"
    out.mkdir()
    command = [
        valgrind, "--tool=callgrind", "--toggle-collect=starmap_next", "--dump-after=starmap_next",
        f"--callgrind-out-file={out / 'cg.out'}",
        sys.executable, str(Path(__file__).resolve()), "--size", size, "--worker", kind, env_id, str(n), str(out),  # noqa: E501
    ]  # fmt: skip
    # A fixed hash seed: set and dict orders, and so the counts, are the same run after run.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(
            f"valgrind run for {kind} {env_id} failed ({proc.returncode}):\n{proc.stderr[-2000:]}"
        )
    counts = read_dumps(out)
    if len(counts) < n:
        raise SystemExit(
            f"valgrind run for {kind} {env_id} wrote {len(counts)} profiles, expected {n}"
        )
    return counts[:n]


def read_dumps(out: Path) -> list[int]:
    """The instruction total of each per-operation profile ``cg.out.1``, ``cg.out.2``, ... in
    order."""
    dumps = sorted(out.glob("cg.out.*"), key=lambda p: int(p.suffix[1:]))
    counts = []
    for path in dumps:
        with path.open() as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    counts.append(int(line.split()[1]))
                    break
    return counts


def summarize(counts: list[int]) -> dict[str, Any]:
    ordered = sorted(counts)
    return {
        "n": len(counts),
        "median": statistics.median(counts),
        "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "mean": statistics.fmean(counts),
    }


def print_row(label: str, f: dict[str, Any], taxi: dict[str, Any]) -> None:
    print(
        f"  {label:<18}median {f['median']:>11,.0f} instr   p90 {f['p90']:>11,.0f}   (n={f['n']})"
        f"   = {f['median'] / taxi['median']:5.1f} Taxi steps"
    )


# -- the worker: runs under valgrind, one starmap_next per measured operation ---------------------


def worker(kind: str, env_id: str, n: int, out: Path, size: str) -> int:
    import gymnasium as gym
    import numpy as np

    import utility_gym  # noqa: F401  (registers utility/*)

    if kind == "taxi":
        env = gym.make(env_id)
        env.reset(seed=0)
        actions = np.random.default_rng(0).integers(0, 6, size=n + 200).tolist()

        def taxi_step(action: int) -> None:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                env.reset()

        for a in actions[:200]:  # warm up, not counted
            taxi_step(a)
        for a in actions[200:]:
            measured(taxi_step, a)
        return 0

    from speed import _takes  # the sibling script: the same rule for which envs take a world size

    kwargs = {"size": size} if _takes(env_id, "size") else {}
    env = gym.make(env_id, **kwargs)
    u = env.unwrapped
    if kind == "reset":
        for seed in range(900_000, 900_020):  # warm up: caches, prepared statements
            env.reset(seed=seed)
        for seed in range(n):
            measured(lambda s: env.reset(seed=s), seed)
        return 0

    if kind == "loop":
        return _loop_worker(env, n)
    toolbox = u.toolbox
    for seed in range(9_000, 9_010):  # warm up with other tasks' plans
        env.reset(seed=seed)
        for call in u.task.tool_calls:
            if not toolbox.tools[call.name].terminal:
                env.step(json.dumps({"name": call.name, "arguments": dict(call.arguments)}))
    seed, done = 10_000, 0
    while done < n:  # the tool calls speed.py times: each task's oracle calls, from seed 10,000
        env.reset(seed=seed)
        seed += 1
        for call in u.task.tool_calls:
            if toolbox.tools[call.name].terminal or done >= n:
                continue
            result = measured(
                env.step, json.dumps({"name": call.name, "arguments": dict(call.arguments)})
            )
            done += 1
            if result[2] or result[3]:
                break
    return 0


def _loop_worker(env: Any, n: int) -> int:
    """Episodes of ``speed.py``'s episode loop with new tasks, one counted operation each: a
    reset with a seed never used before and the scripted actions (messages, web calls, bad
    actions) until the episode ends."""
    from speed import scripted_actions

    _, info = env.reset(seed=0)
    script = scripted_actions(info, env.unwrapped)
    for seed in range(900_000, 900_200):  # warm up: caches, prepared statements, the ranker
        env.reset(seed=seed)

    def episode(seed: int) -> None:
        env.reset(seed=seed)
        for action in script:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                break

    for e in range(n):
        measured(episode, 30_000 + e)
    return 0


def measured(fn: Any, arg: Any) -> Any:
    """Call ``fn(arg)`` as the one item of an ``itertools.starmap``: callgrind counts it alone."""
    return next(itertools.starmap(fn, ((arg,),)))


if __name__ == "__main__":
    sys.exit(main())
