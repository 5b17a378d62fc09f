"""Per-kind stream metrics: what familiarity buys on each tacit regularity and follow-up kind.

A stream episode hits at most one *kind*: a tacit regularity (``Task.regularity``, e.g. a
routing rule of one site) or a follow-up of an earlier episode (``follow-up/<template>``). For
each kind this computes the paired familiarity gain (persistent minus isolated, a bootstrap CI
over the streams that hit it), the learning curve (success and steps against the number of
earlier encounters of the same instance in the stream) and the experience to competence: the
fewest earlier encounters after which the agent gets that kind right (success at least
``COMPETENT`` on every later count with data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from utility_gym.bench.metrics import bootstrap_mean_ci

COMPETENT = 0.8  # success rate from which an agent counts as competent on a kind
MAX_ENCOUNTERS = 4  # the learning curve's last point counts this many earlier encounters or more


class KindEpisode(Protocol):
    stream: int
    position: int
    persistent: bool
    isolated: bool
    persistent_steps: int
    isolated_steps: int

    @property
    def kind(self) -> str: ...

    @property
    def instance(self) -> str: ...


@dataclass(frozen=True)
class CurvePoint:
    """The learning curve at ``encounters`` earlier encounters (the last point: or more)."""

    encounters: int
    episodes: int
    persistent_success: float
    isolated_success: float
    persistent_steps: float


def encounter_counts(episodes: Sequence[KindEpisode]) -> list[int]:
    """For each episode, how many earlier episodes of its stream hit the same instance."""
    seen: dict[tuple[int, str, str], int] = {}
    out = []
    for e in episodes:
        key = (e.stream, e.kind, e.instance)
        out.append(seen.get(key, 0))
        seen[key] = seen.get(key, 0) + 1
    return out


def learning_curve(episodes: Sequence[KindEpisode], counts: Sequence[int]) -> list[CurvePoint]:
    points = []
    for n in range(MAX_ENCOUNTERS + 1):
        at = [
            e
            for e, c in zip(episodes, counts, strict=True)
            if (c >= n if n == MAX_ENCOUNTERS else c == n)
        ]
        if at:
            points.append(
                CurvePoint(
                    n,
                    len(at),
                    float(np.mean([e.persistent for e in at])),
                    float(np.mean([e.isolated for e in at])),
                    float(np.mean([e.persistent_steps for e in at])),
                )
            )
    return points


def experience_to_competence(curve: Sequence[CurvePoint]) -> int | None:
    """The fewest earlier encounters from which every point of ``curve`` reaches COMPETENT."""
    for i, point in enumerate(curve):
        if all(p.persistent_success >= COMPETENT for p in curve[i:]):
            return point.encounters
    return None


def kind_summaries(episodes: Sequence[KindEpisode]) -> dict[str, dict[str, Any]]:
    """Per kind: episodes, success persistent and isolated, the familiarity gain and its CI over
    streams, the learning curve and the experience to competence."""
    ordered = sorted(episodes, key=lambda e: (e.stream, e.position))
    counts = encounter_counts(ordered)
    kinds = sorted({e.kind for e in ordered if e.kind})
    out: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        mine = [(e, c) for e, c in zip(ordered, counts, strict=True) if e.kind == kind]
        eps = [e for e, _ in mine]
        by_stream: dict[int, list[float]] = {}
        for e in eps:
            by_stream.setdefault(e.stream, []).append(float(e.persistent) - float(e.isolated))
        gains = [float(np.mean(v)) for v in by_stream.values()]
        low, high = bootstrap_mean_ci(gains) if len(gains) > 1 else (gains[0], gains[0])
        curve = learning_curve(eps, [c for _, c in mine])
        out[kind] = {
            "episodes": len(eps),
            "instances": len({(e.stream, e.instance) for e in eps}),
            "persistent_success": float(np.mean([e.persistent for e in eps])),
            "isolated_success": float(np.mean([e.isolated for e in eps])),
            "familiarity_gain": float(np.mean(gains)),
            "familiarity_gain_ci": [low, high],
            "learning_curve": [p.__dict__ for p in curve],
            "experience_to_competence": experience_to_competence(curve),
        }
    return out


def format_kinds(kinds: dict[str, dict[str, Any]]) -> list[str]:
    """The per-kind lines of ``utility-bench stream``'s summary."""
    if not kinds:
        return []
    lines = [
        "  per kind (n, persistent / isolated, gain [95% CI], success by earlier encounters,"
        " experience to competence):"
    ]
    for kind, k in kinds.items():
        low, high = k["familiarity_gain_ci"]
        curve = " ".join(
            f"{p['encounters']}{'+' if p['encounters'] == MAX_ENCOUNTERS else ''}:"
            f"{100 * p['persistent_success']:.0f}%"
            for p in k["learning_curve"]
        )
        e2c = k["experience_to_competence"]
        lines.append(
            f"    {kind:<34} n={k['episodes']:<4} {100 * k['persistent_success']:5.1f} / "
            f"{100 * k['isolated_success']:5.1f} %  {100 * k['familiarity_gain']:+6.1f} pts "
            f"[{100 * low:+.1f}, {100 * high:+.1f}]  {curve}  "
            f"competent after {'never' if e2c is None else e2c}"
        )
    return lines


def plot_kind_curves(path: Path, kinds: dict[str, dict[str, Any]], title: str) -> bool:
    """Success against earlier encounters of the same instance, one line per regularity kind
    (PNG; needs the `plot` extra; False without it or without a regularity kind)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    regularities = {kind: k for kind, k in kinds.items() if not kind.startswith("follow-up/")}
    if not regularities:
        return False
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for kind, k in regularities.items():
        xs = [p["encounters"] for p in k["learning_curve"]]
        ax.plot(xs, [p["persistent_success"] for p in k["learning_curve"]], marker="o", label=kind)
    ax.set_xticks(range(MAX_ENCOUNTERS + 1))
    ax.set_xticklabels([str(n) for n in range(MAX_ENCOUNTERS)] + [f"{MAX_ENCOUNTERS}+"])
    ax.set_xlabel("earlier encounters of the same instance in the stream")
    ax.set_ylabel("success (persistent)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
