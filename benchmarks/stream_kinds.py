"""Per-template figures of a stream run, from the ``stream.json`` of ``utility-bench stream --out``.

For each template named on the command line (e.g. a domain's regularity templates): how many
episodes, persistent and isolated success, the paired familiarity gain with a bootstrap 95 %
interval over streams, and the success by encounter (the first, second, ... episode of that
template within its stream). Also slopes that the plan's composition does not bias: the paired
gain (persistent minus isolated) against position, and persistent success against position on
the named templates only. (A plan puts a follow-up after its anchor, so follow-ups fall late
and anchors early; an agent that fails follow-ups has a falling raw slope whatever it learns.)

    python benchmarks/stream_kinds.py runs/learner/stream.json \
        --templates usual_size loyal_brand usual_budget catalogue_vocabulary
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from typing import Any

import numpy as np

MAX_ENCOUNTER = 4  # the fifth and later encounters are counted together


def _bootstrap(streams: list[list[dict[str, Any]]], template: str, rng: Any) -> tuple[float, float]:
    gains = []
    for _ in range(2000):
        pick = [streams[j] for j in rng.integers(0, len(streams), len(streams))]
        vals = [
            e["persistent"] - e["isolated"] for es in pick for e in es if e["template"] == template
        ]
        gains.append(float(np.mean(vals)) if vals else 0.0)
    return float(np.percentile(gains, 2.5)), float(np.percentile(gains, 97.5))


def _slope(episodes: list[dict[str, Any]], value: Any) -> float:
    if len({e["position"] for e in episodes}) < 2:
        return 0.0
    x = [e["position"] for e in episodes]
    return float(np.polyfit(x, [float(value(e)) for e in episodes], 1)[0])


def summarize(episodes: list[dict[str, Any]], templates: list[str]) -> dict[str, Any]:
    by_stream: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in episodes:
        by_stream[e["stream"]].append(e)
    streams = [sorted(es, key=lambda e: e["position"]) for es in by_stream.values()]
    rng = np.random.default_rng(0)
    out: dict[str, Any] = {
        "gain_slope": _slope(episodes, lambda e: e["persistent"] - e["isolated"]),
        "named_slope": _slope(
            [e for e in episodes if e["template"] in templates], lambda e: e["persistent"]
        ),
        "templates": {},
    }
    for t in templates:
        mine = [e for e in episodes if e["template"] == t]
        by_encounter: dict[int, list[bool]] = defaultdict(list)
        for es in streams:
            for k, e in enumerate(e for e in es if e["template"] == t):
                by_encounter[min(k, MAX_ENCOUNTER)].append(e["persistent"])
        out["templates"][t] = {
            "episodes": len(mine),
            "persistent": float(np.mean([e["persistent"] for e in mine])) if mine else 0.0,
            "isolated": float(np.mean([e["isolated"] for e in mine])) if mine else 0.0,
            "gain": float(np.mean([e["persistent"] - e["isolated"] for e in mine]))
            if mine
            else 0.0,
            "gain_ci": _bootstrap(streams, t, rng),
            "by_encounter": {
                k: (float(np.mean(v)), len(v)) for k, v in sorted(by_encounter.items())
            },
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stream_json", nargs="+")
    parser.add_argument("--templates", nargs="+", required=True)
    args = parser.parse_args()
    for path in args.stream_json:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        s = summarize(data["episodes"], args.templates)
        print(f"{data['env']}  agent={data['agent']}  ({path})")
        print(f"  slope of the paired gain against position  {s['gain_slope']:+.4f}")
        print(f"  slope of success on these templates        {s['named_slope']:+.4f}")
        for t, r in s["templates"].items():
            lo, hi = r["gain_ci"]
            enc = ", ".join(
                f"#{k + 1}{'+' if k == MAX_ENCOUNTER else ''} {100 * p:.0f} % ({n})"
                for k, (p, n) in r["by_encounter"].items()
            )
            print(
                f"  {t:22s} {r['episodes']:3d} episodes  persistent {100 * r['persistent']:5.1f} %"
                f"  isolated {100 * r['isolated']:5.1f} %  gain {100 * r['gain']:+5.1f} pts "
                f"[{100 * lo:.1f}, {100 * hi:.1f}]  by encounter: {enc}"
            )


if __name__ == "__main__":
    main()
