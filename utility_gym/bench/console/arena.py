"""Arena votes into Bradley-Terry ratings with bootstrap intervals, beside the grader's scores.

A vote says which of two anonymous agents served a person better on the same task (``a``,
``b``, ``tie``, or ``both_bad``, a tie too). Bradley-Terry: P(i beats j) = p_i / (p_i + p_j);
the strengths are fitted by the MM algorithm (Hunter 2004) with a weak prior (one virtual win
and one virtual loss against an opponent of average strength, so an unbeaten agent has a finite
rating), and shown on the Elo scale: 1000 + 400 log10(p_i / geometric mean). The 95% intervals
are percentile bootstrap intervals over votes (1,000 resamples, NumPy generator seeded with 0).

*Agreement* is the fraction of decisive votes (a winner, and grades that differ) whose winner
the grader scored higher (success first, then partial credit), with its bootstrap interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SCALE = 400.0 / math.log(10.0)  # natural log-strength to Elo points
BASE = 1000.0
RESAMPLES = 1000
PRIOR = 1.0
WINNERS = ("a", "b", "tie", "both_bad")
MIN_VOTES_FOR_CI = 10  # below this a bootstrap interval says more about the votes than the agents


@dataclass(frozen=True)
class Rating:
    agent: str
    rating: float
    low: float
    high: float
    votes: int
    wins: float  # ties count a half
    grader_success: float | None  # mean success of the agent's graded arena sessions
    sessions: int


@dataclass(frozen=True)
class ArenaReport:
    ratings: tuple[Rating, ...]  # best first
    votes: int
    agreement: float | None
    agreement_ci: tuple[float, float] | None
    decisive: int  # votes that decide agreement

    @property
    def intervals(self) -> bool:
        """Whether there are enough votes to show intervals (``MIN_VOTES_FOR_CI``)."""
        return self.votes >= MIN_VOTES_FOR_CI


def fit(
    agents: Sequence[str], pairs: np.ndarray, scores: np.ndarray, iterations: int = 500
) -> np.ndarray:
    """Log-strengths (natural log, geometric mean 0) of ``agents`` from games ``pairs`` (k x 2
    indices) with ``scores`` (1 when the first won, 0 when the second, 0.5 a tie)."""
    k = len(agents)
    n = np.zeros((k, k))
    wins = np.zeros(k)
    np.add.at(n, (pairs[:, 0], pairs[:, 1]), 1.0)
    np.add.at(n, (pairs[:, 1], pairs[:, 0]), 1.0)
    np.add.at(wins, pairs[:, 0], scores)
    np.add.at(wins, pairs[:, 1], 1.0 - scores)
    p = np.ones(k)
    for _ in range(iterations):
        denom = (n / (p[:, None] + p[None, :])).sum(axis=1) + 2.0 * PRIOR / (p + 1.0)
        new = (wins + PRIOR) / denom
        new /= math.exp(np.log(new).mean())
        if np.max(np.abs(new - p)) < 1e-9:
            p = new
            break
        p = new
    return np.log(p)


def encode(votes: Sequence[dict[str, Any]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    agents = sorted({name for v in votes for name in v["agents"]})
    index = {name: i for i, name in enumerate(agents)}
    pairs = np.array(
        [[index[v["agents"][0]], index[v["agents"][1]]] for v in votes], dtype=int
    ).reshape(-1, 2)
    scores = np.array([{"a": 1.0, "b": 0.0}.get(v["winner"], 0.5) for v in votes])
    return agents, pairs, scores


def ratings(
    votes: Sequence[dict[str, Any]], resamples: int = RESAMPLES, seed: int = 0
) -> ArenaReport:
    """The arena's report from its votes (see the module docstring)."""
    votes = [v for v in votes if v.get("winner") in WINNERS and len(v.get("agents", ())) == 2]
    if not votes:
        return ArenaReport((), 0, None, None, 0)
    agents, pairs, scores = encode(votes)
    point = fit(agents, pairs, scores)
    rng = np.random.default_rng(seed)
    draws = np.empty((resamples, len(agents)))
    for r in range(resamples):
        pick = rng.integers(0, len(votes), len(votes))
        draws[r] = fit(agents, pairs[pick], scores[pick])
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    rows = []
    for i, name in enumerate(agents):
        mine = [(v, 0) for v in votes if v["agents"][0] == name] + [
            (v, 1) for v in votes if v["agents"][1] == name
        ]
        wins = sum({"a": 1.0 - side, "b": float(side)}.get(v["winner"], 0.5) for v, side in mine)
        graded = [
            bool(v["success"][side])
            for v, side in mine
            if v.get("success") and v["success"][side] is not None
        ]
        rows.append(
            Rating(
                name,
                BASE + SCALE * point[i],
                BASE + SCALE * low[i],
                BASE + SCALE * high[i],
                len(mine),
                wins,
                sum(graded) / len(graded) if graded else None,
                len(graded),
            )
        )
    rows.sort(key=lambda r: (-r.rating, r.agent))
    agreement, ci, decisive = vote_grade_agreement(votes, rng)
    return ArenaReport(tuple(rows), len(votes), agreement, ci, decisive)


def vote_grade_agreement(
    votes: Sequence[dict[str, Any]], rng: np.random.Generator
) -> tuple[float | None, tuple[float, float] | None, int]:
    """How often a person's winner is the agent the grader scored higher (decisive votes only)."""
    agree: list[float] = []
    for v in votes:
        if v["winner"] not in ("a", "b") or not v.get("success") or not v.get("partial"):
            continue
        key_a = (bool(v["success"][0]), float(v["partial"][0] or 0.0))
        key_b = (bool(v["success"][1]), float(v["partial"][1] or 0.0))
        if key_a == key_b:
            continue
        agree.append(float((key_a > key_b) == (v["winner"] == "a")))
    if not agree:
        return None, None, 0
    values = np.array(agree)
    means = values[rng.integers(0, len(values), (RESAMPLES, len(values)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(values.mean()), (float(low), float(high)), len(agree)


def markdown(report: ArenaReport) -> str:
    """The arena section of the board, in Markdown (kept apart from the agents' ranks)."""
    lines = ["## Arena: people's votes (not a rank of agents by the grader)", ""]
    if not report.ratings:
        return "\n".join([*lines, "No votes yet.", ""])
    lines += [
        f"{report.votes} votes. Bradley-Terry ratings (Elo scale) with 95% bootstrap intervals.",
        "",
        "| agent | rating | 95% CI | votes | wins | grader success (arena sessions) |",
        "|---|---|---|---|---|---|",
    ]
    for r in report.ratings:
        success = "—" if r.grader_success is None else f"{r.grader_success:.2f} ({r.sessions})"
        lines.append(
            f"| {md_escape(r.agent)} | {r.rating:.0f} | {_interval(report, r)} | {r.votes} "
            f"| {r.wins:g} | {success} |"
        )
    if report.agreement is not None and report.agreement_ci is not None:
        lo, hi = report.agreement_ci
        lines += [
            "",
            f"Votes agree with the grader on {report.agreement:.0%} of {report.decisive} decisive "
            "votes"
            + (f" (95% CI {lo:.0%}–{hi:.0%})." if report.decisive >= MIN_VOTES_FOR_CI else "."),
        ]
    return "\n".join([*lines, ""])


def _interval(report: ArenaReport, r: Rating) -> str:
    return (
        f"{r.low:.0f}–{r.high:.0f}" if report.intervals else f"— (under {MIN_VOTES_FOR_CI} votes)"
    )


def md_escape(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>" else c for c in " ".join(text.split()))
