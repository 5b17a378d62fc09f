"""``utility-bench play``: a person plays the agent's side of an episode in the terminal.

Type a message to talk to the user, or a tool call as ``name {"arg": value}`` (or the JSON
action ``{"name": ..., "arguments": {...}}``). ``/tools`` lists the tools, ``/policy`` shows
the policy, ``/quit`` ends. The episode is added to a run folder (``results.json`` and
``trajectories.jsonl``, as ``run`` writes them) that ``verify`` checks: a run played by a person,
shown apart from agents on the leaderboard.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import gymnasium as gym

from utility_gym.bench.files import RESULTS_FILE
from utility_gym.bench.rules import HUMAN, RANKED_SEED, name_problem
from utility_gym.bench.runner import (
    AgentRun,
    EnvNotFound,
    EnvPlan,
    Episode,
    RunSettings,
    describe_user,
    episode_seed,
    make_kwargs_for,
    read_trajectories,
    registered_env_ids,
    results_document,
    trajectory_record,
    write_run,
)
from utility_gym.bench.verify import HUMAN_CLASS, chosen_task_problem

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
            return (
                f"!arguments of {name} must be a JSON object ({e.msg}); for example: {name} "
                f"{self._example(name)}"
            )
        if not isinstance(arguments, dict):
            return (
                f"!arguments of {name} must be a JSON object; for example: {name} "
                f"{self._example(name)}"
            )
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
    """``ID`` is an env id (``utility/CustomerService-v1`` or ``CustomerService-v1``) or a task
    id."""
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
            f"no registered env has domain {parts[0]!r} (task {target!r}); registered: "
            f"{', '.join(ids)}"
        )
    raise EnvNotFound(
        f"{target!r} is neither a registered env ({', '.join(registered_env_ids())}) nor a task id "
        "DOMAIN/TEMPLATE/SEED"
    )


def _chosen_task(
    env: Any,
    env_id: str,
    task_id: str | None,
    seed: int,
    split: str,
    earlier: Any,
    out: Path | None,
) -> str:
    """The task to play: the one named, or the one ``seed`` draws; not one already played."""
    from utility_gym.core.tasks import parse_task_id

    if task_id is None:
        _, info = env.reset(seed=seed)
        task_id = info["task_id"]
    trouble = chosen_task_problem(env, split, [task_id], parse_task_id)
    if trouble:
        raise ValueError(trouble)
    if earlier is not None and task_id in earlier[0]["envs"].get(env_id, {}).get("task_ids", []):
        raise ValueError(f"{out} already holds a play of {task_id}; pick another task or --out")
    return task_id


def _print_verdict(result: Any, stdout: TextIO) -> None:
    """How the episode ended, for the person who played it."""
    if result.error:
        print(
            f"episode not finished ({result.error.split(': ', 1)[-1]}): counted as a failure",
            file=stdout,
        )
        return
    grade = result.grade
    verdict = "success" if grade.get("success") else "failure"
    print(
        f"{verdict}: partial credit {grade.get('partial', 0.0):.2f}, ended by "
        f"{grade.get('outcome')}",
        file=stdout,
    )
    for reason in grade.get("reasons", []):
        print(f"  - {reason}", file=stdout)


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
    name: str = "human",
    command: list[str] | None = None,
) -> dict[str, Any]:
    """Play one episode and return its trajectory record.

    With ``out``, the episode is added to the run folder there (``results.json`` and
    ``trajectories.jsonl``, rewritten atomically): a run of chosen tasks played by a person,
    which ``verify`` checks like any run and the leaderboard shows apart from agents. The folder
    is checked before the episode starts (ValueError: another player, split or seed, or a task
    already played there).
    """
    from utility_gym.core.rollout import run_episode

    problem = name_problem(name)
    if problem:
        raise ValueError(f"--name: {problem}")
    stdout = stdout or sys.stdout
    kwargs = make_kwargs_for(env_id, split, env_kwargs)
    # --seed only draws the task; the episode's seed comes from the published base seed, as in a
    # run, so every play of the folder is one run and a task's user behaves as it does for agents.
    base_seed = RANKED_SEED
    earlier = _earlier_run(out, name, split, base_seed) if out is not None else None
    env = gym.make(env_id, **kwargs)
    try:
        task_id = _chosen_task(env, env_id, task_id, seed, split, earlier, out)
        print(f"{env_id} — task {task_id} (seed {seed}). {HELP}", file=stdout)
        agent = HumanAgent(read, stdout)
        episode_seed_ = episode_seed(base_seed, env_id, task_id, 0)
        start = time.perf_counter()
        result = run_episode(
            env,
            agent,
            seed=episode_seed_,
            options={"task_id": task_id},
            record=True,
            catch_errors=True,
        )
        if result.steps and result.error is None:
            print(result.steps[-1]["observation"], file=stdout)
        episode = Episode(
            0,
            env_id,
            json.dumps(kwargs, sort_keys=True),
            task_id,
            0,
            episode_seed_,
            name,
            HUMAN_CLASS,
        )
        record = trajectory_record(episode, result, None, time.perf_counter() - start)
        plan = EnvPlan(
            env_id, kwargs, json.loads(env.spec.to_json()), [task_id], describe_user(env)
        )
    finally:
        env.close()
    _print_verdict(result, stdout)
    if out is not None:
        _write_play(
            out, earlier, plan, record, name, split, base_seed, command or ["utility-bench", "play"]
        )
        print(
            f"episode added to the run in {out} (verify it with: utility-bench verify {out})",
            file=stdout,
        )
    return record


def _earlier_run(
    out: Path, name: str, split: str, seed: int
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The person's run already in ``out`` (to add an episode to), or None; ValueError if it
    cannot take this episode."""
    if not (out / RESULTS_FILE).exists():
        if out.exists() and any(out.iterdir()):
            raise ValueError(f"{out} is not empty and holds no run; pick another --out")
        return None
    try:
        results = json.loads((out / RESULTS_FILE).read_text(encoding="utf-8"))
        records = read_trajectories(out)
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot add to the run in {out} ({e}); pick another --out") from None
    if results.get("agent", {}).get("kind") != HUMAN:
        raise ValueError(f"{out} holds an agent's run; pick another --out for playing")
    if (results["agent"]["name"], results["split"], results["seed"]) != (name, split, seed):
        raise ValueError(
            f"{out} holds {results['agent']['name']}'s run on the {results['split']} split; play "
            "with "
            "the same --name and --split, or pick another --out"
        )
    return results, records


def _write_play(
    out: Path,
    earlier: tuple[dict[str, Any], list[dict[str, Any]]] | None,
    plan: EnvPlan,
    record: dict[str, Any],
    name: str,
    split: str,
    seed: int,
    command: list[str],
) -> None:
    plans: dict[str, EnvPlan] = {}
    records: list[dict[str, Any]] = []
    if earlier is not None:
        results, records = earlier
        for env_id, doc in results["envs"].items():
            plans[env_id] = EnvPlan(
                env_id,
                doc["make_kwargs"],
                doc["spec"],
                list(doc["task_ids"]),
                doc["user_simulator"],
            )
    if plan.env_id in plans:
        if plans[plan.env_id].make_kwargs != plan.make_kwargs:
            raise ValueError(
                f"{out} holds plays of {plan.env_id} in another world "
                f"({plans[plan.env_id].make_kwargs}); pick another --out"
            )
        plans[plan.env_id].task_ids.append(record["task_id"])
    else:
        plans[plan.env_id] = plan
    records.append(record)
    agent = AgentRun(
        label=name,
        name="human",
        paths={env_id: HUMAN_CLASS for env_id in plans},
        configs={env_id: {"class": HUMAN_CLASS} for env_id in plans},
    )
    settings = RunSettings(
        agents=["human"], env_ids=list(plans), split=split, trials=1, seed=seed, command=command
    )
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    wall = sum(float(r["seconds"]) for r in records)
    results = results_document(
        agent,
        list(plans.values()),
        records,
        settings,
        wall,
        started,
        kind=HUMAN,
        selection="chosen",
    )
    write_run(out, results, records)
