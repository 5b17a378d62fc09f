"""benchmarks/stream_speed.py: next-position stream resets, timed while the oracle works."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "stream_speed.py"


def test_stream_speed__times_every_next_position_and_judges_the_target(tmp_path) -> None:
    out = tmp_path / "stream_speed.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--env", "utility/TicketingStream-v2", "--size", "small", "--length", "8", "--json", str(out)],  # noqa: E501
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    figure = json.loads(out.read_text())["envs"]["utility/TicketingStream-v2"]
    assert figure["n"] == 7 and figure["median_us"] > 0  # position 0 starts the stream
    assert figure["memo_hits"] + figure["memo_misses"] > 0
    assert sum(1 for _ in figure["templates"]) >= 2
    assert "target ≤ 2 ms: " in proc.stdout
    bad = subprocess.run(
        [sys.executable, str(SCRIPT), "--length", "1"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "--length must be at least 2" in bad.stderr
