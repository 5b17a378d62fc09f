"""``utility-bench console``: the console app on a waitress server (the web shop's server pattern).

Bound to 127.0.0.1 unless ``--host`` names another address, which also needs ``--token`` (a
person must open the printed address with it once). Waitress reads requests in one I/O thread
and hands complete ones to its workers, closes idle connections and refuses oversized requests;
each session's episode runs in its own thread, so one slow agent holds up only its own page.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
from waitress.server import create_server

from utility_gym.bench.console.app import ConsoleApp, EnvChoice
from utility_gym.bench.console.sessions import Settings, recover
from utility_gym.bench.console.web import MAX_BODY, Guard
from utility_gym.bench.runner import AgentRun

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
TOKEN_RULE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
THREADS = 8
READ_TIMEOUT = 30


class ConsoleServer:
    """A running console: ``url``, ``shutdown()`` (which saves every open session first)."""

    def __init__(self, app: ConsoleApp, host: str = "127.0.0.1", port: int = 0) -> None:
        check_binding(host, app.guard.token)
        bind = "127.0.0.1" if host == "localhost" else host
        self.app = app
        self.server = create_server(
            app,
            listen=f"[{bind}]:{int(port)}" if ":" in bind else f"{bind}:{int(port)}",
            threads=THREADS,
            channel_timeout=READ_TIMEOUT,
            connection_limit=100,
            max_request_header_size=16 * 1024,
            max_request_body_size=MAX_BODY,
            expose_tracebacks=False,
            clear_untrusted_proxy_headers=True,
            ident="utility-console",
        )
        self._thread: threading.Thread | None = None
        self._stopping = False
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    @property
    def url(self) -> str:
        host, port = self.server.socket.getsockname()[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"

    def start(self) -> ConsoleServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self.serve_forever, name="console", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self.server.run()
        except OSError:
            if not self._stopping:
                raise

    def shutdown(self) -> None:
        """Stop serving, then save every session still open as an unfinished episode."""
        self._stopping = True
        logging.getLogger("waitress").disabled = True
        try:
            server = self.server
            server.pull_trigger()
            while server._map:
                for channel in list(server._map.values()):
                    channel.handle_close()
            server.task_dispatcher.shutdown()
            if self._thread is not None:
                self._thread.join(timeout=5)
                self._thread = None
        finally:
            logging.getLogger("waitress").disabled = False
        for session in list(self.app.sessions.values()):
            if not session.done:
                session.stop()

    def __enter__(self) -> ConsoleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def check_binding(host: str, token: str | None) -> None:
    """ValueError unless the address is loopback, or another address with a good token."""
    if token is not None and not TOKEN_RULE.match(token):
        raise ValueError("--token must be 16-128 letters, digits, '-' or '_'")
    if host not in LOOPBACK_HOSTS and token is None:
        raise ValueError(
            f"the console binds to loopback ({', '.join(LOOPBACK_HOSTS)}) "
            "unless --token is given too: "
            f"{host!r} would let anyone who can reach it play and write sessions"
        )


def env_choices(
    env_ids: Sequence[str], split: str, env_kwargs: dict[str, Any]
) -> dict[str, EnvChoice]:
    """What the console offers for each env: its tasks, and whether a person can be its user."""
    from utility_gym.bench.runner import make_kwargs_for, task_ids_for
    from utility_gym.core.users import AgendaUser

    choices = {}
    for env_id in env_ids:
        kwargs = make_kwargs_for(env_id, split, env_kwargs)
        env = gym.make(env_id, **kwargs)
        try:
            tasks = task_ids_for(env, split, None if split == "test" else 100)
            person_user = type(getattr(env.unwrapped, "user", None)) is AgendaUser
        finally:
            env.close()
        choices[env_id] = EnvChoice(env_id, tasks, person_user, kwargs)
    return choices


def agent_runs(
    specs: Sequence[str], envs: dict[str, EnvChoice], options: dict[str, Any]
) -> dict[str, AgentRun]:
    """One AgentRun per agent spec, over the envs it can play (``run``'s naming rules)."""
    from utility_gym.bench.agents import AgentNotFound, agent_config, agent_path, build_agent
    from utility_gym.bench.runner import default_agent_name

    runs: dict[str, AgentRun] = {}
    for spec in specs:
        paths = {}
        for env_id in envs:
            try:
                paths[env_id] = agent_path(spec, env_id)
            except AgentNotFound:
                continue
        if not paths:
            raise ValueError(f"agent {spec!r} plays none of the console's envs")
        run = AgentRun(
            label=default_agent_name(spec, list(paths.values())),
            name=spec,
            paths=paths,
            options=dict(options),
        )
        for env_id, path in paths.items():
            env = gym.make(env_id, **envs[env_id].make_kwargs)
            try:
                run.configs[env_id] = agent_config(
                    build_agent(path, env, 0, run.options), path, run.options
                )
            finally:
                env.close()
        runs[run.label] = run
    return runs


def build_console(
    out: Path,
    env_ids: Sequence[str],
    agents: Sequence[str],
    *,
    split: str = "test",
    env_kwargs: dict[str, Any] | None = None,
    agent_options: dict[str, Any] | None = None,
    token: str | None = None,
    command: list[str] | None = None,
    seed: int = 0,
    idle_seconds: float | None = None,
) -> tuple[ConsoleApp, list[str]]:
    """The console app, after saving what an earlier console left unfinished (notes returned)."""
    settings = Settings(out, split, dict(env_kwargs or {}), command or ["utility-bench", "console"])
    if idle_seconds is not None:
        settings.idle_seconds = idle_seconds
    envs = env_choices(env_ids, split, settings.env_kwargs)
    runs = agent_runs(agents, envs, dict(agent_options or {}))
    notes = recover(settings, runs)
    return ConsoleApp(settings, envs, runs, guard=Guard(token), seed=seed), notes
