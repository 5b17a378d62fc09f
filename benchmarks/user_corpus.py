"""How well the simulated user understands a labelled corpus of agent turns, per class.

    python benchmarks/user_corpus.py [FILE ...] [--show N]

Defaults to the corpus files of the test suite (tests/core/data/agent_turns.jsonl, tuned on;
agent_turns_heldout.jsonl, never tuned on; agent_turns_frontier.jsonl, a second writer's
frontier-model-style turns). Prints right/total per class and overall;
--show prints up to N failures of each file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import utility_gym  # noqa: F401  (registers the envs)
from utility_gym.testing.turn_corpus import TurnJudge, load_turns, score

DATA = Path(__file__).resolve().parent.parent / "tests" / "core" / "data"
DEFAULT_FILES = (
    DATA / "agent_turns.jsonl",
    DATA / "agent_turns_heldout.jsonl",
    DATA / "agent_turns_frontier.jsonl",
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_FILES))
    parser.add_argument("--show", type=int, default=0, help="print up to N failures per file")
    args = parser.parse_args()
    judge = TurnJudge()
    for path in args.files:
        verdicts = [judge.judge(case) for case in load_turns(path)]
        print(f"\n{path.name}")
        for klass, (right, total) in score(verdicts).items():
            print(f"  {klass:30s} {right:4d}/{total:<4d} {100 * right / total:6.1f} %")
        for v in [v for v in verdicts if not v.ok][: args.show]:
            print(f"  FAIL {v.case_id} [{v.klass}] {v.why}\n       reply: {v.reply[:200]}")
    judge.close()


if __name__ == "__main__":
    main()
