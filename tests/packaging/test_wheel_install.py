"""The wheel works outside the repository: build it, install it in a fresh venv, run a smoke test.

setup.py maps the top-level envs/ and agents/ folders to utility_gym.envs / utility_gym.agents
and package-data lists the data files; an editable install hides mistakes in either (it reads
the repository), so this test installs the built wheel instead. Dependencies are not
downloaded again: the fresh venv sees the test environment's site-packages through a ``.pth``
line (which adds the directory to sys.path without running that directory's own ``.pth``
files, so the editable install's finder stays off and the wheel's copy is the one imported).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _repo_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [f for f in out.stdout.decode().split("\0") if f and (ROOT / f).is_file()]


def test_wheel_installs_and_runs_outside_the_repo(tmp_path: Path) -> None:
    # Build from a clean copy of the tracked files (no build/ or egg-info left in the repo).
    src = tmp_path / "src"
    for name in _repo_files():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)],
        check=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("utility_gym-*.whl")

    fresh = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    fresh_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(fresh_site, "test_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run([*pip, "install", "--no-deps", "-q", str(wheel)], check=True, timeout=600)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy2(Path(__file__).with_name("wheel_smoke.py"), outside / "wheel_smoke.py")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    run = subprocess.run(
        [str(python), "wheel_smoke.py"], cwd=outside, env=env, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "wheel smoke test passed" in run.stdout
