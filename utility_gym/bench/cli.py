"""The ``utility-bench`` command: run, verify, leaderboard, play, serve, list, export, plot.

Exit status: 0 on success; 1 when verification finds a problem (or a leaderboard input fails
it); 2 on a usage error (unknown agent, env or split, unreadable folder, bad number), reported
as one line on stderr; 3 when ``run`` finished but some episodes errored (the files are
written; ``--allow-errors`` makes that 0); 130 when Ctrl-C stopped a run (``--resume`` goes on).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

PROG = "utility-bench"


class UsageError(Exception):
    """A mistake in the command line: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _env_arg(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key, value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG, description="Evaluate agents on utility-gym, verify runs, build the leaderboard."
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    sub.required = True

    _add_run_parser(sub)
    _add_verify_parser(sub)
    _add_leaderboard_parser(sub)
    _add_submit_parser(sub)
    _add_play_parser(sub)
    _add_serve_parser(sub)
    _add_stream_parser(sub)
    _add_export_parser(sub)
    _add_plot_parser(sub)
    _add_list_parser(sub)
    _console_parsers(sub)
    return parser


def _add_run_parser(sub: Any) -> None:
    """``run``: evaluate agents."""
    run = sub.add_parser(
        "run", help="evaluate agents on envs; write results.json and trajectories.jsonl"
    )
    run.add_argument(
        "--agent",
        default=None,
        help="heuristic, random, oracle, llm, package.module:Class or path/to/file.py:Class "
        "(both found from the current directory), or policy:PATH (a trained SB3 .zip or numpy "
        ".npz policy over the admissible-action view); several comma-separated",
    )
    run.add_argument(
        "--name",
        default=None,
        help="the agent's name in results and on the leaderboard (default: the registry name, "
        "the class's `name` attribute, or the class name); letters, digits and ._+- only",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run in --out: keep its finished episodes, run the others",
    )
    run.add_argument(
        "--allow-errors",
        action="store_true",
        help="exit 0 even when some episodes errored (they still count as failures)",
    )
    run.add_argument(
        "--env",
        nargs="+",
        default=["all"],
        help="env ids (utility/... or short), 'all' or 'text' (default: all)",
    )
    run.add_argument(
        "--split",
        default="test",
        help="test (the fixed leaderboard tasks), train or heldout (default: test)",
    )
    run.add_argument(
        "--trials", type=_positive, default=1, help="trials per task, K of pass^k (default: 1)"
    )
    _add_run_execution_arguments(run)


def _add_run_execution_arguments(run: Any) -> None:
    """``run``: how the episodes are executed, seeded, sized and reported."""
    run.add_argument(
        "--workers",
        type=_positive,
        default=os.cpu_count() or 1,
        help="worker processes (default: CPU count)",
    )
    run.add_argument(
        "--backend",
        default="local",
        help="local (processes on this machine) or ray (default: local)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=Path("runs/latest"),
        help="output folder; one subfolder per agent when several (default: runs/latest)",
    )
    run.add_argument(
        "--limit",
        type=_positive,
        default=None,
        help="only the first N tasks of each env (quick runs)",
    )
    run.add_argument(
        "--seed",
        type=int,
        default=0,
        help="base seed from which every episode's seed is derived (default: 0)",
    )
    run.add_argument(
        "--size", default=None, help="world size kwarg for every env (e.g. small for quick runs)"
    )
    run.add_argument(
        "--env-arg",
        type=_env_arg,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra kwarg for gym.make (JSON values); repeatable",
    )
    run.add_argument(
        "--agent-arg",
        type=_env_arg,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keyword argument for the agent's constructor (JSON values), e.g. model=gpt-4o; repeatable",  # noqa: E501
    )
    run.add_argument(
        "--bootstrap",
        type=_positive,
        default=None,
        help="bootstrap resamples for the intervals (at least and by default 1000)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--gzip",
        action="store_true",
        help="write trajectories.jsonl.gz instead (about 10x smaller)",
    )


def _add_verify_parser(sub: Any) -> None:
    """``verify``: replay and check a run."""
    verify = sub.add_parser(
        "verify", help="replay every trajectory of runs and recompute every score"
    )
    verify.add_argument(
        "dirs", nargs="+", metavar="DIR", help="a run's --out folder (or a folder of runs)"
    )
    verify.add_argument("--workers", type=_positive, default=os.cpu_count() or 1)
    verify.add_argument("--quiet", action="store_true", help="no progress bar")
    how = verify.add_mutually_exclusive_group()
    how.add_argument(
        "--rerun",
        action="store_true",
        help="run the agent itself again (deterministic agents only) and require the same trajectories",  # noqa: E501
    )
    how.add_argument(
        "--replay-only",
        action="store_true",
        help="replay every run, the built-in baselines too (by default they are re-run)",
    )
    verify.add_argument(
        "--submission",
        action="store_true",
        help="each DIR is a submission: its manifest (submission.json) is required",
    )


def _add_leaderboard_parser(sub: Any) -> None:
    """``leaderboard``: the boards from verified runs."""
    board = sub.add_parser("leaderboard", help="Markdown and HTML leaderboard from verified runs")
    board.add_argument("dirs", nargs="+", metavar="DIR")
    board.add_argument(
        "--out", type=Path, required=True, help="FILE.md (FILE.html is written next to it)"
    )
    board.add_argument(
        "--html", type=Path, default=None, help="where to write the HTML page (default: FILE.html)"
    )
    board.add_argument("--workers", type=_positive, default=os.cpu_count() or 1)
    board.add_argument("--quiet", action="store_true", help="no progress bar")
    board.add_argument(
        "--rerun",
        action="store_true",
        help="re-run every agent that can be re-run, importing the module each run names (the "
        "board says which were); by default only the built-in baselines are re-run",
    )
    board.add_argument(
        "--title", default="utility-gym leaderboard", help="the page title (default: %(default)s)"
    )
    board.add_argument(
        "--command",
        dest="board_command",
        default=None,
        help="the command shown as how to regenerate the board (default: this one)",
    )
    board.add_argument(
        "--arena",
        type=Path,
        nargs="+",
        default=None,
        metavar="VOTES",
        help="add the arena section: votes.jsonl files or console --out folders (people's votes, never ranks)",  # noqa: E501
    )


def _add_submit_parser(sub: Any) -> None:
    """``submit``: a sealed submission."""
    submit = sub.add_parser(
        "submit", help="package a finished run as a submission folder (verified, with its manifest)"
    )
    submit.add_argument(
        "run_dir", metavar="RUN", type=Path, help="the --out folder of one agent's run"
    )
    submit.add_argument(
        "--to",
        type=Path,
        required=True,
        help="the new submission folder, e.g. submissions/my-agent",
    )
    submit.add_argument(
        "--model", required=True, help="the model behind the agent ('none' for code)"
    )
    submit.add_argument(
        "--contact", required=True, help="how to reach the submitter (e-mail or GitHub handle)"
    )
    submit.add_argument("--description", default="", help="one paragraph: what the agent does")
    submit.add_argument(
        "--rerun-command",
        default="",
        help="how to re-run the agent (default: the recorded run command)",
    )
    submit.add_argument("--source", default=None, help="where the agent's code is (URL)")
    submit.add_argument("--workers", type=_positive, default=os.cpu_count() or 1)
    submit.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_play_parser(sub: Any) -> None:
    """``play``: a person plays the agent in the terminal."""
    play = sub.add_parser("play", help="play the agent's side of an episode in the terminal")
    play.add_argument(
        "target",
        metavar="ID",
        help="env id (e.g. utility/CustomerService-v1) or task id DOMAIN/TEMPLATE/SEED",
    )
    play.add_argument(
        "--task", default=None, help="task id to play (default: one drawn from the split by --seed)"
    )
    play.add_argument("--seed", type=int, default=0)
    play.add_argument("--split", default="test")
    play.add_argument("--size", default=None)
    play.add_argument(
        "--out",
        type=Path,
        default=Path("runs/play"),
        help="run folder the episode is added to (results.json and trajectories.jsonl; default: runs/play)",  # noqa: E501
    )
    play.add_argument(
        "--name", default="human", help="the player's name in the run (default: human)"
    )


def _add_serve_parser(sub: Any) -> None:
    """``serve``: an env's website for a person's browser."""
    serve = sub.add_parser("serve", help="serve an env's website for a person's browser")
    serve.add_argument("site", metavar="SITE", help="web-shop")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve.add_argument("--world-seed", type=int, default=0)
    serve.add_argument("--size", default="default", help="small, default, large or xl")


def _add_stream_parser(sub: Any) -> None:
    """``stream``: persistent vs isolated stream runs."""
    stream = sub.add_parser(
        "stream", help="persistent vs isolated runs of task streams: the familiarity gain"
    )
    stream.add_argument(
        "--agent", required=True, help="heuristic, random, oracle, or package.module:Class"
    )
    stream.add_argument("--env", required=True, help="a registered utility/* id")
    stream.add_argument("--streams", type=_positive, default=5)
    stream.add_argument("--length", type=_positive, default=20)
    stream.add_argument(
        "--permutations", type=int, default=0, help="extra runs of stream 0 in shuffled orders"
    )
    stream.add_argument("--seed", type=int, default=0, help="the first stream's seed")
    stream.add_argument("--size", default="default")
    stream.add_argument("--world-seed", type=int, default=0)
    stream.add_argument(
        "--out", type=Path, default=None, help="write stream.json (and learning_curve.png) here"
    )
    stream.add_argument(
        "--agent-arg",
        type=_env_arg,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keyword argument for the agent's constructor (JSON values), e.g. replay=true; repeatable",  # noqa: E501
    )


def _add_export_parser(sub: Any) -> None:
    """``export``: trajectories as datasets."""
    export = sub.add_parser(
        "export", help="a run's trajectories as a Minari dataset or chat fine-tuning JSONL"
    )
    export.add_argument(
        "run_dir", metavar="RUN", type=Path, help="the --out folder of one agent's run"
    )
    export.add_argument("--to", required=True, choices=["minari", "chat"])
    export.add_argument(
        "--out",
        type=Path,
        required=True,
        help="minari: a datasets folder (MINARI_DATASETS_PATH); chat: FILE.jsonl",
    )
    export.add_argument(
        "--env", nargs="+", default=[], help="only these env ids (default: all the run has)"
    )
    export.add_argument("--view", default="text,rl", help="minari views: text, rl or text,rl")
    export.add_argument("--prefix", default="utility-gym", help="minari dataset id namespace")
    export.add_argument("--only-success", action="store_true", help="only the successful episodes")


def _add_plot_parser(sub: Any) -> None:
    """``plot``: figures of runs."""
    plot = sub.add_parser("plot", help="success with 95%% CIs per env and pass^k curves (PNG)")
    plot.add_argument("dirs", nargs="+", metavar="DIR", help="run folders (or folders of runs)")
    plot.add_argument("--out", type=Path, required=True, help="the PNG to write")


def _add_list_parser(sub: Any) -> None:
    """``list``: the registered envs."""
    sub.add_parser("list", help="registered envs, splits and test task counts")


def _console_parsers(sub: Any) -> None:
    """``console``, ``fidelity`` and ``arena``: people in the loop (utility_gym/bench/console)."""
    console = sub.add_parser(
        "console", help="a local web console: play the user or the agent, or the arena"
    )
    console.add_argument("--env", nargs="+", default=["text"], help="envs offered (default: text)")
    console.add_argument(
        "--agent",
        default="heuristic,random",
        help="agents people play the user with, comma-separated (default: heuristic,random)",
    )
    console.add_argument(
        "--agent-arg", type=_env_arg, action="append", default=[], metavar="KEY=VALUE"
    )
    console.add_argument("--split", default="test")
    console.add_argument("--size", default=None)
    console.add_argument(
        "--out",
        type=Path,
        default=Path("runs/console"),
        help="where sessions are saved (default: runs/console)",
    )
    console.add_argument(
        "--host", default="127.0.0.1", help="bind address (not loopback: needs --token)"
    )
    console.add_argument("--port", type=int, default=8100, help="0 picks a free port")
    console.add_argument("--token", default=None, help="access token people open the console with")
    console.add_argument("--seed", type=int, default=0, help="seed of the arena's agent draws")
    fidelity = sub.add_parser(
        "fidelity", help="the simulated user against people's be-the-user sessions"
    )
    fidelity.add_argument(
        "sessions", nargs="+", metavar="SESSIONS", help="run folders (or folders of them)"
    )
    fidelity.add_argument(
        "--out", type=Path, default=None, help="also write the report as JSON here"
    )
    fidelity.add_argument("--bootstrap", type=_positive, default=1000)
    arena = sub.add_parser("arena", help="Bradley-Terry ratings from the console's arena votes")
    arena.add_argument(
        "votes",
        nargs="+",
        type=Path,
        metavar="VOTES",
        help="votes.jsonl files or console --out folders",
    )
    arena.add_argument("--out", type=Path, default=None, help="write the Markdown section here")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(args_list)
        handler = {
            "run": cmd_run,
            "verify": cmd_verify,
            "leaderboard": cmd_leaderboard,
            "submit": cmd_submit,
            "play": cmd_play,
            "serve": cmd_serve,
            "stream": cmd_stream,
            "list": cmd_list,
            "console": cmd_console,
            "fidelity": cmd_fidelity,
            "arena": cmd_arena,
            "export": cmd_export,
            "plot": cmd_plot,
        }[args.command]
        return handler(args, args_list)
    except UsageError as e:
        print(str(e) if str(e).startswith(PROG) else f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


# -- commands ----------------------------------------------------------------------------------
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


def cmd_verify(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.execution import Runner
    from utility_gym.bench.seal import sealed
    from utility_gym.bench.verify import RunUnreadable, VerifyReport, run_directories, verify_run

    try:
        dirs = run_directories(args.dirs)
    except RunUnreadable as e:
        raise UsageError(str(e)) from None
    status = 0
    with sealed(), Runner(args.workers) as runner:
        for directory in dirs:
            try:
                report = verify_run(
                    directory, runner, quiet=args.quiet, manifest_required=args.submission,
                    rerun=True if args.rerun else (False if args.replay_only else None),
                )  # fmt: skip
            except Exception as e:  # a failure of the verifier itself: still one line, still exit 1
                report = VerifyReport(
                    directory,
                    {},
                    problems=[
                        f"{directory}: verify raised {type(e).__name__}: "
                        f"{' '.join(str(e).split())[:300]}"
                    ],
                )
            for problem in report.problems:
                print(f"MISMATCH {problem}")
            if report.ok:
                how = (
                    "re-run: the agent gave the same trajectories"
                    if report.checked == "re-run"
                    else "replayed"
                )
                print(
                    f"verified {directory}: {report.episodes} episodes {how}, every score matches"
                )
            else:
                print(
                    f"FAILED {directory}: {len(report.problems)} problems in {report.episodes} "
                    "episodes"
                )
                status = 1
    return status


def cmd_leaderboard(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.execution import Runner
    from utility_gym.bench.leaderboard import entries_from, write_leaderboard
    from utility_gym.bench.seal import sealed
    from utility_gym.bench.verify import RunUnreadable, VerifyReport, run_directories, verify_run

    try:
        dirs = run_directories(args.dirs)
    except RunUnreadable as e:
        raise UsageError(str(e)) from None
    reports = []
    with sealed(), Runner(args.workers) as runner:
        for directory in dirs:
            try:  # the board never falls over: whatever one run raises leaves that run out
                report = verify_run(
                    directory, runner, quiet=args.quiet, rerun=_board_rerun(args.rerun)
                )
            except Exception as e:
                report = VerifyReport(
                    directory,
                    {},
                    problems=[f"{type(e).__name__}: {' '.join(str(e).split())[:300]}"],
                )
            reports.append(report)
    failed = [r for r in reports if not r.ok]
    for report in failed:
        print(
            f"{PROG}: left out {report.directory}: {report.problems[0]}"
            + (
                f" (and {len(report.problems) - 1} more; run {PROG} verify {report.directory})"
                if len(report.problems) > 1
                else ""
            ),
            file=sys.stderr,
        )
    entries = entries_from(reports)
    if not entries:
        print(f"{PROG}: no verified run to put on the leaderboard", file=sys.stderr)
        return 1
    command = args.board_command or " ".join([PROG, *(shlex.quote(a) for a in argv)])
    try:
        md_path, html_path = write_leaderboard(
            entries, args.out, args.html, command, title=args.title
        )
    except OSError as e:
        raise UsageError(f"cannot write the board: {e}") from None
    if args.arena:  # people's votes: a section of its own, added after the board is written
        from utility_gym.bench.console.board import add_arena_section, read_all_votes

        try:
            add_arena_section(md_path, html_path, read_all_votes(args.arena), entries)
        except (OSError, ValueError) as e:
            raise UsageError(f"--arena: {e}") from None
    print(f"wrote {md_path} and {html_path} ({len(entries)} verified runs)")
    return 1 if failed else 0


def _board_rerun(asked: bool) -> Any:
    """leaderboard --rerun: re-run every agent that can be (importing the package.module each run
    names: the caller asked for it), replay the others; without it, re-run the built-in baselines
    (a run claiming to be one is checked against the real one) and replay the others."""
    from utility_gym.bench.verify import RERUN_WHERE_POSSIBLE

    return RERUN_WHERE_POSSIBLE if asked else None


def cmd_submit(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.execution import Runner
    from utility_gym.bench.seal import sealed
    from utility_gym.bench.submit import SubmitError, make_submission

    try:
        with sealed(), Runner(args.workers) as runner:
            report = make_submission(
                args.run_dir,
                args.to,
                model=args.model,
                contact=args.contact,
                description=args.description,
                rerun_command=args.rerun_command,
                source=args.source,
                runner=runner,
                quiet=args.quiet,
            )
    except SubmitError as e:
        raise UsageError(str(e)) from None
    if not report.ok:
        for problem in report.problems:
            print(f"MISMATCH {problem}")
        print(f"FAILED {args.run_dir}: not submitted ({len(report.problems)} problems)")
        return 1
    print(
        f"wrote {args.to} ({report.episodes} episodes, {report.checked}); open a pull request "
        "adding it (docs/submitting.md)"
    )
    return 0


def cmd_play(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.play import play, resolve_target
    from utility_gym.bench.runner import EnvNotFound
    from utility_gym.core.tasks import SPLITS

    if args.split not in SPLITS:
        raise UsageError(f"unknown split {args.split!r}; choose one of {', '.join(SPLITS)}")
    try:
        env_id, task_id = resolve_target(args.target)
    except EnvNotFound as e:
        raise UsageError(str(e)) from None
    task_id = args.task or task_id
    env_kwargs = {"size": args.size} if args.size else {}
    try:
        play(
            env_id,
            task_id,
            seed=args.seed,
            split=args.split,
            env_kwargs=env_kwargs,
            out=args.out,
            name=args.name,
            command=[PROG, *argv],
        )
    except ValueError as e:  # a malformed or foreign task id
        raise UsageError(str(e)) from None
    return 0


def cmd_serve(args: argparse.Namespace, argv: list[str]) -> int:
    site = args.site.replace("_", "-").lower()
    if site != "web-shop":
        raise UsageError(f"unknown site {args.site!r}; available: web-shop")
    from utility_gym.envs.web_shop.site.server import serve

    try:
        serve(args.host, args.port, world_seed=args.world_seed, size=args.size)
    except ValueError as e:  # a non-loopback host or an unknown size
        raise UsageError(str(e)) from None
    return 0


def cmd_stream(args: argparse.Namespace, argv: list[str]) -> int:
    import gymnasium as gym

    from utility_gym.bench.agents import AgentNotFound, agent_path, build_agent
    from utility_gym.bench.runner import unknown_env
    from utility_gym.bench.stream import (
        format_summary,
        plot_learning_curve,
        run_stream_benchmark,
        write_stream_results,
    )
    from utility_gym.bench.stream_kinds import plot_kind_curves

    if not args.env.startswith("utility/") or args.env not in gym.registry:
        raise UsageError(f"{unknown_env(args.env)}; see `{PROG} list`")
    if args.permutations < 0:
        raise UsageError("--permutations must be 0 or more")
    try:
        path = agent_path(args.agent, args.env)
    except AgentNotFound as e:
        raise UsageError(str(e)) from None
    try:
        probe = gym.make(args.env, mode="stream", size=args.size, world_seed=args.world_seed)
    except (TypeError, ValueError, KeyError) as e:  # e.g. an unknown --size
        raise UsageError(
            f"cannot make the env: {type(e).__name__}: {' '.join(str(e).split())}"
        ) from None
    try:  # built once up front, so a bad --agent-arg is a usage error, not a traceback mid-stream
        build_agent(path, probe, 0, dict(args.agent_arg))
    except Exception as e:
        raise UsageError(
            f"cannot build agent {args.agent!r}: {type(e).__name__}: {' '.join(str(e).split())}"
        ) from None
    finally:
        probe.close()
    try:
        episodes, summary, _ = run_stream_benchmark(
            args.env,
            args.agent,
            args.streams,
            args.length,
            size=args.size,
            world_seed=args.world_seed,
            permutations=args.permutations,
            seed=args.seed,
            agent_options=dict(args.agent_arg),
        )
    except AgentNotFound as e:
        raise UsageError(str(e)) from None
    print(format_summary(args.env, args.agent, summary))
    if args.out is not None:
        write_stream_results(args.out, args.env, args.agent, episodes, summary)
        if plot_learning_curve(
            args.out / "learning_curve.png", episodes, f"{args.env} ({args.agent})"
        ):
            print(f"  learning curve: {args.out / 'learning_curve.png'}")
        else:
            print("  (no plot: install the `plot` extra for matplotlib)")
        if summary["kinds"] and plot_kind_curves(
            args.out / "learning_by_kind.png", summary["kinds"], f"{args.env} ({args.agent})"
        ):
            print(f"  learning by kind: {args.out / 'learning_by_kind.png'}")
    return 0


def cmd_export(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.export import VIEWS, ExportRequest, export
    from utility_gym.data.episodes import ExportError

    views = tuple(v.strip() for v in args.view.split(",") if v.strip())
    if not views or any(v not in VIEWS for v in views):
        raise UsageError(f"--view takes {', '.join(VIEWS)} or both, comma-separated: {args.view!r}")
    if args.to == "minari":
        try:
            import utility_gym.data.minari_support  # noqa: F401
        except ImportError as e:
            raise UsageError(
                f"--to minari needs Minari: pip install 'utility-gym[data]' ({e})"
            ) from None
    request = ExportRequest(
        run=args.run_dir,
        to=args.to,
        out=args.out,
        envs=tuple(args.env),
        views=views,
        prefix=args.prefix,
        only_success=args.only_success,
    )
    try:
        lines = export(request)
    except ExportError as e:
        raise UsageError(str(e)) from None
    for line in lines:
        print(f"wrote {line}")
    return 0


def cmd_plot(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.plots import PlotError, plot_runs
    from utility_gym.bench.verify import RunUnreadable, run_directories

    try:
        runs = run_directories(args.dirs)
        print(f"wrote {plot_runs(runs, args.out)}")
    except (PlotError, RunUnreadable) as e:
        raise UsageError(str(e)) from None
    return 0


def cmd_list(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.tables import print_env_list

    print_env_list(sys.stdout)
    return 0


def cmd_console(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.console.server import ConsoleServer, build_console, check_binding
    from utility_gym.bench.runner import EnvNotFound, select_envs
    from utility_gym.core.tasks import SPLITS
    from utility_gym.testing.registry import needs_browser

    if args.split not in SPLITS:
        raise UsageError(f"unknown split {args.split!r}; choose one of {', '.join(SPLITS)}")
    try:
        check_binding(args.host, args.token)
        env_ids = [e for e in select_envs(args.env) if not needs_browser(e) and "Stream" not in e]
        agents = [a.strip() for a in args.agent.split(",") if a.strip()]
        env_kwargs = {"size": args.size} if args.size else {}
        app, notes = build_console(
            args.out,
            env_ids,
            agents,
            split=args.split,
            env_kwargs=env_kwargs,
            agent_options=dict(args.agent_arg),
            token=args.token,
            command=[PROG, *_redacted(argv)],
            seed=args.seed,
        )
        server = ConsoleServer(app, args.host, args.port)
    except (ValueError, EnvNotFound) as e:
        raise UsageError(str(e)) from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    suffix = f"/?token={args.token}" if args.token else "/"
    print(
        f"utility-bench console at {server.url}{suffix}  (sessions in {args.out}; Ctrl-C to stop)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0


def _redacted(argv: list[str]) -> list[str]:
    from utility_gym.bench.agents import redact_command

    out = redact_command(argv)
    return [("***" if i and out[i - 1] == "--token" else a) for i, a in enumerate(out)]


def cmd_fidelity(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.console.fidelity import fidelity_report, render_report

    try:
        report = fidelity_report([Path(p) for p in args.sessions], resamples=args.bootstrap)
    except ValueError as e:
        raise UsageError(str(e)) from None
    print(render_report(report))
    if args.out is not None:
        args.out.write_text(json.dumps(report.as_json(), indent=2) + "\n", encoding="utf-8")
    return 0


def cmd_arena(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.console import arena
    from utility_gym.bench.console.board import read_all_votes

    try:
        votes = read_all_votes(args.votes)
    except ValueError as e:
        raise UsageError(str(e)) from None
    text = arena.markdown(arena.ratings(votes))
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
