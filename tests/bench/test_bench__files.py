"""The file layer: bounded strict reading and atomic writing, in isolation."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from utility_gym.bench import files
from utility_gym.bench.files import RunFileError, atomic_write, iter_json_lines, loads_strict


def test_bench__files_byte_cap_stops_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_TRAJECTORY_BYTES", 1000)
    path = tmp_path / "t.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n' * 200))
    with pytest.raises(
        RunFileError, match=r"t.jsonl.gz line 112: more than 1000 bytes of trajectories"
    ):
        list(iter_json_lines(path))


def test_bench__files_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\n{"a": \n')
    with pytest.raises(RunFileError, match=r"t.jsonl line 4: not valid JSON"):
        list(iter_json_lines(path))
    path.write_text('{"a": 1}\n\n{"a": 2}\n')
    assert [n for n, _ in iter_json_lines(path)] == [1, 3]


def test_bench__files_strict_json() -> None:
    with pytest.raises(RunFileError, match="duplicate key 'a'"):
        loads_strict('{"a": 1, "a": 2}', "x")
    with pytest.raises(RunFileError, match="Infinity is not a JSON number"):
        loads_strict('{"a": Infinity}', "x")
    with pytest.raises(RunFileError, match="nested too deeply|nested deeper"):
        loads_strict("[" * 100_000 + "]" * 100_000, "x")
    with pytest.raises(RunFileError, match="x: .*digits|x: .*integer"):
        loads_strict("1" * 5000, "x")
    assert loads_strict('{"a": [1, 2.5, "é"]}', "x") == {"a": [1, 2.5, "é"]}


def test_bench__atomic_write_leaves_the_old_or_the_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "results.json"
    target.write_text("old")

    def fail(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_text() == "old"  # a failed write never touches the target
    monkeypatch.undo()
    atomic_write(target, b"new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == ["results.json"]


def test_bench__a_device_or_folder_is_not_a_run_file(tmp_path: Path) -> None:
    (tmp_path / "results.json").mkdir()
    with pytest.raises(RunFileError, match="not a regular file"):
        files.check_regular_file(tmp_path, "results.json")
