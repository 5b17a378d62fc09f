"""``utility-bench leaderboard``: Markdown and a static HTML page from verified runs only.

Only runs that pass ``verify`` are shown; a run that fails, or raises anything at all, is left
out with its reason and the board still builds. Runs are ranked only when comparable
(``rules.unranked_reasons``: the fixed test split, every task, the published base seed, the
default world, an agent that does not read the hidden task); every other run is shown apart,
labelled with why. Each row says whether its trajectories were replayed or its agent re-run.

Every text that comes from a run (names, folders, model, reasons) is escaped for the output it
goes to: HTML-escaped in the page, backslash-escaped (and kept on one line) in Markdown.

The HTML page (``board_html``, from a jinja2 template) needs nothing but a browser: tables sort
by a click on a column header (a few lines of inline JavaScript), environments are tabs, and the
pass^k curves are inline SVG on a log scale.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from utility_gym.bench.rules import env_independent_reasons, name_skeleton, unranked_reasons
from utility_gym.bench.verify import VerifyReport

# Numeric columns where less is better: their first click sorts ascending (the others: descending).
LOWER_IS_BETTER = frozenset({"Rank", "Turns", "Redundant Q %", "Tokens/ep", "Cost $", "Errors"})


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
    headers = [
        ("Rank", True),
        ("Agent", False),
        ("Checked", False),
        ("Tasks", True),
        ("Trials", True),
    ]
    headers += [(c.title, c.numeric) for c in columns] + [("Not ranked because", False)]
    order = sorted(
        present, key=lambda e: (bool(e.env_reasons), *rank_key(e.env_metrics(env_id), e.name))
    )  # type: ignore[arg-type]
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
                (
                    str(rank) if not entry.env_reasons else "–",
                    rank if not entry.env_reasons else None,
                ),
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
                    Untrusted(
                        f"{str(machine.get('cpu_count', '?'))[:10]} CPU, Python "
                        f"{str(machine.get('python', '?'))[:20]}"
                    ),
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
    from utility_gym.bench.board_html import tier_rows

    for env_id in all_env_ids(entries):
        lines += ["", f"## {md_text(env_id)}", ""]
        lines += _md_table(*env_table(entries, env_id))
        tiers = tier_rows(entries, env_id)
        if tiers:
            headers, rows = tiers
            lines += ["", "Success by tier:", ""]
            lines += _md_table(headers, [[(Untrusted(t), v) for t, v in row] for row in rows])
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
def render_html(entries: Sequence[Entry], title: str = "utility-gym leaderboard") -> str:
    """The page (``templates/leaderboard.html.jinja``): tables that fit 1280 px, per-env tabs,
    success by tier where reported, pass^k charts on a log scale."""
    from utility_gym.bench import board_html as b

    def tab(headers: Any, rows: Any, table_id: str) -> dict[str, Any]:
        return b.table(headers, rows, table_id, LOWER_IS_BETTER)

    envs = []
    for n, env_id in enumerate(all_env_ids(entries)):
        series = [(e.name, m) for e in entries if (m := e.env_metrics(env_id)) is not None]
        tiers = b.tier_rows(entries, env_id)
        envs.append(
            {
                "id": env_id,
                "short": env_id.removeprefix("utility/"),
                "table": tab(*env_table(entries, env_id), f"env-table-{n}"),
                "tiers": tab(*tiers, f"tiers-{n}") if tiers else None,
                "chart": b.pass_k_chart(series, f"pass^k on {env_id} (log scale)"),
            }
        )
    context = {
        "title": title,
        "partial_note": PARTIAL_NOTE,
        "overall": tab(*overall_table(entries), "overall"),
        "apart": tab(*overall_table(entries, apart=True), "apart")
        if any(r is None for r, _ in ranked(entries))
        else None,
        "overall_chart": b.pass_k_chart(
            [(e.name, e.overall) for r, e in ranked(entries) if r is not None],
            "pass^k over all environments (ranked runs, log scale)",
        ),
        "envs": envs,
        "provenance": tab(*provenance_table(entries), "provenance"),
    }
    return b.render_page(context)


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
