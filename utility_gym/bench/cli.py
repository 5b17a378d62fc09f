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
from typing import Any

from utility_gym.bench.cli_parsers import PROG, UsageError, build_parser
from utility_gym.bench.cli_run import cmd_run


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
