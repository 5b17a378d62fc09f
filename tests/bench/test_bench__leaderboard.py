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


def _entry(
    name: str, successes: list[int], trials: int = 3, reasons: tuple[str, ...] = ()
) -> Entry:
    """A synthetic run: task i succeeds in successes[i] of ``trials`` trials (ranked unless
    ``reasons`` say why not)."""
    rows = []
    for i, wins in enumerate(successes):
        for t in range(trials):
            rows.append(
                {
                    "env_id": "utility/CustomerService-v1",
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
            "utility/CustomerService-v1": {"metrics": metrics, "make_kwargs": {"split": "test"}}
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
    return Entry(name, f"runs/{name}", results, reasons=reasons, env_reasons=reasons)


ENTRIES = [
    _entry("middling", [2, 1, 3, 0]),
    _entry("best", [3, 3, 3, 2]),
    _entry("chatty", [0, 1, 0, 0]),
    _entry("oracle-ish", [3, 3, 3, 3]),
]


def test_bench__leaderboard_markdown_ranks_by_success() -> None:
    text = render_markdown(sorted(ENTRIES, key=lambda e: -e.overall["success"]))
    overall = text.split("## Ranked")[1].split("##")[0]
    rows = [
        line
        for line in overall.splitlines()
        if line.startswith("| ") and not line.startswith("| Rank")
    ]
    assert [r.split("|")[2].strip() for r in rows] == ["oracle-ish", "best", "middling", "chatty"]
    assert (
        "pass^3 %" in text and "## utility/CustomerService-v1" in text and "## Provenance" in text
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
        assert page.locator("figure").first.locator("g.series").first.locator("circle").count() == 3
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
    # a --limit run in a small world: verified, shown apart (and the oracle reads the hidden task)
    assert "| – | oracle | – | re-run | 1 | 3 | 2 |" in out.read_text()  # a built-in: re-run
    assert "--limit 3; world size=small; envs: 1 of the 4 text envs" in out.read_text()
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
    assert f"left out {tampered}: overall summary: partial is 0.5 in results.json" in err
    assert str(tampered) not in out.read_text().split("Regenerate with")[0]


def test_bench__leaderboard_writes_both_files(tmp_path: Path) -> None:
    md, html = write_leaderboard(ENTRIES, tmp_path / "lb.html")
    assert md.name == "lb.md" and html.name == "lb.html"
    assert md.read_text().startswith("# utility-gym leaderboard")
    assert "<svg" in html.read_text() and "<script>" in html.read_text()


def test_bench__leaderboard_ranks_only_comparable_runs() -> None:
    quick = _entry("quick", [3, 3], reasons=("--limit 2",))  # fewer tasks: a --limit run
    text = render_markdown([quick, *ENTRIES])
    ranked_rows = _rows(text.split("## Ranked")[1].split("\n## ")[0])
    apart_rows = _rows(text.split("## Shown apart (not ranked)")[1].split("\n## ")[0])
    assert [r[1] for r in ranked_rows] == ["oracle-ish", "best", "middling", "chatty"]
    assert [r[0] for r in ranked_rows] == ["1", "2", "3", "4"]
    assert apart_rows == [apart_rows[0]] and apart_rows[0][:2] == ["–", "quick"]
    assert apart_rows[0][-1] == "--limit 2"
    env_rows = _rows(text.split("## utility/CustomerService-v1")[1].split("\n## ")[0])
    assert [r[:2] for r in env_rows][-1] == ["–", "quick"]  # after the ranked ones, unranked


def _rows(section: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| Rank")
    ]


def test_bench__leaderboard_never_falls_over(
    oracle_run: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs = tmp_path / "runs"
    shutil.copytree(oracle_run, runs / "good")
    for name in ("no-metrics", "garbage", "raises"):
        shutil.copytree(oracle_run, runs / name)
    results = json.loads((runs / "no-metrics" / "results.json").read_text())
    del results["envs"]["utility/CustomerService-v1"][
        "metrics"
    ]  # verified once; KeyError on the board
    (runs / "no-metrics" / "results.json").write_text(json.dumps(results))
    (runs / "garbage" / "trajectories.jsonl").write_bytes(b"\x00\xff garbage\n")
    from utility_gym.bench import verify

    real = verify.verify_run

    def flaky(directory: Path, *args: object, **kwargs: object) -> object:
        if directory.name == "raises":
            raise RuntimeError("something nobody foresaw")
        return real(directory, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(verify, "verify_run", flaky)
    out = tmp_path / "board.md"
    code = bench_main("leaderboard", str(runs), "--out", str(out), "--workers", "1", "--quiet")
    assert code == 1  # some runs were left out; the board was still written
    err = capsys.readouterr().err
    assert (
        f"left out {runs / 'no-metrics'}: {runs / 'no-metrics'}/results.json: "
        "envs['utility/CustomerService-v1']: 'metrics' is missing" in err
    )
    assert (
        f"left out {runs / 'garbage'}: {runs / 'garbage'}/trajectories.jsonl line 1: not UTF-8"
        in err
    )
    assert f"left out {runs / 'raises'}: RuntimeError: something nobody foresaw" in err
    board = out.read_text()
    assert "| – | oracle |" in board and "no-metrics" not in board and "garbage" not in board


def test_bench__names_are_escaped_in_every_output() -> None:
    """Names are restricted at verify; the renderers escape anyway (a synthetic entry here)."""
    evil = _entry("x\n# pwned | <script>alert(1)</script> [a](http://e.vil)", [3, 3])
    text = render_markdown([evil, *ENTRIES])
    assert not any(line.startswith("# pwned") for line in text.splitlines())
    row = next(line for line in text.splitlines() if "pwned" in line)
    assert (
        row.count(" | ") == text.splitlines()[text.splitlines().index(row) - 1].count(" | ")
        or "\\|" in row
    )
    assert "\\<script\\>" in row and "\\[a\\]\\(http://e.vil\\)" in row
    page = render_html([evil, *ENTRIES])
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_bench__seed_shopping_and_other_worlds_are_shown_apart() -> None:
    from utility_gym.bench.rules import ranked_env_ids, unranked_reasons

    def results(**changes: object) -> dict:
        doc = {
            "agent": {"name": "a", "classes": {e: "m:A" for e in ranked_env_ids()}},
            "split": "test", "limit": None, "seed": 0,
            "envs": {e: {"make_kwargs": {"split": "test"}} for e in ranked_env_ids()},
        }  # fmt: skip
        doc.update(changes)
        return doc

    assert unranked_reasons(results()) == []
    assert unranked_reasons(results(seed=7)) == ["base seed 7"]
    assert unranked_reasons(results(split="train")) == ["train split"]
    assert unranked_reasons(results(limit=5)) == ["--limit 5"]
    small = {e: {"make_kwargs": {"split": "test", "size": "small"}} for e in ranked_env_ids()}
    assert unranked_reasons(results(envs=small)) == ["world size=small"]
    one = {ranked_env_ids()[0]: {"make_kwargs": {"split": "test"}}}
    assert unranked_reasons(results(envs=one)) == [
        f"envs: 1 of the {len(ranked_env_ids())} text envs"
    ]
    person = results(agent={"name": "me", "kind": "human", "classes": {}})
    assert unranked_reasons(person) == ["played by a person"]


def test_bench__a_large_train_run_leaves_the_test_runs_ranked() -> None:
    big = _entry("big-train", [3] * 40, reasons=("train split",))  # more tasks than any test run
    table = render_markdown([big, *ENTRIES]).split("## Ranked")[1].split("\n## ")[0]
    assert "| 1 | oracle-ish |" in table and "big-train" not in table


def test_bench__names_that_read_the_same_are_told_apart(oracle_run: Path, tmp_path: Path) -> None:
    from utility_gym.bench.leaderboard import entries_from
    from utility_gym.bench.rules import name_skeleton
    from utility_gym.bench.verify import VerifyReport

    assert name_skeleton("Oracle-1") == name_skeleton("0racle_l") == name_skeleton("oracle.I")
    assert name_skeleton("modem") == name_skeleton("rnodern") != name_skeleton("random")
    results = json.loads((oracle_run / "results.json").read_text())
    reports = []
    for folder, name in (("a", "my-agent"), ("b", "My_Agent"), ("c", "other")):
        doc = json.loads(json.dumps(results))
        doc["agent"]["name"] = name
        reports.append(VerifyReport(tmp_path / folder, doc))
    shown = sorted(e.name for e in entries_from(reports))
    assert shown == [f"My_Agent ({tmp_path / 'b'})", f"my-agent ({tmp_path / 'a'})", "other"]


def _two_env_entries() -> list[Entry]:
    """ENTRIES on two envs, one with per-tier success (as CustomerService reports it), and a
    long agent name: what must still fit a 1280 px window."""
    out = []
    for entry in [*ENTRIES, _entry("a-very-long-agent-name-from-a-submission+v2.1", [1, 1, 0, 2])]:
        results = json.loads(json.dumps(entry.results))
        doc = results["envs"]["utility/CustomerService-v1"]
        results["envs"]["utility/Ticketing-v1"] = json.loads(json.dumps(doc))
        doc["metrics"]["by_tier"] = {
            "easy": {"tasks": 2, "episodes": 6, "success": 0.8, "success_ci": [0.5, 1.0]},
            "hard": {"tasks": 2, "episodes": 6, "success": 0.2, "success_ci": [0.0, 0.5]},
        }
        out.append(Entry(entry.name, entry.directory, results, reasons=entry.reasons))
    return out


def test_bench__leaderboard_page_fits_1280_px_with_tabs_tiers_and_log_charts_in_chromium(
    tmp_path: Path,
) -> None:
    browser = _browser()
    page_path = tmp_path / "board.html"
    page_path.write_text(render_html(_two_env_entries()))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(page_path.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # no horizontal scroll
        overflowing = page.evaluate(
            "Array.from(document.querySelectorAll('.scroll')).filter(d => d.clientWidth > 0"
            " && d.scrollWidth > d.clientWidth).map(d => d.firstElementChild.id)"
        )
        assert overflowing == []
        tabs = page.locator('.tabs [role="tab"]')
        assert tabs.all_inner_texts() == ["CustomerService-v1", "Ticketing-v1"]
        assert page.locator("#env-0").is_visible() and not page.locator("#env-1").is_visible()
        assert page.locator("#tiers-0 tbody tr").count() == 2 * len(ENTRIES) + 2  # agents x tiers
        tabs.nth(1).click()
        assert page.locator("#env-1").is_visible() and not page.locator("#env-0").is_visible()
        assert page.locator("#tiers-1").count() == 0  # Ticketing reports no tiers: no table
        turns = page.locator("#overall thead th", has_text="Turns").first
        turns.click()  # fewer turns is better: the first click sorts ascending
        assert turns.get_attribute("aria-sort") == "ascending"
        values = [
            float(v)
            for v in page.locator("#overall tbody tr td:nth-child(17)").evaluate_all(
                "cells => cells.map(c => c.dataset.value)"
            )
        ]
        assert values == sorted(values)
        # Log scale: random-like 0 % and a few % are far apart, not both on the floor line.
        ys = {
            s.get_attribute("data-agent"): [
                float(c.get_attribute("cy")) for c in s.locator("circle").all()
            ]
            for s in page.locator("figure").first.locator("g.series").all()
        }
        floor = max(y for points in ys.values() for y in points)
        assert ys["chatty"][-1] == floor  # pass^3 = 0
        assert (
            floor - ys["chatty"][0] > 60 and ys["chatty"][0] - ys["oracle-ish"][0] > 60
        )  # 8 %: apart
        shot = page.screenshot(full_page=True)
        assert shot[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(shot[16:20], "big") == 1280
    finally:
        context.close()
