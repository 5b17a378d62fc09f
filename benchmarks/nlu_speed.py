"""Speed of the simulated user's NLU: median microseconds per `understand` call over the corpus.

    python benchmarks/nlu_speed.py                 # 20 repeats over
    tests/core/data/agent_utterances.jsonl
    python benchmarks/nlu_speed.py --repeats 50

Target: < 40 µs for a typical one-sentence message. Figures are for the cold path (a message
never seen before); `understand` also keeps the readings of recent messages, and a repeat
costs well under a microsecond (printed last). The script prints PASS/MISS next to the figure
but never fails: it measures, tests assert. Times are CPU time of this thread (robust to other
processes being scheduled, not to them sharing the core), so a reference operation is timed
right after every call: on an idle modern x86 core `sum(range(100))` takes about 0.6 µs, and
the "calibrated" line rescales each one-sentence call by that reference before taking medians. It
also times one 100 KB
message (linear-time check).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from pathlib import Path

from utility_gym.core.nlu import DEFAULT_LEXICON, understand
from utility_gym.core.nlu.reading import _understand

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "core" / "data" / "agent_utterances.jsonl"
TARGET_US = 40.0
REFERENCE_IDLE_US = 0.6  # sum(range(100)) on an idle ~4 GHz x86 core, CPython 3.11


def _reference_us(clock=time.thread_time_ns, n: int = 2000) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = clock()
        for _ in range(n):
            sum(range(100))
        best = min(best, (clock() - t0) / n / 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()

    texts = [
        json.loads(line)["text"]
        for line in args.corpus.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    short_ids = {
        i
        for i, t in enumerate(texts)
        if t.count(".") + t.count("?") + t.count("!") <= 1 and "\n" not in t
    }
    for t in texts:  # warm-up: compile caches, first-call costs
        _understand(t, DEFAULT_LEXICON)

    def cold(text: str) -> None:  # no reading memo: every call does the full work
        _understand(text, DEFAULT_LEXICON)

    clock = time.thread_time_ns
    gc.disable()
    try:
        refs = [_reference_us()]
        per_call: list[float] = []  # mean µs per call over the corpus, one figure per repeat
        per_message: list[list[float]] = [[] for _ in texts]
        calibrated_per_message: list[list[float]] = [[] for _ in texts]
        for _ in range(args.repeats):
            total = 0
            for i, t in enumerate(texts):
                t0 = clock()
                cold(t)
                t1 = clock()
                for _ in range(10):  # reference work right next to the call, same machine state
                    sum(range(100))
                t2 = clock()
                dt = t1 - t0
                total += dt
                per_message[i].append(dt / 1000)
                ref_now = max((t2 - t1) / 10 / 1000, 1e-3)
                refs.append(ref_now)
                calibrated_per_message[i].append(dt / 1000 * REFERENCE_IDLE_US / ref_now)
            per_call.append(total / len(texts) / 1000)
        big = ("Hello, I checked order #W1001 and the refund of $52.10 is on its way. " * 1500)[
            :100_000
        ]
        t0 = clock()
        cold(big)
        big_ms = (clock() - t0) / 1e6
        for t in texts:
            understand(t)
        t0 = clock()
        for t in texts:
            understand(t)
        repeat_us = (clock() - t0) / len(texts) / 1000
    finally:
        gc.enable()

    every = [statistics.median(v) for v in per_message]
    short = [statistics.median(v) for i, v in enumerate(per_message) if i in short_ids]
    short_median = statistics.median(short)
    ref = statistics.median(refs)
    calibrated = statistics.median(
        statistics.median(v) for i, v in enumerate(calibrated_per_message) if i in short_ids
    )
    verdict = "PASS" if calibrated < TARGET_US else "MISS"
    print(f"corpus: {len(texts)} agent messages, {args.repeats} repeats (thread CPU time)")
    print(f"median per understand() call over the corpus: {statistics.median(per_call):.1f} µs")
    print(
        f"median per message, all messages:            {statistics.median(every):.1f} µs (p90 "
        f"{_pct(every, 0.9):.1f} µs)"
    )
    print(f"median per message, one-sentence messages:   {short_median:.1f} µs (n={len(short)})")
    print(
        f"reference sum(range(100)):                   {ref:.2f} µs (idle machine: "
        f"~{REFERENCE_IDLE_US} µs)"
    )
    print(
        f"one-sentence, calibrated to an idle core:    {calibrated:.1f} µs  [{verdict} < "
        f"{TARGET_US:.0f} µs]"
    )
    print(f"one 100 KB message:                          {big_ms:.2f} ms")
    print(f"repeated message (reading memo hit):         {repeat_us:.2f} µs")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


if __name__ == "__main__":
    main()
