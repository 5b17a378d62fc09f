"""The ``utility-bench`` command: run, verify, leaderboard, play, serve, list.

Exit status: 0 on success, 1 when verification finds a mismatch (or a leaderboard input fails
it), 2 on a usage error (unknown agent, env or split, unreadable folder, bad number), each
reported as one line on stderr.
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

    run = sub.add_parser(
        "run", help="evaluate agents on envs; write results.json and trajectories.jsonl"
    )
    run.add_argument(
        "--agent",
        required=True,
        help="heuristic, random, oracle, llm, or package.module:Class; several comma-separated",
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
        help="keyword argument for the agent's constructor (JSON values), e.g. model=gpt-4o; repeatable",
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

    verify = sub.add_parser(
        "verify", help="replay every trajectory of runs and recompute every score"
    )
    verify.add_argument(
        "dirs", nargs="+", metavar="DIR", help="a run's --out folder (or a folder of runs)"
    )
    verify.add_argument("--workers", type=_positive, default=os.cpu_count() or 1)
    verify.add_argument("--quiet", action="store_true", help="no progress bar")

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

    play = sub.add_parser("play", help="play the agent's side of an episode in the terminal")
    play.add_argument(
        "target",
        metavar="ID",
        help="env id (e.g. utility/CustomerService-v0) or task id DOMAIN/TEMPLATE/SEED",
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
        help="folder for trajectories.jsonl (default: runs/play)",
    )

    serve = sub.add_parser("serve", help="serve an env's website for a person's browser")
    serve.add_argument("site", metavar="SITE", help="web-shop")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve.add_argument("--world-seed", type=int, default=0)
    serve.add_argument("--size", default="default", help="small, default, large or xl")

    stream = sub.add_parser("stream", help="persistent vs isolated runs of task streams: the familiarity gain")
    stream.add_argument("--agent", required=True, help="heuristic, random, oracle, or package.module:Class")
    stream.add_argument("--env", required=True, help="a registered utility/* id")
    stream.add_argument("--streams", type=_positive, default=5)
    stream.add_argument("--length", type=_positive, default=20)
    stream.add_argument("--permutations", type=int, default=0, help="extra runs of stream 0 in shuffled orders")
    stream.add_argument("--seed", type=int, default=0, help="the first stream's seed")
    stream.add_argument("--size", default="default")
    stream.add_argument("--world-seed", type=int, default=0)
    stream.add_argument("--out", type=Path, default=None, help="write stream.json (and learning_curve.png) here")
    stream.add_argument(
        "--agent-arg", type=_env_arg, action="append", default=[], metavar="KEY=VALUE",
        help="keyword argument for the agent's constructor (JSON values), e.g. replay=true; repeatable",
    )

    sub.add_parser("list", help="registered envs, splits and test task counts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(args_list)
        handler = {
            "run": cmd_run,
            "verify": cmd_verify,
            "leaderboard": cmd_leaderboard,
            "play": cmd_play,
            "serve": cmd_serve,
            "stream": cmd_stream,
            "list": cmd_list,
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
    from utility_gym.bench.agents import AgentNotFound, agent_path, redact_command
    from utility_gym.bench.execution import BACKENDS, BackendUnavailable
    from utility_gym.bench.metrics import BOOTSTRAP_RESAMPLES
    from utility_gym.bench.runner import (
        EnvNotFound,
        RunSettings,
        plan_agent,
        plan_envs,
        run_benchmark,
        select_envs,
    )
    from utility_gym.bench.tables import print_run_table
    from utility_gym.core.tasks import SPLITS

    if args.split not in SPLITS:
        raise UsageError(f"unknown split {args.split!r}; choose one of {', '.join(SPLITS)}")
    if args.backend not in BACKENDS:
        raise UsageError(f"unknown backend {args.backend!r}; choose one of {', '.join(BACKENDS)}")
    if args.bootstrap is not None and args.bootstrap < BOOTSTRAP_RESAMPLES:
        raise UsageError(
            f"--bootstrap must be at least {BOOTSTRAP_RESAMPLES} (verify rejects fewer)"
        )
    names = [n.strip() for n in args.agent.split(",") if n.strip()]
    if not names:
        raise UsageError(
            "--agent is empty; use heuristic, random, oracle, llm or package.module:Class"
        )
    env_kwargs = dict(args.env_arg)
    if args.size is not None:
        env_kwargs["size"] = args.size
    _check_out(args.out)
    try:
        env_ids = select_envs(args.env)
        for name in names:  # every agent resolves for every env before anything runs
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
            agents.append(plan_agent(name, envs, dict(args.agent_arg)))
        except Exception as e:  # the agent cannot be built: bad --agent-arg, missing key, ...
            raise UsageError(
                f"cannot build agent {name!r}: {type(e).__name__}: {' '.join(str(e).split())}"
            ) from None
    labels = [a.label for a in agents]
    if len(set(labels)) != len(labels):
        raise UsageError(f"two agents share a results folder name: {', '.join(labels)}")
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
    )
    try:
        outcomes = run_benchmark(settings, envs, agents)
    except BackendUnavailable as e:
        raise UsageError(str(e)) from None
    print_run_table(outcomes, sys.stdout)
    for outcome in outcomes:
        name = "trajectories.jsonl.gz" if args.gzip else "trajectories.jsonl"
        wall = outcome.results["provenance"]["wall_seconds"]
        print(f"wrote {outcome.out}/results.json and {name} ({wall:.1f} s)")
    return 0


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
    from utility_gym.bench.verify import RunUnreadable, run_directories, verify_run

    try:
        dirs = run_directories(args.dirs)
        status = 0
        with Runner(args.workers) as runner:
            for directory in dirs:
                report = verify_run(directory, runner, quiet=args.quiet)
                for problem in report.problems:
                    print(f"MISMATCH {problem}")
                if report.ok:
                    print(
                        f"verified {directory}: {report.episodes} episodes replayed, every score matches"
                    )
                else:
                    print(
                        f"FAILED {directory}: {len(report.problems)} mismatches in {report.episodes} episodes"
                    )
                    status = 1
    except RunUnreadable as e:
        raise UsageError(str(e)) from None
    return status


def cmd_leaderboard(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.execution import Runner
    from utility_gym.bench.leaderboard import entries_from, write_leaderboard
    from utility_gym.bench.verify import RunUnreadable, run_directories, verify_run

    try:
        dirs = run_directories(args.dirs)
        with Runner(args.workers) as runner:
            reports = [verify_run(d, runner, quiet=args.quiet) for d in dirs]
    except RunUnreadable as e:
        raise UsageError(str(e)) from None
    failed = [r for r in reports if not r.ok]
    for report in failed:
        print(
            f"{PROG}: left out {report.directory}: verification failed ({len(report.problems)} mismatches; run {PROG} verify {report.directory})",
            file=sys.stderr,
        )
    entries = entries_from(reports)
    if not entries:
        print(f"{PROG}: no verified run to put on the leaderboard", file=sys.stderr)
        return 1
    command = " ".join([PROG, *(shlex.quote(a) for a in argv)])
    md_path, html_path = write_leaderboard(entries, args.out, args.html, command)
    print(f"wrote {md_path} and {html_path} ({len(entries)} verified runs)")
    return 1 if failed else 0


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
        play(env_id, task_id, seed=args.seed, split=args.split, env_kwargs=env_kwargs, out=args.out)
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
    from utility_gym.bench.stream import (
        format_summary,
        plot_learning_curve,
        run_stream_benchmark,
        write_stream_results,
    )

    if not args.env.startswith("utility/") or args.env not in gym.registry:
        raise UsageError(f"unknown env {args.env!r}; see `{PROG} list`")
    if args.permutations < 0:
        raise UsageError("--permutations must be 0 or more")
    try:
        path = agent_path(args.agent, args.env)
    except AgentNotFound as e:
        raise UsageError(str(e)) from None
    try:
        probe = gym.make(args.env, mode="stream", size=args.size, world_seed=args.world_seed)
    except (TypeError, ValueError, KeyError) as e:  # e.g. an unknown --size
        raise UsageError(f"cannot make the env: {type(e).__name__}: {' '.join(str(e).split())}") from None
    try:  # built once up front, so a bad --agent-arg is a usage error, not a traceback mid-stream
        build_agent(path, probe, 0, dict(args.agent_arg))
    except Exception as e:
        raise UsageError(f"cannot build agent {args.agent!r}: {type(e).__name__}: {' '.join(str(e).split())}") from None
    finally:
        probe.close()
    try:
        episodes, summary, _ = run_stream_benchmark(
            args.env, args.agent, args.streams, args.length, size=args.size, world_seed=args.world_seed,
            permutations=args.permutations, seed=args.seed, agent_options=dict(args.agent_arg),
        )
    except AgentNotFound as e:
        raise UsageError(str(e)) from None
    print(format_summary(args.env, args.agent, summary))
    if args.out is not None:
        write_stream_results(args.out, args.env, args.agent, episodes, summary)
        if plot_learning_curve(args.out / "learning_curve.png", episodes, f"{args.env} ({args.agent})"):
            print(f"  learning curve: {args.out / 'learning_curve.png'}")
        else:
            print("  (no plot: install the `plot` extra for matplotlib)")
    return 0


def cmd_list(args: argparse.Namespace, argv: list[str]) -> int:
    from utility_gym.bench.tables import print_env_list

    print_env_list(sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
