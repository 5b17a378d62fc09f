"""The arena: two anonymous agents on one task, a vote, and Bradley-Terry ratings with bootstrap
intervals that recover known strengths from synthetic votes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from console_client import Client
from console_people import play_user

from utility_gym.bench.cli import main as bench
from utility_gym.bench.console import arena, store
from utility_gym.bench.console.server import build_console

CS = "utility/CustomerService-v1"
STRENGTHS = {"weak": -0.8, "fair": 0.0, "good": 0.5, "best": 1.2}  # natural log-strengths


def synthetic_votes(seed: int, count: int) -> tuple[list[dict], dict[str, float]]:
    """Votes drawn from the Bradley-Terry model with STRENGTHS, and the true ratings (Elo scale)."""
    rng = np.random.default_rng(seed)
    names = list(STRENGTHS)
    votes = []
    for _ in range(count):
        i, j = rng.choice(len(names), 2, replace=False)
        a, b = names[i], names[j]
        p_a = 1.0 / (1.0 + np.exp(STRENGTHS[b] - STRENGTHS[a]))
        votes.append(
            {
                "agents": [a, b],
                "winner": "a" if rng.random() < p_a else "b",
                "success": [None, None],
                "partial": [None, None],
            }
        )
    mean = float(np.mean(list(STRENGTHS.values())))
    return votes, {k: arena.BASE + arena.SCALE * (v - mean) for k, v in STRENGTHS.items()}


def test_arena__ratings_recover_known_strengths_within_their_intervals() -> None:
    """Ten vote sets of 300 votes from known strengths: the 95% intervals cover the true ratings
    about as often as they should (a 95% interval misses 1 time in 20, so not every interval of
    every set can be required to cover), the fit is unbiased, and the order is right."""
    inside, total = 0, 0
    errors: dict[str, list[float]] = {name: [] for name in STRENGTHS}
    for seed in range(10):
        votes, truth = synthetic_votes(seed, 300)
        report = arena.ratings(votes, resamples=200, seed=seed)
        assert [r.agent for r in report.ratings] == ["best", "good", "fair", "weak"]
        for r in report.ratings:
            inside += r.low <= truth[r.agent] <= r.high
            total += 1
            errors[r.agent].append(r.rating - truth[r.agent])
    print(f"{inside} of {total} intervals cover the true rating")
    assert inside / total >= 0.85
    for name, errs in errors.items():
        assert abs(float(np.mean(errs))) < 20, (name, errs)  # Elo points; one set's SE is about 40


def test_arena__agreement_of_votes_and_grades() -> None:
    base = {"agents": ["p", "q"], "success": [True, False], "partial": [1.0, 0.5]}
    votes = [dict(base, winner="a")] * 3 + [dict(base, winner="b")] + [dict(base, winner="tie")]
    report = arena.ratings(votes, resamples=200)
    assert report.decisive == 4 and report.agreement == 0.75
    assert report.ratings[0].agent == "p" and report.ratings[0].grader_success == 1.0
    assert "75% of 4 decisive votes" in arena.markdown(report)
    assert (
        arena.markdown(
            arena.ratings([dict(base, agents=["a|b", "<x>"], winner="a")], resamples=50)
        ).count("a\\|b")
        == 1
    )


def test_arena__a_match_is_played_voted_and_shown(tmp_path: Path, capsys) -> None:
    app, _ = build_console(
        tmp_path, [CS], ["heuristic", "random"], command=["utility-bench", "console"]
    )
    c = Client(app)
    c.get("/")
    c.post("/start", {"mode": "arena", "player": "gus", "env": CS})
    match = c.path
    assert "Agent A" in c.text and "heuristic" not in c.text and "random" not in c.text  # anonymous
    pair = app.pairs[match.rsplit("/", 1)[-1]]
    for slot in "ab":
        c.get(match)
        c.get(c.text.split(f'id="open-{slot}"')[0].rsplit('href="', 1)[1].split('"')[0])
        assert (
            "heuristic" not in c.text.split("<main")[1] and "random" not in c.text.split("<main")[1]
        )
        play_user(c, app, c.path, "plain")
    c.post(match + "/vote", {"winner": "a"})
    assert 'id="voted"' in c.text and "was <b>" in c.text  # revealed after the vote
    (vote,) = store.read_votes(tmp_path / store.VOTES_FILE)
    assert vote["agents"] == [str(s.key.agent) for s in pair.sessions] and vote["winner"] == "a"
    assert vote["task_id"] == pair.task_id == pair.sessions[1].key.task_id
    c.get("/board")
    assert 'id="ratings"' in c.text and vote["agents"][0] in c.text
    for s in pair.sessions:
        assert bench(["verify", str(tmp_path / s.key.folder)]) == 0
        assert (
            json.loads((tmp_path / s.key.folder / "trajectories.jsonl").read_text())["person"][
                "mode"
            ]
            == "arena"
        )
    assert bench(["arena", str(tmp_path)]) == 0
    assert "Bradley-Terry" in capsys.readouterr().out


def test_arena__leaderboard_gets_a_separate_arena_section(oracle_run: Path, tmp_path: Path) -> None:
    votes = tmp_path / "votes.jsonl"
    vote = {
        "agents": ["oracle", "<b>x</b>"],
        "winner": "a",
        "success": [True, False],
        "partial": [1.0, 0.2],
    }
    votes.write_text("".join(json.dumps(vote) + "\n" for _ in range(3)))
    board = tmp_path / "board.md"
    assert (
        bench(
            [
                "leaderboard",
                str(oracle_run),
                "--out",
                str(board),
                "--quiet",
                "--workers",
                "1",
                "--arena",
                str(votes),
            ]
        )
        == 0
    )
    md, page = board.read_text(), board.with_suffix(".html").read_text()
    assert "## Arena: people's votes" in md and "\\<b\\>x\\</b\\>" in md
    assert "Grader's overall success on the board, same agents: oracle 1.00" in md
    section = page[page.index('<section id="arena"') :]
    assert "&lt;b&gt;x&lt;/b&gt;" in section and "<b>x</b>" not in section
    assert section.rstrip().endswith("</html>") and page.count("</body>") == 1
    assert (
        bench(
            [
                "leaderboard",
                str(oracle_run),
                "--out",
                str(board),
                "--quiet",
                "--arena",
                str(tmp_path / "no"),
            ]
        )
        == 2
    )
