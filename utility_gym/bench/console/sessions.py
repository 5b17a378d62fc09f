"""One console session: an episode run for a person, in its own thread, saved as it goes.

The episode runs through ``run_episode``, the loop ``run`` uses, so a session's trajectory line
is what ``run`` would write. The person is one side of it: ``WebAgent`` (be the agent) or
``PersonUser`` (be the user). Whichever side the person plays blocks in ``ask`` until the web
page sends their input; the page waits until the episode needs them again (or ends).

Nothing a person did is lost: the journal is rewritten after every step; an exception in the
agent ends the episode as a failure with the error recorded (as in ``run``); a person who closes
the tab can come back to the session's address; a session idle for ``idle_seconds``, or one
running when the server stops, is saved as an unfinished episode.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from utility_gym.bench.console import store
from utility_gym.bench.console.people import PersonReply, PersonUser, person_user_description
from utility_gym.bench.console.store import Journal, SessionKey
from utility_gym.bench.rules import RANKED_SEED
from utility_gym.bench.runner import (
    AgentRun,
    EnvPlan,
    Episode,
    describe_user,
    episode_seed,
    trajectory_record,
)
from utility_gym.bench.verify import HUMAN_CLASS

IDLE_SECONDS = 1800.0
STOPPED = "the console stopped before the episode ended"


class SessionStopped(Exception):
    """The person quit, went idle, or the server stopped: the episode ends unfinished."""


@dataclass
class Line:
    """One line of what the person sees: ``role`` is user, agent, tool, error or note."""

    role: str
    text: str
    name: str = ""


@dataclass
class Settings:
    """What every session of one console shares."""

    out: Path
    split: str = "test"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    command: list[str] = field(default_factory=lambda: ["utility-bench", "console"])
    idle_seconds: float = IDLE_SECONDS


class Session:
    """An episode with a person on one side: ``submit`` from the web, ``ask`` from the episode."""

    def __init__(
        self,
        session_id: str,
        key: SessionKey,
        owner: str,
        settings: Settings,
        make_kwargs: dict[str, Any],
        agent: AgentRun | None = None,
    ) -> None:
        self.id = session_id
        self.key = key
        self.owner = owner
        self.settings = settings
        self.make_kwargs = make_kwargs
        self.agent = agent
        self.seed = episode_seed(RANKED_SEED, key.env_id, key.task_id, 0)
        self.lines: list[Line] = []
        self.tools: list[dict[str, Any]] = []
        self.policy = ""
        self.goal: Any = None
        self.record: dict[str, Any] | None = None
        self.saved_to: Path | None = None
        self.rating: dict[str, Any] | None = None
        self.started = time.time()
        self._inbox: queue.Queue[Any] = queue.Queue()
        self._cond = threading.Condition()
        self._waiting = False  # the episode waits for the person
        self._asked = 0  # how many times it has asked
        self._done = False
        self._person: PersonUser | None = None
        self._journal = Journal(
            session_id,
            key,
            self.seed,
            settings.split,
            make_kwargs,
            agent.paths.get(key.env_id, "") if agent else HUMAN_CLASS,
            [],
            [],
            agent.name if agent else None,
        )
        self._thread = threading.Thread(target=self._run, name=f"console-{session_id}", daemon=True)

    # -- the web side -------------------------------------------------------------------------
    def start(self) -> Session:
        self._thread.start()
        return self

    @property
    def done(self) -> bool:
        return self._done

    @property
    def waiting(self) -> bool:
        """Whether the episode waits for the person (else the agent or the env is working)."""
        return self._waiting and not self._done

    def submit(self, item: Any, wait: float = 20.0) -> None:
        """Hand the person's input to the episode; return once it needs them again, or ends."""
        with self._cond:
            if self._done or not self._waiting:
                return
            asked = self._asked
            self._waiting = False
            self._inbox.put(item)
            self._cond.wait_for(lambda: self._done or self._asked > asked, timeout=wait)

    def wait_ready(self, wait: float = 20.0) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._done or self._waiting, timeout=wait)

    def stop(self, wait: float = 10.0) -> None:
        """End the episode unfinished (the server stops); it is saved as a failure."""
        self._inbox.put(SessionStopped(STOPPED))
        self._thread.join(timeout=wait)

    # -- the episode side ---------------------------------------------------------------------
    def ask(self) -> Any:
        with self._cond:
            self._waiting = True
            self._asked += 1
            self._cond.notify_all()
        try:
            item = self._inbox.get(timeout=self.settings.idle_seconds)
        except queue.Empty:
            raise SessionStopped(
                f"the person was away for {self.settings.idle_seconds:.0f} s"
            ) from None
        finally:
            with self._cond:
                self._waiting = False
        if isinstance(item, SessionStopped):
            raise item
        return item

    def _ask_person(self, heard: str | None) -> PersonReply:
        if self._person is not None and self.goal is None:
            self.goal = self._person.goal
        if heard is not None:
            self.lines.append(Line("agent", heard))
        reply = self.ask()
        self.lines.append(Line("user", reply.text or ("(left the chat)" if reply.leave else "")))
        return reply

    def _run(self) -> None:
        from utility_gym.bench.agents import agent_usage, build_agent
        from utility_gym.core.rollout import EpisodeResult, run_episode

        start = time.perf_counter()
        usage = None
        result: Any = None
        plan: EnvPlan | None = None
        try:
            env = gym.make(self.key.env_id, **self.make_kwargs)
            try:
                if self.key.mode == "agent":
                    actor: Any = WebAgent(self)
                    plan = EnvPlan(
                        self.key.env_id,
                        self.make_kwargs,
                        json.loads(env.spec.to_json()),
                        [self.key.task_id],
                        describe_user(env),
                    )
                else:
                    assert self.agent is not None
                    actor = build_agent(
                        self.agent.paths[self.key.env_id], env, self.seed, self.agent.options
                    )
                    self._person = PersonUser(self._ask_person)
                    env.unwrapped.user = self._person
                    plan = EnvPlan(
                        self.key.env_id,
                        self.make_kwargs,
                        json.loads(env.spec.to_json()),
                        [self.key.task_id],
                        person_user_description(),
                    )
                result = run_episode(
                    _Journaled(env, self),
                    actor,
                    seed=self.seed,
                    options={"task_id": self.key.task_id},
                    record=True,
                    catch_errors=True,
                )
                usage = agent_usage(actor) if self.key.mode != "agent" else None
            finally:
                env.close()
        except Exception as e:  # the env could not be made: nothing to save but the reason
            result = EpisodeResult(
                self.key.task_id,
                self.seed,
                False,
                0.0,
                0.0,
                0,
                0,
                {},
                error=f"{type(e).__name__}: {e}",
            )
        self._finish(result, plan, usage, time.perf_counter() - start)

    def _finish(self, result: Any, plan: EnvPlan | None, usage: Any, seconds: float) -> None:
        label = self.key.player if self.key.mode == "agent" else str(self.key.agent)
        episode = Episode(
            0,
            self.key.env_id,
            json.dumps(self.make_kwargs, sort_keys=True),
            self.key.task_id,
            0,
            self.seed,
            label,
            self._journal.agent_path,
        )
        record = trajectory_record(episode, result, usage, seconds)
        if result.error and "SessionStopped" in result.error:
            record["error"] = (
                result.error.split(": ", 1)[-1] if STOPPED in result.error else result.error
            )
        record["person"] = self.person_doc()
        self.record = record
        if plan is not None and (result.steps or result.error):
            try:
                self.saved_to = store.add_episode(
                    self.settings.out,
                    self.key,
                    plan,
                    record,
                    self.agent,
                    self.settings.split,
                    self.settings.command,
                )
                store.drop_journal(self.settings.out, self.id)
            except (OSError, ValueError) as e:  # kept in the journal: nothing is lost
                self.lines.append(Line("note", f"Could not add the episode to its run folder: {e}"))
        if result.error:  # shown once saved: a page that shows it finds the episode on disk
            self.lines.append(Line("note", f"The episode did not finish: {record['error']}"))
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def person_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "side": "agent" if self.key.mode == "agent" else "user",
            "mode": self.key.mode,
            "name": self.key.player,
            "session": self.id,
        }
        if self._person is not None:
            doc["turns"] = [t.as_json() for t in self._person.turns]
        doc["rating"] = self.rating
        return doc

    def save_journal(self, steps: list[dict[str, Any]], reward: float, tool_calls: int) -> None:
        self._journal.steps = steps
        self._journal.turns = [t.as_json() for t in self._person.turns] if self._person else []
        self._journal.reward = reward
        self._journal.tool_calls = tool_calls
        self._journal.seconds = time.time() - self.started
        store.write_journal(self.settings.out, self._journal)

    def show_events(self, info: dict[str, Any]) -> None:
        for event in info.get("events", ()):
            role = event.get("role", "")
            if role in ("user", "tool", "error", "page", "system"):
                self.lines.append(
                    Line(role, str(event.get("content", "")), str(event.get("name") or ""))
                )


class WebAgent:
    """The agent's side played by a person through the page: each action comes from ``ask``."""

    name = "human"

    def __init__(self, session: Session) -> None:
        self.session = session

    def reset(self) -> None:
        pass

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        if "tools" in info and not self.session.tools:
            self.session.tools = list(info["tools"])
            self.session.policy = str(info.get("policy", ""))
        self.session.show_events(info)
        action = self.session.ask()
        shown = (
            action
            if isinstance(action, str)
            else f"{action['name']} {json.dumps(action['arguments'])}"
        )
        self.session.lines.append(
            Line("agent", shown, "" if isinstance(action, str) else action["name"])
        )
        return action


class _Journaled:
    """The env as ``run_episode`` sees it, saving the session's journal after every step."""

    def __init__(self, env: gym.Env, session: Session) -> None:
        self.env = env
        self.session = session
        self.steps: list[dict[str, Any]] = []
        self.reward = 0.0
        self.tool_calls = 0

    def reset(self, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self.steps = [{"observation": obs}]
        self.session.save_journal(self.steps, self.reward, self.tool_calls)
        return obs, info

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        from utility_gym.core.rollout import is_tool_call, user_acts

        obs, reward, terminated, truncated, info = self.env.step(action)
        self.reward += reward
        self.tool_calls += int(is_tool_call(action, info))
        self.steps.append(
            {
                "action": action,
                "observation": obs,
                "reward": reward,
                "terminated": bool(terminated),
                "truncated": bool(truncated),
                "user_acts": user_acts(info),
            }
        )
        if terminated or truncated:
            if self.session.key.mode == "agent":  # the user's last words, before the end
                self.session.show_events(info)
            self._show_end(info)
        self.session.save_journal(self.steps, self.reward, self.tool_calls)
        return obs, reward, terminated, truncated, info

    def _show_end(self, info: dict[str, Any]) -> None:
        grade = info.get("grade") or {}
        outcome = grade.get("outcome", "ended")
        self.session.lines.append(
            Line("note", f"The conversation is over ({str(outcome).replace('_', ' ')}).")
        )


def recover(settings: Settings, agents: dict[str, AgentRun]) -> list[str]:
    """Save every journal left by a console that stopped without saving; return what was done."""
    from utility_gym.bench.runner import count_questions

    notes = []
    for journal in store.left_journals(settings.out):
        key = journal.key
        agent = agents.get(str(key.agent)) if key.mode != "agent" else None
        if key.mode != "agent" and agent is None:
            notes.append(
                f"journal {journal.session}: agent {key.agent!r} is not served by this "
                "console; kept"
            )
            continue
        env = gym.make(key.env_id, **journal.make_kwargs)
        try:
            user = describe_user(env) if key.mode == "agent" else person_user_description()
            plan = EnvPlan(
                key.env_id, journal.make_kwargs, json.loads(env.spec.to_json()), [key.task_id], user
            )
        finally:
            env.close()
        questions, redundant = count_questions(journal.steps)
        record = {
            "env_id": key.env_id,
            "task_id": key.task_id,
            "trial": 0,
            "seed": journal.seed,
            "agent": key.player if key.mode == "agent" else str(key.agent),
            "success": False,
            "partial": 0.0,
            "reward": journal.reward,
            "turns": len(journal.steps) - 1,
            "tool_calls": journal.tool_calls,
            "questions": questions,
            "redundant_questions": redundant,
            "error": STOPPED,
            "usage": None,
            "seconds": journal.seconds,
            "grade": None,
            "steps": journal.steps,
            "person": {
                "side": "agent" if key.mode == "agent" else "user",
                "mode": key.mode,
                "name": key.player,
                "session": journal.session,
                "rating": None,
                **({"turns": journal.turns} if key.mode != "agent" else {}),
            },
        }
        try:
            folder = store.add_episode(
                settings.out, key, plan, record, agent, journal.split, settings.command
            )
        except ValueError as e:
            notes.append(f"journal {journal.session}: {e}; kept")
            continue
        store.drop_journal(settings.out, journal.session)
        notes.append(f"saved the unfinished session {journal.session} to {folder}")
    return notes
