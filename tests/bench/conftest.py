"""Fixtures for the utility-bench tests: a small oracle run, and private copies to tamper with."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bench_helpers import run_small_oracle


@pytest.fixture(scope="module")
def oracle_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small verified-to-be run: the oracle on 3 tasks x 2 trials."""
    out = tmp_path_factory.mktemp("oracle_run")
    code = run_small_oracle(out)
    assert code == 0
    return out


@pytest.fixture
def run_copy(oracle_run: Path, tmp_path: Path) -> Path:
    """A private copy of ``oracle_run`` that a test may tamper with."""
    target = tmp_path / "run"
    shutil.copytree(oracle_run, target)
    return target
