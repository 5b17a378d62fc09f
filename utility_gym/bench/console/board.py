"""The arena's section of the leaderboard, added after the board is written (``leaderboard
--arena VOTES``): a separate block, so the board's own page and its template stay untouched.

The section shows each arena agent's Bradley-Terry rating with its interval, its grader success
on the arena sessions, its overall success on the board when a verified agent run of the same
name is there (ranked or not: the grader's score beside the people's), and how often votes and
grades agree. Votes are people's: they never change a rank of the board.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from utility_gym.bench.console import arena, store
from utility_gym.bench.files import atomic_write

HERE = Path(__file__).parent
MARK = "<!-- arena -->"


def read_all_votes(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Votes from ``votes.jsonl`` files or console ``--out`` folders (ValueError if one lacks)."""
    votes: list[dict[str, Any]] = []
    for path in paths:
        file = path / store.VOTES_FILE if path.is_dir() else path
        if not file.is_file():
            raise ValueError(f"no arena votes at {file}")
        votes += store.read_votes(file)
    return votes


def board_success(entries: Sequence[Any]) -> dict[str, float]:
    """Overall success of each agent run on the board, by name (people's runs left out)."""
    out: dict[str, float] = {}
    for entry in entries:
        agent = entry.results.get("agent", {})
        if agent.get("kind", "agent") == "agent" and entry.overall.get("success") is not None:
            out.setdefault(str(agent.get("name")), float(entry.overall["success"]))
    return out


def arena_markdown(report: arena.ArenaReport, scores: Mapping[str, float]) -> str:
    text = arena.markdown(report)
    if scores and report.ratings:
        lines = [
            "",
            "Grader's overall success on the board, same agents: "
            + ", ".join(
                f"{arena.md_escape(r.agent)} {scores[r.agent]:.2f}"
                for r in report.ratings
                if r.agent in scores
            )
            + ".",
        ]
        text += "\n".join(lines) + "\n"
    return text


def arena_html(report: arena.ArenaReport, scores: Mapping[str, float]) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    return env.get_template("arena_section.html").render(report=report, scores=scores)


def add_arena_section(
    md_path: Path, html_path: Path, votes: Sequence[dict[str, Any]], entries: Sequence[Any]
) -> arena.ArenaReport:
    """Append the arena section to the written board (Markdown) and page (before ``</body>``)."""
    report = arena.ratings(votes)
    scores = board_success(entries)
    md = md_path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + arena_markdown(report, scores)
    atomic_write(md_path, md.encode("utf-8"))
    page = html_path.read_text(encoding="utf-8")
    section = MARK + "\n" + arena_html(report, scores)
    at = page.rfind("</body>")
    page = page[:at] + section + page[at:] if at >= 0 else page + section
    atomic_write(html_path, page.encode("utf-8"))
    return report
