"""utility-bench stream: paired persistent/isolated runs and their metrics."""

from __future__ import annotations

import json

import pytest
from bench_helpers import bench_main

from utility_gym.bench.stream import StreamEpisode, summarize_streams


def _ep(stream, position, template, persistent, isolated, events=()):
    return StreamEpisode(
        stream, position, f"d/{template}/{position}", template, persistent, isolated, tuple(events)
    )


def test_bench__stream_metrics_match_hand_computed_values() -> None:
    episodes = [
        _ep(0, 0, "a", False, False),
        _ep(0, 1, "a", True, False),
        _ep(0, 2, "b", True, True, events=("policy revised",)),
        _ep(0, 3, "b", False, True),
        _ep(1, 0, "a", True, True),
        _ep(1, 1, "c", True, False),
        _ep(1, 2, "a", True, True),
        _ep(1, 3, "c", True, True),
    ]
    s = summarize_streams(episodes, [0.5, 0.75])
    assert s["persistent_success"] == pytest.approx(6 / 8)
    assert s["isolated_success"] == pytest.approx(5 / 8)
    # per-stream gains: stream 0 (0+1+0-1)/4 = 0, stream 1 (0+1+0+0)/4 = 0.25
    assert s["familiarity_gain"] == pytest.approx(0.125)
    # persistent - isolated against position: sum((x - 1.5) * d) / sum((x - 1.5) ** 2) = -2.5 / 10
    assert s["paired_learning_slope"] == pytest.approx(-0.25)
    low, high = s["familiarity_gain_ci"]
    assert 0.0 <= low <= 0.125 <= high <= 0.25
    # first occurrences: s0 a(F) b(T), s1 a(T) c(T) -> 3/4; repeats: s0 a(T) b(F), s1 a(T) c(T) ->
    # 3/4
    assert s["repeat_template_gain"] == pytest.approx(0.0)
    # after the event at s0 position 2: position 3 failed persistent but succeeded isolated
    assert s["stale_knowledge_errors"] == 1
    assert s["order_success_mean"] == pytest.approx(0.625)
    assert s["order_success_std"] == pytest.approx(0.125)


def test_bench__stream_command_writes_results(tmp_path) -> None:
    out = tmp_path / "stream"
    code = bench_main(
        "stream",
        "--agent",
        "oracle",
        "--env",
        "utility/CustomerService-v1",
        "--streams",
        "2",
        "--length",
        "4",
        "--size",
        "small",
        "--out",
        str(out),
    )
    assert code == 0
    data = json.loads((out / "stream.json").read_text())
    assert data["summary"]["episodes"] == 8
    assert data["summary"]["persistent_success"] == 1.0
    assert len({e["stream"] for e in data["episodes"]}) == 2


def test_bench__stream_command_rejects_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main("stream", "--agent", "heuristic", "--env", "utility/Nope-v0") == 2
    assert "unknown env" in capsys.readouterr().err
    assert (
        bench_main(
            "stream",
            "--agent",
            "nobody",
            "--env",
            "utility/CustomerService-v1",
            "--size",
            "small",
            "--length",
            "2",
            "--streams",
            "1",
        )
        == 2
    )
    assert (
        bench_main(
            "stream", "--agent", "oracle", "--env", "utility/CustomerService-v1", "--length", "0"
        )
        == 2
    )


def test_bench__stream_command_passes_agent_args(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "memory"
    code = bench_main(
        "stream",
        "--agent",
        "memory",
        "--agent-arg",
        "replay=true",
        "--env",
        "utility/CustomerServiceStream-v2",
        "--streams",
        "1",
        "--length",
        "5",
        "--size",
        "small",
        "--out",
        str(out),
    )
    assert code == 0
    assert "agent=memory" in capsys.readouterr().out
    assert json.loads((out / "stream.json").read_text())["summary"]["episodes"] == 5
    # An argument the agent does not take is a usage error, not a traceback.
    assert (
        bench_main(
            "stream",
            "--agent",
            "memory",
            "--agent-arg",
            "nonsense=1",
            "--env",
            "utility/CustomerServiceStream-v2",
            "--streams",
            "1",
            "--length",
            "2",
            "--size",
            "small",
        )
        == 2
    )
    assert "nonsense" in capsys.readouterr().err


def test_bench__stream_command_explains_a_bad_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        bench_main(
            "stream",
            "--agent",
            "heuristic",
            "--env",
            "utility/CustomerServiceStream-v2",
            "--size",
            "huge",
            "--streams",
            "1",
            "--length",
            "2",
        )
        == 2
    )
    assert "cannot make the env" in capsys.readouterr().err


def _hit(stream, position, kind, key, persistent, isolated, steps=10):
    return StreamEpisode(
        stream,
        position,
        f"d/t/{position}",
        "t",
        persistent,
        isolated,
        (),
        regularity=kind,
        regularity_key=key,
        persistent_steps=steps,
        isolated_steps=12,
    )


def test_bench__per_kind_metrics_match_hand_computed_values() -> None:
    episodes = [
        # stream 0: routing@A fails first, then succeeds twice; one kb hit never learned
        _hit(0, 0, "routing", "A", False, False, steps=14),
        _hit(0, 1, "kb", "x", False, False),
        _hit(0, 2, "routing", "A", True, False, steps=8),
        _hit(0, 3, "routing", "A", True, False, steps=6),
        # stream 1: routing@B first fails, then succeeds; routing@A first fails
        _hit(1, 0, "routing", "B", False, False, steps=14),
        _hit(1, 1, "routing", "B", True, False, steps=8),
        _hit(1, 2, "routing", "A", False, False, steps=14),
        StreamEpisode(1, 3, "d/f/3", "f", True, False, (), follows=0),
        StreamEpisode(1, 4, "d/plain/4", "plain", True, True, ()),
    ]
    kinds = summarize_streams(episodes)["kinds"]
    assert set(kinds) == {"routing", "kb", "follow-up/f"}  # a plain task is of no kind
    routing = kinds["routing"]
    assert routing["episodes"] == 6 and routing["instances"] == 3
    # per-stream gains: stream 0 (0+1+1)/3, stream 1 (0+1+0)/3 -> mean 0.5
    assert routing["familiarity_gain"] == pytest.approx(0.5)
    curve = {p["encounters"]: p for p in routing["learning_curve"]}
    assert curve[0]["episodes"] == 3 and curve[0]["persistent_success"] == 0.0
    assert curve[1]["episodes"] == 2 and curve[1]["persistent_success"] == 1.0
    assert curve[2]["episodes"] == 1 and curve[2]["persistent_steps"] == 6
    assert curve[0]["persistent_steps"] == 14
    assert routing["experience_to_competence"] == 1
    assert kinds["kb"]["experience_to_competence"] is None
    assert kinds["follow-up/f"]["familiarity_gain"] == 1.0


def test_bench__stream_command_runs_the_learner_and_reports_kinds(tmp_path, capsys) -> None:
    out = tmp_path / "learner"
    code = bench_main(
        "stream",
        "--agent",
        "learner",
        "--env",
        "utility/TicketingStream-v2",
        "--streams",
        "2",
        "--length",
        "20",
        "--size",
        "small",
        "--out",
        str(out),
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "agent=learner" in printed and "per kind" in printed and "paired:" in printed
    data = json.loads((out / "stream.json").read_text())
    kinds = data["summary"]["kinds"]
    assert any(not k.startswith("follow-up/") for k in kinds)  # regularity kinds were hit
    assert all({"learning_curve", "experience_to_competence"} <= set(v) for v in kinds.values())
    assert any(e["regularity"] for e in data["episodes"])
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert (out / "learning_by_kind.png").stat().st_size > 1000


def test_bench__an_old_env_version_names_the_one_to_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main("stream", "--agent", "learner", "--env", "utility/TicketingStream-v1") == 2
    assert "use utility/TicketingStream-v2" in capsys.readouterr().err
    assert bench_main("run", "--agent", "heuristic", "--env", "CustomerService-v0") == 2
    assert "use utility/CustomerService-v1" in capsys.readouterr().err
