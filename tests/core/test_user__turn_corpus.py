"""The simulated user on the labelled corpora of agent turns written blind (see
``utility_gym.testing.turn_corpus``): ``agent_turns.jsonl`` is the part rules were tuned on,
``agent_turns_heldout.jsonl`` (a random fifth) the part they never were, and
``agent_turns_frontier.jsonl`` a second writer's turns in the style of frontier models' support
transcripts (tuned on after a first measure: 87.3 % before, see the closing notes)."""

from __future__ import annotations

from pathlib import Path

import pytest

import utility_gym  # noqa: F401
from utility_gym.testing.turn_corpus import TurnJudge, load_turns, score

DATA = Path(__file__).parent / "data"
TUNE = load_turns(DATA / "agent_turns.jsonl")
HELDOUT = load_turns(DATA / "agent_turns_heldout.jsonl")
FRONTIER = load_turns(DATA / "agent_turns_frontier.jsonl")


@pytest.fixture(scope="module")
def judge():
    j = TurnJudge()
    yield j
    j.close()


def test_user__corpus_is_large_and_covers_every_class_and_domain():
    assert len(TUNE) + len(HELDOUT) >= 1000
    assert 0.15 <= len(HELDOUT) / (len(TUNE) + len(HELDOUT)) <= 0.25
    for part in (TUNE, HELDOUT):
        assert {c["task_id"].split("/")[0] for c in part} == {
            "customer_service",
            "ticketing",
            "web_shop",
        }
    assert {c["class"] for c in TUNE} == {c["class"] for c in HELDOUT}


@pytest.mark.parametrize(
    ("part", "overall", "per_class"),
    [("tune", 0.95, 0.85), ("heldout", 0.90, 0.5), ("frontier", 0.93, 0.8)],
)
def test_user__understands_the_corpus(judge, part, overall, per_class):
    cases = {"tune": TUNE, "heldout": HELDOUT, "frontier": FRONTIER}[part]
    verdicts = [judge.judge(case) for case in cases]
    table = score(verdicts)
    right, total = table.pop("all")
    failures = [(v.case_id, v.klass, v.why) for v in verdicts if not v.ok]
    assert right >= overall * total, (right, total, failures[:10])
    weak = {k: (r, t) for k, (r, t) in table.items() if r < per_class * t}
    assert not weak, weak


def test_user__never_hangs_up_on_a_first_turn_that_is_not_a_refusal(judge):
    hung = [
        c["id"]
        for c in TUNE + HELDOUT + FRONTIER
        if not c["expect"].get("refusal") and "hung up" in judge.judge(c).why
    ]
    assert not hung, hung[:10]
