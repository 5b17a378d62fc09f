"""Plain-text tables for the terminal: the summary after a run, and ``utility-bench list``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

import gymnasium as gym


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]
) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def _metric_cells(m: dict[str, Any]) -> list[str]:
    lo, hi = m["success_ci"]
    k_max = max(int(k) for k in m["pass_hat_k"])
    pass_k = (
        _pct(m["pass_hat_k"]["1"])
        if k_max == 1
        else f"{_pct(m['pass_hat_k']['1'])} / {_pct(m['pass_hat_k'][str(k_max)])}"
    )
    tokens = "-" if m.get("tokens") is None else f"{m['tokens']:.0f}"
    cost = "-" if m.get("cost") is None else f"{m['cost']:.2f}"
    return [
        str(m["tasks"]),
        str(m["trials"]),
        f"{_pct(m['success'])} [{_pct(lo)}, {_pct(hi)}]",
        pass_k,
        _pct(m["partial"]),
        f"{m['turns']:.1f}",
        f"{m['tool_calls']:.1f}",
        _pct(m.get("redundant_question_rate")),
        tokens,
        cost,
        str(m["errors"]),
        f"{1000 * m['seconds']:.0f}",
    ]


RUN_HEADERS = [
    "agent",
    "env",
    "tasks",
    "trials",
    "success % [95% CI]",
    "pass^1 / pass^K %",
    "partial %",
    "turns",
    "tools",
    "redundant Q %",
    "tokens",
    "cost $",
    "errors",
    "ms/ep",
]
RUN_RIGHT = [False, False] + [True] * 12


def print_run_table(outcomes: Sequence[Any], out: TextIO) -> None:
    rows = []
    for outcome in outcomes:
        results = outcome.results
        for env_id, doc in results["envs"].items():
            rows.append(
                [
                    outcome.agent.label,
                    env_id.removeprefix("utility/"),
                    *_metric_cells(doc["metrics"]),
                ]
            )
        if len(results["envs"]) > 1:
            rows.append([outcome.agent.label, "(all)", *_metric_cells(results["overall"])])
    print(format_table(RUN_HEADERS, rows, RUN_RIGHT), file=out)
    tier_rows = [
        [outcome.agent.label, env_id.removeprefix("utility/"), *_tier_cells(tiers)]
        for outcome in outcomes
        for env_id, doc in outcome.results["envs"].items()
        if (tiers := doc["metrics"].get("by_tier"))
    ]
    if tier_rows:
        print("\nsuccess % by difficulty tier [95% CI] (tasks):", file=out)
        right = [False, False] + [True] * len(TIER_NAMES)
        print(format_table(["agent", "env", *TIER_NAMES], tier_rows, right), file=out)


TIER_NAMES = ("easy", "medium", "hard")


def _tier_cells(by_tier: dict[str, Any]) -> list[str]:
    cells = []
    for name in TIER_NAMES:
        t = by_tier.get(name)
        if t is None:
            cells.append("-")
            continue
        lo, hi = t["success_ci"]
        cells.append(f"{_pct(t['success'])} [{_pct(lo)}, {_pct(hi)}] ({t['tasks']})")
    return cells


def print_env_list(out: TextIO) -> None:
    import utility_gym  # noqa: F401
    from utility_gym.bench.agents import env_domain
    from utility_gym.bench.runner import registered_env_ids
    from utility_gym.core.tasks import SPLITS
    from utility_gym.testing.registry import fast_kwargs, needs_browser

    isolated = set(registered_env_ids())
    rows = []
    for env_id in sorted(i for i in gym.registry if i.startswith("utility/")):
        spec = gym.spec(env_id)
        try:
            domain = env_domain(env_id)
            env = gym.make(
                env_id, **fast_kwargs(env_id)
            )  # the test list does not depend on world size
            try:
                n_test = str(len(env.unwrapped.task_ids("test")))
            finally:
                env.close()
        except Exception as e:  # an env that cannot be built here still gets listed
            domain = domain if "domain" in locals() else "?"
            n_test = f"? ({type(e).__name__})"
        notes = []
        if needs_browser(env_id):
            notes.append("browser")
        if env_id not in isolated:
            notes.append("stream")
        rows.append(
            [
                env_id,
                domain,
                ", ".join(SPLITS),
                n_test,
                str(spec.max_episode_steps),
                " ".join(notes),
            ]
        )
    print(
        format_table(
            ["env", "domain", "splits", "test tasks", "max steps", "notes"],
            rows,
            [False, False, False, True, True, False],
        ),
        file=out,
    )
    print(
        "train and heldout are unlimited (seeded); test is the fixed leaderboard split.", file=out
    )
