"""leaderboard: Markdown and HTML from verified runs only; the HTML sorts in real Chromium."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from bench_helpers import bench_main

from utility_gym.bench.leaderboard import Entry, render_html, render_markdown, write_leaderboard
from utility_gym.bench.metrics import summarize


def _entry(name: str, successes: list[int], trials: int = 3) -> Entry:
    """A synthetic run: task i succeeds in successes[i] of ``trials`` trials."""
    rows = []
    for i, wins in enumerate(successes):
        for t in range(trials):
            rows.append(
                {
                    "env_id": "utility/CustomerService-v0",
                    "task_id": f"customer_service/t/{i}",
                    "success": t < wins,
                    "partial": 1.0 if t < wins else 0.3,
                    "turns": 5 + len(name),
                    "tool_calls": 2,
                    "questions": 2,
                    "redundant_questions": 1 if name == "chatty" else 0,
                    "error": None,
                    "usage": None,
                    "seconds": 0.01,
                }
            )
    metrics = summarize(rows, trials=trials, resamples=200)
    results = {
        "agent": {"name": name},
        "split": "test",
        "seed": 0,
        "trials": trials,
        "overall": metrics,
        "envs": {
            "utility/CustomerService-v0": {"metrics": metrics, "make_kwargs": {"split": "test"}}
        },
        "provenance": {
            "version": "0.1.0",
            "task_set_hash": "abc",
            "backend": "local",
            "workers": 2,
            "wall_seconds": 1.0,
            "machine": {"cpu_count": 2, "python": "3.11"},
        },
    }
    return Entry(name, f"runs/{name}", results)


ENTRIES = [
    _entry("middling", [2, 1, 3, 0]),
    _entry("best", [3, 3, 3, 2]),
    _entry("chatty", [0, 1, 0, 0]),
    _entry("oracle-ish", [3, 3, 3, 3]),
]


def test_bench__leaderboard_markdown_ranks_by_success() -> None:
    text = render_markdown(sorted(ENTRIES, key=lambda e: -e.overall["success"]))
    overall = text.split("## Overall")[1].split("##")[0]
    rows = [
        line
        for line in overall.splitlines()
        if line.startswith("| ") and not line.startswith("| Rank")
    ]
    assert [r.split("|")[2].strip() for r in rows] == ["oracle-ish", "best", "middling", "chatty"]
    assert (
        "pass^3 %" in text and "## utility/CustomerService-v0" in text and "## Provenance" in text
    )


def _browser():
    """The process's shared Chromium (the one ``find_chromium`` decides on, as for the envs)."""
    from utility_gym.envs.web_shop.chromium import ChromiumNotFound, shared_browser

    try:
        return shared_browser()
    except ChromiumNotFound as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and Chromium is missing: {e}")
        pytest.skip(f"the HTML sort test needs a real browser: {e}")


def test_bench__leaderboard_html_sorts_by_clicked_column_in_chromium(tmp_path: Path) -> None:
    browser = _browser()
    page_path = tmp_path / "board.html"
    page_path.write_text(render_html(ENTRIES))

    def agents(page) -> list[str]:
        return page.locator("#overall tbody tr td:nth-child(2)").all_inner_texts()

    def header(page, title: str):
        return page.locator("#overall thead th", has_text=title).first

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(page_path.as_uri())
        assert agents(page) == ["oracle-ish", "best", "middling", "chatty"]  # ranked by success
        header(page, "Agent").click()  # text: ascending first
        assert agents(page) == ["best", "chatty", "middling", "oracle-ish"]
        header(page, "Success").click()  # numbers: best (highest) first
        assert agents(page) == ["oracle-ish", "best", "middling", "chatty"]
        assert header(page, "Success").get_attribute("aria-sort") == "descending"
        assert header(page, "Agent").get_attribute("aria-sort") is None
        header(page, "Success").click()
        assert agents(page) == ["chatty", "middling", "best", "oracle-ish"]
        header(page, "Redundant Q").click()  # less is better: the first click sorts ascending
        assert agents(page)[-1] == "chatty"
        assert header(page, "Redundant Q").get_attribute("aria-sort") == "ascending"
        header(page, "pass^3").click()
        assert agents(page)[:2] == ["oracle-ish", "best"]
        # One pass^k curve per agent in the overall chart, with k = 1..3 points.
        assert page.locator("figure").first.locator("g.series").count() == 4
        assert (
            page.locator("figure").first.locator("g.series").first.locator("circle").count()
            == 3
        )
    finally:
        context.close()


def test_bench__leaderboard_uses_verified_runs_only(
    oracle_run: Path, run_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "board" / "leaderboard.md"
    assert (
        bench_main("leaderboard", str(oracle_run), "--out", str(out), "--workers", "1", "--quiet")
        == 0
    )
    assert "| 1 | oracle |" in out.read_text()
    assert "<table" in out.with_suffix(".html").read_text()

    results = json.loads((run_copy / "results.json").read_text())
    results["overall"]["success"] = 1.0
    results["overall"]["partial"] = 0.5  # an edited summary
    (run_copy / "results.json").write_text(json.dumps(results))
    tampered = tmp_path / "runs" / "tampered"
    shutil.copytree(run_copy, tampered)
    capsys.readouterr()
    assert (
        bench_main(
            "leaderboard",
            str(oracle_run),
            str(tampered),
            "--out",
            str(out),
            "--workers",
            "1",
            "--quiet",
        )
        == 1
    )
    err = capsys.readouterr().err
    assert f"left out {tampered}: verification failed" in err
    assert str(tampered) not in out.read_text().split("Regenerate with")[0]


def test_bench__leaderboard_writes_both_files(tmp_path: Path) -> None:
    md, html = write_leaderboard(ENTRIES, tmp_path / "lb.html")
    assert md.name == "lb.md" and html.name == "lb.html"
    assert md.read_text().startswith("# utility-gym leaderboard")
    assert "<svg" in html.read_text() and "<script>" in html.read_text()


def test_bench__leaderboard_ranks_only_runs_on_the_same_task_set() -> None:
    quick = _entry("quick", [3, 3])  # fewer tasks: a --limit run, say
    quick.results["provenance"] = dict(quick.results["provenance"], task_set_hash="other")
    table = render_markdown([quick, *ENTRIES]).split("## Overall")[1].split("##")[0]
    ranks = {
        line.split("|")[2].strip(): line.split("|")[1].strip()
        for line in table.splitlines()
        if line.startswith("| ") and "Rank" not in line
    }
    assert ranks["quick"] == "–" and ranks["oracle-ish"] == "1"
    assert "Rank –: the run is on another task set" in table
