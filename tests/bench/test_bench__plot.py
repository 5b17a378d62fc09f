"""utility-bench plot: a PNG of success with intervals per env and pass^k curves (extra 'plot')."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from bench_helpers import ROOT, bench_main


def _needs_matplotlib() -> None:
    if importlib.util.find_spec("matplotlib") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI installs the plot extra (.ci/run), but matplotlib is missing")
        pytest.skip("matplotlib is not installed (pip install 'utility-gym[plot]')")


def test_bench__plot_draws_the_published_runs(tmp_path: Path) -> None:
    _needs_matplotlib()
    out = tmp_path / "plot.png"
    assert bench_main("plot", str(ROOT / "submissions"), "--out", str(out)) == 0
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > height > 300


def test_bench__plot_of_a_folder_without_runs_is_a_usage_error(tmp_path: Path, capsys) -> None:
    _needs_matplotlib()
    assert bench_main("plot", str(tmp_path), "--out", str(tmp_path / "p.png")) == 2
    assert "holds no results.json" in capsys.readouterr().err
    assert not (tmp_path / "p.png").exists()
