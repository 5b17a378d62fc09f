"""Speed of the simulated user's NLU: median microseconds per `understand` call over the corpus.

    python benchmarks/nlu_speed.py                 # 20 repeats over tests/core/data/agent_utterances.jsonl
    python benchmarks/nlu_speed.py --repeats 50

Target: < 40 µs for a typical one-sentence message. The script prints PASS/MISS next to the figure
but never fails: it measures, tests assert. It also times one 100 KB message (linear-time check).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from pathlib import Path

from utility_gym.core.nlu import understand

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "core" / "data" / "agent_utterances.jsonl"
TARGET_US = 40.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()

    texts = [json.loads(line)["text"] for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    one_sentence = [t for t in texts if t.count(".") + t.count("?") + t.count("!") <= 1 and "\n" not in t]
    for t in texts:  # warm-up: compile caches, first-call costs
        understand(t)

    gc.disable()
    try:
        per_call: list[float] = []  # mean µs per call, one figure per repeat
        per_message: dict[int, list[float]] = {i: [] for i in range(len(texts))}
        for _ in range(args.repeats):
            start = time.perf_counter()
            for i, t in enumerate(texts):
                t0 = time.perf_counter()
                understand(t)
                per_message[i].append(time.perf_counter() - t0)
            per_call.append((time.perf_counter() - start) / len(texts) * 1e6)
        short_ids = {i for i, t in enumerate(texts) if t in set(one_sentence)}
        short = [statistics.median(v) * 1e6 for i, v in per_message.items() if i in short_ids]
        every = [statistics.median(v) * 1e6 for v in per_message.values()]
        big = ("Hello, I checked order #W1001 and the refund of $52.10 is on its way. " * 1500)[:100_000]
        t0 = time.perf_counter()
        understand(big)
        big_ms = (time.perf_counter() - t0) * 1e3
    finally:
        gc.enable()

    median = statistics.median(per_call)
    verdict = "PASS" if statistics.median(short) < TARGET_US else "MISS"
    print(f"corpus: {len(texts)} agent messages, {args.repeats} repeats")
    print(f"median per understand() call over the corpus: {median:.1f} µs")
    print(f"median per message, all messages:            {statistics.median(every):.1f} µs (p90 {_pct(every, 0.9):.1f} µs)")
    print(f"median per message, one-sentence messages:   {statistics.median(short):.1f} µs  [{verdict} < {TARGET_US:.0f} µs]  (n={len(short)})")
    print(f"one 100 KB message:                          {big_ms:.2f} ms")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


if __name__ == "__main__":
    main()
