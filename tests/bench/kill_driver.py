"""``utility-bench ARGS`` that SIGKILLs itself at a chosen point: ``python kill_driver.py POINT N
ARGS``.

POINT is where, N which occurrence (1-based):
  episode         before the N-th finished episode is appended to the partial file
  midline         halfway through writing the N-th episode's line (then killed)
  replace-before  just before the N-th os.replace (an atomic write's rename)
  replace-after   just after the N-th os.replace
  unlink-before   just before the N-th os.unlink (removing the partial file, the state)
"""

from __future__ import annotations

import os
import signal
import sys

from utility_gym.bench import runner
from utility_gym.bench.cli import main

POINT, N, ARGS = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
calls = 0


def due() -> bool:
    global calls
    calls += 1
    return calls == N


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


if POINT in ("episode", "midline"):
    append = runner.append_line

    def append_line(partial, line):  # noqa: ANN001, ANN202
        if due():
            if POINT == "midline":
                partial.write(line[: len(line) // 2])
                partial.flush()
            die()
        append(partial, line)

    runner.append_line = append_line
elif POINT.startswith("replace"):
    replace = os.replace

    def patched_replace(src, dst):  # noqa: ANN001, ANN202
        hit = due()
        if hit and POINT == "replace-before":
            die()
        replace(src, dst)
        if hit:
            die()

    os.replace = patched_replace
elif POINT == "unlink-before":
    unlink = os.unlink

    def patched_unlink(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if due():
            die()
        unlink(path, *args, **kwargs)

    os.unlink = patched_unlink
else:
    raise SystemExit(f"unknown point {POINT}")

sys.exit(main(ARGS))
