"""``utility-bench leaderboard``: Markdown and a static HTML page from verified runs only.

Only runs that pass ``verify`` are shown; a run that fails, or raises anything at all, is left
out with its reason and the board still builds. Runs are ranked only when comparable
(``rules.unranked_reasons``: the fixed test split, every task, the published base seed, the
default world, an agent that does not read the hidden task); every other run is shown apart,
labelled with why. Each row says whether its trajectories were replayed or its agent re-run.

Every text that comes from a run (names, folders, model, reasons) is escaped for the output it
goes to: HTML-escaped in the page, backslash-escaped (and kept on one line) in Markdown.

The HTML page needs nothing but a browser: tables sort by a click on a column header (a few
lines of inline JavaScript) and the pass^k curves are inline SVG.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from utility_gym.bench.rules import env_independent_reasons, name_skeleton, unranked_reasons
from utility_gym.bench.verify import VerifyReport

# Numeric columns where less is better: their first click sorts ascending (the others: descending).
LOWER_IS_BETTER = frozenset({"Rank", "Redundant Q %", "Tokens/ep", "Cost $", "Errors"})
DASHES = ("none", "8 4", "3 3", "10 3 2 3")
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


@dataclass(frozen=True)
class Entry:
    """One verified run: an agent (or a person) on some envs."""

    name: str
    directory: str
    results: dict[str, Any]
    checked: str = "replayed"  # or "re-run": the agent itself was run again
    model: str | None = None  # from the submission manifest
    reasons: tuple[str, ...] = ()  # why it is not ranked overall (empty: ranked)
    env_reasons: tuple[str, ...] = ()  # why it is not ranked on any env
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def overall(self) -> dict[str, Any]:
        return self.results["overall"]

    @property
    def env_ids(self) -> list[str]:
        return list(self.results["envs"])

    @property
    def task_set(self) -> str:
        """The task-set hash of the whole run (every env's tasks)."""
        return str(self.results.get("provenance", {}).get("task_set_hash", ""))

    def env_metrics(self, env_id: str) -> dict[str, Any] | None:
        doc = self.results["envs"].get(env_id)
        return doc["metrics"] if doc else None


def entries_from(reports: Sequence[VerifyReport]) -> list[Entry]:
    """Entries for the verified reports; names that read the same (``rules.name_skeleton``: case
    and look-alikes folded) get their folder."""
    ok = [r for r in reports if r.ok]
    names = [str(r.results["agent"]["name"]) for r in ok]
    folded = [name_skeleton(n) for n in names]
    out = []
    for name, report in zip(names, ok, strict=True):
        shown = name if folded.count(name_skeleton(name)) == 1 else f"{name} ({report.directory})"
        model = (report.manifest or {}).get("model")
        out.append(
            Entry(
                shown,
                str(report.directory),
                report.results,
                checked=report.checked,
                model=model,
                reasons=tuple(unranked_reasons(report.results)),
                env_reasons=tuple(env_independent_reasons(report.results)),
            )
        )
    return sorted(out, key=lambda e: rank_key(e.overall, e.name))


# -- table model -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool
    value: Callable[[dict[str, Any]], Any]  # metrics -> sort value (None: not reported)
    text: Callable[[dict[str, Any]], str]


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def _ci(metrics: dict[str, Any], key: str) -> str:
    interval = metrics.get(f"{key}_ci")
    value = metrics.get(key)
    if value is None:
        return "–"
    if not interval:
        return _pct(value)
    return f"{_pct(value)} [{_pct(interval[0])}, {_pct(interval[1])}]"


def _num(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def metric_columns(max_k: int, entries: Sequence[Entry] = ()) -> list[Column]:
    """The metric columns; Tokens/ep and Cost $ only when some run reports them."""
    columns = [
        c for c in _metric_columns(max_k) if c.title not in _SELF_REPORTED or _reported(entries, c)
    ]
    return columns


_SELF_REPORTED = frozenset({"Tokens/ep", "Cost $"})


def _reported(entries: Sequence[Entry], column: Column) -> bool:
    summaries = [
        m
        for e in entries
        for m in (e.overall, *(e.env_metrics(i) for i in e.env_ids))
        if m is not None
    ]
    return any(column.value(m) is not None for m in summaries)


def _metric_columns(max_k: int) -> list[Column]:
    columns = [
        Column("Success % (95% CI)", True, lambda m: m["success"], lambda m: _ci(m, "success")),
    ]
    for k in range(1, max_k + 1):
        columns.append(
            Column(
                f"pass^{k} %",
                True,
                lambda m, k=k: m["pass_hat_k"].get(str(k)),
                lambda m, k=k: _pct(m["pass_hat_k"].get(str(k))),
            )
        )
    columns += [
        Column("Partial %", True, lambda m: m["partial"], lambda m: _pct(m["partial"])),
        Column("Turns", True, lambda m: m["turns"], lambda m: _num(m["turns"])),
        Column("Tool calls", True, lambda m: m["tool_calls"], lambda m: _num(m["tool_calls"])),
        Column(
            "Redundant Q %",
            True,
            lambda m: m.get("redundant_question_rate"),
            lambda m: _pct(m.get("redundant_question_rate")),
        ),
        Column("Tokens/ep", True, lambda m: m.get("tokens"), lambda m: _num(m.get("tokens"), 0)),
        Column("Cost $", True, lambda m: m.get("cost"), lambda m: _num(m.get("cost"), 2)),
        Column("Errors", True, lambda m: m["errors"], lambda m: str(m["errors"])),
    ]
    return columns


def _max_k(entries: Sequence[Entry]) -> int:
    return max((len(e.overall["pass_hat_k"]) for e in entries), default=1)


def rank_key(metrics: dict[str, Any], name: str) -> tuple[Any, ...]:
    """Success, then pass^K (consistency), then partial credit; the name only for exact ties."""
    pass_k = metrics["pass_hat_k"]
    top = pass_k[max(pass_k, key=int)] if pass_k else 0.0
    return (-metrics["success"], -top, -metrics["partial"], name)


def ranked(entries: Sequence[Entry]) -> list[tuple[int | None, Entry]]:
    """Ranks by overall success among the comparable runs; the others (rank None) after them."""
    order = sorted(entries, key=lambda e: rank_key(e.overall, e.name))
    comparable = [e for e in order if not e.reasons]
    apart = [e for e in order if e.reasons]
    return [(i, e) for i, e in enumerate(comparable, start=1)] + [(None, e) for e in apart]


def overall_table(
    entries: Sequence[Entry], *, apart: bool = False
) -> tuple[list[tuple[str, bool]], list[list[tuple[str, Any]]]]:
    """Headers (title, numeric) and rows of (text, sort value): the ranked runs, or (``apart``)
    the runs shown apart, with why."""
    columns = metric_columns(_max_k(entries), entries)
    headers = [("Rank", True), ("Agent", False), ("Model", False), ("Checked", False)]
    headers += [("Envs", True), ("Tasks", True), ("Trials", True)]
    headers += [(c.title, c.numeric) for c in columns]
    if apart:
        headers += [("Not ranked because", False)]
    rows = []
    for rank, entry in ranked(entries):
        if (rank is None) != apart:
            continue
        m = entry.overall
        row: list[tuple[str, Any]] = [
            ("–" if rank is None else str(rank), rank),
            (Untrusted(entry.name), entry.name),
            (Untrusted(entry.model or "–"), entry.model),
            (entry.checked, entry.checked),
            (str(len(entry.env_ids)), len(entry.env_ids)),
            (str(m["tasks"]), m["tasks"]),
            (str(m["trials"]), m["trials"]),
        ]
        row += [(c.text(m), c.value(m)) for c in columns]
        if apart:
            reason = "; ".join(entry.reasons)
            row.append((Untrusted(reason), reason))
        rows.append(row)
    return headers, rows


PARTIAL_NOTE = (
    "Ranked: runs on the whole test split of every text environment, with the published base seed "
    "(0) and the default world, by agents that do not read the hidden task. Other verified runs "
    "are shown apart with the reason; their numbers are not comparable with the ranked ones."
)


def env_table(
    entries: Sequence[Entry], env_id: str
) -> tuple[list[tuple[str, bool]], list[list[tuple[str, Any]]]]:
    """Runs on ``env_id``: those comparable on it ranked first, then the others with why."""
    present = [e for e in entries if e.env_metrics(env_id) is not None]
    columns = metric_columns(_max_k(present), entries)
    headers = [("Rank", True), ("Agent", False), ("Checked", False), ("Tasks", True), ("Trials", True)]
    headers += [(c.title, c.numeric) for c in columns] + [("Not ranked because", False)]
    order = sorted(present, key=lambda e: (bool(e.env_reasons), *rank_key(e.env_metrics(env_id), e.name)))  # type: ignore[arg-type]
    rows = []
    rank = 0
    for entry in order:
        m = entry.env_metrics(env_id)
        assert m is not None
        if not entry.env_reasons:
            rank += 1
        reason = "; ".join(entry.env_reasons)
        rows.append(
            [
                (str(rank) if not entry.env_reasons else "–", rank if not entry.env_reasons else None),
                (Untrusted(entry.name), entry.name),
                (entry.checked, entry.checked),
                (str(m["tasks"]), m["tasks"]),
                (str(m["trials"]), m["trials"]),
            ]
            + [(c.text(m), c.value(m)) for c in columns]
            + [(Untrusted(reason or "–"), reason)]
        )
    return headers, rows


def provenance_table(
    entries: Sequence[Entry],
) -> tuple[list[tuple[str, bool]], list[list[tuple[str, Any]]]]:
    headers = [
        ("Agent", False),
        ("Code", False),
        ("Split", False),
        ("Version", False),
        ("Task-set hash", False),
        ("Seed", True),
        ("Backend", False),
        ("Wall s", True),
        ("Machine", False),
        ("Run", False),
    ]
    rows = []
    for e in entries:
        p = e.results.get("provenance", {})
        machine = p.get("machine", {})
        kwargs = sorted(
            {
                f"{k}={v}"
                for doc in e.results["envs"].values()
                for k, v in doc.get("make_kwargs", {}).items()
                if k != "split"
            }
        )
        split = e.results["split"] + (f" ({', '.join(kwargs)})" if kwargs else "")
        rows.append(
            [
                (Untrusted(e.name), e.name),
                (Untrusted(e.results["agent"].get("spec", "?")), e.results["agent"].get("spec")),
                (Untrusted(split), split),
                (Untrusted(p.get("version", "?")), p.get("version")),
                (Untrusted(p.get("task_set_hash", "?")), p.get("task_set_hash")),
                (str(e.results["seed"]), e.results["seed"]),
                (Untrusted(f"{p.get('backend', '?')} ×{p.get('workers', '?')}"), p.get("backend")),
                (_num(p.get("wall_seconds")), p.get("wall_seconds")),
                (
                    Untrusted(f"{str(machine.get('cpu_count', '?'))[:10]} CPU, Python {str(machine.get('python', '?'))[:20]}"),
                    str(machine.get("cpu_count"))[:10],
                ),
                (Untrusted(e.directory), e.directory),
            ]
        )
    return headers, rows


def all_env_ids(entries: Sequence[Entry]) -> list[str]:
    return sorted({env_id for e in entries for env_id in e.env_ids})


# -- Markdown ----------------------------------------------------------------------------------
def render_markdown(
    entries: Sequence[Entry], title: str = "utility-gym leaderboard", command: str | None = None
) -> str:
    lines = [f"# {md_text(title)}", ""]
    lines += [
        "Generated by `utility-bench leaderboard` from verified runs only: every trajectory was",
        "replayed in fresh environments (or, where *Checked* says re-run, the agent itself was run",
        "again and gave the same trajectories) and every score recomputed. Success, pass^k and",
        "partial credit are percentages; brackets hold bootstrap 95% confidence intervals over",
        "tasks. Metrics are defined in [benchmark.md](benchmark.md); how to submit a run is in",
        "[submitting.md](submitting.md).",
        "",
        "## Ranked",
        "",
        PARTIAL_NOTE,
        "",
    ]
    lines += _md_table(*overall_table(entries))
    if any(rank is None for rank, _ in ranked(entries)):
        lines += ["", "## Shown apart (not ranked)", ""]
        lines += _md_table(*overall_table(entries, apart=True))
    for env_id in all_env_ids(entries):
        lines += ["", f"## {md_text(env_id)}", ""]
        lines += _md_table(*env_table(entries, env_id))
    lines += ["", "## Provenance", ""]
    lines += _md_table(*provenance_table(entries))
    if command:
        lines += ["", f"Regenerate with `{command.replace('`', '')}`."]
    return "\n".join(lines) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def md_text(text: str) -> str:
    """``text`` for a Markdown table cell or heading: one line, markup characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", str(text)))


class Untrusted(str):
    """Text that comes from a run's files: Markdown escapes all its markup, not only ``|``."""


def _md_cell(text: str) -> str:
    if isinstance(text, Untrusted):
        return md_text(text)
    return _CONTROL.sub(" ", text).replace("|", "\\|")


def _md_table(headers: list[tuple[str, bool]], rows: list[list[tuple[str, Any]]]) -> list[str]:
    out = ["| " + " | ".join(_md_cell(h) for h, _ in headers) + " |"]
    out.append("|" + "|".join("---:" if numeric else "---" for _, numeric in headers) + "|")
    out += ["| " + " | ".join(_md_cell(text) for text, _ in row) + " |" for row in rows]
    return out


# -- HTML --------------------------------------------------------------------------------------
_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1500px; padding: 0 1rem; color: #222; }
.scroll { overflow-x: auto; margin: .5rem 0 1.5rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #ddd; text-align: left; white-space: nowrap; }
th.num, td.num { text-align: right; }
th { cursor: pointer; user-select: none; background: #f4f4f4; position: sticky; top: 0; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
figure { margin: 0 0 2rem; }
figcaption { color: #555; font-size: 13px; }
.note { color: #555; }
"""

_JS = """
function sortTable(table, col, th) {
  const tbody = table.tBodies[0];
  const rows = Array.from(tbody.rows);
  const numeric = th.classList.contains("num");
  const previous = th.getAttribute("aria-sort");
  const first = th.dataset.first || (numeric ? "descending" : "ascending");
  const dir = previous ? (previous === "ascending" ? "descending" : "ascending") : first;
  const key = (row) => {
    const v = row.cells[col].dataset.value;
    if (v === undefined || v === "") return null;
    return numeric ? parseFloat(v) : v.toLowerCase();
  };
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === null && y === null) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    const c = x < y ? -1 : x > y ? 1 : 0;
    return dir === "ascending" ? c : -c;
  });
  table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
  th.setAttribute("aria-sort", dir);
  rows.forEach((r) => tbody.appendChild(r));
}
document.querySelectorAll("table.sortable").forEach((table) => {
  table.querySelectorAll("thead th").forEach((th, col) => {
    th.addEventListener("click", () => sortTable(table, col, th));
  });
});
"""


def render_html(entries: Sequence[Entry], title: str = "utility-gym leaderboard") -> str:
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        '<p class="note">From verified runs only: every trajectory was replayed in fresh environments and every '
        "score recomputed. Percentages; brackets hold bootstrap 95% confidence intervals over tasks. "
        "Click a column header to sort.</p>",
        "<h2>Ranked</h2>",
        f'<p class="note">{html.escape(PARTIAL_NOTE)}</p>',
        _html_table(*overall_table(entries), table_id="overall"),
        "<h2>Shown apart (not ranked)</h2>" + _html_table(*overall_table(entries, apart=True), table_id="apart")
        if any(r is None for r, _ in ranked(entries))
        else "",
        _svg_pass_k(
            [(e.name, e.overall) for r, e in ranked(entries) if r is not None],
            "pass^k over all environments",
        ),
    ]
    for n, env_id in enumerate(all_env_ids(entries)):
        parts.append(f"<h2>{html.escape(env_id)}</h2>")
        parts.append(_html_table(*env_table(entries, env_id), table_id=f"env-{n}"))
        series = [(e.name, m) for e in entries if (m := e.env_metrics(env_id)) is not None]
        parts.append(_svg_pass_k(series, f"pass^k on {env_id}"))
    parts.append("<h2>Provenance</h2>")
    parts.append(_html_table(*provenance_table(entries), table_id="provenance"))
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts) + "\n"


def _html_table(
    headers: list[tuple[str, bool]], rows: list[list[tuple[str, Any]]], table_id: str
) -> str:
    def th(title: str, numeric: bool) -> str:
        cls = ' class="num"' if numeric else ""
        first = ' data-first="ascending"' if title in LOWER_IS_BETTER else ""
        return f'<th scope="col"{cls}{first}>{html.escape(title)}</th>'

    head = "".join(th(h, numeric) for h, numeric in headers)
    body = []
    for row in rows:
        cells = []
        for (text, value), (_, numeric) in zip(row, headers, strict=True):
            data = "" if value is None else html.escape(str(value), quote=True)
            cls = ' class="num"' if numeric else ""
            cells.append(f'<td{cls} data-value="{data}">{html.escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table class="sortable" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _svg_pass_k(series: Sequence[tuple[str, dict[str, Any]]], caption: str) -> str:
    """Line chart of pass^k against k, one line per agent, with a legend (inline SVG)."""
    width, height = 640, 300
    left, right, top, bottom = 48, 180, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    max_k = max((len(m["pass_hat_k"]) for _, m in series), default=1)

    def x(k: int) -> float:
        return left + (plot_w / 2 if max_k == 1 else (k - 1) * plot_w / (max_k - 1))

    def y(v: float) -> float:
        return top + (1 - v) * plot_h

    out = [
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{html.escape(caption)}">'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{int(tick * 100)}%</text>'
        )
    for k in range(1, max_k + 1):
        out.append(
            f'<text x="{x(k):.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle">{k}</text>'
        )
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" font-size="12" text-anchor="middle">k (trials that must all succeed)</text>'
    )
    for i, (name, metrics) in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        points = [
            (int(k), float(v))
            for k, v in sorted(metrics["pass_hat_k"].items(), key=lambda kv: int(kv[0]))
        ]
        coords = " ".join(f"{x(k):.1f},{y(v):.1f}" for k, v in points)
        label = html.escape(name)
        # Earlier series are drawn wider and dashed differently, so equal curves stay visible.
        width = max(1.5, 6.0 - 1.5 * i)
        dash = DASHES[i % len(DASHES)]
        out.append(
            f'<g class="series" data-agent="{label}"><polyline fill="none" stroke="{color}" '
            f'stroke-width="{width:.1f}" stroke-dasharray="{dash}" points="{coords}"/>'
        )
        for k, v in points:
            out.append(
                f'<circle cx="{x(k):.1f}" cy="{y(v):.1f}" r="{width / 2 + 1.5:.1f}" fill="{color}"><title>{label}: pass^{k} = {100 * v:.1f}%</title></circle>'
            )
        out.append("</g>")
        ly = top + 12 + i * 18
        out.append(
            f'<line x1="{left + plot_w + 12}" x2="{left + plot_w + 40}" y1="{ly - 3}" y2="{ly - 3}" '
            f'stroke="{color}" stroke-width="{min(width, 4.0):.1f}" stroke-dasharray="{dash}"/>'
        )
        out.append(f'<text x="{left + plot_w + 46}" y="{ly + 1}" font-size="12">{label}</text>')
    out.append(f"</svg><figcaption>{html.escape(caption)}</figcaption></figure>")
    return "".join(out)


def write_leaderboard(
    entries: Sequence[Entry],
    out: Path,
    html_out: Path | None = None,
    command: str | None = None,
    *,
    title: str = "utility-gym leaderboard",
) -> tuple[Path, Path]:
    """Write ``out`` as Markdown and ``html_out`` (default: ``out`` with ``.html``) as HTML."""
    md_path = out if out.suffix != ".html" else out.with_suffix(".md")
    html_path = html_out or md_path.with_suffix(".html")
    for path in (md_path, html_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    from utility_gym.bench.files import atomic_write

    atomic_write(md_path, render_markdown(entries, title, command=command).encode("utf-8"))
    atomic_write(html_path, render_html(entries, title).encode("utf-8"))
    return md_path, html_path
