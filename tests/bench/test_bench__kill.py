"""Runs survive crashes: SIGKILL at 16 points (every stage, the final write included) and at random
moments, and Ctrl-C. A killed run never leaves a folder that verifies with other numbers than the
uninterrupted run's, and ``run --resume`` always ends with exactly the uninterrupted result."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bench_helpers import CS, HERE, ROOT, bench_cli, bench_main, comparable

from utility_gym.bench.execution import Runner
from utility_gym.bench.files import PARTIAL_FILE, STATE_FILE
from utility_gym.bench.verify import verify_run

RUN = ["run", "--agent", "oracle", "--env", CS, "--limit", "4", "--trials", "2", "--workers", "1", "--size", "small", "--quiet"]  # fmt: skip  # noqa: E501
SLOW = ["run", "--agent", "bench_helpers:SlowOracle", *RUN[3:]]
EPISODES = 8


def _env() -> dict[str, str]:
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE), os.environ.get("PYTHONPATH", "")]),
    )


def _killed_at(point: str, n: int, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HERE / "kill_driver.py"), point, str(n), *RUN, "--out", str(out)],
        capture_output=True, text=True, timeout=300, env=_env(), cwd=ROOT,
    )  # fmt: skip


def _report(out: Path):  # noqa: ANN202
    with Runner(1) as runner:
        return verify_run(out, runner)


def _check_after_kill(out: Path, reference: object) -> None:
    """The folder verifies only with the reference numbers; --resume ends with the reference."""
    if (out / "results.json").exists() or (out / STATE_FILE).exists():
        report = _report(out)
        if report.ok:
            assert comparable(out) == reference
    resumed = bench_cli(*RUN, "--resume", "--out", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert comparable(out) == reference
    assert _report(out).ok
    assert not (out / STATE_FILE).exists() and not (out / PARTIAL_FILE).exists()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> object:
    out = tmp_path_factory.mktemp("uninterrupted")
    assert bench_main(*RUN, "--out", str(out)) == 0
    return comparable(out)


POINTS = [
    ("replace-before", 1),  # the plan (state file) not yet written: nothing began
    ("replace-after", 1),  # the plan written, no partial file yet
    ("episode", 1),
    ("episode", 4),
    ("midline", 3),  # a half-written line in the partial file
    ("episode", 8),  # every episode but the last kept
    ("midline", 8),
    ("replace-before", 2),  # final write: trajectories in a temporary file, not yet renamed
    ("replace-after", 2),  # final write: new trajectories, results.json not yet written
    ("replace-before", 3),  # final write: results.json in a temporary file
    ("replace-after", 3),  # final write: both files, the state not yet updated
    ("replace-before", 4),
    ("replace-after", 4),  # the state says finished; the partial file is still there
    ("unlink-before", 1),
    ("unlink-before", 2),  # before the partial file goes
    ("unlink-before", 3),  # before the state goes: the very last step
]


@pytest.mark.parametrize(("point", "n"), POINTS, ids=[f"{p}-{n}" for p, n in POINTS])
def test_bench__sigkill_at_a_point_then_resume(
    tmp_path: Path, reference: object, point: str, n: int
) -> None:
    out = tmp_path / "run"
    killed = _killed_at(point, n, out)
    assert killed.returncode == -signal.SIGKILL, (killed.stdout, killed.stderr)
    _check_after_kill(out, reference)


def test_bench__sigkill_at_random_moments_then_resume(tmp_path: Path) -> None:
    reference_out = tmp_path / "reference"
    assert bench_cli(*SLOW, "--out", str(reference_out)).returncode == 0
    reference = comparable(reference_out)
    rng = random.Random(13)
    for attempt in range(3):
        out = tmp_path / f"run{attempt}"
        process = subprocess.Popen([sys.executable, "-m", "utility_gym.bench.cli", *SLOW, "--out", str(out)], env=_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip  # noqa: E501
        time.sleep(rng.uniform(1.0, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait(60)
        if (out / "results.json").exists() and not (out / STATE_FILE).exists():
            assert comparable(out) == reference  # it had finished
        elif (out / "results.json").exists():
            assert not _report(out).ok
        resumed = bench_cli(*SLOW, "--resume", "--out", str(out))
        assert resumed.returncode == 0, resumed.stderr
        assert comparable(out) == reference and _report(out).ok


def test_bench__ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    reference_out = tmp_path / "reference"
    assert bench_cli(*SLOW, "--out", str(reference_out)).returncode == 0
    out = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "utility_gym.bench.cli", *SLOW, "--out", str(out)], env=_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip  # noqa: E501
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until at least one episode is kept
        partial = out / PARTIAL_FILE
        if partial.exists() and partial.read_text().count("\n") >= 1:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert (
        f"the finished ones are kept. Resume with: utility-bench run --resume --out {out}" in stderr
    )
    kept = (out / PARTIAL_FILE).read_text().count("\n")
    assert 1 <= kept < EPISODES
    assert not _report(out).ok  # an unfinished run never verifies
    resumed = bench_cli("run", "--resume", "--out", str(out))  # the plan comes from the folder
    assert resumed.returncode == 0, resumed.stderr
    assert f"{kept} episodes kept from the interrupted run" in resumed.stdout
    assert comparable(out) == comparable(reference_out)
    results = json.loads((out / "results.json").read_text())
    assert results["provenance"]["resumed"] == kept
    assert (
        results["provenance"]["command"][:2] == ["utility-bench", "run"]
        and "--resume" not in results["provenance"]["command"]
    )


def test_bench__a_new_run_killed_in_its_final_write_never_mixes_with_the_old_one(
    tmp_path: Path, reference: object
) -> None:
    out = tmp_path / "run"
    old = [*RUN[: RUN.index("--trials")], "--trials", "1", *RUN[RUN.index("--trials") + 2 :]]
    assert bench_main(*old, "--out", str(out)) == 0  # a good earlier run in the same folder
    old_results = (out / "results.json").read_bytes()
    killed = _killed_at("replace-after", 2, out)  # new trajectories, old results.json
    assert killed.returncode == -signal.SIGKILL
    assert (out / "results.json").read_bytes() == old_results
    report = _report(out)
    assert not report.ok and "an unfinished run" in report.problems[0]
    _check_after_kill(out, reference)


def test_bench__a_fresh_run_refuses_a_folder_holding_an_unfinished_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert _killed_at("episode", 3, out).returncode == -signal.SIGKILL
    again = bench_cli(*RUN, "--out", str(out))
    assert again.returncode == 2
    assert (
        f"holds an unfinished run: continue it with `utility-bench run --resume --out {out}`"
        in again.stderr
    )


def test_bench__resume_refuses_another_plan(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert _killed_at("episode", 3, out).returncode == -signal.SIGKILL
    other = bench_cli(
        *[a if a != "oracle" else "random" for a in RUN], "--resume", "--out", str(out)
    )
    assert other.returncode == 2
    assert "is not the interrupted run's (oracle); leave it out with --resume" in other.stderr


def test_bench__a_two_agent_run_killed_in_its_second_agent_resumes_both(tmp_path: Path) -> None:
    two = [a if a != "oracle" else "oracle,do-nothing" for a in RUN]
    reference = tmp_path / "reference"
    assert bench_main(*two, "--out", str(reference)) == 0
    out = tmp_path / "run"
    killed = subprocess.run(
        [sys.executable, str(HERE / "kill_driver.py"), "episode", str(EPISODES + 3), *two, "--out", str(out)],  # noqa: E501
        capture_output=True, text=True, timeout=300, env=_env(), cwd=ROOT,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    assert _report(out / "oracle").ok  # the first agent had finished: its folder is final
    assert not _report(out / "do-nothing").ok  # the second had not
    state = json.loads((out / STATE_FILE).read_text())
    assert state["finished"] == ["oracle"]
    resumed = bench_cli("run", "--resume", "--out", str(out))
    assert resumed.returncode == 0, resumed.stderr
    for agent in ("oracle", "do-nothing"):
        assert comparable(out / agent) == comparable(reference / agent)
    assert not (out / STATE_FILE).exists()
