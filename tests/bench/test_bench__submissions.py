"""The published submissions (submissions/) re-verify and the boards built from them are current.

This is the CI check of the submission process: every folder of submissions/ is verified with its
manifest required and its agent re-run where it can be (the baselines always are); the boards
docs/leaderboard.md and submissions/leaderboard.html must be exactly what those submissions give.
Any change to an env, a task generator, the simulated user or a baseline agent changes some
transcript: regenerate with `.venv/bin/python submissions/regenerate.py` when this fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from utility_gym.bench.execution import Runner
from utility_gym.bench.files import MANIFEST_FILE, RESULTS_FILE, TRAJECTORIES_GZ
from utility_gym.bench.rules import name_skeleton
from utility_gym.bench.submit import build_boards
from utility_gym.bench.verify import VerifyReport

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "submissions"
FIX = "regenerate with: .venv/bin/python submissions/regenerate.py (see submissions/README.md)"


@pytest.fixture(scope="module")
def built() -> tuple[list[VerifyReport], str, str]:
    with Runner(2) as runner:
        return build_boards(SUBMISSIONS, runner)


def test_bench__every_submission_verifies_and_baselines_are_rerun(
    built: tuple[list[VerifyReport], str, str],
) -> None:
    reports, _, _ = built
    failed = {str(r.directory): r.problems[:3] for r in reports if not r.ok}
    assert not failed, f"{failed}; {FIX}"
    checked = {r.results["agent"]["name"]: r.checked for r in reports}
    assert {"heuristic", "random", "oracle"} <= set(checked)
    assert all(checked[name] == "re-run" for name in ("heuristic", "random", "oracle"))


def test_bench__published_boards_are_current(built: tuple[list[VerifyReport], str, str]) -> None:
    _, markdown, page = built
    assert (ROOT / "docs" / "leaderboard.md").read_text(encoding="utf-8") == markdown, (
        f"docs/leaderboard.md is stale; {FIX} --boards"
    )
    assert (SUBMISSIONS / "leaderboard.html").read_text(encoding="utf-8") == page, (
        f"submissions/leaderboard.html is stale; {FIX} --boards"
    )


def test_bench__submission_folders_follow_the_layout(
    built: tuple[list[VerifyReport], str, str],
) -> None:
    reports, _, _ = built
    folders = sorted(
        p for p in SUBMISSIONS.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))
    )
    assert [f.name for f in folders] == sorted(r.directory.name for r in reports)  # none unchecked
    names = []
    for report in reports:
        files = sorted(p.name for p in (SUBMISSIONS / report.directory.name).iterdir())
        assert files == sorted([RESULTS_FILE, TRAJECTORIES_GZ, MANIFEST_FILE]), report.directory
        name = report.results["agent"]["name"]
        assert report.directory.name == name, "a submission's folder is named after its agent"
        names.append(name_skeleton(name))
    assert len(names) == len(set(names)), "two submissions' agent names read the same"


def test_bench__no_two_submissions_hold_the_same_trajectories(
    built: tuple[list[VerifyReport], str, str],
) -> None:
    """A copy of someone's run under another name (even one that verifies) is not a submission."""
    import gzip
    import hashlib

    reports, _, _ = built
    digests = [
        hashlib.sha256(
            gzip.decompress((SUBMISSIONS / r.directory.name / TRAJECTORIES_GZ).read_bytes())
        ).hexdigest()
        for r in reports
    ]
    assert len(digests) == len(set(digests))
