"""Scripted "people" for the console tests: each plays the user from the goal card, its own way.

``plain`` answers what it is asked from its card and says yes to proposals (close to the
AgendaUser); ``eager`` gives every fact it knows, asked or not; ``refuser`` will not say what it
is asked twice before it answers; ``quitter`` leaves after the agent's second message. They read
the agent's words with the project's NLU (a test double may; a person reads them themselves).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from utility_gym.bench.console.app import ConsoleApp
from utility_gym.core.nlu import understand

KINDS = ("plain", "eager", "refuser", "quitter")
_LEXICONS: dict[str, Any] = {}


def lexicon(env_id: str) -> Any:
    if env_id not in _LEXICONS:
        env = gym.make(env_id)
        _LEXICONS[env_id] = env.unwrapped.domain.lexicon
        env.close()
    return _LEXICONS[env_id]


@dataclass
class ScriptedPerson:
    kind: str
    goal: Any
    env_id: str
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    heard: int = 0
    refused: int = 0

    def opening(self) -> str:
        text = self.goal.opening or self.goal.intents[0].request
        if self.kind == "eager":
            text += " " + self._all_facts()
        return text

    def reply(self, agent_text: str) -> tuple[str, bool]:
        """(words, leave) for the agent's latest message."""
        self.heard += 1
        if self.kind == "quitter" and self.heard >= 2:
            return "This is taking too long, bye.", True
        reading = understand(agent_text, lexicon(self.env_id))
        asked = [s for s in reading.slots() if s in self.goal.known]
        if reading.kinds & {"ask_more", "bye"} and not reading.slots() and reading.proposal is None:
            return "No, that's all, thanks. Bye.", True
        if asked and self.kind == "refuser" and self.refused < 2:
            self.refused += 1
            return "I'd rather not say.", False
        parts = []
        if reading.proposal is not None:
            parts.append("Yes, please go ahead.")
        if asked:
            parts += [f"My {s.replace('_', ' ')} is {self.goal.known[s]}." for s in asked]
        elif reading.slots():
            parts.append("I don't know that, sorry.")
        if self.kind == "eager":
            parts.append(self._all_facts())
        if not parts:
            if self.heard > 12:
                return "Thanks, bye.", True
            parts.append("Okay. " + self.goal.intents[0].request)
        return " ".join(parts), False

    def _all_facts(self) -> str:
        return " ".join(f"My {k.replace('_', ' ')} is {v}." for k, v in self.goal.known.items())


def play_user(client: Any, app: ConsoleApp, path: str, kind: str, max_turns: int = 30) -> Any:
    """Play the be-the-user session at ``path`` (already started) as a scripted person."""
    session = app.sessions[path.rsplit("/", 1)[-1]]
    client.until('id="say-form"', path)
    person = ScriptedPerson(kind, session.goal, session.key.env_id)
    client.post(f"{path}/say", {"text": person.opening()})
    for _ in range(max_turns):
        _wait(client, path)
        if 'id="say-form"' not in client.text:
            break
        agent_text = next(
            (line.text for line in reversed(session.lines) if line.role == "agent"), ""
        )
        text, leave = person.reply(agent_text)
        client.post(f"{path}/{'leave' if leave else 'say'}", {"text": text})
    else:
        client.post(f"{path}/leave", {"text": "bye"})
    _wait(client, path)
    return session


def _wait(client: Any, path: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    client.get(path)
    while 'id="busy"' in client.text and time.monotonic() < end:
        time.sleep(0.02)
        client.get(path)


def mimic_sessions(out: Any, env_id: str, agent: str, count: int) -> None:
    """Sessions whose "person" says exactly what an AgendaUser with the same goal and seed says:
    the control group, on which the fidelity report must find no difference."""
    import json

    from utility_gym.bench.agents import build_agent
    from utility_gym.bench.console import store
    from utility_gym.bench.console.people import PersonUser, person_user_description
    from utility_gym.bench.console.server import agent_runs, env_choices
    from utility_gym.bench.rules import RANKED_SEED
    from utility_gym.bench.runner import EnvPlan, Episode, episode_seed, trajectory_record
    from utility_gym.core.rollout import run_episode

    choice = env_choices([env_id], "test", {})[env_id]
    run = agent_runs([agent], {env_id: choice}, {})[agent]
    for task_id in choice.task_ids[:count]:
        env = gym.make(env_id, **choice.make_kwargs)
        mimic = _Mimic()
        user = PersonUser(mimic, shadow=env.unwrapped.user)
        mimic.user = user
        env.unwrapped.user = user
        seed = episode_seed(RANKED_SEED, env_id, task_id, 0)
        actor = build_agent(run.paths[env_id], env, seed, {})
        result = run_episode(
            env, actor, seed=seed, options={"task_id": task_id}, record=True, catch_errors=True
        )
        episode = Episode(
            0,
            env_id,
            json.dumps(choice.make_kwargs, sort_keys=True),
            task_id,
            0,
            seed,
            agent,
            run.paths[env_id],
        )
        record = trajectory_record(episode, result, None, 0.0)
        record["person"] = {
            "side": "user",
            "mode": "user",
            "name": "mimic",
            "session": task_id[-8:],
            "turns": [t.as_json() for t in user.turns],
            "rating": None,
        }
        plan = EnvPlan(
            env_id,
            choice.make_kwargs,
            json.loads(env.spec.to_json()),
            [task_id],
            person_user_description(),
        )
        env.close()
        key = store.SessionKey("user", env_id, task_id, "mimic", agent)
        store.add_episode(out, key, plan, record, run, "test", ["utility-bench", "console"])


class _Mimic:
    """Says what the shadow AgendaUser just said (its opening: the goal's opening)."""

    user: Any = None

    def __call__(self, heard: Any) -> Any:
        from utility_gym.bench.console.people import PersonReply

        if heard is None:
            return PersonReply(self.user.goal.opening or self.user.goal.intents[0].request)
        turn = self.user.shadow_turns[-1]
        return PersonReply(turn.text, turn.done)


class CrashingAgent:
    """Greets, then raises on its second action: a crashed agent mid-session."""

    name = "crashing"

    def __init__(self) -> None:
        self.turn = 0

    def reset(self) -> None:
        self.turn = 0

    def act(self, obs: str, info: dict[str, Any]) -> str:
        self.turn += 1
        if self.turn > 1:
            raise ConnectionError("the endpoint went away")
        return "Hello! Could you tell me the email address on your account?"
