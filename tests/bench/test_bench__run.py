"""run: outputs and provenance, identical results across worker counts and backends, errors kept."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bench_helpers import CS, QUICK, bench_cli, bench_main, comparable, run_small_oracle

from utility_gym.bench.agents import HEURISTIC_AGENTS, agent_path
from utility_gym.bench.runner import episode_seed

SMALL_RUN = ["--env", CS, "--limit", "4", "--trials", "2", *QUICK]


def test_bench__run_writes_results_trajectories_and_provenance(oracle_run: Path) -> None:
    results = json.loads((oracle_run / "results.json").read_text())
    env = results["envs"][CS]
    assert env["spec"]["id"] == CS and env["spec"]["entry_point"].endswith(":CustomerServiceEnv")
    assert env["make_kwargs"]["size"] == "small"
    assert len(env["task_ids"]) == 3 and len(env["task_set_hash"]) == 16
    assert env["user_simulator"]["class"].endswith(":AgendaUser")
    assert env["agent_class"] == "utility_gym.agents.oracle:OracleAgent"
    prov = results["provenance"]
    assert prov["version"] and prov["machine"]["cpu_count"] and prov["machine"]["python"]
    assert prov["wall_seconds"] > 0 and prov["command"][:2] == ["utility-bench", "run"]
    assert results["overall"]["success"] == 1.0 and results["overall"]["pass_hat_k"] == {
        "1": 1.0,
        "2": 1.0,
    }
    records = [
        json.loads(line) for line in (oracle_run / "trajectories.jsonl").read_text().splitlines()
    ]
    assert len(records) == 6
    for record in records:
        assert record["seed"] == episode_seed(0, CS, record["task_id"], record["trial"])
        assert record["grade"]["success"] is True
        first, *steps = record["steps"]
        assert first["observation"].startswith("user:")
        assert all(
            {"action", "observation", "reward", "terminated", "truncated", "user_acts"} <= set(s)
            for s in steps
        )
        assert steps[-1]["terminated"] and steps[-1]["reward"] == 1.0


def test_bench__results_identical_for_one_and_two_workers(tmp_path: Path) -> None:
    one = bench_cli(
        "run",
        "--agent",
        "random,oracle",
        *SMALL_RUN,
        "--workers",
        "1",
        "--out",
        str(tmp_path / "w1"),
    )
    two = bench_cli(
        "run",
        "--agent",
        "random,oracle",
        *SMALL_RUN,
        "--workers",
        "2",
        "--out",
        str(tmp_path / "w2"),
    )
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    for agent in ("random", "oracle"):
        assert comparable(tmp_path / "w1" / agent) == comparable(tmp_path / "w2" / agent)
    assert (
        json.loads((tmp_path / "w2" / "random" / "results.json").read_text())["provenance"][
            "workers"
        ]
        == 2
    )


def test_bench__results_identical_on_ray(tmp_path: Path) -> None:
    """The ray backend on a local Ray that the run starts (no RAY_ADDRESS): the same results as
    the local backend. CI installs the ray extra, so there it must run, not skip."""
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI installs the ray extra (.ci/run), but ray is missing")
        pytest.skip("the ray extra is not installed (pip install 'utility-gym[ray]')")
    local = bench_cli(
        "run", "--agent", "random", *SMALL_RUN, "--workers", "1", "--out", str(tmp_path / "local")
    )
    ray = bench_cli(
        "run",
        "--agent",
        "random",
        *SMALL_RUN,
        "--workers",
        "2",
        "--backend",
        "ray",
        "--out",
        str(tmp_path / "ray"),
    )
    assert local.returncode == 0, local.stderr
    assert ray.returncode == 0, ray.stderr
    assert comparable(tmp_path / "local") == comparable(tmp_path / "ray")
    verified = bench_cli("verify", str(tmp_path / "ray"), "--workers", "1", "--quiet")
    assert verified.returncode == 0, verified.stdout


def test_bench__errored_episodes_count_as_failures_and_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "crash"
    code = bench_main(
        "run",
        "--agent",
        "bench_helpers:CrashingAgent",
        "--env",
        CS,
        "--limit",
        "2",
        "--trials",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
        *QUICK,
    )
    assert code == 3  # every episode errored: the files are written, the exit status says so
    summary = capsys.readouterr()
    assert "crashing: 4 of 4 episodes errored (counted as failures):" in summary.out
    assert (
        "4 x ConnectionError in agent.act (turn 2): endpoint http://127.0.0.1:9/v1 unreachable"
        in summary.out
    )
    assert "exit status 3: some episodes errored (pass --allow-errors" in summary.err
    records = [json.loads(line) for line in (out / "trajectories.jsonl").read_text().splitlines()]
    assert len(records) == 4  # never dropped
    for record in records:
        assert record["success"] is False and record["grade"] is None
        assert record["error"].startswith("ConnectionError in agent.act (turn 2): endpoint")
        assert len(record["steps"]) == 2  # the reset and the one action made
        assert record["usage"]["prompt_tokens"] == 100
    results = json.loads((out / "results.json").read_text())
    assert results["overall"]["errors"] == 4 and results["overall"]["success"] == 0.0
    assert results["overall"]["tokens"] == pytest.approx(110.0) and results["overall"][
        "cost"
    ] == pytest.approx(0.004)
    assert results["envs"][CS]["agent_config"] == {
        "class": "bench_helpers:CrashingAgent",
        "model": "none",
        "temperature": 0.0,
    }
    capsys.readouterr()
    assert bench_main("verify", str(out), "--workers", "1", "--quiet") == 0


def test_bench__heuristic_resolves_per_domain() -> None:
    path = agent_path("heuristic", CS)
    assert path == HEURISTIC_AGENTS["customer_service"]


def test_bench__run_with_limit_and_several_agents_prints_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = bench_main(
        "run",
        "--agent",
        "oracle,do-nothing",
        "--env",
        CS,
        "--limit",
        "2",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
        *QUICK,
    )
    assert code == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "CustomerService-v1" in line]
    assert lines[0].startswith("oracle") and "100.0" in lines[0]
    assert lines[1].startswith("do-nothing")
    assert (tmp_path / "oracle" / "results.json").is_file() and (
        tmp_path / "do-nothing" / "trajectories.jsonl"
    ).is_file()


def test_bench__gzip_trajectories_verify_like_plain_ones(tmp_path: Path, oracle_run: Path) -> None:
    out = tmp_path / "gz"
    code = run_small_oracle(out, "--gzip")
    assert code == 0
    assert (out / "trajectories.jsonl.gz").is_file() and not (out / "trajectories.jsonl").exists()
    assert bench_main("verify", str(out), "--workers", "1", "--quiet") == 0
    from utility_gym.bench.runner import read_trajectories

    strip = lambda records: [{k: v for k, v in r.items() if k != "seconds"} for r in records]  # noqa: E731
    assert strip(read_trajectories(out)) == strip(read_trajectories(oracle_run))


def test_bench__unreachable_llm_endpoint_gives_errored_failures(tmp_path: Path) -> None:
    pytest.importorskip("utility_gym.agents.llm", reason="the LLM agent is not available")
    out = tmp_path / "llm"
    args = [
        'base_url="http://127.0.0.1:9/v1"',
        'model="none"',
        'api_key="sk-secret"',
        "max_retries=0",
        "timeout=2",
    ]
    agent_args = [item for arg in args for item in ("--agent-arg", arg)]
    code = bench_main(
        "run",
        "--allow-errors",  # exit 0 although every episode errored
        "--agent",
        "llm",
        *agent_args,
        "--env",
        CS,
        "--limit",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
        *QUICK,
    )
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    assert results["overall"]["errors"] == 2 and results["overall"]["success"] == 0.0
    text = (out / "results.json").read_text() + (out / "trajectories.jsonl").read_text()
    assert "sk-secret" not in text  # secrets given as --agent-arg never reach the files
    assert results["agent"]["options"]["api_key"] == "***"
    assert bench_main("verify", str(out), "--workers", "1", "--quiet") == 0
