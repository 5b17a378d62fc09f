"""The leaderboard's HTML page, rendered from ``templates/leaderboard.html.jinja``.

``leaderboard.py`` decides what the tables hold (rows, sort values, ranks); this module turns
them into the template's context: cells (a confidence interval goes on a second, smaller line,
so the tables fit a 1280 px window), per-env tabs, a success-by-tier table where the runs report
``metrics["by_tier"]``, and pass^k charts on a log scale, so that agents near 0 % (random)
and near 100 % (oracle) stay apart from those in between. Everything is autoescaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).parent / "templates"
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
DASHES = ("none", "8 4", "3 3", "10 3 2 3")
LOG_FLOOR = 0.005  # pass^k below 0.5 % (zero included) sits on the chart's floor, labelled 0
_CI = re.compile(r"^(\S+) (\[.*\])$")


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(context: dict[str, Any]) -> str:
    return environment().get_template("leaderboard.html.jinja").render(**context)


def table(
    headers: Sequence[tuple[str, bool]],
    rows: Sequence[Sequence[tuple[str, Any]]],
    table_id: str,
    lower_is_better: frozenset[str],
) -> dict[str, Any]:
    """A table for the template: headers with their first sort direction, cells with sort values."""
    heads = [
        {
            "title": title,
            "numeric": numeric,
            "first": "ascending"
            if title in lower_is_better or title.startswith(tuple(lower_is_better))
            else "",
        }
        for title, numeric in headers
    ]
    out_rows = []
    for row in rows:
        cells = []
        for (text, value), (_, numeric) in zip(row, headers, strict=True):
            match = _CI.match(text) if numeric else None
            cells.append(
                {
                    "text": match.group(1) if match else text,
                    "ci": match.group(2) if match else "",
                    "value": "" if value is None else str(value),
                    "numeric": numeric,
                    "wrap": not numeric,
                }
            )
        out_rows.append(cells)
    return {"id": table_id, "headers": heads, "rows": out_rows}


def pass_k_chart(
    series: Sequence[tuple[str, dict[str, Any]]], caption: str, width: int = 560, height: int = 260
) -> dict[str, Any]:
    """pass^k against k, one line per agent, log-scaled from 0.5 % to 100 %."""
    left, legend, top, bottom_pad = 44, 170, 12, 36
    right, bottom = width - legend, height - bottom_pad
    max_k = max((len(m["pass_hat_k"]) for _, m in series), default=1)
    low, high = math.log10(LOG_FLOOR), 0.0

    def x(k: int) -> float:
        return round(
            left + ((right - left) / 2 if max_k == 1 else (k - 1) * (right - left) / (max_k - 1)), 1
        )

    def y(v: float) -> float:
        return round(
            top + (high - math.log10(max(v, LOG_FLOOR))) / (high - low) * (bottom - top), 1
        )

    ticks = [{"y": y(LOG_FLOOR), "label": "0"}] + [
        {"y": y(v), "label": f"{v * 100:g}%"} for v in (0.01, 0.03, 0.1, 0.3, 1.0)
    ]
    out = []
    for i, (name, metrics) in enumerate(series):
        stroke = max(1.5, 4.5 - 1.0 * i)
        points = sorted(
            ((int(k), float(v)) for k, v in metrics["pass_hat_k"].items()), key=lambda p: p[0]
        )
        out.append(
            {
                "name": name,
                "short": name if len(name) <= 22 else name[:21] + "…",
                "color": PALETTE[i % len(PALETTE)],
                "dash": DASHES[i % len(DASHES)],
                "stroke": f"{stroke:.1f}",
                "radius": f"{stroke / 2 + 1.5:.1f}",
                "points": " ".join(f"{x(k)},{y(v)}" for k, v in points),
                "marks": [
                    {"x": x(k), "y": y(v), "k": k, "label": f"{100 * v:.1f}%"} for k, v in points
                ],
                "legend_y": top + 12 + i * 16,
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "bottom": bottom,
        "caption": caption,
        "yticks": ticks,
        "xticks": [{"x": x(k), "label": str(k)} for k in range(1, max_k + 1)],
        "series": out,
    }


def tier_rows(
    entries: Sequence[Any], env_id: str
) -> tuple[list[tuple[str, bool]], list[list[tuple[str, Any]]]] | None:
    """Success per task tier (``metrics["by_tier"]``) of every run on ``env_id``, or None."""
    rows = []
    for entry in entries:
        metrics = entry.env_metrics(env_id) or {}
        for tier, m in sorted((metrics.get("by_tier") or {}).items()):
            ci = m.get("success_ci") or []
            success = m.get("success")
            text = "–" if success is None else f"{100 * success:.1f}"
            if success is not None and len(ci) == 2:
                text += f" [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"
            rows.append(
                [
                    (entry.name, entry.name),
                    (str(tier), str(tier)),
                    (str(m.get("tasks", "–")), m.get("tasks")),
                    (str(m.get("episodes", "–")), m.get("episodes")),
                    (text, success),
                ]
            )
    if not rows:
        return None
    headers = [
        ("Agent", False),
        ("Tier", False),
        ("Tasks", True),
        ("Episodes", True),
        ("Success % (95% CI)", True),
    ]
    return headers, rows
