"""Speed of every registered utility/* env: reset, tool-call step, user-turn step, episode loop.

    python benchmarks/speed.py                      # every env, default world size
    python benchmarks/speed.py --env utility/CustomerService-v1 --size large --json runs/speed.json

Targets (issue 2): median reset < 1 ms and median step < 100 µs at the default world size. The
script prints PASS/MISS next to each figure, as measured and scaled to the Taxi speed at which
the targets were set, but never fails: it measures, tests assert.
Gymnasium's Taxi is timed in the same process as a reference, in a burst of 2,000 steps every
100 samples: each sample is also put in Taxi steps at the Taxi speed of its own moment, and
loops are given as a ratio of the Taxi speed around them. Load on a shared machine slows
everything alike, so it moves these figures far less than microseconds; ``instructions.py``
counts instructions, which load does not move at all.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import load_env_creator

import utility_gym  # registers utility/*
from utility_gym.core import task_factory
from utility_gym.core import world as world_module

RESET_TARGET_US = 1_000.0
STEP_TARGET_US = 100.0
# Taxi-v4's speed on this machine when the targets were set (issue 2). The machine is shared and
# its speed moves with the load (Taxi at 32,000 to 72,000 steps/s on 2026-11-28): each target is
# also judged at this speed, scaling the median by the Taxi speed measured in the same process.
REFERENCE_TAXI_STEPS_PER_S = 141_000.0
# "reset (cached task)" cycles over the last tasks made, fewer than the task cache holds (a
# second pass over all 500 seeds would find none of them: the cache keeps the newest 256).
CACHED_TASKS = 100
AGENT_MESSAGES = (
    "Hello! Thanks for reaching out. How can I help you today?",
    "Could you please tell me the email address on your account?",
    "Let me look into that for you, one moment.",
    "Could you give me the order number, please?",
    "Is there anything else I can help you with today?",
    "I'm sorry for the trouble. Can you tell me your full name and zip code?",
)
Timing = dict[str, float]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--env", action="append", help="an env id (repeatable); default: every utility/* id"
    )
    parser.add_argument("--size", default="default", help="world size: small, default or large")
    parser.add_argument(
        "--repeats", type=int, default=2000, help="timed steps per figure; resets are a quarter"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    ids = args.env or sorted(i for i in gym.registry if i.startswith("utility/"))
    n_steps = max(10, args.repeats)
    n_resets = max(5, args.repeats // 4)
    print(
        f"utility-gym {utility_gym.__version__} speed, Python {platform.python_version()}, "
        f"{platform.machine()}"
    )
    print(f"{n_steps} timed steps and {n_resets} resets per figure; world size {args.size!r}\n")

    results: dict[str, Any] = {"size": args.size, "steps": n_steps, "resets": n_resets, "envs": {}}
    taxi = time_taxi(max(20_000, 10 * n_steps))
    clock = TaxiClock.make()
    for env_id in ids:
        figures = time_env(env_id, args.size, n_steps, n_resets, clock)
        results["envs"][env_id] = figures
        print_env(env_id, figures)
    if taxi and clock:
        rates = sorted(clock.rates)
        print(
            f"reference: {taxi['id']} {taxi['steps_per_s']:,.0f} steps/s at the start (same "
            "process, random actions), "
            f"{rates[0]:,.0f} to {rates[-1]:,.0f} (median {statistics.median(rates):,.0f}) in "
            f"{len(rates)} bursts "
            "between the samples; the targets were set when it ran "
            f"{REFERENCE_TAXI_STEPS_PER_S:,.0f} steps/s here"
        )
        results["reference_taxi_steps_per_s"] = REFERENCE_TAXI_STEPS_PER_S
        results["taxi_bursts_steps_per_s"] = clock.rates
    results["taxi"] = taxi
    if not ids:
        print("no utility/* env is registered yet")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


# -- measuring ------------------------------------------------------------------------------------


class TaxiClock:
    """Taxi-v4's speed now: a burst of random steps every ``every`` samples, so that each sample
    is put in Taxi steps at the machine speed of its own moment, not of the start of the run
    (on a shared machine the load changes within seconds)."""

    def __init__(self, env: gym.Env, every: int = 100, burst: int = 2_000) -> None:
        self.env, self.every, self.burst = env, every, burst
        self.actions = np.random.default_rng(1).integers(0, 6, size=burst).tolist()
        self.env.reset(seed=1)
        self.rates: list[float] = []
        self.count = 0
        self.rate = self.measure()

    @classmethod
    def make(cls) -> TaxiClock | None:
        taxi_id = _taxi_id()
        return cls(gym.make(taxi_id)) if taxi_id else None

    def measure(self) -> float:
        self.rate = self.burst / _run_taxi(self.env, self.actions)
        self.rates.append(self.rate)
        return self.rate

    def tick(self) -> float:
        """The Taxi speed to scale the sample just taken by; measured again every ``every``
        samples."""
        rate = self.rate
        self.count += 1
        if self.count % self.every == 0:
            self.measure()
        return rate


def time_env(
    env_id: str, size: str, n_steps: int, n_resets: int, clock: TaxiClock | None = None
) -> dict[str, Any]:
    kwargs = {"size": size} if _takes(env_id, "size") else {}
    figures: dict[str, Any] = {"kwargs": kwargs, "world_build_ms": time_world_build(env_id, size)}
    env = gym.make(env_id, **kwargs)
    try:
        figures["reset_new_task"] = summarize(*time_resets(env, range(n_resets), clock))
        # The last tasks made are in the per-process task cache: resets cycling over them.
        cached = range(max(0, n_resets - CACHED_TASKS), n_resets)
        again = [cached[i % len(cached)] for i in range(n_resets)]
        hits = task_factory._TASK_CACHE.hits
        figures["reset_cached_task"] = summarize(*time_resets(env, again, clock))
        figures["reset_cached_task"]["task_cache_hits"] = task_factory._TASK_CACHE.hits - hits
        tool, final = time_tool_calls(env, n_steps, clock)
        figures["step_tool_call"] = summarize(*tool)
        figures["step_final_grading"] = summarize(*final)
        figures["step_user_turn"] = summarize(*time_user_turns(env, n_steps, clock))
        figures["episode_loop"] = time_episode_loop(env, n_steps, clock=clock)
        figures["episode_loop_recurring"] = time_episode_loop(
            env, n_steps, recurring=10, clock=clock
        )
    finally:
        env.close()
    return figures


def time_world_build(env_id: str, size: str) -> float | None:
    """Build the world from scratch once (the per-process cache is bypassed), in ms."""
    cls = load_env_creator(gym.spec(env_id).entry_point)
    domain = getattr(cls, "domain", None)
    if domain is None:
        return None
    seed = int(gym.spec(env_id).kwargs.get("world_seed", 0))
    world_module._TEMPLATES.pop((domain.name, seed, size), None)
    start = time.perf_counter()
    world_module.build_template(
        domain.name, seed, size, domain.builder, domain.tracked_tables, domain.prepare
    )
    return (time.perf_counter() - start) * 1e3


Samples = tuple[list[float], list[float]]  # µs of each sample, and the Taxi speed of its moment


class _Recorder:
    def __init__(self, clock: TaxiClock | None) -> None:
        self.clock, self.us, self.rates = clock, [], []

    def add(self, us: float) -> None:
        self.us.append(us)
        self.rates.append(self.clock.tick() if self.clock else float("nan"))

    def samples(self, n: int | None = None) -> Samples:
        return self.us[:n], self.rates[:n]


def time_resets(env: gym.Env, seeds: Sequence[int], clock: TaxiClock | None = None) -> Samples:
    out = _Recorder(clock)
    for seed in seeds:
        start = time.perf_counter_ns()
        env.reset(seed=seed)
        out.add((time.perf_counter_ns() - start) / 1e3)
    return out.samples()


def time_tool_calls(
    env: gym.Env, n: int, clock: TaxiClock | None = None
) -> tuple[Samples, Samples]:
    """Replay each task's oracle tool calls (realistic lookups and writes), then end the
    conversation: the last step is timed apart because it grades the episode."""
    calls, finals = _Recorder(clock), _Recorder(clock)
    toolbox = env.unwrapped.toolbox
    seed = 10_000
    while len(calls.us) < n:
        env.reset(seed=seed)
        seed += 1
        ended = False
        for call in env.unwrapped.task.tool_calls:
            if toolbox.tools[call.name].terminal:
                continue
            elapsed, done = _timed_step(
                env, json.dumps({"name": call.name, "arguments": dict(call.arguments)})
            )
            calls.add(elapsed)
            if done:
                ended = True
                break
        if not ended and "end_conversation" in toolbox:
            elapsed, _ = _timed_step(env, '{"name": "end_conversation", "arguments": {}}')
            finals.add(elapsed)
        if seed > 10_000 + n:
            break  # no task has a non-terminal tool call
    return calls.samples(n), finals.samples()


def time_user_turns(env: gym.Env, n: int, clock: TaxiClock | None = None) -> Samples:
    out = _Recorder(clock)
    seed = 20_000
    while len(out.us) < n:
        env.reset(seed=seed)
        seed += 1
        for message in AGENT_MESSAGES:
            elapsed, done = _timed_step(env, message)
            out.add(elapsed)
            if done:
                break
    return out.samples(n)


def time_episode_loop(
    env: gym.Env, n: int, recurring: int | None = None, clock: TaxiClock | None = None
) -> dict[str, float]:
    """Steps per second of a scripted loop (a fixed shuffled mix of messages, lookups with
    made-up arguments and bad actions), counting resets in the wall time. Each episode is a new
    task, or with ``recurring=k`` one of k tasks (generated before the clock starts)."""
    _, info = env.reset(seed=0)
    script = scripted_actions(info, env.unwrapped)
    seed_of = (lambda e: 30_000 + e) if recurring is None else (lambda e: 40_000 + e % recurring)
    for e in range(recurring or 0):
        env.reset(seed=seed_of(e))
    steps = episodes = 0
    gc.collect()
    start = time.perf_counter()
    while steps < n:
        env.reset(seed=seed_of(episodes))
        episodes += 1
        for action in script:
            _, _, terminated, truncated, _ = env.step(action)
            steps += 1
            if terminated or truncated or steps >= n:
                break
    seconds = time.perf_counter() - start
    out = {"steps": steps, "episodes": episodes, "seconds": seconds, "steps_per_s": steps / seconds}
    if clock:  # the Taxi speed around the loop: before it (the last burst) and right after
        out["taxi_steps_per_s"] = (clock.rate + clock.measure()) / 2
    return out


def scripted_actions(info: dict[str, Any], env: Any) -> list[str]:
    actions: list[str] = list(AGENT_MESSAGES)
    for schema in info["tools"]:
        fn = schema["function"]
        if env.toolbox.tools[fn["name"]].terminal:
            continue
        props = fn["parameters"].get("properties", {})
        required = fn["parameters"].get("required", [])
        arguments = {p: _dummy(props[p]) for p in required}
        actions.append(json.dumps({"name": fn["name"], "arguments": arguments}))
    actions += ['{"name": "no_such_tool", "arguments": {}}', '{"name": "x", ', "Thanks!"]
    random.Random(0).shuffle(actions)
    return actions


def time_taxi(n: int) -> dict[str, Any] | None:
    taxi_id = _taxi_id()
    if taxi_id is None:
        return None
    env = gym.make(taxi_id)
    env.reset(seed=0)
    seconds = _run_taxi(env, np.random.default_rng(0).integers(0, 6, size=n).tolist())
    env.close()
    return {"id": taxi_id, "steps": n, "seconds": seconds, "steps_per_s": n / seconds}


def _taxi_id() -> str | None:
    return next((i for i in ("Taxi-v4", "Taxi-v3") if i in gym.registry), None)


def _run_taxi(env: gym.Env, actions: list[int]) -> float:
    """Seconds that ``actions`` take on the Taxi ``env`` (reset whenever an episode ends)."""
    start = time.perf_counter()
    for a in actions:
        _, _, terminated, truncated, _ = env.step(a)
        if terminated or truncated:
            env.reset()
    return time.perf_counter() - start


# -- helpers --------------------------------------------------------------------------------------


def _timed_step(env: gym.Env, action: Any) -> tuple[float, bool]:
    start = time.perf_counter_ns()
    _, _, terminated, truncated, _ = env.step(action)
    return (time.perf_counter_ns() - start) / 1e3, terminated or truncated


def _dummy(schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return schema["enum"][0]
    return {
        "string": "W1001",
        "integer": 1,
        "number": 5.0,
        "boolean": False,
        "array": [],
        "object": {},
    }.get(schema.get("type"), "x")


def _takes(env_id: str, name: str) -> bool:
    creator = load_env_creator(gym.spec(env_id).entry_point)
    try:
        return name in inspect.signature(creator).parameters
    except (TypeError, ValueError):
        return False


def summarize(samples: list[float], rates: list[float] | None = None) -> Timing:
    """Median, p90 and mean in µs; with the Taxi speed of each sample's moment, the median in
    Taxi steps and in µs at the Taxi speed the targets were set at."""
    if not samples:
        return {"n": 0}
    out = {
        "n": len(samples),
        "median_us": statistics.median(samples),
        "p90_us": float(np.percentile(samples, 90)),
        "mean_us": statistics.fmean(samples),
    }
    if rates and not any(r != r for r in rates):  # no NaN: every sample has its Taxi speed
        taxi_steps = [us * rate / 1e6 for us, rate in zip(samples, rates, strict=True)]
        out["median_taxi_steps"] = statistics.median(taxi_steps)
        out["median_us_at_reference"] = out["median_taxi_steps"] * 1e6 / REFERENCE_TAXI_STEPS_PER_S
    return out


def print_env(env_id: str, f: dict[str, Any]) -> None:
    print(f"{env_id}  {f['kwargs']}")
    if f["world_build_ms"] is not None:
        print(f"  {'world build':<26}{f['world_build_ms']:>10.1f} ms")
    rows: list[tuple[str, str, float | None]] = [
        ("reset (new task)", "reset_new_task", RESET_TARGET_US),
        ("reset (cached task)", "reset_cached_task", RESET_TARGET_US),
        ("step: tool call", "step_tool_call", STEP_TARGET_US),
        ("step: user turn", "step_user_turn", STEP_TARGET_US),
        ("step: final (grading)", "step_final_grading", None),
    ]
    for label, key, target in rows:
        t = f[key]
        if not t.get("n"):
            print(f"  {label:<26}{'(no samples)':>10}")
            continue
        verdict = ""
        scaled = t.get("median_us_at_reference")
        if target is not None:
            verdict = (
                f"   target < {target:,.0f} µs: {'PASS' if t['median_us'] < target else 'MISS'}"
            )
            if scaled is not None:
                verdict += (
                    f", at {REFERENCE_TAXI_STEPS_PER_S / 1e3:.0f}k Taxi/s {scaled:,.1f} µs: "
                    f"{'PASS' if scaled < target else 'MISS'}"
                )
        # The median in Taxi steps, each sample scaled by the Taxi speed of its moment: a figure
        # that load on a shared machine (which slows everything alike) moves far less than µs.
        taxi_steps = (
            f"   = {t['median_taxi_steps']:5.1f} Taxi steps" if "median_taxi_steps" in t else ""
        )
        print(
            f"  {label:<26}median {t['median_us']:>8.1f} µs   p90 {t['p90_us']:>8.1f} µs   "
            f"(n={t['n']}){taxi_steps}{verdict}"
        )
    for label, key in (
        ("episode loop, new tasks", "episode_loop"),
        ("episode loop, 10 tasks", "episode_loop_recurring"),
    ):
        loop = f[key]
        ratio = (
            f"   = {loop['steps_per_s'] / loop['taxi_steps_per_s']:.3f} x Taxi"
            if "taxi_steps_per_s" in loop
            else ""
        )
        print(
            f"  {label:<26}{loop['steps_per_s']:>10,.0f} steps/s "
            f"({loop['steps']} steps, {loop['episodes']} episodes, resets included){ratio}"
        )
    print()


if __name__ == "__main__":
    sys.exit(main())
