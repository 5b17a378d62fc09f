"""Steps per second of the web shop: the text env at 1,000 and 100,000 products, the browser env
with and without screenshots. Medians over repeats.

    python benchmarks/web_shop_speed.py                  # everything (the 100,000-product build
    takes a while)
    python benchmarks/web_shop_speed.py --no-xl --no-browser
    python benchmarks/web_shop_speed.py --repeats 7 --episodes 40

Each repeat plays the oracle's plans of the first ``--episodes`` test tasks as bracket actions
(search, click, select, ask ...; what an agent sends) and, for the text env, also a random walk
over ``info["valid_actions"]`` (new pages, so fewer cache hits). "step" counts only time inside
``step()``; "loop" also counts ``reset()``; "cpu" divides by this process's CPU time instead of the
wall clock (steadier on a shared machine; for the browser env, the CPU time of Python, the
Playwright driver and Chromium's processes together, measured in separate repeats). Targets (issue
4): text >= 2,000 steps/s at 1,000
products and >= 500 at 100,000; browser >= 50 steps/s without screenshots and >= 20 with.
The script measures; the tests assert behaviour.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from utility_gym.core.tasks import PlanStep

TARGETS = {"text default": 2_000.0, "text xl": 500.0, "browser": 50.0, "browser + screenshot": 20.0}


def bracket(step: PlanStep) -> str:
    if step.call is None:
        return f"ask[{step.say}]"
    a = step.call.arguments
    return {
        "search": f"search[{a.get('query')}]",
        "click": f"click[{a.get('target')}]",
        "select": f"select[{a.get('option')}]",
        "back": "back",
    }.get(step.call.name, "back")


def plans(env: Any, n: int) -> list[tuple[str, list[str]]]:
    out = []
    for task_id in env.task_ids("test")[:n]:
        env.reset(options={"task_id": task_id})  # also warms the task and expected-change caches
        out.append((task_id, [bracket(s) for s in env.task.plan]))
    return out


def process_tree() -> list[int]:
    """This process and all its descendants (Linux /proc; just this process elsewhere)."""
    children: dict[int, list[int]] = {}
    try:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
    except OSError:
        return [os.getpid()]
    out, todo = [], [os.getpid()]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds used so far by ``pids`` (user + system), from /proc.

    The browser env's work is spread over Python, Playwright's driver and Chromium's processes,
    which mostly run one after the other; their summed CPU time per step estimates the step
    time on an idle machine when other load disturbs the wall clock.
    """
    if pids == [os.getpid()] or not os.path.isdir("/proc"):
        return time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, ValueError, IndexError):
            continue
    return total


def play(
    env: Any,
    scripts: list[tuple[str, list[str]]],
    after_step: Callable[[], Any] | None = None,
    whole_tree: bool = False,
) -> dict[str, float]:
    steps = 0
    in_step = in_reset = cpu = 0.0
    for task_id, actions in scripts:
        t = time.perf_counter()
        env.reset(options={"task_id": task_id})
        in_reset += time.perf_counter() - t
        pids = process_tree() if whole_tree else [os.getpid()]
        for action in actions:
            t = time.perf_counter()
            c = cpu_seconds(pids)
            _, _, terminated, truncated, _ = env.step(action)
            if after_step is not None:
                after_step()
            in_step += time.perf_counter() - t
            cpu += cpu_seconds(pids) - c
            steps += 1
            if terminated or truncated:
                break
    return {
        "steps": steps,
        "step": steps / in_step,
        "cpu": steps / max(cpu, 1e-9),
        "loop": steps / (in_step + in_reset),
        "reset_ms": 1000 * in_reset / max(1, len(scripts)),
    }


def wander(env: Any, task_ids: list[str], seed: int, length: int = 20) -> dict[str, float]:
    rng = random.Random(seed)
    words = [
        "jacket",
        "waterproof",
        "organic coffee",
        "yoga mat",
        "speaker",
        "dog bed",
        "vegan shampoo",
        "desk lamp",
    ]
    steps = 0
    in_step = cpu = 0.0
    for task_id in task_ids:
        _, info = env.reset(options={"task_id": task_id})
        for _ in range(length):
            valid = [a for a in info["valid_actions"] if "<" not in a]
            action = (
                f"search[{rng.choice(words)}]"
                if rng.random() < 0.15 or not valid
                else rng.choice(valid)
            )
            t, c = time.perf_counter(), time.process_time()
            _, _, terminated, truncated, info = env.step(action)
            in_step += time.perf_counter() - t
            cpu += time.process_time() - c
            steps += 1
            if terminated or truncated:
                break
    return {"steps": steps, "step": steps / in_step, "cpu": steps / max(cpu, 1e-9)}


def browse(
    env: Any, seed: int, after_step: Callable[[], Any] | None = None, length: int = 60
) -> dict[str, float]:
    """Steady-state steps: one episode of searches, result pages, options and back, no purchase.

    Short oracle episodes also pay for the previous episode's browser context being torn down
    in the background; this measures a step on its own.
    """
    rng = random.Random(seed)
    _, info = env.reset(seed=seed)
    pids = process_tree()
    steps = 0
    in_step = cpu = 0.0
    words = ["rain jacket", "yoga mat", "bluetooth speaker", "coffee beans", "dog bed", "desk lamp"]
    for i in range(length):
        valid = [
            a for a in info["valid_actions"] if "<" not in a and "Buy" not in a and "Cart" not in a
        ]
        if i % 6 == 0 or not valid:
            action = f"search[{rng.choice(words)}]"
        else:
            action = rng.choice(valid)
        t, c = time.perf_counter(), cpu_seconds(pids)
        _, _, terminated, truncated, info = env.step(action)
        if after_step is not None:
            after_step()
        in_step += time.perf_counter() - t
        cpu += cpu_seconds(pids) - c
        steps += 1
        if terminated or truncated:
            _, info = env.reset(seed=seed + 1000 + i)
    return {"steps": steps, "step": steps / in_step, "cpu": steps / max(cpu, 1e-9)}


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def text_rows(
    size: str, label: str, repeats: int, episodes: int
) -> list[tuple[str, str, float, str]]:
    from utility_gym.envs.web_shop.env import WebShopEnv

    t = time.perf_counter()
    env = WebShopEnv(size=size, split="test")
    env.step_cap = 50
    built = time.perf_counter() - t
    scripts = plans(env, episodes)
    play(env, scripts)  # warm-up
    runs = [play(env, scripts) for _ in range(repeats)]
    walks = [wander(env, [s[0] for s in scripts], seed=r) for r in range(repeats)]
    env.close()
    n = env.template.meta.get("catalog_size", "?")
    name = f"text, {int(n):,} products"
    return [
        (name, "oracle plans, step (wall)", median(runs, "step"), f"{TARGETS[label]:,.0f}"),
        (name, "oracle plans, step (cpu)", median(runs, "cpu"), ""),
        (name, "oracle plans, loop with reset", median(runs, "loop"), ""),
        (name, "random walk, step (wall)", median(walks, "step"), ""),
        (name, "random walk, step (cpu)", median(walks, "cpu"), ""),
        (name, f"reset ms (build {built:.1f} s)", median(runs, "reset_ms"), ""),
    ]


def browser_rows(repeats: int, episodes: int, transport: str) -> list[tuple[str, str, float, str]]:
    from utility_gym.envs.web_shop.browser_env import WebShopBrowserEnv

    rows = []
    for screenshots in (False, True):
        env = WebShopBrowserEnv(
            size="default",
            split="test",
            render_mode="rgb_array" if screenshots else None,
            transport=transport,
        )
        env.step_cap = 50
        scripts = plans(env, episodes)
        after = env.render if screenshots else None
        play(env, scripts[:2], after)  # warm-up
        runs = [play(env, scripts, after) for _ in range(repeats)]
        cpu_runs = [play(env, scripts, after, whole_tree=True) for _ in range(repeats)]
        env.close()
        env = WebShopBrowserEnv(
            size="default",
            split="test",
            render_mode="rgb_array" if screenshots else None,
            transport=transport,
        )
        env.step_cap = 10_000
        walks = [
            browse(env, seed=r, after_step=env.render if screenshots else None)
            for r in range(repeats)
        ]
        env.close()
        what = f"browser ({transport})" + (" + screenshot" if screenshots else "")
        target = TARGETS["browser + screenshot" if screenshots else "browser"]
        rows.append((what, "oracle plans, step (wall)", median(runs, "step"), f"{target:,.0f}"))
        rows.append((what, "oracle plans, step (cpu, all procs)", median(cpu_runs, "cpu"), ""))
        rows.append(
            (what, "one long episode, step (wall)", median(walks, "step"), f"{target:,.0f}")
        )
        rows.append((what, "one long episode, step (cpu, all)", median(walks, "cpu"), ""))
        rows.append((what, "reset ms (fresh context)", median(runs, "reset_ms"), ""))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--episodes", type=int, default=30, help="test tasks per repeat (text env)")
    parser.add_argument("--browser-episodes", type=int, default=8)
    parser.add_argument("--transport", default="inprocess", choices=("inprocess", "http"))
    parser.add_argument("--no-xl", action="store_true", help="skip the 100,000-product catalog")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    rows = text_rows("default", "text default", args.repeats, args.episodes)
    if not args.no_xl:
        rows += text_rows("xl", "text xl", args.repeats, args.episodes)
    if not args.no_browser:
        from utility_gym.envs.web_shop.chromium import ChromiumNotFound

        try:
            rows += browser_rows(args.repeats, args.browser_episodes, args.transport)
        except ChromiumNotFound as e:
            print(f"browser skipped: {e}", file=sys.stderr)
    width = max(len(r[0]) for r in rows)
    print(f"{'env':<{width}}  {'measure':<32} {'median':>10}  {'target':>7}")
    for env_name, measure, value, target in rows:
        shown = f"{value:,.2f}" if "ms" in measure else f"{value:,.0f}"
        print(f"{env_name:<{width}}  {measure:<32} {shown:>10}  {target:>7}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"(medians of {args.repeats} repeats; steps/s unless the measure says ms; 'cpu' divides by "
        "CPU time: this "
        "process's for the text env, Python + driver + Chromium for the browser; load average "
        f"{load:.1f} on "
        f"{os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
