"""Step 7 of ``utility-bench verify``: every summary in results.json recomputed from the
checked episodes, metric by metric (with success per difficulty tier), nothing missing and
nothing extra; the report carries what was computed, not what was read."""

from __future__ import annotations

import json
from typing import Any

from utility_gym.bench.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    compare_summaries,
    summarize,
)
from utility_gym.bench.tiers import task_tiers
from utility_gym.bench.verify_report import Checker, RunPlan


def check_summaries(
    ck: Checker, results: dict[str, Any], plan: RunPlan, rows: list[dict[str, Any]]
) -> None:
    """Recompute every summary (with success per difficulty tier) from the checked episodes
    and compare it with results.json; the board shows what was computed here."""
    trials = results["trials"]
    all_tiers: dict[tuple[str, str], str] = {}
    for env_id, doc in results["envs"].items():
        env_rows = [r for r in rows if r["env_id"] == env_id]
        if not env_rows:
            continue
        tiers = task_tiers(env_id, json.loads(plan.make_kwargs[env_id]), doc["task_ids"])
        all_tiers |= tiers
        resamples = _resamples(doc["metrics"])
        recomputed = summarize(
            env_rows, trials=trials, resamples=resamples, seed=BOOTSTRAP_SEED, tiers=tiers
        )
        recorded = _tiered(doc["metrics"], recomputed)
        for p in compare_summaries(recorded, recomputed, f"{env_id} summary"):
            ck.problem(p)
        doc["metrics"] = recomputed  # the board shows what was computed here, not what was read
    resamples = _resamples(results["overall"])
    overall = summarize(
        rows, trials=trials, resamples=resamples, seed=BOOTSTRAP_SEED, tiers=all_tiers
    )
    recorded = _tiered(results["overall"], overall)
    for p in compare_summaries(recorded, overall, "overall summary"):
        ck.problem(p)
    results["overall"] = overall


def _tiered(recorded: dict[str, Any], recomputed: dict[str, Any]) -> dict[str, Any]:
    """A summary from before per-tier success was reported (no ``by_tier``) is compared
    without it; one that has it must match to the last figure."""
    if "by_tier" in recorded or "by_tier" not in recomputed:
        return recorded
    return recorded | {"by_tier": recomputed["by_tier"]}


def _resamples(summary: dict[str, Any]) -> int:
    """The resamples the run used; never fewer than the standard (narrower-looking intervals)."""
    return max(int(summary["bootstrap"]["resamples"]), BOOTSTRAP_RESAMPLES)
