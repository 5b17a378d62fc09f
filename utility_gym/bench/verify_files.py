"""Steps 1-3 of ``utility-bench verify``: the run folder (regular files only, no unfinished
run), results.json and the manifest against their shapes, and the run's settings and env kwargs
against ``rules``."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from utility_gym.bench.files import (
    MANIFEST_FILE,
    MAX_MANIFEST_BYTES,
    MAX_RESULTS_BYTES,
    PARTIAL_FILE,
    RESULTS_FILE,
    STATE_FILE,
    TRAJECTORIES_FILE,
    TRAJECTORIES_GZ,
    RunFileError,
    check_regular_file,
    read_json_file,
    trajectory_file,
)
from utility_gym.bench.metrics import BOOTSTRAP_RESAMPLES
from utility_gym.bench.rules import SEED_RULE, env_problems, make_kwarg_problems, settings_problems
from utility_gym.bench.schema import check_manifest, check_results
from utility_gym.bench.verify_report import Checker

KNOWN_FILES = frozenset({RESULTS_FILE, TRAJECTORIES_FILE, TRAJECTORIES_GZ, MANIFEST_FILE})


def read_files(ck: Checker, manifest_required: bool) -> tuple[dict[str, Any], Path]:
    """results.json and the manifest, each checked for shape; the trajectories' path."""
    check_folder(ck.dir)
    results = read_json_file(check_regular_file(ck.dir, RESULTS_FILE), MAX_RESULTS_BYTES)
    check_results(results, ck.results_path)
    ck.report.results = results
    manifest_path = ck.dir / MANIFEST_FILE
    if manifest_path.exists() or manifest_path.is_symlink():
        manifest = read_json_file(check_regular_file(ck.dir, MANIFEST_FILE), MAX_MANIFEST_BYTES)
        check_manifest(manifest, str(manifest_path))
        ck.report.manifest = manifest
    elif manifest_required:
        ck.problem(
            f"{manifest_path}: missing (a submission needs its manifest; see docs/submitting.md)"
        )
    return results, trajectory_file(ck.dir)


def check_folder(directory: Path) -> None:
    """A finished run's files and nothing else (hidden files aside); raises RunFileError."""
    if (directory / STATE_FILE).exists() or (directory / PARTIAL_FILE).exists():
        raise RunFileError(
            f"{directory}: an unfinished run (interrupted or still running); finish it with "
            f"`utility-bench run --resume --out {shlex.quote(str(directory))}`"
        )
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith("."):
            # hidden files (an editor's, an interrupted write's temporary) are never read
            continue
        if entry.name not in KNOWN_FILES:
            raise RunFileError(
                f"{entry}: not a file of a run (a run folder holds "
                f"{', '.join(sorted(KNOWN_FILES))})"
            )


def check_settings(ck: Checker, results: dict[str, Any]) -> None:
    """The run's settings, against the rules."""
    where = ck.results_path
    bootstrap = results["overall"].get("bootstrap")
    resamples = bootstrap.get("resamples") if isinstance(bootstrap, dict) else None
    for p in settings_problems(
        split=results["split"],
        trials=results["trials"],
        limit=results["limit"],
        seed=results["seed"],
        resamples=resamples if resamples is not None else BOOTSTRAP_RESAMPLES,
    ):
        ck.problem(f"{where}: {p}")
    if results["seed_rule"] != SEED_RULE:
        ck.problem(f"{where}: seed_rule is not this version's rule ({SEED_RULE})")
    for env_id, doc in results["envs"].items():
        trouble = env_problems(env_id)
        if trouble:
            ck.problem(f"{where}: {trouble}")
        for p in make_kwarg_problems(doc["make_kwargs"], results["split"]):
            ck.problem(f"{where}: {env_id}: {p}")
        _check_resamples(ck, doc["metrics"], f"{env_id} metrics")
    _check_resamples(ck, results["overall"], "overall")


def _check_resamples(ck: Checker, summary: dict[str, Any], where: str) -> None:
    bootstrap = summary.get("bootstrap")
    if not isinstance(bootstrap, dict):
        ck.problem(f"{ck.results_path}: {where}: 'bootstrap' is missing or not an object")
        return
    for p in settings_problems(
        split="test", trials=1, limit=None, seed=0, resamples=bootstrap.get("resamples")
    ):
        ck.problem(f"{ck.results_path}: {where}: {p}")
