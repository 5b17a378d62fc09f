#!/usr/bin/env python3
"""Set up and run utility-gym from a fresh checkout: ``python3 dev.py bench`` or ``python3 dev.py
test``.

Standard library only, so it runs before anything is installed. Every command first makes sure
``.venv`` exists and holds ``pip install -e .[dev]`` of the current ``pyproject.toml`` (it
reinstalls only when that file changed since the last install).

    python3 dev.py bench [ARGS...]   baseline agents on the test split (extra ARGS go to
    utility-bench run)
    python3 dev.py test  [ARGS...]   the whole test suite (pytest -n 2) and ruff; ARGS go to pytest
    python3 dev.py lint              ruff check .
    python3 dev.py setup             only create / update the virtual environment
    python3 dev.py clean [--all]     remove caches and build output (--all: the venv and runs/ too)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".utility-gym-installed"
MIN_PYTHON = (3, 11)
# The published baselines (submissions/): every text env, 4 trials; `--env all` adds the
# Chromium web shop (about 1,200 browser episodes: some 15 minutes more on 2 workers).
BENCH_ARGS = [
    "run",
    "--agent", "heuristic,random,oracle",
    "--env", "text",
    "--split", "test",
    "--trials", "4",
    "--workers", "2",
    "--out", "runs/baseline",
]  # fmt: skip


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("help", [])
    commands = {"bench": bench, "test": test, "lint": lint, "setup": setup, "clean": clean}
    if command not in commands:
        print(__doc__.strip())
        return 0 if command in ("help", "-h", "--help") else 2
    return commands[command](args)


# -- commands -------------------------------------------------------------------------------------


def setup(args: list[str] | None = None) -> int:
    """Create ``.venv`` if missing; install the package when pyproject.toml changed."""
    if not PYTHON.exists():
        create_venv()
    digest = hashlib.sha256(
        b"".join((ROOT / name).read_bytes() for name in ("pyproject.toml", "setup.py"))
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        return 0
    say("installing utility-gym and its dev tools into .venv (pyproject.toml changed)")
    run([PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]"])
    STAMP.write_text(digest + "\n")
    return 0


def bench(args: list[str]) -> int:
    setup()
    cli = BIN / ("utility-bench.exe" if os.name == "nt" else "utility-bench")
    return run([cli, *BENCH_ARGS, *args], check=False)


def test(args: list[str]) -> int:
    setup()
    tests = run([PYTHON, "-m", "pytest", "-q", "-n", "2", *args], check=False)
    lint_status = lint([])
    if tests or lint_status:
        say(f"FAILED: pytest exit {tests}, ruff exit {lint_status}")
        return tests or lint_status
    say("all tests and lint passed")
    return 0


def lint(args: list[str]) -> int:
    setup()
    return run([BIN / "ruff", "check", ".", *args], check=False)


def clean(args: list[str]) -> int:
    patterns = ["**/__pycache__", ".pytest_cache", ".ruff_cache", "build", "dist", "*.egg-info"]
    if "--all" in args:
        patterns += [".venv", "runs"]
    for pattern in patterns:
        for path in ROOT.glob(pattern):
            if ".venv" in path.relative_to(ROOT).parts[:1] and pattern != ".venv":
                continue
            say(f"removing {path.relative_to(ROOT)}")
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()
    return 0


# -- helpers --------------------------------------------------------------------------------------


def create_venv() -> None:
    base = find_python()
    say(f"creating .venv with {base}")
    proc = subprocess.run([base, "-m", "venv", str(VENV)], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0 or not PYTHON.exists():
        shutil.rmtree(VENV, ignore_errors=True)
        version = subprocess.run(
            [base, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        sys.stderr.write(proc.stderr)
        die(
            "could not create the virtual environment: the venv module (or ensurepip) is missing.\n"
            f"On Debian/Ubuntu fix it with:  sudo apt-get install -y python{version}-venv\n"
            "then run this command again."
        )


def find_python() -> str:
    """This interpreter if it is new enough, else the newest python3.X on PATH that is."""
    if sys.version_info[:2] >= MIN_PYTHON:
        return sys.executable
    for minor in range(20, MIN_PYTHON[1] - 1, -1):
        found = shutil.which(f"python3.{minor}")
        if found:
            return found
    die(
        f"utility-gym needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]}+, this is "
        f"{sys.version.split()[0]} "
        "and no newer python3.X is on PATH.\nOn Debian/Ubuntu: sudo apt-get install -y python3.11 "
        "python3.11-venv"
    )
    raise AssertionError("unreachable")


def run(command: list[object], check: bool = True) -> int:
    shown = " ".join(str(c) for c in command)
    say(f"$ {shown if len(shown) < 200 else shown[:197] + '...'}")
    env = {
        **os.environ,
        "VIRTUAL_ENV": str(VENV),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("PYTHONHOME", None)
    code = subprocess.call([str(c) for c in command], cwd=ROOT, env=env)
    if check and code != 0:
        die(f"command failed with exit code {code}: {shown}", code)
    return code


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def die(message: str, code: int = 1) -> None:
    sys.stderr.write(f"[dev] error: {message}\n")
    raise SystemExit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
