"""submit: a verified run becomes a submission folder; anything that fails leaves nothing behind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bench_helpers import bench_main

MANIFEST = ["--model", "none", "--contact", "me@example.org", "--description", "a test"]


def test_bench__submit_writes_a_folder_that_verifies_as_a_submission(
    oracle_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    to = tmp_path / "submissions" / "oracle"
    assert (
        bench_main(
            "submit", str(oracle_run), "--to", str(to), *MANIFEST, "--workers", "1", "--quiet"
        )
        == 0
    )
    assert "(6 episodes, re-run)" in capsys.readouterr().out
    assert sorted(p.name for p in to.iterdir()) == [
        "results.json",
        "submission.json",
        "trajectories.jsonl.gz",
    ]
    manifest = json.loads((to / "submission.json").read_text())
    assert manifest["agent"] == "oracle" and manifest["contact"] == "me@example.org"
    assert (
        manifest["run"].startswith("utility-bench run --agent oracle")
        and manifest["rerun"] == manifest["run"]
    )
    assert (
        bench_main("verify", str(to), "--submission", "--rerun", "--workers", "1", "--quiet") == 0
    )
    assert not list(to.parent.glob(".*"))  # no staging folder left


def test_bench__submit_refuses_a_run_that_fails_and_leaves_nothing(
    run_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = json.loads((run_copy / "results.json").read_text())
    results["overall"]["success"] = 0.5
    (run_copy / "results.json").write_text(json.dumps(results))
    to = tmp_path / "submissions" / "oracle"
    assert (
        bench_main("submit", str(run_copy), "--to", str(to), *MANIFEST, "--workers", "1", "--quiet")
        == 1
    )
    out = capsys.readouterr().out
    assert (
        "MISMATCH overall summary: success is 0.5 in results.json" in out and "staging" not in out
    )
    assert not to.exists() and not list(to.parent.iterdir())


def test_bench__submission_manifest_is_checked(oracle_run: Path, tmp_path: Path) -> None:
    to = tmp_path / "sub"
    assert (
        bench_main(
            "submit", str(oracle_run), "--to", str(to), *MANIFEST, "--workers", "1", "--quiet"
        )
        == 0
    )
    from utility_gym.bench.execution import Runner
    from utility_gym.bench.verify import verify_run

    cases = [
        (
            lambda m: m.update(agent="someone-else"),
            "agent 'someone-else' is not the run's agent 'oracle'",
        ),
        (
            lambda m: m.update(run="utility-bench run --agent oracle"),
            "run is not the command recorded",
        ),
        (lambda m: m.update(extra=1), "unexpected field 'extra'"),
        (lambda m: m.pop("contact"), "'contact' is missing"),
    ]
    for change, expected in cases:
        copy = tmp_path / "copy"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(to, copy)
        manifest = json.loads((copy / "submission.json").read_text())
        change(manifest)
        (copy / "submission.json").write_text(json.dumps(manifest))
        with Runner(1) as runner:
            problems = verify_run(copy, runner).problems
        assert any(expected in p for p in problems), (expected, problems)
    (copy / "submission.json").unlink()
    with Runner(1) as runner:
        assert verify_run(copy, runner).ok  # a plain run needs no manifest ...
        problems = verify_run(copy, runner, manifest_required=True).problems
    assert any("submission.json: missing (a submission needs its manifest" in p for p in problems)


def test_bench__submit_refuses_a_used_destination(
    oracle_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    to = tmp_path / "taken"
    to.mkdir()
    (to / "something").write_text("x")
    assert bench_main("submit", str(oracle_run), "--to", str(to), *MANIFEST, "--quiet") == 2
    assert "exists and is not an empty folder" in capsys.readouterr().err
