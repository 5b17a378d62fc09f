#!/usr/bin/env bash
# Re-run the published baselines, verify them, and rebuild the leaderboard (see README.md here).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=.venv/bin/utility-bench
rm -rf benchmarks/results/heuristic benchmarks/results/random benchmarks/results/oracle
"$BENCH" run --agent heuristic,random,oracle --env text --split test --trials 4 --workers 2 --gzip \
    --out benchmarks/results --quiet
"$BENCH" verify benchmarks/results --quiet
"$BENCH" leaderboard benchmarks/results --out docs/leaderboard.md \
    --html benchmarks/results/leaderboard.html --quiet
