"""``utility-bench submit``: turn a finished run into a submission folder, verified.

A submission is a folder of ``submissions/``: ``results.json`` as ``run`` wrote it,
``trajectories.jsonl.gz`` (the same lines, gzip with mtime 0) and ``submission.json``, the
manifest (agent name, model, contact, description, the command that made the run and how to
re-run it). The folder is written beside its destination, verified there (with the agent re-run
when it can be) and only then renamed into place, so a failed submission leaves nothing behind.
"""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

from utility_gym.bench.execution import Runner
from utility_gym.bench.files import (
    MANIFEST_FILE,
    MAX_RESULTS_BYTES,
    RESULTS_FILE,
    TRAJECTORIES_GZ,
    RunFileError,
    atomic_write,
    check_regular_file,
    gzip_bytes,
    iter_json_lines,
    json_line,
    read_json_file,
    trajectory_file,
)
from utility_gym.bench.schema import MANIFEST_FORMAT
from utility_gym.bench.verify import VerifyReport, verify_run


class SubmitError(ValueError):
    """The run cannot be packaged (a user input error)."""


def manifest_for(
    results: dict,
    *,
    model: str,
    contact: str,
    description: str = "",
    rerun_command: str = "",
    source: str | None = None,
) -> dict:
    command = shlex.join(results["provenance"]["command"])
    manifest = {
        "format": MANIFEST_FORMAT,
        "agent": results["agent"]["name"],
        "model": model,
        "contact": contact,
        "description": description,
        "run": command,
        "rerun": rerun_command or command,
    }
    if source:
        manifest["source"] = source
    return manifest


def make_submission(
    run_dir: Path,
    to: Path,
    *,
    model: str,
    contact: str,
    description: str = "",
    rerun_command: str = "",
    source: str | None = None,
    runner: Runner,
    quiet: bool = True,
) -> VerifyReport:
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise SubmitError(f"{to} exists and is not an empty folder; pick a new --to")
    try:
        results = read_json_file(check_regular_file(run_dir, RESULTS_FILE), MAX_RESULTS_BYTES)
        lines = [json_line(record) for _, record in iter_json_lines(trajectory_file(run_dir))]
        results["agent"]["name"], results["provenance"]["command"]  # noqa: B018 (shape check)
    except (RunFileError, KeyError, TypeError) as e:
        raise SubmitError(f"{run_dir} is not a finished run ({e})") from None
    staging = to.with_name(f".{to.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        shutil.copyfile(run_dir / RESULTS_FILE, staging / RESULTS_FILE)
        atomic_write(staging / TRAJECTORIES_GZ, gzip_bytes("".join(lines).encode("utf-8")))
        manifest = manifest_for(
            results, model=model, contact=contact, description=description,
            rerun_command=rerun_command, source=source,
        )  # fmt: skip
        atomic_write(staging / MANIFEST_FILE, (json.dumps(manifest, indent=2) + "\n").encode())
        report = verify_run(staging, runner, quiet=quiet, rerun=None, manifest_required=True)
        if not report.ok:  # name the run the submitter gave, not the staging folder
            report.problems = [p.replace(str(staging), str(run_dir)) for p in report.problems]
            report.directory = run_dir
            return report
        if to.exists():
            to.rmdir()
        staging.rename(to)
        report.directory = to
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# -- the published board -------------------------------------------------------------------------
BOARD_TITLE = "utility-gym leaderboard"
BOARD_COMMAND = "python3 submissions/regenerate.py --boards"


def build_boards(
    submissions: Path, runner: Runner, *, quiet: bool = True
) -> tuple[list[VerifyReport], str, str]:
    """Verify every submission (re-running every agent that can be re-run, manifest required)
    and render the boards from those that pass: (reports, Markdown, HTML).

    Used by ``submissions/regenerate.py`` to write ``docs/leaderboard.md`` and
    ``submissions/leaderboard.html``, and by the test that fails when they are stale.
    """
    from utility_gym.bench.leaderboard import entries_from, render_html, render_markdown
    from utility_gym.bench.seal import sealed
    from utility_gym.bench.verify import run_directories

    reports = []
    with sealed():
        for directory in run_directories([submissions]):
            try:
                report = verify_run(
                    directory, runner, quiet=quiet, rerun=None, manifest_required=True
                )
            except Exception as e:  # the board never falls over
                report = VerifyReport(directory, {}, problems=[f"{type(e).__name__}: {e}"])
            # The board names folders as the repository does (submissions/NAME), wherever it is.
            report.directory = Path(submissions.name) / directory.name
            reports.append(report)
    entries = entries_from(reports)
    return (
        reports,
        render_markdown(entries, BOARD_TITLE, command=BOARD_COMMAND),
        render_html(entries, BOARD_TITLE),
    )
