"""``utility-bench verify``: check a run against the code, then replay (or re-run) every episode.

Nothing in a run's files is trusted. In order, each step only after the previous one passed:

1. the folder: regular files only, exactly one trajectories file, no unfinished run;
2. every file against its shape (``schema``): one line naming the file, line and field;
3. the run's settings and env kwargs against ``rules`` (the one definition of a valid run):
   the deterministic user only, no endpoint or option outside the allow-list, bounded numbers;
4. what the code says the run is: each env made with the stored kwargs gives the stored spec and
   user simulator, the task list is the split's (recomputed, also its hashes), the package
   version is this one, the recorded command says the same settings, the agent name and class
   are the same in results.json, every trajectory line and the manifest;
5. every planned (env, task, trial) episode exactly once, with its derived seed, nothing else;
6. each episode replayed (the recorded actions in a fresh env: every observation, reward, flag,
   user act and grade must match) or, with ``--rerun``, the agent itself run again (the
   trajectory line must come out byte-identical, time aside);
7. every summary in results.json recomputed from the replayed episodes, metric by metric,
   nothing missing and nothing extra.

All of it runs inside ``seal.sealed()``: no network connection, no credential variable.

This module is the entry point and the order of the steps; the steps are in ``verify_files``
(1-3), ``verify_claims`` (4), ``verify_episodes`` (5), ``verify_replay`` and ``replay_episode``
(6) and ``verify_summaries`` (7); the report and what the checks share in ``verify_report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from utility_gym.bench.execution import Runner
from utility_gym.bench.files import PARTIAL_FILE, RESULTS_FILE, STATE_FILE, RunFileError
from utility_gym.bench.replay_episode import RECOMPUTED_FIELDS, replay_one
from utility_gym.bench.verify_claims import (
    HUMAN_CLASS,
    check_agent,
    check_envs,
    check_manifest,
    check_provenance,
    chosen_task_problem,
    command_problems,
)
from utility_gym.bench.verify_episodes import check_episodes
from utility_gym.bench.verify_files import check_settings, read_files
from utility_gym.bench.verify_replay import (
    EpisodeChecks,
    first_difference,
    replay_group,
    rerun_group,
)
from utility_gym.bench.verify_report import REPLAYED, RERUN, Checker, Stop, VerifyReport
from utility_gym.bench.verify_summaries import check_summaries

__all__ = [
    "HUMAN_CLASS",
    "RECOMPUTED_FIELDS",
    "REPLAYED",
    "RERUN",
    "RERUN_WHERE_POSSIBLE",
    "RunUnreadable",
    "VerifyReport",
    "chosen_task_problem",
    "command_problems",
    "first_difference",
    "replay_group",
    "replay_one",
    "rerun_group",
    "run_directories",
    "verify_run",
]

RERUN_WHERE_POSSIBLE = (
    "where-possible"  # verify_run(rerun=...): re-run any agent that can be, replay the others
)


class RunUnreadable(ValueError):
    """DIR holds no run at all (a user input error: a wrong path)."""


def run_directories(paths: Sequence[str | Path]) -> list[Path]:
    """Each path that holds results.json, or its subfolders that do (``--out`` of a multi-agent run
    or the submissions folder). An unfinished run (its plan file) counts as a run, to be refused."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            raise RunUnreadable(f"{path} is not a readable directory")
        if _is_run(path):
            found.append(path)
            continue
        subs = sorted(p for p in path.iterdir() if p.is_dir() and not p.is_symlink() and _is_run(p))
        if not subs:
            raise RunUnreadable(
                f"{path} holds no {RESULTS_FILE} (nor do its subfolders); pass the --out folder of "
                "a run"
            )
        found.extend(subs)
    return found


def _is_run(path: Path) -> bool:
    return any((path / name).exists() for name in (RESULTS_FILE, STATE_FILE, PARTIAL_FILE))


def verify_run(
    directory: Path,
    runner: Runner,
    *,
    quiet: bool = True,
    rerun: bool | str | None = False,
    manifest_required: bool = False,
) -> VerifyReport:
    """Check one run folder; every problem is one line in ``report.problems``. Never raises on
    any content: a malformed file is a problem like a mismatch.

    ``rerun``: True re-runs the agent (a problem when it cannot be re-run; importing the
    ``package.module`` the run names, which the caller asked for), None re-runs the built-in
    baselines and replays every other run (no agent code a run names is imported: the published
    board, ``submit``), ``RERUN_WHERE_POSSIBLE`` re-runs every agent that can be re-run and
    replays the others (``leaderboard --rerun``), False replays.
    """
    report = VerifyReport(directory, {})
    try:
        _verify(Checker(report), runner, quiet, rerun, manifest_required)
    except Stop:
        pass
    except RunFileError as e:
        report.problems.append(str(e))
    return report


def _verify(
    ck: Checker, runner: Runner, quiet: bool, rerun: bool | str | None, manifest_required: bool
) -> None:
    """The steps in order; each raises Stop (or RunFileError) when later ones would only repeat
    what it found."""
    # 1-2. the folder, and every file's shape (the trajectories' line by line, in 5)
    results, traj_path = read_files(ck, manifest_required)
    # 3. settings, against the rules
    check_settings(ck, results)
    ck.stop_if_problems()  # nothing is made from a run that breaks the rules
    # 4. what the code says the run is
    check_agent(ck, results)
    plan = check_envs(ck, results)
    check_provenance(ck, results, plan)
    check_manifest(ck, results)
    ck.stop_if_problems()
    # 5. the episodes
    records, raw_lines = check_episodes(ck, results, plan, traj_path)
    ck.stop_if_problems()
    # 6. replay, or re-run the agent
    rows = EpisodeChecks(ck, runner, plan, quiet, rerun).run(results, records, raw_lines)
    # 7. the summaries, from the checked episodes only
    ck.stop_if_problems()  # an episode that did not check: its numbers are not to be summed
    check_summaries(ck, results, plan, rows)
