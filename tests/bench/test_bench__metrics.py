"""pass^k, bootstrap intervals and the run summary against hand-computed values."""

from __future__ import annotations

import pytest

from utility_gym.bench.metrics import (
    bootstrap_mean_ci,
    bootstrap_ratio_ci,
    compare_summaries,
    pass_hat_k,
    pass_hat_k_curve,
    pass_hat_k_task,
    summarize,
)
from utility_gym.bench.runner import count_questions


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (4, 2, 1, 0.5),  # C(2,1)/C(4,1) = 2/4
        (4, 2, 2, 1 / 6),  # C(2,2)/C(4,2) = 1/6
        (4, 2, 3, 0.0),  # fewer successes than k
        (4, 4, 4, 1.0),
        (5, 3, 2, 0.3),  # C(3,2)/C(5,2) = 3/10
        (8, 6, 4, 15 / 70),  # C(6,4)/C(8,4)
        (1, 0, 1, 0.0),
        (1, 1, 1, 1.0),
    ],
)
def test_bench__pass_hat_k_one_task(n: int, c: int, k: int, expected: float) -> None:
    assert pass_hat_k_task(n, c, k) == pytest.approx(expected)


def test_bench__pass_hat_k_is_the_mean_over_tasks() -> None:
    counts = [(4, 2), (4, 4), (4, 0)]
    assert pass_hat_k(counts, 1) == pytest.approx((0.5 + 1 + 0) / 3)
    assert pass_hat_k(counts, 2) == pytest.approx((1 / 6 + 1 + 0) / 3)
    assert pass_hat_k_curve(counts) == pytest.approx([(0.5 + 1) / 3, (1 / 6 + 1) / 3, 1 / 3, 1 / 3])


def test_bench__pass_hat_k_never_increases_with_k() -> None:
    curve = pass_hat_k_curve([(6, 5), (6, 3), (6, 6), (6, 1)])
    assert all(a >= b for a, b in zip(curve, curve[1:]))


def test_bench__pass_hat_k_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="k must be"):
        pass_hat_k_task(2, 1, 3)
    with pytest.raises(ValueError, match="successes"):
        pass_hat_k_task(2, 3, 1)
    with pytest.raises(ValueError, match="at least one task"):
        pass_hat_k([], 1)


def test_bench__bootstrap_interval_is_seeded_and_brackets_the_mean() -> None:
    values = [0, 1, 1, 0, 1, 1, 1, 0, 1, 1]
    lo, hi = bootstrap_mean_ci(values, seed=3)
    assert (lo, hi) == bootstrap_mean_ci(values, seed=3)
    assert lo <= sum(values) / len(values) <= hi
    assert 0.0 <= lo < hi <= 1.0
    assert bootstrap_mean_ci([0.5] * 7) == (0.5, 0.5)


def test_bench__bootstrap_ratio_needs_a_denominator() -> None:
    assert bootstrap_ratio_ci([0, 0], [0, 0]) is None
    lo, hi = bootstrap_ratio_ci([1, 0, 2], [2, 1, 4])
    assert lo <= 3 / 7 <= hi


def _row(
    task: str,
    success: bool,
    *,
    error: str | None = None,
    usage: dict | None = None,
    questions: int = 0,
    redundant: int = 0,
) -> dict:
    return {
        "env_id": "utility/X-v0",
        "task_id": task,
        "success": success,
        "partial": 1.0 if success else 0.25,
        "turns": 4,
        "tool_calls": 2,
        "questions": questions,
        "redundant_questions": redundant,
        "error": error,
        "usage": usage,
        "seconds": 0.01,
    }


def test_bench__summary_counts_errors_as_failures_and_pools_by_task() -> None:
    rows = [
        _row("a", True, questions=2, redundant=1),
        _row("a", False, error="RuntimeError in agent.act (turn 2): endpoint down"),
        _row("b", True, questions=2),
        _row("b", True),
    ]
    s = summarize(rows, trials=2, resamples=200)
    assert s["episodes"] == 4 and s["tasks"] == 2
    assert s["success"] == pytest.approx(0.75)
    assert s["pass_hat_k"] == pytest.approx({"1": 0.75, "2": 0.5})
    assert s["partial"] == pytest.approx((1 + 0.25 + 1 + 1) / 4)
    assert s["errors"] == 1
    assert s["redundant_question_rate"] == pytest.approx(1 / 4)
    assert s["tokens"] is None and s["cost"] is None


def test_bench__summary_reports_tokens_and_cost_only_when_agents_report_them() -> None:
    rows = [
        _row("a", True, usage={"prompt_tokens": 100, "completion_tokens": 20, "cost": 0.5}),
        _row("b", False, usage={"total_tokens": 80, "cost": 0.25}),
    ]
    s = summarize(rows, trials=1, resamples=100)
    assert s["tokens"] == pytest.approx(100.0)
    assert s["cost"] == pytest.approx(0.75)


def test_bench__summary_comparison_ignores_time_only() -> None:
    rows = [_row("a", True), _row("b", False)]
    a = summarize(rows, trials=1, resamples=100)
    b = dict(a, seconds=123.0)
    assert compare_summaries(a, b, "x") == []
    c = dict(a, success=1.0)
    assert compare_summaries(c, a, "x") == ["x: success is 1.0 in results.json, replay gives 0.5"]


def test_bench__redundant_questions_come_from_the_users_acts() -> None:
    steps = [
        {"observation": "user: hi"},
        {"user_acts": ["inform"]},
        {"user_acts": ["inform", "already_said"]},
        {"user_acts": ["affirm"]},
        {"user_acts": []},
    ]
    assert count_questions(steps) == (2, 1)


def test_metrics__success_by_tier_counts_tasks_and_episodes_of_each_tier():
    from utility_gym.bench.metrics import summarize

    def row(task: str, success: bool) -> dict:
        return {
            "env_id": "e",
            "task_id": task,
            "success": success,
            "partial": float(success),
            "turns": 2,
            "tool_calls": 1,
            "questions": 0,
            "redundant_questions": 0,
            "error": None,
            "seconds": 0.0,
        }

    outcomes = [("a", True), ("a", False), ("b", True), ("b", True), ("c", False), ("c", False)]
    rows = [row(t, ok) for t, ok in outcomes]
    tiers = {("e", "a"): "easy", ("e", "b"): "easy", ("e", "c"): "hard"}
    by_tier = summarize(rows, trials=2, tiers=tiers)["by_tier"]
    assert list(by_tier) == ["easy", "hard"]
    assert by_tier["easy"]["tasks"] == 2 and by_tier["easy"]["episodes"] == 4
    assert by_tier["easy"]["success"] == 0.75 and by_tier["hard"]["success"] == 0.0
    lo, hi = by_tier["easy"]["success_ci"]
    assert 0.5 <= lo <= 0.75 <= hi <= 1.0
    assert "by_tier" not in summarize(rows, trials=2)
