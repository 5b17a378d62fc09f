"""The published baselines in benchmarks/results still verify against the code as it is.

Any change to an env, a task generator, the user simulator or a baseline agent changes some
transcript; regenerate with `bash benchmarks/results/regenerate.sh` when this fails.
"""

from __future__ import annotations

from pathlib import Path

from bench_helpers import bench_main

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def test_bench__published_baselines_verify() -> None:
    runs = sorted(p for p in RESULTS.iterdir() if (p / "results.json").exists())
    assert {p.name for p in runs} >= {"heuristic", "random", "oracle"}
    assert bench_main("verify", str(RESULTS), "--quiet") == 0, "regenerate: bash benchmarks/results/regenerate.sh"
