"""``utility-bench play``: a person plays the agent's side of an episode in the terminal.

Type a message to talk to the user, or a tool call as ``name {"arg": value}`` (or the JSON
action ``{"name": ..., "arguments": {...}}``). ``/tools`` lists the tools, ``/policy`` shows
the policy, ``/quit`` ends. The episode is written in the trajectory format of ``run``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import gymnasium as gym

from utility_gym.bench.runner import (
    TRAJECTORIES_FILE,
    EnvNotFound,
    Episode,
    make_kwargs_for,
    registered_env_ids,
    trajectory_record,
)

HELP = (
    'Type a message for the user, or a tool call: name {"arg": value} (or a JSON action).\n'
    "/tools lists the tools, /policy shows the policy, /help this text, /quit ends the episode."
)


class PlayerQuit(Exception):
    """The person ended the episode (``/quit`` or end of input)."""


class HumanAgent:
    """An agent whose actions a person types; prints each observation."""

    name = "human"

    def __init__(self, read: Callable[[str], str] = input, out: TextIO | None = None) -> None:
        self.read = read
        self.out = out or sys.stdout
        self.tools: dict[str, dict[str, Any]] = {}
        self.policy = ""

    def reset(self) -> None:
        pass

    def act(self, obs: str, info: dict[str, Any]) -> str | dict[str, Any]:
        if "tools" in info:
            self.tools = {t["function"]["name"]: t["function"] for t in info["tools"]}
            self.policy = info.get("policy", "")
        self._print(obs)
        while True:
            try:
                line = self.read("> ").strip()
            except EOFError:
                raise PlayerQuit("end of input") from None
            if not line:
                continue
            if line in ("/quit", "/exit", "/q"):
                raise PlayerQuit("the player quit")
            if line == "/help":
                self._print(HELP)
            elif line == "/tools":
                self._print(self._tool_list())
            elif line == "/policy":
                self._print(self.policy)
            else:
                action = self.parse(line)
                if isinstance(action, str) and action.startswith("!"):
                    self._print(action[1:])
                    continue
                return action

    def parse(self, line: str) -> str | dict[str, Any]:
        """A tool call for ``name {json}`` or ``name``; JSON and messages go to the env as typed.

        Returns ``"!hint"`` when the line names a tool but its arguments are not a JSON object.
        """
        if line.startswith("{"):
            return line
        name, _, rest = line.partition(" ")
        if name not in self.tools:
            return line
        rest = rest.strip()
        if not rest:
            return {"name": name, "arguments": {}}
        try:
            arguments = json.loads(rest)
        except json.JSONDecodeError as e:
            return f"!arguments of {name} must be a JSON object ({e.msg}); for example: {name} {self._example(name)}"
        if not isinstance(arguments, dict):
            return f"!arguments of {name} must be a JSON object; for example: {name} {self._example(name)}"
        return {"name": name, "arguments": arguments}

    def _tool_list(self) -> str:
        lines = []
        for name, fn in self.tools.items():
            params = fn.get("parameters", {}).get("properties", {})
            required = set(fn.get("parameters", {}).get("required", []))
            args = ", ".join(
                f"{p}{'' if p in required else '?'}: {s.get('type', 'any')}"
                for p, s in params.items()
            )
            summary = (fn.get("description") or "").strip().splitlines()[0:1]
            lines.append(f"  {name}({args})" + (f"  — {summary[0]}" if summary else ""))
        return "tools:\n" + "\n".join(lines)

    def _example(self, name: str) -> str:
        params = self.tools[name].get("parameters", {}).get("properties", {})
        return json.dumps({p: "..." for p in params})

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def resolve_target(target: str) -> tuple[str, str | None]:
    """``ID`` is an env id (``utility/CustomerService-v0`` or ``CustomerService-v0``) or a task id."""
    from utility_gym.bench.agents import env_domain

    env_id = target if target.startswith("utility/") else f"utility/{target}"
    if env_id in gym.registry:
        return env_id, None
    parts = target.split("/")
    if len(parts) == 3 and parts[2].isdigit():
        ids = registered_env_ids()
        for candidate in ids:
            if env_domain(candidate) == parts[0]:
                return candidate, target
        raise EnvNotFound(
            f"no registered env has domain {parts[0]!r} (task {target!r}); registered: {', '.join(ids)}"
        )
    raise EnvNotFound(
        f"{target!r} is neither a registered env ({', '.join(registered_env_ids())}) nor a task id DOMAIN/TEMPLATE/SEED"
    )


def play(
    env_id: str,
    task_id: str | None,
    *,
    seed: int = 0,
    split: str = "test",
    env_kwargs: dict[str, Any] | None = None,
    out: Path | None = None,
    read: Callable[[str], str] = input,
    stdout: TextIO | None = None,
) -> dict[str, Any]:
    """Play one episode; append its trajectory to ``out/trajectories.jsonl`` and return it."""
    from utility_gym.core.rollout import run_episode

    stdout = stdout or sys.stdout
    kwargs = make_kwargs_for(env_id, split, env_kwargs)
    env = gym.make(env_id, **kwargs)
    try:
        if task_id is None:
            _, info = env.reset(seed=seed)
            task_id = info["task_id"]
        print(f"{env_id} — task {task_id} (seed {seed}). {HELP}", file=stdout)
        agent = HumanAgent(read, stdout)
        start = time.perf_counter()
        result = run_episode(
            env, agent, seed=seed, options={"task_id": task_id}, record=True, catch_errors=True
        )
        if result.steps and result.error is None:
            print(result.steps[-1]["observation"], file=stdout)
        episode = Episode(
            0,
            env_id,
            json.dumps(kwargs, sort_keys=True),
            task_id,
            0,
            seed,
            "human",
            "utility_gym.bench.play:HumanAgent",
        )
        record = trajectory_record(episode, result, None, time.perf_counter() - start)
    finally:
        env.close()
    if result.error:
        print(
            f"episode not finished ({result.error.split(': ', 1)[-1]}): counted as a failure",
            file=stdout,
        )
    else:
        grade = result.grade
        verdict = "success" if grade.get("success") else "failure"
        print(
            f"{verdict}: partial credit {grade.get('partial', 0.0):.2f}, ended by {grade.get('outcome')}",
            file=stdout,
        )
        for reason in grade.get("reasons", []):
            print(f"  - {reason}", file=stdout)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        with open(out / TRAJECTORIES_FILE, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        print(f"trajectory appended to {out / TRAJECTORIES_FILE}", file=stdout)
    return record
