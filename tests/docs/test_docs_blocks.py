"""Every fenced code block of README.md and docs/ runs: python and shell blocks in order, per
file, in a scratch folder. A block that needs the network, a GPU, a model server or a long run
says so in its info string (```bash no-run: REASON) and is skipped with that reason; blocks in
other languages (text, json, diagrams) are output, not code. ``python file=NAME`` also writes
the block to NAME, for a later shell block that imports it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALL_DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").rglob("*.md"))]
RUNNABLE = {"python", "bash", "sh", "shell"}
BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)
# What a shell block may use from the repository, linked into its scratch folder.
LINKED = (".venv", "benchmarks", "submissions", "tests", "dev.py", "pyproject.toml", "setup.py")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    skip: str | None
    file: str | None
    body: str


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    out = []
    for m in BLOCK.finditer(text):
        info = m.group(1).strip()
        lang = info.split()[0] if info else ""
        skip = re.search(r"no-run:\s*(.+)$", info)
        file = re.search(r"\bfile=(\S+)", info)
        out.append(
            Block(
                path,
                text[: m.start()].count("\n") + 1,
                lang,
                skip and skip.group(1).strip(),
                file and file.group(1),
                m.group(2),
            )
        )
    return out


def _scratch(tmp_path: Path) -> Path:
    for name in LINKED:
        if (ROOT / name).exists():
            (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


def _run_python(block: Block, namespace: dict, cwd: Path) -> None:
    if block.file:
        (cwd / block.file).write_text(block.body, encoding="utf-8")
    code = compile(block.body, f"{block.path.name}:{block.line}", "exec")
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        exec(code, namespace)
    finally:
        os.chdir(previous)


def _run_shell(block: Block, cwd: Path) -> None:
    bindir = Path(sys.executable).parent
    env = dict(
        os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONPATH=str(cwd)
    )
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.body],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (
        f"{block.path.relative_to(ROOT)}:{block.line} exited {proc.returncode}\n"
        f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    )


DOCS = [p for p in ALL_DOCS if any(b.lang in RUNNABLE for b in blocks(p))]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs__every_code_block_runs(path: Path, tmp_path: Path) -> None:
    found = [b for b in blocks(path) if b.lang in RUNNABLE]
    cwd = _scratch(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    skipped = []
    for block in found:
        if block.skip:
            skipped.append(f"{block.line}: {block.skip}")
            continue
        if block.lang == "python":
            _run_python(block, namespace, cwd)
        else:
            _run_shell(block, cwd)
    if skipped and len(skipped) == len(found):
        pytest.skip("every block is marked no-run: " + "; ".join(skipped))


def test_docs__no_run_markers_give_a_reason() -> None:
    for path in ALL_DOCS:
        for block in blocks(path):
            if "no-run" in block.path.read_text().splitlines()[block.line - 1]:
                assert block.skip and len(block.skip) > 8, (
                    f"{path}:{block.line}: say why it cannot run"
                )
