"""Bringing your own agent: ``module:Class`` and ``path/to/file.py:Class`` load from the current
directory (no PYTHONPATH), the run is named by --name or the agent's ``name``, and an agent that
declares ``deterministic = True`` is re-run by ``verify --rerun``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench_helpers import CS

AGENT = '''
import json


class MyAgent:
    """Ends every conversation at once: deterministic, and a failure almost everywhere."""

    name = "{name}"
    deterministic = True

    def reset(self):
        pass

    def act(self, obs, info):
        return json.dumps({{"name": "end_conversation", "arguments": {{}}}})
'''


def _bench(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it (``python -m`` would put the cwd first)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing but the cwd helps
    return subprocess.run(
        [str(Path(sys.executable).parent / "utility-bench"), *args],
        capture_output=True, text=True, timeout=300, env=env, cwd=cwd,
    )  # fmt: skip


QUICK = ["--env", CS, "--limit", "2", "--workers", "1", "--size", "small", "--quiet"]


def test_bench__module_agent_from_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / "my_agent.py").write_text(AGENT.format(name="my-agent"))
    done = _bench(tmp_path, "run", "--agent", "my_agent:MyAgent", *QUICK, "--out", "out")
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["agent"]["name"] == "my-agent"  # the agent's own name, not the class name
    assert results["envs"][CS]["agent_class"] == "my_agent:MyAgent"
    verified = _bench(tmp_path, "verify", "out", "--rerun", "--workers", "1", "--quiet")
    assert verified.returncode == 0, verified.stdout
    assert "re-run: the agent gave the same trajectories" in verified.stdout


def test_bench__file_agent_with_a_name_and_two_workers(tmp_path: Path) -> None:
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "closer.py").write_text(AGENT.format(name="closer"))
    args = ["run", "--agent", "agents/closer.py:MyAgent", "--name", "closer.v2", *QUICK]
    done = _bench(tmp_path, *[a if a != "1" else "2" for a in args], "--out", "out")
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["agent"]["name"] == "closer.v2"
    records = (tmp_path / "out" / "trajectories.jsonl").read_text().splitlines()
    assert {json.loads(line)["agent"] for line in records} == {"closer.v2"}
    verified = _bench(tmp_path, "verify", "out", "--workers", "1", "--quiet")
    assert verified.returncode == 0, verified.stdout  # replayed: file agents are not re-run
    rerun = _bench(tmp_path, "verify", "out", "--rerun", "--workers", "1", "--quiet")
    assert (
        rerun.returncode == 1
        and "is loaded from a file; only package.module:Class agents can be re-run" in rerun.stdout
    )


def test_bench__a_name_the_board_cannot_show_is_refused(tmp_path: Path) -> None:
    (tmp_path / "my_agent.py").write_text(AGENT.format(name="My Agent <b>"))
    done = _bench(tmp_path, "run", "--agent", "my_agent:MyAgent", *QUICK, "--out", "out")
    assert done.returncode == 2
    assert "agent name 'My Agent <b>' is not allowed: use 1-64 ASCII letters" in done.stderr
    assert "pass --name NAME" in done.stderr
    named = _bench(
        tmp_path, "run", "--agent", "my_agent:MyAgent", "--name", "ok-name", *QUICK, "--out", "out"
    )
    assert named.returncode == 0, named.stderr


def test_bench__a_missing_module_says_where_it_looked(tmp_path: Path) -> None:
    done = _bench(tmp_path, "run", "--agent", "nowhere:Agent", *QUICK, "--out", "out")
    assert done.returncode == 2
    assert f"looked on sys.path and in {tmp_path}" in done.stderr
    missing = _bench(tmp_path, "run", "--agent", "agents/none.py:Agent", *QUICK, "--out", "out")
    assert missing.returncode == 2 and "no file agents/none.py for agent" in missing.stderr


def test_bench__the_package_import_is_not_shadowed_by_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / "utility_gym.py").write_text("raise SystemExit('shadowed')\n")
    done = _bench(tmp_path, "run", "--agent", "oracle", *QUICK, "--out", "out")
    assert done.returncode == 0, done.stderr  # the installed package was used, not ./utility_gym.py
