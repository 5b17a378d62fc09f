"""``utility-bench run``: check its arguments, plan the runs (or resume them), run, report."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from utility_gym.bench.cli_parsers import PROG, UsageError


def cmd_run(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.agents import redact_command
    from utility_gym.bench.execution import BackendUnavailable
    from utility_gym.bench.metrics import BOOTSTRAP_RESAMPLES
    from utility_gym.bench.runner import ResumeError, RunInterrupted, RunSettings, run_benchmark
    from utility_gym.bench.tables import print_run_table

    args, argv = _run_args_checked(args, argv)
    names = [n.strip() for n in args.agent.split(",") if n.strip()]
    if not names:
        raise UsageError(
            "--agent is empty; use heuristic, random, oracle, llm or package.module:Class"
        )
    if args.name is not None and len(names) > 1:
        raise UsageError("--name labels a one-agent run; run the agents one by one to name each")
    env_kwargs = dict(args.env_arg)
    if args.size is not None:
        env_kwargs["size"] = args.size
    _check_out(args.out)
    env_ids, envs, agents = _run_plan(args, names, env_kwargs)
    settings = RunSettings(
        agents=names,
        env_ids=env_ids,
        split=args.split,
        trials=args.trials,
        workers=args.workers,
        backend=args.backend,
        out=args.out,
        limit=args.limit,
        seed=args.seed,
        env_kwargs=env_kwargs,
        resamples=args.bootstrap or BOOTSTRAP_RESAMPLES,
        quiet=args.quiet,
        compress=args.gzip,
        command=redact_command([PROG, *argv]),
        name=args.name,
    )
    try:
        outcomes = run_benchmark(settings, envs, agents, resume=args.resume)
    except BackendUnavailable as e:
        raise UsageError(str(e)) from None
    except ResumeError as e:
        raise UsageError(str(e)) from None
    except RunInterrupted as e:
        print(
            f"{PROG}: {e} in {e.out}; the finished ones are kept. Resume with: "
            f"{PROG} run --resume --out {shlex.quote(str(args.out))}",
            file=sys.stderr,
        )
        return 130
    print_run_table(outcomes, sys.stdout)
    return _run_report(args, envs, outcomes)


def _run_args_checked(
    args: argparse.Namespace, argv: list[str]
) -> tuple[argparse.Namespace, list[str]]:
    """``run``'s arguments (those of the run it resumes, with ``--resume``), checked."""
    from utility_gym.bench.execution import BACKENDS
    from utility_gym.bench.files import STATE_FILE
    from utility_gym.bench.metrics import BOOTSTRAP_RESAMPLES
    from utility_gym.bench.rules import MAX_BOOTSTRAP, settings_problems
    from utility_gym.bench.runner import ResumeError, read_state
    from utility_gym.core.tasks import SPLITS

    if args.resume and (args.out / STATE_FILE).exists():
        args, argv = _resumed_args(
            args, argv, read_state_or_usage(args.out, read_state, ResumeError)
        )
    elif args.resume and args.agent is not None:  # killed before it began: start it
        print(f"nothing to resume in {args.out}: starting the run", file=sys.stderr)
        args.resume = False
        argv = [a for a in argv if a != "--resume"]
    elif args.resume:
        raise UsageError(
            f"{args.out} holds no unfinished run ({STATE_FILE} is missing): nothing to resume"
        )
    elif args.agent is None:
        raise UsageError("--agent is required (or --resume to continue an interrupted run)")
    if args.split not in SPLITS:
        raise UsageError(f"unknown split {args.split!r}; choose one of {', '.join(SPLITS)}")
    if args.backend not in BACKENDS:
        raise UsageError(f"unknown backend {args.backend!r}; choose one of {', '.join(BACKENDS)}")
    if args.bootstrap is not None and not BOOTSTRAP_RESAMPLES <= args.bootstrap <= MAX_BOOTSTRAP:
        raise UsageError(
            f"--bootstrap must be from {BOOTSTRAP_RESAMPLES} to {MAX_BOOTSTRAP} (verify rejects "
            "others)"
        )
    for problem in settings_problems(
        split=args.split, trials=args.trials, limit=args.limit, seed=args.seed
    ):
        raise UsageError(f"not a valid run: {problem}")
    return args, argv


def _run_plan(
    args: argparse.Namespace, names: list[str], env_kwargs: dict[str, Any]
) -> tuple[list[str], Any, Any]:
    """The env ids, envs and agents of a run; every agent resolves for every env before anything
    runs."""
    from utility_gym.bench.agents import AgentNotFound, agent_path
    from utility_gym.bench.execution import BackendUnavailable
    from utility_gym.bench.runner import (
        AgentNameError,
        EnvNotFound,
        plan_agent,
        plan_envs,
        select_envs,
    )

    try:
        env_ids = select_envs(args.env)
        for name in names:
            for env_id in env_ids:
                agent_path(name, env_id)
        if args.backend == "ray":
            _require_ray()
        envs = plan_envs(env_ids, args.split, args.limit, env_kwargs)
    except (AgentNotFound, EnvNotFound, BackendUnavailable) as e:
        raise UsageError(str(e)) from None
    except (TypeError, ValueError, KeyError) as e:  # a bad --env-arg / --size for an env
        raise UsageError(
            f"cannot make the env: {type(e).__name__}: {' '.join(str(e).split())}"
        ) from None
    agents = []
    for name in names:
        try:
            agents.append(plan_agent(name, envs, dict(args.agent_arg), args.name))
        except AgentNameError as e:
            raise UsageError(str(e)) from None
        except Exception as e:  # the agent cannot be built: bad --agent-arg, missing key, ...
            raise UsageError(
                f"cannot build agent {name!r}: {type(e).__name__}: {' '.join(str(e).split())}"
            ) from None
    labels = [a.label for a in agents]
    if len(set(labels)) != len(labels):
        raise UsageError(f"two agents share a results folder name: {', '.join(labels)}")
    if not args.resume:
        _check_no_unfinished_run(args.out, labels)
    return env_ids, envs, agents


def _run_report(args: argparse.Namespace, envs: Any, outcomes: Any) -> int:
    """What a finished run wrote, its errored episodes and notes; the exit status."""
    from utility_gym.bench.rules import make_kwarg_problems, unranked_reasons

    status = 0
    for outcome in outcomes:
        name = "trajectories.jsonl.gz" if args.gzip else "trajectories.jsonl"
        wall = outcome.results["provenance"]["wall_seconds"]
        resumed = (
            f", {outcome.resumed} episodes kept from the interrupted run" if outcome.resumed else ""
        )
        print(f"wrote {outcome.out}/results.json and {name} ({wall:.1f} s{resumed})")
        errors = outcome.errors
        if errors:
            total = outcome.results["overall"]["episodes"]
            print(
                f"{outcome.agent.label}: {len(errors)} of {total} episodes errored (counted as "
                "failures):"
            )
            for reason, count in _error_kinds(errors):
                print(f"  {count} x {reason}")
            if not args.allow_errors:
                status = 3
    cannot = sorted({p for env in envs for p in make_kwarg_problems(env.make_kwargs, args.split)})
    if cannot:
        print(f"note: verify will refuse this run: {'; '.join(cannot)}")
    else:
        reasons = unranked_reasons(outcomes[0].results) if outcomes else []
        if reasons and len(outcomes) == 1:
            print(
                "note: a valid run, shown apart from the ranked ones on the leaderboard: "
                f"{'; '.join(reasons)}"
            )
    if status:
        print(
            f"{PROG}: exit status 3: some episodes errored (pass --allow-errors to accept them)",
            file=sys.stderr,
        )
    return status


def _error_kinds(errors: list[str]) -> list[tuple[str, int]]:
    """Errors grouped by their first line, shortened, most frequent first."""
    from collections import Counter

    counts = Counter(" ".join(e.split())[:160] for e in errors)
    return counts.most_common(5) + (
        [("(other kinds)", sum(c for _, c in counts.most_common()[5:]))] if len(counts) > 5 else []
    )


def read_state_or_usage(out: Path, read_state: Any, error: type[Exception]) -> dict[str, Any]:
    try:
        return read_state(out)
    except error as e:
        raise UsageError(str(e)) from None


def _resumed_args(
    args: argparse.Namespace, argv: list[str], state: dict[str, Any]
) -> tuple[argparse.Namespace, list[str]]:
    """The plan of an interrupted run, from its state file; --workers, --backend and --quiet
    (and --agent-arg, for secrets that were not stored) may be given again."""
    if args.agent is not None and [n.strip() for n in args.agent.split(",")] != state["agents"]:
        raise UsageError(
            f"--agent {args.agent} is not the interrupted run's ({','.join(state['agents'])}); "
            "leave it out with --resume"
        )
    options = dict(state.get("agent_options") or {})
    options.update(dict(args.agent_arg))
    hidden = sorted(k for k, v in options.items() if v == "***")
    if hidden:
        raise UsageError(
            "the interrupted run's secret options were not stored; give them again: "
            f"{', '.join(f'--agent-arg {k}=...' for k in hidden)}"
        )
    kwargs = dict(state["env_kwargs"])
    size = kwargs.pop("size", None)
    resumed = argparse.Namespace(**vars(args))
    resumed.agent = ",".join(state["agents"])
    resumed.name = state.get("name")
    resumed.env = state["env_ids"]
    resumed.split = state["split"]
    resumed.trials = state["trials"]
    resumed.limit = state["limit"]
    resumed.seed = state["seed"]
    resumed.size = size
    resumed.env_arg = list(kwargs.items())
    resumed.agent_arg = list(options.items())
    resumed.bootstrap = state["resamples"]
    resumed.gzip = state["compress"]
    return resumed, list(state["command"][1:])


def _check_no_unfinished_run(out: Path, labels: list[str]) -> None:
    from utility_gym.bench.files import PARTIAL_FILE, STATE_FILE

    folders = [out] if len(labels) == 1 else [out, *(out / label for label in labels)]
    for folder in folders:
        if (folder / STATE_FILE).exists() or (folder / PARTIAL_FILE).exists():
            raise UsageError(
                f"{folder} holds an unfinished run: continue it with `{PROG} run --resume --out "
                f"{shlex.quote(str(out))}`, "
                f"or delete {folder / STATE_FILE} and {folder / PARTIAL_FILE} to start over"
            )


def _require_ray() -> None:
    from utility_gym.bench.execution import BackendUnavailable

    try:
        import ray  # noqa: F401
    except ImportError:
        raise BackendUnavailable(
            "--backend ray needs Ray: pip install 'utility-gym[ray]'"
        ) from None


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        raise UsageError(f"--out {out}: {probe} is not writable")
