"""``utility-bench plot DIR...``: success with 95% intervals per env, and pass^k curves (PNG).

Reads each run's ``results.json`` (no replay: verify first if the numbers matter). Left: one
group per env, one point per agent with its bootstrap 95% interval as an error bar. Right: pass^k
against k over all of each run's envs, on a log scale so that near-zero agents stay visible.
Needs the ``plot`` extra (matplotlib).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LOG_FLOOR = 0.005


class PlotError(ValueError):
    """The plot cannot be made (matplotlib missing, or a folder without results)."""


@dataclass(frozen=True)
class RunSummary:
    name: str
    overall: dict[str, Any]
    envs: dict[str, dict[str, Any]]  # env id -> metrics


def read_summaries(runs: Sequence[Path]) -> list[RunSummary]:
    out = []
    for run in runs:
        path = run / "results.json"
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
            agent = results["agent"]
            name = str(agent.get("name") if isinstance(agent, dict) else agent)
            envs = {env_id: doc["metrics"] for env_id, doc in results["envs"].items()}
            out.append(RunSummary(name, results["overall"], envs))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise PlotError(
                f"{path}: not a finished run's results ({type(e).__name__}: {e})"
            ) from None
    return out


def plot_runs(runs: Sequence[Path], out: Path) -> Path:
    """Draw the figure of ``runs`` into ``out`` (PNG); returns ``out``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError("plot needs matplotlib: pip install 'utility-gym[plot]'") from None
    summaries = read_summaries(runs)
    env_ids = sorted({env_id for s in summaries for env_id in s.envs})
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(13, 4.6), dpi=120, gridspec_kw={"width_ratios": [1.6, 1]}
    )
    _success_panel(left, summaries, env_ids)
    _pass_k_panel(right, summaries)
    handles, labels = left.get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False, fontsize=9
    )
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def _success_panel(ax: Any, summaries: list[RunSummary], env_ids: list[str]) -> None:
    width = 0.8 / max(len(summaries), 1)
    for i, s in enumerate(summaries):
        xs, ys, lows, highs = [], [], [], []
        for j, env_id in enumerate(env_ids):
            m = s.envs.get(env_id)
            if m is None:
                continue
            ci = m.get("success_ci") or [m["success"], m["success"]]
            xs.append(j - 0.4 + width * (i + 0.5))
            ys.append(100 * m["success"])
            lows.append(100 * (m["success"] - ci[0]))
            highs.append(100 * (ci[1] - m["success"]))
        ax.errorbar(
            xs,
            ys,
            yerr=[lows, highs],
            fmt=MARKERS[i % len(MARKERS)],
            color=COLORS[i % len(COLORS)],
            capsize=3,
            markersize=6,
            linestyle="none",
            label=s.name,
        )
    ax.set_xticks(range(len(env_ids)))
    ax.set_xticklabels([e.removeprefix("utility/") for e in env_ids], fontsize=9)
    ax.set_ylim(-3, 103)
    ax.set_ylabel("success % (bootstrap 95% CI)")
    ax.set_title("Success per environment")
    ax.grid(axis="y", color="0.9")


def _pass_k_panel(ax: Any, summaries: list[RunSummary]) -> None:
    for i, s in enumerate(summaries):
        points = sorted((int(k), float(v)) for k, v in s.overall.get("pass_hat_k", {}).items())
        if not points:
            continue
        ks = [k for k, _ in points]
        ax.plot(
            ks,
            [max(v, LOG_FLOOR) * 100 for _, v in points],
            marker=MARKERS[i % len(MARKERS)],
            color=COLORS[i % len(COLORS)],
            linewidth=2,
            label=s.name,
        )
        ax.set_xticks(ks)
    ax.set_yscale("log")
    ax.set_ylim(LOG_FLOOR * 100 * 0.8, 130)
    ticks = [LOG_FLOOR * 100, 1, 3, 10, 30, 100]
    ax.set_yticks(ticks)
    ax.set_yticklabels(["0"] + [f"{t:g}%" for t in ticks[1:]])
    ax.set_xlabel("k (trials that must all succeed)")
    ax.set_title("pass^k over each run's environments (log scale)")
    ax.grid(color="0.9")
