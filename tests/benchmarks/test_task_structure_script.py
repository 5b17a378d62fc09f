"""benchmarks/task_structure.py: the structure table of each env's tasks, with the targets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "task_structure.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_task_structure__prints_the_table_and_the_targets_of_customer_service():
    proc = _run("--env", "utility/CustomerService-v1", "--limit", "40")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "utility/CustomerService-v1 (test, 40 tasks)" in out
    for row in ("tool calls (mean)", "consequential writes (mean)", "conditional goals", "tiers"):
        assert row in out
    assert out.count("target ") == 7 and ("PASS" in out or "MISS" in out)


def test_task_structure__figures_of_the_compound_templates_show_their_structure():
    # The test split starts with the compound templates: several writes, conditions, totals.
    proc = _run("--env", "utility/CustomerService-v1", "--limit", "20", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(proc.stdout)["utility/CustomerService-v1"]
    assert figures["tasks"] == 20
    assert figures["writes"] >= 1.5 and figures["two_writes"] >= 0.35
    assert figures["conditional"] >= 0.5 and figures["computed"] >= 0.2
    assert sum(figures["tiers"].values()) == 20 and figures["tiers"].get("hard", 0) >= 5


def test_task_structure__lists_each_task_with_its_tier():
    proc = _run("--env", "utility/CustomerService-v1", "--limit", "3", "--list")
    assert proc.returncode == 0, proc.stderr[-2000:]
    listed = [line for line in proc.stdout.splitlines() if line.startswith("[")]
    assert len(listed) == 3
    assert all(line.split("]")[0][1:] in ("easy", "medium", "hard") for line in listed)
    assert all("(customer_service/" in line for line in listed)
