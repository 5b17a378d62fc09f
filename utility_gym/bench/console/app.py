"""The console's WSGI application: the pages of the three modes, rendered with jinja2 (autoescaped).

Routes: ``/`` (start a session), ``/s/ID`` (a session; POST ``/s/ID/say``, ``/s/ID/tool``,
``/s/ID/leave``, ``/s/ID/rate``), ``/arena/ID`` (an arena pair; POST ``/arena/ID/vote``),
``/board`` (the arena's ratings beside the grader's scores), ``/static/console.css``.
Pages follow post / redirect / get, so reloading a page never sends a turn twice.
"""

from __future__ import annotations

import random
import secrets
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from utility_gym.bench.console import arena, store
from utility_gym.bench.console.forms import call_from_form, tool_forms
from utility_gym.bench.console.people import PersonReply
from utility_gym.bench.console.sessions import Session, SessionStopped, Settings
from utility_gym.bench.console.store import SessionKey
from utility_gym.bench.console.web import (
    REASONS,
    SECURITY_HEADERS,
    Guard,
    HTTPError,
    Request,
    Response,
    html,
    parse_request,
    redirect,
)
from utility_gym.bench.rules import name_problem
from utility_gym.bench.runner import AgentRun

HERE = Path(__file__).parent
MAX_TEXT = 4000
VOTES = {
    "a": "A was better",
    "b": "B was better",
    "tie": "About the same",
    "both_bad": "Both were bad",
}


@dataclass
class EnvChoice:
    """An env the console offers: its test tasks and whether a person can play its user."""

    env_id: str
    task_ids: list[str]
    person_user: bool
    make_kwargs: dict[str, Any]


@dataclass
class ArenaPair:
    id: str
    owner: str
    player: str
    env_id: str
    task_id: str
    sessions: tuple[Session, Session]
    vote: str | None = None
    created: list[str] = field(default_factory=list)


class ConsoleApp:
    """The console. ``agents``: the agents a person may play the user with (label -> run)."""

    def __init__(
        self,
        settings: Settings,
        envs: dict[str, EnvChoice],
        agents: dict[str, AgentRun],
        *,
        guard: Guard | None = None,
        seed: int = 0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.envs = envs
        self.agents = agents
        self.guard = guard or Guard()
        self.rng = random.Random(seed)
        self.log = log or (lambda text: print(text, file=sys.stderr))
        self.sessions: dict[str, Session] = {}
        self.pairs: dict[str, ArenaPair] = {}
        self._lock = threading.Lock()
        self.jinja = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.css = (HERE / "static" / "console.css").read_bytes()

    # -- WSGI -----------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        response = self.handle(environ)
        headers = [
            *response.headers,
            *SECURITY_HEADERS,
            ("Content-Length", str(len(response.body))),
        ]
        start_response(f"{response.status} {REASONS.get(response.status, 'Error')}", headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [response.body]

    def handle(self, environ: dict[str, Any]) -> Response:
        request: Request | None = None
        try:
            request = parse_request(environ)
            self.guard.identify(request)
            if not self.guard.authorized(request):
                raise HTTPError(
                    403, "This console needs its access token: open the address it printed."
                )
            if request.method == "POST":
                self.guard.check_csrf(request)
            response = self.route(request)
        except HTTPError as e:
            response = self.page("error.html", request, status=e.status, message=e.message)
        except Exception:
            self.log("console: internal error\n" + traceback.format_exc())
            response = self.page(
                "error.html", request, status=500, message="Something went wrong on our side."
            )
        if request is not None:
            response.headers.extend(self.guard.cookie_headers(request))
        return response

    def page(
        self, template: str, request: Request | None, status: int = 200, **values: Any
    ) -> Response:
        csrf = self.guard.csrf(request.client) if request is not None and request.client else ""
        body = self.jinja.get_template(template).render(csrf=csrf, status=status, **values)
        return html(status, body)

    # -- routing --------------------------------------------------------------------------------
    def route(self, r: Request) -> Response:
        parts = [p for p in r.path.split("/") if p]
        get = r.method in ("GET", "HEAD")
        if not parts:
            return self.home(r) if get else _not_allowed()
        if parts == ["static", "console.css"] and get:
            return Response(200, self.css, [("Content-Type", "text/css; charset=utf-8")])
        if parts == ["start"]:
            return self.start(r) if not get else _not_allowed()
        if parts == ["board"] and get:
            return self.board(r)
        if parts[0] == "s" and len(parts) in (2, 3):
            session = self._session(r, parts[1])
            if len(parts) == 2:
                return self.session_page(r, session) if get else _not_allowed()
            if get:
                return _not_allowed()
            return self.session_post(r, session, parts[2])
        if parts[0] == "arena" and len(parts) in (2, 3):
            pair = self._pair(r, parts[1])
            if len(parts) == 2 and get:
                return self.arena_page(r, pair)
            if parts[2:] == ["vote"] and not get:
                return self.vote(r, pair)
        raise HTTPError(404, "There is no such page.")

    def _session(self, r: Request, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None or session.owner != r.client:
            raise HTTPError(
                404, "There is no such session (sessions belong to the browser that started them)."
            )
        return session

    def _pair(self, r: Request, pair_id: str) -> ArenaPair:
        pair = self.pairs.get(pair_id)
        if pair is None or pair.owner != r.client:
            raise HTTPError(404, "There is no such arena match.")
        return pair

    # -- home and starting ----------------------------------------------------------------------
    def home(self, r: Request, problem: str = "", status: int = 200) -> Response:
        mine = [s for s in self.sessions.values() if s.owner == r.client and s.key.mode != "arena"]
        pairs = [p for p in self.pairs.values() if p.owner == r.client]
        return self.page(
            "home.html",
            r,
            status=status,
            envs=list(self.envs.values()),
            agents=list(self.agents),
            sessions=mine,
            pairs=pairs,
            problem=problem,
            form=r.form,
        )

    def start(self, r: Request) -> Response:
        mode = r.form.get("mode", "")
        player = r.form.get("player", "").strip()
        env = self.envs.get(r.form.get("env", ""))
        try:
            if mode not in ("user", "agent", "arena"):
                raise ValueError("choose a mode: be the user, be the agent, or the arena")
            problem = name_problem(player)
            if problem:
                raise ValueError(f"your name: {problem}")
            if env is None:
                raise ValueError("choose an environment")
            if mode != "agent" and not env.person_user:
                raise ValueError(
                    f"{env.env_id} has no single user a person can play; be the agent there"
                )
            with self._lock:
                if mode == "arena":
                    return redirect(f"/arena/{self._start_arena(r, env, player).id}")
                agent = None
                if mode == "user":
                    agent = self.agents.get(r.form.get("agent", ""))
                    if agent is None:
                        raise ValueError("choose an agent to talk to")
                    if env.env_id not in agent.paths:
                        raise ValueError(
                            f"{agent.label} does not play {env.env_id}; choose another"
                        )
                session = self._new_session(
                    r, mode, env, player, agent, r.form.get("task", "").strip()
                )
        except ValueError as e:
            return self.home(r, problem=str(e), status=400)
        session.wait_ready(5.0)
        return redirect(f"/s/{session.id}")

    def _new_session(
        self,
        r: Request,
        mode: str,
        env: EnvChoice,
        player: str,
        agent: AgentRun | None,
        task_id: str,
        avoid: tuple[SessionKey, ...] = (),
    ) -> Session:
        probe = SessionKey(mode, env.env_id, "", player, agent.label if agent else None)
        busy = self._taken(probe) | {k.task_id for k in avoid}
        for k in avoid:
            busy |= self._taken(SessionKey(mode, env.env_id, "", player, k.agent))
        if task_id:
            if task_id not in env.task_ids:
                raise ValueError(
                    f"{task_id!r} is not a task of {env.env_id}'s {self.settings.split} split"
                )
            if task_id in busy:
                raise ValueError(f"you already played {task_id} here; pick another task")
        else:
            order = sorted(env.task_ids)
            random.Random(f"{player}|{env.env_id}|{mode}").shuffle(order)
            task_id = next((t for t in order if t not in busy), "")
            if not task_id:
                raise ValueError(f"you have played every task of {env.env_id} in this mode")
        key = SessionKey(mode, env.env_id, task_id, player, agent.label if agent else None)
        session = Session(
            secrets.token_hex(8), key, r.client, self.settings, env.make_kwargs, agent
        )
        self.sessions[session.id] = session
        return session.start()

    def _taken(self, probe: SessionKey) -> set[str]:
        """Tasks of the probe's run folder already played or being played."""
        live = {
            s.key.task_id
            for s in self.sessions.values()
            if s.key.folder == probe.folder and s.key.env_id == probe.env_id
        }
        return live | store.played_tasks(self.settings.out, probe)

    def _start_arena(self, r: Request, env: EnvChoice, player: str) -> ArenaPair:
        playing = sorted(label for label, run in self.agents.items() if env.env_id in run.paths)
        if len(playing) < 2:
            raise ValueError(f"the arena needs two agents that play {env.env_id}: --agent A,B")
        labels = self.rng.sample(playing, 2)
        first = self._new_session(
            r,
            "arena",
            env,
            player,
            self.agents[labels[0]],
            r.form.get("task", "").strip(),
            avoid=(SessionKey("arena", env.env_id, "", player, labels[1]),),
        )
        second = self._new_session(
            r, "arena", env, player, self.agents[labels[1]], first.key.task_id
        )
        pair = ArenaPair(
            secrets.token_hex(8), r.client, player, env.env_id, first.key.task_id, (first, second)
        )
        self.pairs[pair.id] = pair
        return pair

    # -- a session ------------------------------------------------------------------------------
    def session_page(self, r: Request, session: Session) -> Response:
        if session.key.mode == "agent":
            forms = tool_forms(session.tools)
            return self.page("agent.html", r, s=session, forms=forms, waiting=session.waiting)
        pair = next((p for p in self.pairs.values() if session in p.sessions), None)
        slot = "AB"[pair.sessions.index(session)] if pair is not None else ""
        return self.page(
            "user.html",
            r,
            s=session,
            pair=pair,
            slot=slot,
            goal=goal_card(session.goal),
            waiting=session.waiting,
        )

    def session_post(self, r: Request, session: Session, action: str) -> Response:
        back = redirect(f"/s/{session.id}")
        if action == "say":
            text = r.form.get("text", "")[:MAX_TEXT]
            if not text.strip():
                return back
            session.submit(text if session.key.mode == "agent" else PersonReply(text))
        elif action == "tool" and session.key.mode == "agent":
            forms = {f.name: f for f in tool_forms(session.tools)}
            form = forms.get(r.form.get("tool", ""))
            if form is None:
                raise HTTPError(400, "Unknown tool.")
            session.submit(call_from_form(form, r.form))
        elif action == "leave":
            if session.key.mode == "agent":
                session.submit(SessionStopped("the person stopped playing"))
            else:
                session.submit(PersonReply(r.form.get("text", "")[:MAX_TEXT], leave=True))
        elif action == "rate" and session.key.mode != "agent":
            session.rating = rating_from(r.form)
            store.set_rating(self.settings.out, session.key, session.rating)
        else:
            raise HTTPError(404, "There is no such action.")
        return back

    # -- the arena ------------------------------------------------------------------------------
    def arena_page(self, r: Request, pair: ArenaPair) -> Response:
        return self.page("arena.html", r, pair=pair, votes=VOTES)

    def vote(self, r: Request, pair: ArenaPair) -> Response:
        winner = r.form.get("winner", "")
        if winner not in VOTES:
            raise HTTPError(400, "Choose one of the four answers.")
        if not all(s.done for s in pair.sessions):
            raise HTTPError(409, "Finish both conversations before you vote.")
        if pair.vote is None:
            pair.vote = winner
            records = [s.record or {} for s in pair.sessions]
            store.add_vote(
                self.settings.out,
                {
                    "env_id": pair.env_id,
                    "task_id": pair.task_id,
                    "player": pair.player,
                    "agents": [str(s.key.agent) for s in pair.sessions],
                    "winner": winner,
                    "success": [
                        bool(x.get("success")) if x.get("grade") else None for x in records
                    ],
                    "partial": [x.get("partial") if x.get("grade") else None for x in records],
                    "sessions": [s.id for s in pair.sessions],
                },
            )
        return redirect(f"/arena/{pair.id}")

    def board(self, r: Request) -> Response:
        report = arena.ratings(
            store.read_votes(self.settings.out / store.VOTES_FILE), resamples=200
        )
        return self.page("board.html", r, report=report)


def goal_card(goal: Any) -> dict[str, Any] | None:
    """What the person playing the user is told: what they want, know and do not know, and how
    to behave (the persona)."""
    if goal is None:
        return None
    persona = goal.persona
    return {
        "wants": [i.request for i in goal.intents],
        "changes": [i.change_mind for i in goal.intents if i.change_mind],
        "known": [(slot.replace("_", " "), value) for slot, value in goal.known.items()],
        "unknown": [slot.replace("_", " ") for slot in goal.unknown],
        "style": persona.style,
        "patience": persona.patience,
        "cooperative": persona.cooperative,
        "opening": goal.opening or goal.intents[0].request,
    }


def rating_from(form: dict[str, str]) -> dict[str, Any]:
    def score(name: str) -> int | None:
        value = form.get(name, "")
        return int(value) if value in ("1", "2", "3", "4", "5") else None

    solved = form.get("solved", "")
    return {
        "solved": {"yes": True, "no": False}.get(solved),
        "effort": score("effort"),
        "clarity": score("clarity"),
    }


def _not_allowed() -> Response:
    raise HTTPError(405, "That method is not allowed here.")
