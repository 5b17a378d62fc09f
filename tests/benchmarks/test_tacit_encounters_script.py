"""benchmarks/tacit_encounters.py: success on tacit hits by earlier encounters of the same key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "tacit_encounters.py"
KINDS = ("refund_preference", "usual_address", "usual_size")


def _figures(agent: str) -> dict[str, dict]:
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--env",
            "utility/CustomerServiceStream-v1",
            "--agent",
            agent,
            "--streams",
            "4",
            "--length",
            "50",
            "--size",
            "small",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_tacit_encounters__the_learner_is_competent_after_one_encounter_the_heuristic_never():
    learner, heuristic = _figures("learner"), _figures("heuristic")
    assert set(learner) == set(heuristic) == set(KINDS)
    for kind in KINDS:
        assert learner[kind]["first_success"] == 0.0  # nobody knows the regular yet
        assert heuristic[kind]["first_success"] == 0.0
        assert heuristic[kind]["competent_after"] is None
    assert all(learner[k]["later_success"] == 1.0 for k in KINDS if learner[k]["later"])
    assert sum(learner[k]["later"] for k in KINDS) >= 3
    assert all(heuristic[k]["later_success"] in (None, 0.0) for k in KINDS)
