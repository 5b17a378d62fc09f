#!/usr/bin/env python3
"""Regenerate the published baseline submissions and the leaderboards built from submissions/.

    .venv/bin/python submissions/regenerate.py            # re-run heuristic, random and oracle,
                                                          # replace their submissions, rebuild the
                                                          # boards
    .venv/bin/python submissions/regenerate.py --boards   # only rebuild docs/leaderboard.md and
                                                          # submissions/leaderboard.html
    .venv/bin/python submissions/regenerate.py --check    # verify every submission; fail when
                                                          # a board is stale

Run it after any change to an env, a task generator, the simulated user or a baseline agent
(tests/bench/test_bench__submissions.py fails until you do). Every submission is verified, with
the agent re-run where it can be (the baselines always), before it reaches a board.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "submissions"
BOARD_MD = ROOT / "docs" / "leaderboard.md"
BOARD_HTML = SUBMISSIONS / "leaderboard.html"
BASELINES = ("heuristic", "random", "oracle")
# The published baselines: the full test split of every text env, 4 trials, the published seed.
RUN = ["run", "--agent", ",".join(BASELINES), "--env", "text", "--split", "test", "--trials", "4"]
MANIFEST = {
    "model": "none",
    "contact": "utility-gym maintainers: open an issue at the project's repository",
}
DESCRIPTIONS = {
    "heuristic": "The policy-following rule-based agent of each domain (utility_gym.agents.heuristic_*), no privileged access.",  # noqa: E501
    "random": "Uniform over the admissible actions of each step (utility_gym.agents.random_agent), seeded by the episode seed.",  # noqa: E501
    "oracle": "Replays the hidden task's oracle plan (utility_gym.agents.oracle): a privileged reference, shown apart.",  # noqa: E501
}


def bench(*args: str) -> None:
    command = [sys.executable, "-m", "utility_gym.bench.cli", *args]
    print("$ utility-bench " + " ".join(args), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)


def regenerate_baselines(workers: int) -> None:
    out = Path("runs") / "baselines"  # relative: the recorded command reads the same anywhere
    shutil.rmtree(ROOT / out, ignore_errors=True)
    bench(*RUN, "--workers", str(workers), "--gzip", "--quiet", "--out", str(out))
    for name in BASELINES:
        target = SUBMISSIONS / name
        shutil.rmtree(target, ignore_errors=True)
        bench(
            "submit", str(out / name), "--to", str(target.relative_to(ROOT)),
            "--model", MANIFEST["model"], "--contact", MANIFEST["contact"],
            "--description", DESCRIPTIONS[name],
            "--rerun-command", f"utility-bench verify --rerun submissions/{name}",
            "--workers", str(workers), "--quiet",
        )  # fmt: skip


def boards(workers: int, check: bool) -> int:
    from utility_gym.bench.execution import Runner
    from utility_gym.bench.submit import build_boards

    with Runner(workers) as runner:
        reports, markdown, page = build_boards(SUBMISSIONS, runner)
    status = 0
    for report in reports:
        if report.ok:
            print(f"verified {report.directory} ({report.checked})")
        else:
            status = 1
            print(f"FAILED {report.directory}:", file=sys.stderr)
            for problem in report.problems[:20]:
                print(f"  {problem}", file=sys.stderr)
    for path, text in ((BOARD_MD, markdown), (BOARD_HTML, page)):
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            print(f"{path.relative_to(ROOT)} is up to date")
        elif check:
            status = 1
            print(
                f"{path.relative_to(ROOT)} is stale: run python3 submissions/regenerate.py "
                "--boards",
                file=sys.stderr,
            )
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--boards", action="store_true", help="only rebuild the boards")
    mode.add_argument(
        "--check", action="store_true", help="only verify; exit 1 when a board is stale"
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not (args.boards or args.check):
        regenerate_baselines(args.workers)
    return boards(args.workers, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
