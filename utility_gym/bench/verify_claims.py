"""Step 4 of ``utility-bench verify``: what the code says the run is. Each env made with the
stored kwargs gives the stored spec and user simulator, the task list is the split's (and so are
its hashes), the package version is this one, the recorded command says the same settings, and
the agent's name and classes agree everywhere and resolve as recorded."""

from __future__ import annotations

import json
import shlex
from typing import Any

import gymnasium as gym

from utility_gym.bench.files import MANIFEST_FILE
from utility_gym.bench.metrics import BOOTSTRAP_RESAMPLES, short_repr
from utility_gym.bench.rules import AGENT, HUMAN, HUMAN_USER, PERSON_KINDS
from utility_gym.bench.runner import describe_user, make_kwargs_for, task_ids_for
from utility_gym.bench.verify_report import Checker, RunPlan
from utility_gym.core.tasks import task_set_hash

HUMAN_CLASS = "utility_gym.bench.play:HumanAgent"


def check_agent(ck: Checker, results: dict[str, Any]) -> None:
    from utility_gym.bench.agents import (
        DETERMINISTIC_BASELINES,
        POLICY_AGENT,
        POLICY_PREFIX,
        AgentNotFound,
        agent_path,
        known_agent_names,
    )

    where = ck.results_path
    agent = results["agent"]
    kind = agent.get("kind", AGENT)
    if set(agent["classes"]) != set(results["envs"]):
        ck.problem(f"{where}: agent.classes names other envs than envs")
    for env_id, doc in results["envs"].items():
        cls = agent["classes"].get(env_id)
        if doc["agent_class"] != cls:
            ck.problem(
                f"{where}: {env_id}: agent_class {doc['agent_class']!r} is not agent.classes' "
                f"{cls!r}"
            )
        if doc["agent_config"].get("class") != doc["agent_class"]:
            ck.problem(f"{where}: {env_id}: agent_config.class is not agent_class")
        if (cls == HUMAN_CLASS) != (kind == HUMAN):
            ck.problem(
                f"{where}: {env_id}: a run played by a person has kind 'human' and class "
                f"{HUMAN_CLASS}, and only such a run"
            )
    if results.get("selection", "first") == "chosen" and kind not in PERSON_KINDS:
        ck.problem(
            f"{where}: only a run played by a person (play) has chosen tasks; an agent runs "
            "the split's"
        )
    registry = set(known_agent_names())
    if agent["name"].lower() == "human" and kind != HUMAN:
        ck.problem(f"{where}: agent name {agent['name']!r} is for runs played by a person")
    if agent["name"].lower() in registry and agent["name"] != agent["spec"]:
        ck.problem(
            f"{where}: agent name {agent['name']!r} is reserved for the built-in agent of that name"
        )
    if (
        agent["name"] in registry
        and agent["options"]
        and set(agent["classes"].values()) <= DETERMINISTIC_BASELINES
    ):
        # a baseline is its code with no options; the llm agent is its options (model, endpoint)
        ck.problem(
            f"{where}: the built-in agent {agent['name']!r} with options is another agent: "
            "name the run with --name"
        )
    if kind == HUMAN:
        return
    # A registry name (heuristic, oracle, ...) as spec must resolve to the classes recorded, and
    # only such a run may carry a registry name: nobody else's agent is shown as 'oracle'.
    spec = agent["spec"]
    for env_id, cls in agent["classes"].items():
        try:
            if spec.startswith(POLICY_PREFIX):  # the file need not be on this machine
                resolved = POLICY_AGENT
            else:
                resolved = agent_path(spec, env_id) if ":" not in spec else spec
        except AgentNotFound as e:
            resolved = f"? ({e})"
        if resolved != cls:
            ck.problem(
                f"{where}: agent.spec {spec!r} gives {resolved} for {env_id}, not the recorded "
                f"{cls}"
            )


def check_envs(ck: Checker, results: dict[str, Any]) -> RunPlan:
    """Each env made as stored: spec, user and task list must be what the code gives now."""
    where = ck.results_path
    split = results["split"]
    chosen = results.get("selection", "first") == "chosen"
    plan = RunPlan()
    for env_id, doc in results["envs"].items():
        stored = doc["make_kwargs"]
        extra = {k: v for k, v in stored.items() if k != "split"}
        kwargs = make_kwargs_for(env_id, split, extra)
        if kwargs != stored:
            ck.problem(
                f"{where}: {env_id}: make_kwargs {short_repr(stored)} are not what run gives "
                f"for this split: {short_repr(kwargs)}"
            )
            continue
        env = gym.make(env_id, **kwargs)
        try:
            task_ids = _check_env(ck, results, env_id, env)
        finally:
            env.close()
        plan.task_ids[env_id] = list(task_ids)
        plan.step_caps[env_id] = int(gym.spec(env_id).max_episode_steps or 10_000)
        plan.make_kwargs[env_id] = json.dumps(kwargs, sort_keys=True)
    if chosen and results["trials"] != 1:
        ck.problem(f"{where}: a run of chosen tasks (play) has 1 trial per task")
    return plan


def _check_env(ck: Checker, results: dict[str, Any], env_id: str, env: gym.Env) -> list[str]:
    """One env's spec, user simulator, task list and its hash, against the stored; the task
    ids the run must hold for it."""
    from utility_gym.core.tasks import parse_task_id

    where = ck.results_path
    doc = results["envs"][env_id]
    split, limit = results["split"], results["limit"]
    spec = json.loads(env.spec.to_json())
    if doc["spec"] != spec:
        differs = sorted(
            k for k in set(spec) | set(doc["spec"]) if spec.get(k) != doc["spec"].get(k)
        )
        ck.problem(
            f"{where}: {env_id}: spec differs from the registered env's in {', '.join(differs)}"
        )
    user = describe_user(env)
    if results["agent"].get("kind") == HUMAN_USER:  # a person was the user
        from utility_gym.bench.console.people import person_user_description

        user = person_user_description()
    if doc["user_simulator"] != user:
        ck.problem(
            f"{where}: {env_id}: user_simulator {short_repr(doc['user_simulator'])} is "
            f"not {short_repr(user)}"
        )
    if results.get("selection", "first") == "chosen":
        task_ids = doc["task_ids"]
        problem = chosen_task_problem(env, split, task_ids, parse_task_id)
        if problem:
            ck.problem(f"{where}: {env_id}: {problem}")
    else:
        task_ids = task_ids_for(env, split, limit)
        if doc["task_ids"] != task_ids:
            ck.problem(
                f"{where}: {env_id}: the task list is not the {split} split's "
                f"({len(task_ids)} "
                f"tasks{'' if limit is None else f', --limit {limit}'})"
            )
    if doc["task_set_hash"] != task_set_hash(task_ids):
        ck.problem(
            f"{where}: {env_id}: task_set_hash {doc['task_set_hash']} is not the task "
            f"list's {task_set_hash(task_ids)}"
        )
    return task_ids


def check_provenance(ck: Checker, results: dict[str, Any], plan: RunPlan) -> None:
    import utility_gym

    where = ck.results_path
    prov = results["provenance"]
    if prov["version"] != utility_gym.__version__:
        ck.problem(
            f"{where}: made with utility-gym {prov['version']}, this is "
            f"{utility_gym.__version__}: verify with that version or run again"
        )
    overall = task_set_hash(f"{env_id}::{t}" for env_id, ids in plan.task_ids.items() for t in ids)
    if prov["task_set_hash"] != overall:
        ck.problem(
            f"{where}: provenance.task_set_hash {prov['task_set_hash']} is not the run's {overall}"
        )
    for p in command_problems(results):
        ck.problem(f"{where}: provenance.command: {p}")


def check_manifest(ck: Checker, results: dict[str, Any]) -> None:
    manifest = ck.report.manifest
    if manifest is None:
        return
    where = f"{ck.dir / MANIFEST_FILE}"
    if manifest["agent"] != results["agent"]["name"]:
        ck.problem(
            f"{where}: agent {manifest['agent']!r} is not the run's agent "
            f"{results['agent']['name']!r}"
        )
    command = shlex.join(results["provenance"]["command"])
    if manifest["run"] != command:
        ck.problem(
            f"{where}: run is not the command recorded in results.json ({short_repr(command)})"
        )


def chosen_task_problem(env: gym.Env, split: str, task_ids: list[str], parse: Any) -> str | None:
    """Why a list of chosen tasks (play) is not a list of distinct tasks of ``split``, or None."""
    from utility_gym.core.tasks import TEST_SEED_BASE

    if len(set(task_ids)) != len(task_ids):
        return "a chosen task is listed twice"
    base = env.unwrapped
    test = set(base.task_ids("test")) if split == "test" else set()
    for task_id in task_ids:
        try:
            domain, template, seed = parse(task_id)
            heldout = base.domain.template(template).heldout
        except Exception:
            return f"{task_id[:80]!r} is not a task of {base.domain.name}"
        if domain != base.domain.name:
            return f"{task_id[:80]!r} is not a task of {base.domain.name}"
        actual = "heldout" if heldout else ("test" if seed >= TEST_SEED_BASE else "train")
        if actual != split or (split == "test" and task_id not in test):
            return f"task {task_id} is not in the {split} split"
    return None


def command_problems(results: dict[str, Any]) -> list[str]:
    """Where the recorded command disagrees with the run's settings ([] when it says the same)."""
    from utility_gym.bench.cli_parsers import UsageError, build_parser
    from utility_gym.bench.runner import select_envs

    command = results["provenance"]["command"]
    if command[:1] != ["utility-bench"]:
        return ["does not start with utility-bench"]
    try:
        args = build_parser().parse_args(command[1:])
    except (UsageError, SystemExit) as e:
        return [f"is not a valid command ({e})"]
    kind = results["agent"].get("kind", AGENT)
    envs = list(results["envs"])
    problems = []
    if kind == HUMAN:
        if args.command not in ("play", "console"):
            return ["a person's run was not made by utility-bench play or console"]
        return problems
    if kind == HUMAN_USER:
        if args.command != "console":
            return ["a run whose user a person played was not made by utility-bench console"]
        return problems
    if args.command != "run":
        return [f"is a {args.command} command, not run"]
    if getattr(args, "resume", False):
        return ["is a --resume command (the original command is kept)"]
    agents = [n.strip() for n in args.agent.split(",") if n.strip()]
    if results["agent"]["spec"] not in agents:
        problems.append(f"--agent {args.agent} does not name {results['agent']['spec']}")
    if args.name is not None and args.name != results["agent"]["name"]:
        problems.append(f"--name {args.name} is not the run's agent name")
    spec = results["agent"]["spec"]
    if args.name is None and ":" not in spec and results["agent"]["name"] != spec:
        problems.append(
            f"has no --name, so the agent's name is {spec!r}, not {results['agent']['name']!r}"
        )
    try:
        if select_envs(args.env) != envs:
            problems.append(f"--env {' '.join(args.env)} is not the run's envs")
    except ValueError as e:
        problems.append(str(e))
    for option, value in (
        ("split", args.split),
        ("trials", args.trials),
        ("limit", args.limit),
        ("seed", args.seed),
    ):
        if value != results[option]:
            problems.append(f"--{option} {value} is not the run's {results[option]}")
    given = dict(args.env_arg)
    if args.size is not None:
        given["size"] = args.size
    for env_id, doc in results["envs"].items():
        stored = {k: v for k, v in doc["make_kwargs"].items() if k != "split"}
        if given != stored:
            problems.append(
                f"env kwargs {short_repr(given)} are not those of {env_id}: {short_repr(stored)}"
            )
            break
    resamples = results["overall"].get("bootstrap", {}).get("resamples")
    if (args.bootstrap or BOOTSTRAP_RESAMPLES) != resamples:
        problems.append(f"--bootstrap {args.bootstrap} is not the run's {resamples} resamples")
    return problems
