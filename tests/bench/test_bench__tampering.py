"""Every way of gaming a run we know of: each is rejected with a clear message, or accepted with
the reason documented in docs/submitting.md ("What verify accepts, and why").

The cases of issue 13 come first, then our own. Each case edits a private copy of a small
verified oracle run (3 CustomerService tasks x 2 trials, small world) and verifies it.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from bench_helpers import CS, bench_main

from utility_gym.bench.execution import Runner
from utility_gym.bench.verify import verify_run

Results = dict
Records = list


def _load(run: Path) -> tuple[Results, Records]:
    results = json.loads((run / "results.json").read_text())
    records = [json.loads(line) for line in (run / "trajectories.jsonl").read_text().splitlines()]
    return results, records


def _save(run: Path, results: Results | None = None, records: Records | None = None) -> None:
    if results is not None:
        (run / "results.json").write_text(json.dumps(results, indent=2))
    if records is not None:
        (run / "trajectories.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def _problems(run: Path, **kwargs: object) -> list[str]:
    with Runner(1) as runner:
        return verify_run(run, runner, **kwargs).problems  # type: ignore[arg-type]


def edit_results(change: Callable[[Results], object]) -> Callable[[Path], None]:
    def apply(run: Path) -> None:
        results, _ = _load(run)
        change(results)
        _save(run, results=results)

    return apply


def edit_records(change: Callable[[Records], object]) -> Callable[[Path], None]:
    def apply(run: Path) -> None:
        _, records = _load(run)
        change(records)
        _save(run, records=records)

    return apply


def edit_text(name: str, change: Callable[[str], str]) -> Callable[[Path], None]:
    def apply(run: Path) -> None:
        path = run / name
        path.write_text(change(path.read_text()))

    return apply


def env_doc(results: Results) -> dict:
    return results["envs"][CS]


def _set_full_hash(results: Results) -> None:
    import gymnasium as gym

    from utility_gym.core.tasks import task_set_hash

    env = gym.make(CS, size="small", split="test")
    full = env.unwrapped.task_ids("test")
    env.close()
    env_doc(results)["task_set_hash"] = task_set_hash(full)
    results["provenance"]["task_set_hash"] = task_set_hash(f"{CS}::{t}" for t in full)


def _rename_everywhere(name: str) -> Callable[[Path], None]:
    def apply(run: Path) -> None:
        results, records = _load(run)
        results["agent"]["name"] = name
        for record in records:
            record["agent"] = name
        _save(run, results, records)

    return apply


def _rename_in_results_and_command(results: Results) -> None:
    results["agent"]["name"] = "genius"
    command = results["provenance"]["command"]
    results["provenance"]["command"] = command[:2] + ["--name", "genius"] + command[2:]


def _nest(depth: int) -> Callable[[Records], None]:
    def change(records: Records) -> None:
        value: object = "x"
        for _ in range(depth):
            value = {"a": value}
        records[0]["steps"][1]["action"] = {"name": "find_customer_by_email", "arguments": value}

    return change


def _both_trajectory_files(run: Path) -> None:
    data = (run / "trajectories.jsonl").read_bytes()
    (run / "trajectories.jsonl.gz").write_bytes(gzip.compress(data))


def _gzip_bomb(line: bytes) -> Callable[[Path], None]:
    """1 GiB of ``line`` repeated, a few MB on disk: more than any run may hold (256 MiB)."""

    def apply(run: Path) -> None:
        (run / "trajectories.jsonl").unlink()
        chunk = line * ((1 << 20) // len(line))
        with gzip.open(run / "trajectories.jsonl.gz", "wb", compresslevel=1) as f:
            for _ in range(1024):
                f.write(chunk)

    return apply


def _symlink_out(run: Path) -> None:
    outside = run.parent / "elsewhere.jsonl"
    (run / "trajectories.jsonl").rename(outside)
    os.symlink(outside, run / "trajectories.jsonl")


def _truncate_mid_line(run: Path) -> None:
    data = (run / "trajectories.jsonl").read_bytes()
    (run / "trajectories.jsonl").write_bytes(data[: data.index(b"\n", data.index(b"\n") + 1) + 40])


def _nan(run: Path) -> None:
    text = (run / "results.json").read_text()
    (run / "results.json").write_text(text.replace('"success": 1.0', '"success": NaN', 1))


def _duplicate_key(run: Path) -> None:
    lines = (run / "trajectories.jsonl").read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace('{"env_id"', '{"success": true, "success": true, "env_id"', 1)
    (run / "trajectories.jsonl").write_text("".join(lines))


def _not_an_object(run: Path) -> None:
    lines = (run / "trajectories.jsonl").read_text().splitlines(keepends=True)
    lines[3] = "[1, 2, 3]\n"
    (run / "trajectories.jsonl").write_text("".join(lines))


def _huge_integer(run: Path) -> None:
    text = (run / "results.json").read_text()
    (run / "results.json").write_text(text.replace('"seed": 0,', '"seed": ' + "9" * 5000 + ",", 1))


def _extra_episode(records: Records) -> None:
    extra = copy.deepcopy(records[0])
    extra["trial"] = 2
    records.append(extra)


def _plain_gzip(run: Path) -> None:
    data = (run / "trajectories.jsonl").read_bytes()
    (run / "trajectories.jsonl").write_bytes(gzip.compress(data))


def _truncated_gzip(run: Path) -> None:
    data = gzip.compress((run / "trajectories.jsonl").read_bytes())
    (run / "trajectories.jsonl").unlink()
    (run / "trajectories.jsonl.gz").write_bytes(data[: len(data) // 2])


def _unfinished(run: Path) -> None:
    (run / "trajectories.partial.jsonl").write_text("")


def _kind_human(results: Results) -> None:
    results["agent"]["kind"] = "human"


def _llm_user(results: Results) -> None:
    env_doc(results)["make_kwargs"] |= {
        "user": "llm",
        "user_options": {"base_url": "http://127.0.0.1:9/v1", "model": "m"},
    }


def _tier_success_changed(results: Results) -> None:
    by_tier = env_doc(results)["metrics"]["by_tier"]
    first = next(iter(by_tier.values()))
    first["success"] = 0.5 if first["success"] != 0.5 else 0.25


REJECTED: list[tuple[str, Callable[[Path], None], str]] = [
    # -- issue 13 -------------------------------------------------------------------------------
    ("limit run claims the full task set", edit_results(_set_full_hash), "task_set_hash"),
    (
        "renamed agent in results.json only",
        edit_results(lambda r: r["agent"].update(name="genius")),
        "has no --name, so the agent's name is 'oracle', not 'genius'",
    ),
    (
        "renamed agent in results.json and command, not in the trajectories",
        edit_results(_rename_in_results_and_command),
        "agent 'oracle' is not the run's agent 'genius'",
    ),
    (
        "renamed agent everywhere, command without --name",
        _rename_everywhere("genius"),
        "has no --name, so the agent's name is 'oracle'",
    ),
    (
        "changed package version",
        edit_results(lambda r: r["provenance"].update(version="9.9.9")),
        "made with utility-gym 9.9.9",
    ),
    (
        "changed command: trials",
        edit_results(
            lambda r: r["provenance"]["command"].__setitem__(
                r["provenance"]["command"].index("--trials") + 1, "1"
            )
        ),
        "--trials 1 is not the run's 2",
    ),
    (
        "changed command: another agent",
        edit_results(lambda r: r["provenance"]["command"].__setitem__(3, "heuristic")),
        "--agent heuristic does not name oracle",
    ),
    (
        "env metrics deleted",
        edit_results(lambda r: env_doc(r).pop("metrics")),
        "'metrics' is missing",
    ),
    ("per-tier success changed", edit_results(_tier_success_changed), "summary: by_tier is"),
    (
        "all envs deleted",
        edit_results(lambda r: r.update(envs={})),
        "envs: expected 1 to 50 entries, got 0",
    ),
    (
        "zero trials",
        edit_results(lambda r: r.update(trials=0)),
        "trials must be a whole number from 1 to 32, got 0",
    ),
    (
        "negative trials",
        edit_results(lambda r: r.update(trials=-2)),
        "trials must be a whole number from 1 to 32, got -2",
    ),
    (
        "limit 0",
        edit_results(lambda r: r.update(limit=0)),
        "limit must be null or a whole number from 1",
    ),
    (
        "LLM user with its own endpoint",
        edit_results(_llm_user),
        "env kwarg 'user_options' is not allowed",
    ),
    ("deeply nested step", edit_records(_nest(100)), "JSON nested deeper than 32 levels"),
    (
        "bootstrap resamples 10**15",
        edit_results(lambda r: r["overall"]["bootstrap"].update(resamples=10**15)),
        "bootstrap resamples must be from 1000 to 10000",
    ),
    ("gzip bomb: one endless line", _gzip_bomb(b"x"), "line 1: longer than 8388608 bytes"),
    ("gzip bomb: blank lines", _gzip_bomb(b"\n"), "line 101: more than 100 blank lines"),
    (
        "gzip bomb: long blank lines",
        _gzip_bomb(b" " * 1023 + b"\n"),
        "line 101: more than 100 blank lines",
    ),
    (
        "plain and gzip trajectories side by side",
        _both_trajectory_files,
        "holds both trajectories.jsonl and trajectories.jsonl.gz",
    ),
    ("symlink out of the folder", _symlink_out, "is a symbolic link"),
    ("duplicate JSON keys", _duplicate_key, "trajectories.jsonl line 3: duplicate key 'success'"),
    (
        "a JSON line that is not an object",
        _not_an_object,
        "trajectories.jsonl line 4: expected an object, got array",
    ),
    ("a file truncated mid-line", _truncate_mid_line, "trajectories.jsonl line 3: truncated"),
    (
        "a name with a newline injecting a heading",
        _rename_everywhere("x\n# pwned"),
        "agent name 'x\\n# pwned' is not allowed",
    ),
    (
        "a look-alike Unicode name",
        _rename_everywhere("оracle"),
        "is not allowed: use 1-64 ASCII",
    ),  # Cyrillic о
    # -- our own ---------------------------------------------------------------------------------
    ("NaN in results.json", _nan, "NaN is not a JSON number"),
    ("an integer of 5000 digits", _huge_integer, "results.json"),
    (
        "an unknown field in a trajectory line",
        edit_records(lambda rs: rs[1].update(bonus=1)),
        "trajectories.jsonl line 2: unexpected field 'bonus'",
    ),
    (
        "an unknown field in results.json",
        edit_results(lambda r: r.update(verified=True)),
        "unexpected field 'verified'",
    ),
    (
        "an extra metric",
        edit_results(lambda r: r["overall"].update(elo=2000)),
        "results.json has 'elo', which is not a metric",
    ),
    (
        "a missing metric",
        edit_results(lambda r: r["overall"].pop("pass_hat_k_ci")),
        "'pass_hat_k_ci' is missing from results.json",
    ),
    (
        "an extra episode beyond the trials",
        edit_records(_extra_episode),
        "more episodes than the run has (6)",
    ),
    (
        "a duplicated episode replacing another",
        edit_records(lambda rs: rs.__setitem__(1, copy.deepcopy(rs[0]))),
        "recorded 2 times",
    ),
    (
        "one line with another agent",
        edit_records(lambda rs: rs[4].update(agent="random")),
        "agent 'random' is not the run's agent 'oracle'",
    ),
    (
        "an unknown file in the folder",
        lambda run: (run / "notes.txt").write_text("hi"),
        "notes.txt: not a file of a run",
    ),
    (
        "an unfinished run",
        _unfinished,
        "an unfinished run (interrupted or still running); finish it with",
    ),
    (
        "a built-in name for another agent",
        edit_results(lambda r: r["agent"].update(spec="random")),
        "agent.spec 'random' gives utility_gym.agents.random_agent:RandomAgent",
    ),
    (
        "an agent run claiming to be a person's",
        edit_results(_kind_human),
        "a run played by a person has kind 'human'",
    ),
    (
        "an agent run of chosen tasks",
        edit_results(lambda r: r.update(selection="chosen")),
        "only a run played by a person (play) has chosen tasks",
    ),
    (
        "a make kwarg outside the allow-list",
        edit_results(lambda r: env_doc(r)["make_kwargs"].update(max_length=10)),
        "env kwarg 'max_length' is not allowed",
    ),
    (
        "a negative world seed",
        edit_results(lambda r: env_doc(r)["make_kwargs"].update(world_seed=-1)),
        "world_seed must be a whole number from 0",
    ),
    (
        "an edited seed rule",
        edit_results(lambda r: r.update(seed_rule="whatever I like")),
        "seed_rule is not this version's rule",
    ),
    (
        "fewer bootstrap resamples",
        edit_results(lambda r: env_doc(r)["metrics"]["bootstrap"].update(resamples=10)),
        "bootstrap resamples must be from 1000",
    ),
    (
        "a larger step cap in the spec",
        edit_results(lambda r: env_doc(r)["spec"].update(max_episode_steps=400)),
        "spec differs from the registered env's in max_episode_steps",
    ),
    (
        "another user simulator",
        edit_results(lambda r: env_doc(r)["user_simulator"].update({"class": "my:User"})),
        "user_simulator",
    ),
    ("gzip data in a plain file", _plain_gzip, "gzip data in a file not named .gz"),
    ("a truncated gzip file", _truncated_gzip, "the gzip stream is damaged or truncated"),
    (
        "results.json is an array",
        lambda run: (run / "results.json").write_text("[]"),
        "results.json: expected an object, got array",
    ),
    (
        "a step after the episode ended",
        edit_records(lambda rs: rs[0]["steps"].append(copy.deepcopy(rs[0]["steps"][-1]))),
        "was recorded after the episode ended",
    ),
    (
        "a tool call with no arguments object",
        edit_records(lambda rs: rs[0]["steps"][1].update(action={"name": "x"})),
        "trajectories.jsonl line 1: steps[1].action: 'arguments' is missing",
    ),
    (
        "an edited grade",
        edit_records(lambda rs: rs[5]["grade"].update(partial=0.99)),
        "grade differs",
    ),
    (
        "an empty trajectories file",
        lambda run: (run / "trajectories.jsonl").write_text(""),
        "episode missing from trajectories.jsonl",
    ),
    (
        "a boolean where a trial number goes",
        edit_records(lambda rs: rs[0].update(trial=True)),
        "trajectories.jsonl line 1: trial: expected a whole number, got boolean",
    ),
]


@pytest.mark.parametrize(("case", "tamper", "expected"), REJECTED, ids=[c[0] for c in REJECTED])
def test_bench__verify_rejects_tampering(
    run_copy: Path, case: str, tamper: Callable[[Path], None], expected: str
) -> None:
    tamper(run_copy)
    problems = _problems(run_copy)
    assert problems, f"{case}: accepted"
    assert any(expected in p for p in problems), problems[:5]
    assert all(
        "\n" not in p or "pwned" in p for p in problems
    )  # one line each (a name's \n is repr'd)


# Accepted, each for the reason written in docs/submitting.md ("What verify accepts, and why").
def _reorder(records: Records) -> None:
    records.reverse()


def _time(records: Records) -> None:
    for record in records:
        record["seconds"] = 0.001


def _reformat(run: Path) -> None:
    results, _ = _load(run)
    (run / "results.json").write_text(json.dumps(results, separators=(",", ":")))


def _rename_with_command(run: Path) -> None:
    results, records = _load(run)
    command = results["provenance"]["command"]
    results["provenance"]["command"] = command[:2] + ["--name", "my-oracle"] + command[2:]
    results["agent"]["name"] = "my-oracle"
    for record in records:
        record["agent"] = "my-oracle"
    _save(run, results, records)


def _rename_with_command_to(name: str) -> Callable[[Path], None]:
    def apply(run: Path) -> None:
        results, records = _load(run)
        command = results["provenance"]["command"]
        results["provenance"]["command"] = command[:2] + ["--name", name] + command[2:]
        results["agent"]["name"] = name
        for record in records:
            record["agent"] = name
        _save(run, results, records)

    return apply


def _hidden_file(run: Path) -> None:
    (run / ".DS_Store").write_text("finder")


ACCEPTED: list[tuple[str, Callable[[Path], None]]] = [
    ("episodes in another order (the plan order is restored)", edit_records(_reorder)),
    ("edited times (self-reported, never compared)", edit_records(_time)),
    ("results.json formatted differently (content is checked, not layout)", _reformat),
    ("a consistent rename that the command records as --name (a label)", _rename_with_command),
    ("a hidden file (never read)", _hidden_file),
]


@pytest.mark.parametrize(("case", "change"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_bench__verify_accepts_changes_that_change_nothing_it_checks(
    run_copy: Path, case: str, change: Callable[[Path], None]
) -> None:
    change(run_copy)
    assert _problems(run_copy) == []


def test_bench__malformed_input_is_one_line_with_file_and_line(
    run_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _not_an_object(run_copy)
    assert bench_main("verify", str(run_copy), "--workers", "1", "--quiet") == 1
    out = capsys.readouterr()
    assert out.err == ""  # no traceback
    (line,) = [x for x in out.out.splitlines() if x.startswith("MISMATCH")]
    assert line == f"MISMATCH {run_copy}/trajectories.jsonl line 4: expected an object, got array"


def test_bench__oracle_actions_in_a_failed_episode_replay_but_fail_the_rerun(
    tmp_path: Path,
) -> None:
    """Replaying checks the env, not who chose the actions: a random agent's failed episode,
    re-recorded with the oracle's actions and rescored, replays. Re-running the (deterministic)
    agent catches it; the board shows which of the two each row had."""
    from bench_helpers import QUICK

    from utility_gym.bench.metrics import summarize

    run = tmp_path / "random"
    assert (
        bench_main(
            "run",
            "--agent",
            "random",
            "--env",
            CS,
            "--limit",
            "3",
            "--workers",
            "1",
            "--out",
            str(run),
            *QUICK,
        )
        == 0
    )
    oracle = tmp_path / "oracle"
    assert (
        bench_main(
            "run",
            "--agent",
            "oracle",
            "--env",
            CS,
            "--limit",
            "3",
            "--workers",
            "1",
            "--out",
            str(oracle),
            *QUICK,
        )
        == 0
    )
    results, records = _load(run)
    _, oracle_records = _load(oracle)
    failed = next(i for i, r in enumerate(records) if not r["success"])
    swap = next(r for r in oracle_records if r["task_id"] == records[failed]["task_id"])
    assert swap["seed"] == records[failed]["seed"]  # same episode seed: same user, same transcript
    records[failed] = swap | {"agent": "random", "seconds": records[failed]["seconds"]}
    resamples = results["overall"]["bootstrap"]["resamples"]
    env_rows = [r | {"env_id": CS} for r in records]
    results["envs"][CS]["metrics"] = summarize(env_rows, trials=1, resamples=resamples)
    results["overall"] = summarize(env_rows, trials=1, resamples=resamples)
    _save(run, results, records)
    assert _problems(run) == []  # replay: accepted (documented)
    problems = _problems(run, rerun=True)
    assert any("the re-run agent's trajectory differs" in p for p in problems), problems
    # The command line re-runs a built-in baseline by default: the claim is checked.
    assert bench_main("verify", str(run), "--workers", "1", "--quiet") == 1
    assert bench_main("verify", str(run), "--workers", "1", "--quiet", "--replay-only") == 0


def test_bench__rerun_refuses_agents_that_cannot_be_rerun(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench_helpers import QUICK

    run = tmp_path / "crash"
    code = bench_main(
        "run", "--agent", "bench_helpers:CrashingAgent", "--env", CS, "--limit", "1",
        "--workers", "1", "--allow-errors", "--out", str(run), *QUICK,
    )  # fmt: skip
    assert code == 0
    problems = _problems(run, rerun=True)
    assert problems == [
        f"{run}: cannot re-run the agent: bench_helpers:CrashingAgent does not declare "
        "deterministic = True "
        "(verify without --rerun replays it)"
    ]
    assert _problems(run) == []


MORE_REJECTED: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "a negative time",
        edit_records(lambda rs: rs[0].update(seconds=-5.0)),
        "line 1: seconds: must not be negative",
    ),
    (
        "a negative cost",
        edit_records(lambda rs: rs[0].update(usage={"cost": -3.0})),
        "line 1: usage.cost: must not be negative",
    ),
    (
        "a baseline name with options",
        edit_results(lambda r: r["agent"].update(options={"skip": [1]})),
        "the built-in agent 'oracle' with options is another agent",
    ),
    (
        "an agent run named human",
        _rename_with_command_to("human"),
        "agent name 'human' is for runs played by a person",
    ),
    (
        "a train run drawing 100000 tasks",
        edit_results(lambda r: r.update(split="train", limit=100_000)),
        "limit must be null or a whole number from 1 to 1000",
    ),
]


@pytest.mark.parametrize(
    ("case", "tamper", "expected"), MORE_REJECTED, ids=[c[0] for c in MORE_REJECTED]
)
def test_bench__verify_rejects_more_tampering(
    run_copy: Path, case: str, tamper: Callable[[Path], None], expected: str
) -> None:
    tamper(run_copy)
    problems = _problems(run_copy)
    assert any(expected in p for p in problems), problems[:5]


def test_bench__a_crashing_replay_is_a_problem_not_a_crash(
    run_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from utility_gym.bench import verify_replay

    def boom(job: object) -> dict:
        raise MemoryError("the env blew up")

    monkeypatch.setattr(verify_replay, "replay_one", boom)
    assert bench_main("verify", str(run_copy), "--workers", "1", "--quiet", "--replay-only") == 1
    out = capsys.readouterr()
    assert (
        "the replay raised MemoryError: the env blew up" in out.out and "Traceback" not in out.err
    )


def test_bench__the_board_shows_recomputed_numbers(run_copy: Path) -> None:
    """Numbers within the comparison tolerance still come out as computed, not as written."""
    results, _ = _load(run_copy)
    results["overall"]["tasks"] = 3.0000000001
    _save(run_copy, results=results)
    with Runner(1) as runner:
        report = verify_run(run_copy, runner)
    assert (
        report.ok
        and report.results["overall"]["tasks"] == 3
        and isinstance(report.results["overall"]["tasks"], int)
    )


def test_bench__run_refuses_settings_verify_would_refuse(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench_main("run", "--agent", "random", "--env", CS, "--trials", "33") == 2
    assert (
        "not a valid run: trials must be a whole number from 1 to 32, got 33"
        in capsys.readouterr().err
    )
    assert bench_main("run", "--agent", "random", "--env", CS, "--seed", "-1") == 2
    assert "seed must be a whole number from 0" in capsys.readouterr().err


@pytest.mark.parametrize("workers", [1, 2])
def test_bench__verify_stops_at_its_time_budget(
    run_copy: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Whatever an input costs, verify gives up at its budget: between jobs in this process, and
    during a job (a replay that never returns) with worker processes, which are stopped."""
    import time

    from bench_helpers import stuck_group

    from utility_gym.bench import verify_replay

    # The stuck replay is a module-level function the workers import by name: it reaches them
    # whether they are forked or spawned (pytest-xdist's threads make the runner spawn).
    monkeypatch.setattr(
        verify_replay, "replay_group", stuck_group if workers == 2 else verify_replay.replay_group
    )
    monkeypatch.setattr(verify_replay, "SECONDS_BASE", 1.0 if workers == 2 else -1.0)
    monkeypatch.setattr(verify_replay, "SECONDS_PER_EPISODE", 0.0)
    start = time.monotonic()
    with Runner(workers) as runner:
        problems = verify_run(run_copy, runner).problems
    assert time.monotonic() - start < 30
    assert len(problems) == 1 and "checking took longer than its budget" in problems[0]


def test_bench__unasked_verify_imports_no_agent_code_a_run_names(tmp_path: Path) -> None:
    """The published board and submit (rerun=None) re-run only the built-in baselines: a run
    naming any other module is replayed without importing it. --rerun (asked) re-runs it."""
    import sys

    from bench_helpers import QUICK

    from utility_gym.bench.verify import RERUN_WHERE_POSSIBLE

    run = tmp_path / "slow"
    assert (
        bench_main(
            "run",
            "--agent",
            "bench_helpers:SlowOracle",
            "--env",
            CS,
            "--limit",
            "1",
            "--workers",
            "1",
            "--out",
            str(run),
            *QUICK,
        )
        == 0
    )
    results, records = _load(run)
    results["agent"]["spec"] = "json.tool:main"  # a module whose import is not the agent's
    results["agent"]["classes"][CS] = results["envs"][CS]["agent_class"] = "json.tool:main"
    results["envs"][CS]["agent_config"]["class"] = "json.tool:main"
    command = results["provenance"]["command"]
    command[command.index("--agent") + 1] = "json.tool:main"
    _save(run, results, records)
    sys.modules.pop("json.tool", None)
    with Runner(1) as runner:
        report = verify_run(run, runner, rerun=None)
    assert report.ok and report.checked == "replayed"
    assert "json.tool" not in sys.modules  # never imported
    with Runner(1) as runner:
        asked = verify_run(run, runner, rerun=RERUN_WHERE_POSSIBLE)
    assert asked.ok and asked.checked == "replayed"  # imported, found not deterministic: replayed
