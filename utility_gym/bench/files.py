"""Reading untrusted run files within bounds, and writing run files so a crash never corrupts them.

Reading: every file of a run folder is a regular file inside it (no symlink, no device), of
bounded size (gzip decompressed in a stream, with a cap, so a gzip bomb costs what the cap
allows); JSON is strict (no duplicate key, no NaN or Infinity, no number of more than 4300
digits, bounded nesting), and every error is one line naming the file and the line.

Writing: ``atomic_write`` writes a temporary file in the same folder, fsyncs it, renames it over
the target and fsyncs the folder, so the target is always either the old or the new file.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RESULTS_FILE = "results.json"
TRAJECTORIES_FILE = "trajectories.jsonl"
TRAJECTORIES_GZ = TRAJECTORIES_FILE + ".gz"
MANIFEST_FILE = "submission.json"
# An unfinished run: its plan (run.py writes it first and removes it last) and the episodes
# finished so far, one JSON line each, appended and flushed as they finish.
STATE_FILE = "unfinished-run.json"
PARTIAL_FILE = "trajectories.partial.jsonl"

MAX_RESULTS_BYTES = 16 * 2**20
MAX_MANIFEST_BYTES = 64 * 2**10
MAX_TRAJECTORY_BYTES = 256 * 2**20  # decompressed
MAX_LINE_BYTES = 8 * 2**20
MAX_BLANK_LINES = 100
MAX_DEPTH = 32  # nesting of JSON arrays and objects; a trajectory line needs 6


class RunFileError(ValueError):
    """A run file is missing, unreadable or malformed: one line naming the file (and line)."""


# -- reading ---------------------------------------------------------------------------------------
def check_regular_file(directory: Path, name: str) -> Path:
    """``directory/name`` if it is a regular file (not a symlink) inside ``directory``."""
    path = directory / name
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise RunFileError(f"{path}: missing") from None
    except OSError as e:
        raise RunFileError(f"{path}: cannot read ({e.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise RunFileError(
            f"{path}: is a symbolic link; a run's files must be regular files in its folder"
        )
    if not stat.S_ISREG(info.st_mode):
        raise RunFileError(f"{path}: not a regular file")
    return path


def read_json_file(path: Path, max_bytes: int) -> Any:
    """A whole JSON file (strict, bounded)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise RunFileError(f"{path}: {size} bytes, more than the {max_bytes} allowed")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise RunFileError(f"{path}: not UTF-8 (byte {e.start})") from None
    except OSError as e:
        raise RunFileError(f"{path}: cannot read ({e.strerror})") from None
    return loads_strict(text, str(path))


def loads_strict(text: str, where: str, line: int | None = None) -> Any:
    """``json.loads`` that refuses duplicate keys, NaN/Infinity, huge numbers and deep nesting."""
    at = f"{where} line {line}" if line is not None else where
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        lineno = e.lineno if line is None else line
        raise RunFileError(
            f"{where} line {lineno}: not valid JSON ({e.msg}, column {e.colno})"
        ) from None
    except _Refused as e:
        raise RunFileError(f"{at}: {e}") from None
    except RecursionError:
        raise RunFileError(f"{at}: JSON nested too deeply") from None
    except ValueError as e:  # an integer of more than 4300 digits
        raise RunFileError(f"{at}: {' '.join(str(e).split())[:120]}") from None
    if _depth(value) > MAX_DEPTH:
        raise RunFileError(f"{at}: JSON nested deeper than {MAX_DEPTH} levels")
    return value


class _Refused(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"duplicate key {key[:60]!r} in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    """Nesting depth, iteratively (a deep value must not exhaust the stack here either)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend((v, level + 1) for v in item)
    return deepest


def trajectory_file(directory: Path) -> Path:
    """The one trajectories file of a run folder (plain or gzip, not both)."""
    plain, packed = directory / TRAJECTORIES_FILE, directory / TRAJECTORIES_GZ
    present = [p for p in (plain, packed) if os.path.lexists(p)]
    if len(present) == 2:
        raise RunFileError(
            f"{directory}: holds both {TRAJECTORIES_FILE} and {TRAJECTORIES_GZ}; keep exactly one"
        )
    if not present:
        raise RunFileError(f"{directory}: {TRAJECTORIES_FILE} (or {TRAJECTORIES_GZ}) is missing")
    return check_regular_file(directory, present[0].name)


def iter_json_lines(
    path: Path, *, max_lines: int | None = None, max_bytes: int | None = None
) -> Iterator[tuple[int, Any]]:
    """(line number, object) for each line of a JSON-lines file, plain or gzip, within bounds.

    Blank lines are skipped (but counted). A last line without its newline is a truncated file
    (a run killed while writing): reported at that line.
    """
    max_bytes = MAX_TRAJECTORY_BYTES if max_bytes is None else max_bytes
    with _open_lines(path) as stream:
        total = 0
        number = 0
        objects = 0
        blank = 0
        while True:
            try:
                raw = stream.readline(MAX_LINE_BYTES + 1)
            except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as e:
                raise RunFileError(
                    f"{path} line {number + 1}: the gzip stream is damaged or truncated "
                    f"({' '.join(str(e).split()) or type(e).__name__})"
                ) from None
            if not raw:
                return
            number += 1
            total += len(raw)
            if total > max_bytes:
                raise RunFileError(
                    f"{path} line {number}: more than {max_bytes} bytes of trajectories"
                )
            if len(raw) > MAX_LINE_BYTES:
                raise RunFileError(f"{path} line {number}: longer than {MAX_LINE_BYTES} bytes")
            if not raw.endswith(b"\n"):
                raise RunFileError(
                    f"{path} line {number}: truncated (no newline at its end: the run was "
                    "interrupted while writing?)"
                )
            if not raw.strip():
                blank += 1
                if blank > MAX_BLANK_LINES:
                    raise RunFileError(
                        f"{path} line {number}: more than {MAX_BLANK_LINES} blank lines"
                    )
                continue
            objects += 1
            if max_lines is not None and objects > max_lines:
                raise RunFileError(
                    f"{path} line {number}: more episodes than the run has ({max_lines})"
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise RunFileError(f"{path} line {number}: not UTF-8 (byte {e.start})") from None
            yield number, loads_strict(text, str(path), number)


def _open_lines(path: Path) -> io.BufferedIOBase:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if path.name.endswith(".gz"):
        if magic != b"\x1f\x8b":
            raise RunFileError(f"{path} line 1: not a gzip file")
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if magic == b"\x1f\x8b":
        raise RunFileError(f"{path} line 1: gzip data in a file not named .gz")
    return open(path, "rb")


# -- writing ---------------------------------------------------------------------------------------
def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically: temporary file, fsync, rename, fsync the folder."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not supported here (e.g. Windows): the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def json_line(record: dict[str, Any]) -> str:
    """One trajectory line: the exact serialization run, resume, play and verify --rerun share."""
    return json.dumps(record, ensure_ascii=False, default=str) + "\n"


def gzip_bytes(data: bytes) -> bytes:
    """gzip with mtime 0: the same lines give the same bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as f:
        f.write(data)
    return buffer.getvalue()
