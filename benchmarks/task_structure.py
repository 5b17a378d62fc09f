"""How demanding each text env's tasks are: the structure table of issue 19, per test split.

    python benchmarks/task_structure.py                          # every text env's test split
    python benchmarks/task_structure.py --env utility/CustomerService-v1 --split heldout --limit 60
    python benchmarks/task_structure.py --env utility/CustomerService-v1 --list  # tasks and tiers

For each env it reads the tasks through the env's public task API (the ids ``utility-bench``
runs, each task from ``env.unwrapped.make_task``) and prints, per task: mean tool calls of the
oracle plan, mean consequential writes (calls to tools that need a confirmation), the share of
tasks with two or more of them, the most objects written in one task, arguments per
consequential write, distinct tool sequences and write-kind sets, the shares of tasks with a
conditional goal, a computed fact, a misstated fact, several products bought (WebShop), and
the histogram of difficulty tiers (``utility_gym.core.difficulty``). It then checks the
issue's targets for that env (PASS/MISS). It measures; it never fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

import utility_gym  # noqa: F401  (registers the envs)
from utility_gym.bench.runner import task_ids_for
from utility_gym.core.difficulty import (
    TIERS,
    TaskShape,
    confirm_tools_of,
    describe,
    shape,
    tier_of,
)
from utility_gym.core.tasks import parse_task_id

ENVS = (
    "utility/CustomerService-v1",
    "utility/Ticketing-v1",
    "utility/WebShop-v1",
    "utility/TicketingQueue-v0",
)


@dataclass(frozen=True)
class Row:
    """One task's shape and what the table adds to it."""

    shape: TaskShape
    products_bought: int
    described: str = ""  # "[hard] customer_service/...: summary", for --list


@dataclass(frozen=True)
class Table:
    env_id: str
    split: str
    rows: tuple[Row, ...]

    def share(self, test: Callable[[Row], bool]) -> float:
        return sum(map(test, self.rows)) / len(self.rows) if self.rows else 0.0

    def mean(self, value: Callable[[Row], float]) -> float:
        return sum(map(value, self.rows)) / len(self.rows) if self.rows else 0.0

    def figures(self) -> dict[str, Any]:
        writes = [r.shape for r in self.rows if r.shape.writes]
        return {
            "tasks": len(self.rows),
            "tool_calls": self.mean(lambda r: r.shape.tool_calls),
            "writes": self.mean(lambda r: r.shape.writes),
            "two_writes": self.share(lambda r: r.shape.writes >= 2),
            "max_objects_written": max(
                (r.shape.objects_written for r in self.rows if r.shape.writes), default=0
            ),
            "three_objects": self.share(lambda r: r.shape.objects_touched >= 3),
            "arguments_per_write": (
                sum(s.arguments_per_write * s.writes for s in writes)
                / sum(s.writes for s in writes)
            )
            if writes
            else 0.0,
            "sequences": len({r.shape.tool_sequence for r in self.rows}),
            "write_kinds": len({r.shape.write_kinds for r in self.rows}),
            "conditional": self.share(lambda r: r.shape.conditions > 0),
            "computed": self.share(lambda r: r.shape.computed > 0),
            "misstated": self.share(lambda r: r.shape.misstated > 0),
            "two_products": self.share(lambda r: r.products_bought >= 2),
            "tiers": dict(Counter(tier_of(r.shape) for r in self.rows)),
        }


# The targets, per env: (figure, at least, label).
TARGETS: dict[str, tuple[tuple[str, float, str], ...]] = {
    "utility/CustomerService-v1": (
        ("tool_calls", 7, "mean tool calls >= 7"),
        ("writes", 1.5, "mean consequential writes >= 1.5"),
        ("two_writes", 0.35, ">= 35% with >= 2 writes"),
        ("three_objects", 0.25, ">= 25% touching >= 3 orders"),
        ("conditional", 0.5, ">= 50% conditional goals"),
        ("computed", 0.2, ">= 20% with a computed fact"),
        ("sequences", 60, ">= 60 distinct tool sequences"),
    ),
    "utility/Ticketing-v1": (
        ("tool_calls", 5, "mean tool calls >= 5"),
        ("two_writes", 0.3, ">= 30% with >= 2 writes"),
        ("arguments_per_write", 3, ">= 3 arguments per write"),
        ("conditional", 0.4, ">= 40% conditional goals"),
        ("misstated", 0.1, ">= 10% misstated facts"),
    ),
    "utility/WebShop-v1": (
        ("two_products", 0.3, ">= 30% buy >= 2 products"),
        ("computed", 0.2, ">= 20% computed comparison told"),
    ),
}


def build_table(env_id: str, split: str, limit: int | None) -> Table:
    env = gym.make(env_id, split=split)
    try:
        confirm = confirm_tools_of(env)
        rows = []
        for task_id in task_ids_for(env, split, limit):
            _, template, seed = parse_task_id(task_id)
            task = env.unwrapped.make_task(template, seed, split)
            described = f"{describe(task, confirm)}  ({task_id})"
            bought = len(task.extras.get("targets", ()) or ())
            rows.append(Row(shape(task, confirm), bought, described))
        return Table(env_id, split, tuple(rows))
    finally:
        env.close()


def format_table(table: Table) -> str:
    f = table.figures()
    pct = lambda x: f"{100 * x:.0f} %"  # noqa: E731
    tiers = ", ".join(f"{t} {f['tiers'].get(t, 0)}" for t in TIERS)
    lines = [
        f"{table.env_id} ({table.split}, {f['tasks']} tasks)",
        f"  tool calls (mean)                         {f['tool_calls']:.1f}",
        f"  consequential writes (mean)               {f['writes']:.2f}",
        f"  tasks with >= 2 consequential writes      {pct(f['two_writes'])}",
        f"  objects written (max)                     {f['max_objects_written']}",
        f"  tasks touching >= 3 objects               {pct(f['three_objects'])}",
        f"  arguments per consequential write         {f['arguments_per_write']:.1f}",
        f"  distinct tool sequences / write-kind sets {f['sequences']} / {f['write_kinds']}",
        f"  conditional goals                         {pct(f['conditional'])}",
        f"  tasks with a computed fact                {pct(f['computed'])}",
        f"  tasks with a misstated fact               {pct(f['misstated'])}",
        f"  tasks buying >= 2 products                {pct(f['two_products'])}",
        f"  tiers                                     {tiers}",
    ]
    for key, least, label in TARGETS.get(table.env_id, ()):
        lines.append(f"  target {label:<40} {'PASS' if f[key] >= least else 'MISS'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--env", action="append", help="an env id (repeatable); default: the text envs"
    )
    parser.add_argument("--split", default="test", help="test (default), train or heldout")
    parser.add_argument("--limit", type=int, help="at most this many tasks per env")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead")
    parser.add_argument("--list", action="store_true", help="also list every task with its tier")
    args = parser.parse_args(argv)
    out = {}
    for env_id in args.env or ENVS:
        table = build_table(env_id, args.split, args.limit)
        out[env_id] = table.figures()
        if not args.json:
            print(format_table(table), end="\n\n")
        if args.list and not args.json:
            print("\n".join(r.described for r in table.rows), end="\n\n")
    if args.json:
        json.dump(out, sys.stdout, indent=2)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
