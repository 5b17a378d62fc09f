"""Benchmark metrics: pass^k, bootstrap confidence intervals and the per-run summary.

Pure functions over episode rows (plain dicts), so ``run`` and ``verify`` compute every number
with the same code and a summary can be recomputed from trajectories alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from math import comb
from typing import Any

import numpy as np

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
CONFIDENCE = 0.95
# Keys of a summary that measure time: they differ between runs and are never compared.
TIMING_KEYS = frozenset({"seconds", "wall_seconds"})
# Keys that the agent reports about itself (tokens, cost): kept, but replay cannot check them.
SELF_REPORTED_KEYS = frozenset({"tokens", "cost"})


def pass_hat_k_task(n: int, c: int, k: int) -> float:
    """Probability that ``k`` trials drawn without replacement from ``n`` (``c`` successes) all
    succeed."""
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of trials ({n}), got {k}")
    if not 0 <= c <= n:
        raise ValueError(f"successes must be between 0 and {n}, got {c}")
    return comb(c, k) / comb(n, k)


def pass_hat_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """pass^k: the mean over tasks of C(c, k) / C(n, k), from ``(n trials, c successes)`` per
    task."""
    values = [pass_hat_k_task(n, c, k) for n, c in counts]
    if not values:
        raise ValueError("pass^k needs at least one task")
    return sum(values) / len(values)


def pass_hat_k_curve(counts: Sequence[tuple[int, int]], max_k: int | None = None) -> list[float]:
    """[pass^1, ..., pass^K], K = ``max_k`` or the smallest number of trials of any task."""
    if not counts:
        raise ValueError("pass^k needs at least one task")
    top = min(n for n, _ in counts) if max_k is None else max_k
    return [pass_hat_k(counts, k) for k in range(1, top + 1)]


def bootstrap_mean_ci(
    values: Sequence[float],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (one value per task), seeded."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("a confidence interval needs at least one value")
    idx = _indices(data.size, resamples, seed)
    return _percentiles(data[idx].mean(axis=1), confidence)


def bootstrap_ratio_ci(
    numerators: Sequence[float],
    denominators: Sequence[float],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float] | None:
    """Interval of sum(numerators) / sum(denominators), resampling units; None if no denominator."""
    num = np.asarray(numerators, dtype=float)
    den = np.asarray(denominators, dtype=float)
    if num.shape != den.shape:
        raise ValueError("numerators and denominators must have the same length")
    if den.sum() <= 0:
        return None
    idx = _indices(num.size, resamples, seed)
    totals = den[idx].sum(axis=1)
    ratios = np.divide(
        num[idx].sum(axis=1), totals, out=np.full(resamples, np.nan), where=totals > 0
    )
    ratios = ratios[~np.isnan(ratios)]
    return _percentiles(ratios, confidence)


def _indices(n: int, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, size=(resamples, n))


def _percentiles(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(samples, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def summarize(
    rows: Sequence[Mapping[str, Any]],
    *,
    trials: int,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    tiers: Mapping[tuple[str, str], str] | None = None,
) -> dict[str, Any]:
    """The summary of a set of episode rows (one env, or several pooled).

    ``tiers`` (``{(env_id, task_id): tier}``, see ``core.difficulty``) adds ``by_tier``: per
    tier, its tasks, episodes, success and the success's interval.

    Each row needs ``env_id``, ``task_id``, ``success``, ``partial``, ``turns``, ``tool_calls``,
    ``questions``, ``redundant_questions``, ``error``, ``seconds`` and optionally ``usage``.
    The unit of resampling for the intervals is the task (its trials are not independent).
    """
    if not rows:
        raise ValueError("nothing to summarize: no episodes")
    by_task: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_task[(row["env_id"], row["task_id"])].append(row)
    keys = sorted(by_task)
    groups = [by_task[k] for k in keys]
    counts = [(len(g), sum(bool(r["success"]) for r in g)) for g in groups]
    max_k = min(trials, min(n for n, _ in counts))
    ci = {"resamples": resamples, "seed": seed}

    success_per_task = [c / n for n, c in counts]
    partial_per_task = [sum(float(r["partial"]) for r in g) / len(g) for g in groups]
    summary: dict[str, Any] = {
        "episodes": len(rows),
        "tasks": len(groups),
        "trials": trials,
        "success": _mean(success_per_task),
        "success_ci": list(bootstrap_mean_ci(success_per_task, **_ci_args(ci))),
        "pass_hat_k": {},
        "pass_hat_k_ci": {},
        "partial": _mean(partial_per_task),
        "partial_ci": list(bootstrap_mean_ci(partial_per_task, **_ci_args(ci))),
        "turns": _mean([float(r["turns"]) for r in rows]),
        "tool_calls": _mean([float(r["tool_calls"]) for r in rows]),
    }
    for k in range(1, max_k + 1):
        per_task = [pass_hat_k_task(n, c, k) for n, c in counts]
        summary["pass_hat_k"][str(k)] = _mean(per_task)
        summary["pass_hat_k_ci"][str(k)] = list(bootstrap_mean_ci(per_task, **_ci_args(ci)))

    questions = [sum(int(r["questions"]) for r in g) for g in groups]
    redundant = [sum(int(r["redundant_questions"]) for r in g) for g in groups]
    summary["questions"] = sum(questions)
    summary["redundant_questions"] = sum(redundant)
    summary["redundant_question_rate"] = sum(redundant) / sum(questions) if sum(questions) else None
    interval = bootstrap_ratio_ci(redundant, questions, **_ci_args(ci))
    summary["redundant_question_rate_ci"] = list(interval) if interval else None

    summary["errors"] = sum(1 for r in rows if r.get("error"))
    tokens = [_usage_number(r, ("total_tokens", "tokens")) for r in rows]
    costs = [_usage_number(r, ("cost", "cost_usd")) for r in rows]
    reported_tokens = [t for t in tokens if t is not None]
    reported_costs = [c for c in costs if c is not None]
    summary["tokens"] = _mean(reported_tokens) if reported_tokens else None
    summary["cost"] = sum(reported_costs) if reported_costs else None
    summary["seconds"] = _mean([float(r.get("seconds") or 0.0) for r in rows])
    summary["bootstrap"] = ci | {"confidence": CONFIDENCE, "unit": "task"}
    if tiers:
        summary["by_tier"] = _by_tier(keys, groups, success_per_task, tiers, ci)
    return summary


def _by_tier(
    keys: Sequence[tuple[str, str]],
    groups: Sequence[Sequence[Mapping[str, Any]]],
    success_per_task: Sequence[float],
    tiers: Mapping[tuple[str, str], str],
    ci: Mapping[str, int],
) -> dict[str, dict[str, Any]]:
    """Success per difficulty tier, in the tiers' order; tasks without a tier are left out."""
    from utility_gym.core.difficulty import TIERS

    out: dict[str, dict[str, Any]] = {}
    for name in TIERS:
        picked = [i for i, k in enumerate(keys) if tiers.get(k) == name]
        if not picked:
            continue
        per_task = [success_per_task[i] for i in picked]
        out[name] = {
            "tasks": len(picked),
            "episodes": sum(len(groups[i]) for i in picked),
            "success": _mean(per_task),
            "success_ci": list(bootstrap_mean_ci(per_task, **_ci_args(ci))),
        }
    return out


def _ci_args(ci: Mapping[str, int]) -> dict[str, int]:
    return {"resamples": ci["resamples"], "seed": ci["seed"]}


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _usage_number(row: Mapping[str, Any], names: tuple[str, ...]) -> float | None:
    usage = row.get("usage")
    if not isinstance(usage, Mapping):
        return None
    for name in names:
        value = usage.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    if names[0] == "total_tokens":
        parts = [usage.get(k) for k in ("prompt_tokens", "completion_tokens")]
        if any(isinstance(p, int | float) for p in parts):
            return float(sum(p for p in parts if isinstance(p, int | float)))
    return None


def compare_summaries(
    recorded: Mapping[str, Any], recomputed: Mapping[str, Any], where: str
) -> list[str]:
    """Differences between two summaries, ignoring timing; one readable line per difference."""
    problems: list[str] = []
    for key in sorted(set(recorded) | set(recomputed)):
        if key in TIMING_KEYS:
            continue
        if key not in recorded:
            problems.append(f"{where}: '{key}' is missing from results.json")
            continue
        if key not in recomputed:
            problems.append(f"{where}: results.json has '{key}', which is not a metric")
            continue
        if not same_value(recorded[key], recomputed[key]):
            problems.append(
                f"{where}: {key} is {short_repr(recorded[key])} in results.json, replay gives "
                f"{short_repr(recomputed[key])}"
            )
    return problems


def same_value(a: Any, b: Any, tol: float = 1e-9) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) <= tol
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(a) == set(b) and all(same_value(a[k], b[k], tol) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_value(x, y, tol) for x, y in zip(a, b, strict=True))
    return a == b


def short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
