"""The ``utility-bench`` command line: its parser and subcommands' arguments (``cli.py`` runs
them; ``cli_run.py`` holds ``run``)."""

from __future__ import annotations

import argparse
import json
import os
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
