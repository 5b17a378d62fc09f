"""The scripted fidelity study of docs/humans.md: does the fidelity report tell people who behave
unlike the AgendaUser apart from people who behave like it?

Scripted "people" (tests/bench/console_people.py) play the user through the console's WSGI app
with the heuristic agent on CustomerService: ``plain``, ``eager`` (every fact, asked or not),
``refuser`` (withholds what it is asked twice), ``quitter`` (leaves after two agent messages),
plus the ``mimic`` control (says exactly what an AgendaUser with the same goal and seed says).
Prints one fidelity report per group.

    .venv/bin/python benchmarks/fidelity_scripted.py --sessions 8 --out /tmp/fidelity-study
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "bench"))

from console_client import Client  # noqa: E402
from console_people import KINDS, mimic_sessions, play_user  # noqa: E402

from utility_gym.bench.console.fidelity import fidelity_report, render_report  # noqa: E402
from utility_gym.bench.console.server import build_console  # noqa: E402

ENV = "utility/CustomerService-v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8, help="sessions per group")
    parser.add_argument("--out", type=Path, default=Path("runs/fidelity-study"))
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    start = time.perf_counter()
    for kind in KINDS:
        app, _ = build_console(args.out / kind, [ENV], ["heuristic"])
        for i in range(args.sessions):
            client = Client(app)
            client.get("/")
            form = {"mode": "user", "player": f"{kind}{i}", "env": ENV, "agent": "heuristic"}
            client.post("/start", form)
            play_user(client, app, client.path, kind)
    mimic_sessions(args.out / "mimic", ENV, "heuristic", args.sessions)
    for kind in (*KINDS, "mimic"):
        print(f"== {kind}")
        print(render_report(fidelity_report([args.out / kind])))
        print()
    print(f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
