"""``utility-bench verify``: check a run against the code, then replay (or re-run) every episode.

Nothing in a run's files is trusted. In order, each step only after the previous one passed:

1. the folder: regular files only, exactly one trajectories file, no unfinished run;
2. every file against its shape (``schema``): one line naming the file, line and field;
3. the run's settings and env kwargs against ``rules`` (the one definition of a valid run):
   the deterministic user only, no endpoint or option outside the allow-list, bounded numbers;
4. what the code says the run is: each env made with the stored kwargs gives the stored spec and
   user simulator, the task list is the split's (recomputed, also its hashes), the package
   version is this one, the recorded command says the same settings, the agent name and class
   are the same in results.json, every trajectory line and the manifest;
5. every planned (env, task, trial) episode exactly once, with its derived seed, nothing else;
6. each episode replayed (the recorded actions in a fresh env: every observation, reward, flag,
   user act and grade must match) or, with ``--rerun``, the agent itself run again (the
   trajectory line must come out byte-identical, time aside);
7. every summary in results.json recomputed from the replayed episodes, metric by metric,
   nothing missing and nothing extra.

All of it runs inside ``seal.sealed()``: no network connection, no credential variable.
"""

from __future__ import annotations

import json
import shlex
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from utility_gym.bench.execution import DeadlineExceeded, Runner, progress_bar
from utility_gym.bench.files import (
    MANIFEST_FILE,
    MAX_MANIFEST_BYTES,
    MAX_RESULTS_BYTES,
    PARTIAL_FILE,
    RESULTS_FILE,
    STATE_FILE,
    TRAJECTORIES_FILE,
    TRAJECTORIES_GZ,
    RunFileError,
    check_regular_file,
    iter_json_lines,
    json_line,
    read_json_file,
    trajectory_file,
)
from utility_gym.bench.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    compare_summaries,
    same_value,
    short_repr,
    summarize,
)
from utility_gym.bench.rules import (
    AGENT,
    HUMAN,
    HUMAN_USER,
    PERSON_KINDS,
    SEED_RULE,
    env_problems,
    make_kwarg_problems,
    settings_problems,
)
from utility_gym.bench.runner import (
    Episode,
    cached_env,
    count_questions,
    describe_user,
    episode_seed,
    make_kwargs_for,
    run_group,
    task_ids_for,
)
from utility_gym.bench.schema import check_manifest, check_results, check_trajectory
from utility_gym.bench.tiers import task_tiers
from utility_gym.core.tasks import task_set_hash

MAX_PROBLEMS_PER_EPISODE = 5
# Wall-clock budget of the replay (or re-run) of one run: a bound on what any input can cost,
# far above what a real run needs (the 1,600 episodes of a baseline replay in well under a minute).
SECONDS_BASE, SECONDS_PER_EPISODE = 120.0, 2.0
MAX_PROBLEMS = 200
HUMAN_CLASS = "utility_gym.bench.play:HumanAgent"
KNOWN_FILES = frozenset({RESULTS_FILE, TRAJECTORIES_FILE, TRAJECTORIES_GZ, MANIFEST_FILE})
# Fields of a trajectory record that replay recomputes (tokens, cost and time are self-reported).
RECOMPUTED_FIELDS = (
    "success",
    "partial",
    "reward",
    "turns",
    "tool_calls",
    "questions",
    "redundant_questions",
)
REPLAYED, RERUN = "replayed", "re-run"
RERUN_WHERE_POSSIBLE = (
    "where-possible"  # verify_run(rerun=...): re-run any agent that can be, replay the others
)


class RunUnreadable(ValueError):
    """DIR holds no run at all (a user input error: a wrong path)."""


@dataclass
class VerifyReport:
    directory: Path
    results: dict[str, Any]
    episodes: int = 0
    problems: list[str] = field(default_factory=list)
    checked: str = REPLAYED  # or RERUN: the agent itself was run again
    manifest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def run_directories(paths: Sequence[str | Path]) -> list[Path]:
    """Each path that holds results.json, or its subfolders that do (``--out`` of a multi-agent run
    or the submissions folder). An unfinished run (its plan file) counts as a run, to be refused."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            raise RunUnreadable(f"{path} is not a readable directory")
        if _is_run(path):
            found.append(path)
            continue
        subs = sorted(p for p in path.iterdir() if p.is_dir() and not p.is_symlink() and _is_run(p))
        if not subs:
            raise RunUnreadable(
                f"{path} holds no {RESULTS_FILE} (nor do its subfolders); pass the --out folder of "
                "a run"
            )
        found.extend(subs)
    return found


def _is_run(path: Path) -> bool:
    return any((path / name).exists() for name in (RESULTS_FILE, STATE_FILE, PARTIAL_FILE))


def verify_run(
    directory: Path,
    runner: Runner,
    *,
    quiet: bool = True,
    rerun: bool | str | None = False,
    manifest_required: bool = False,
) -> VerifyReport:
    """Check one run folder; every problem is one line in ``report.problems``. Never raises on
    any content: a malformed file is a problem like a mismatch.

    ``rerun``: True re-runs the agent (a problem when it cannot be re-run; importing the
    ``package.module`` the run names, which the caller asked for), None re-runs the built-in
    baselines and replays every other run (no agent code a run names is imported: the published
    board, ``submit``), ``RERUN_WHERE_POSSIBLE`` re-runs every agent that can be re-run and
    replays the others (``leaderboard --rerun``), False replays.
    """
    report = VerifyReport(directory, {})
    try:
        _Verifier(report, runner, quiet, rerun, manifest_required).verify()
    except RunFileError as e:
        report.problems.append(str(e))
    return report


class _Stop(Exception):
    """Enough found: later checks would only repeat it."""


class _Verifier:
    def __init__(
        self,
        report: VerifyReport,
        runner: Runner,
        quiet: bool,
        rerun: bool | str | None,
        manifest_required: bool,
    ) -> None:
        self.report = report
        self.dir = report.directory
        self.runner = runner
        self.quiet = quiet
        self.rerun = rerun
        self.manifest_required = manifest_required

    def problem(self, text: str) -> None:
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(text)

    def stop_if_problems(self) -> None:
        if self.report.problems:
            raise _Stop

    def verify(self) -> None:
        try:
            self._verify()
        except _Stop:
            pass

    def _verify(self) -> None:
        # 1-2. the folder, and every file's shape (the trajectories' line by line, in 5)
        results, traj_path = self.read_files()
        # 3. settings, against the rules
        self.check_settings(results)
        self.stop_if_problems()  # nothing is made from a run that breaks the rules
        # 4. what the code says the run is
        self.check_agent(results)
        plan = self.check_envs(results)
        self.check_provenance(results, plan)
        self.check_manifest(results)
        self.stop_if_problems()
        # 5. the episodes
        records, raw_lines = self.check_episodes(results, plan, traj_path)
        self.stop_if_problems()
        # 6. replay, or re-run the agent
        position = {
            (env_id, t): (i, j)
            for i, (env_id, ids) in enumerate(plan.items())
            for j, t in enumerate(ids)
        }
        ordered = [(r, line) for (r, _), line in zip(records, raw_lines, strict=True)]
        ordered.sort(
            key=lambda item: (position[(item[0]["env_id"], item[0]["task_id"])], item[0]["trial"])
        )
        rows = (
            self.rerun_all(results, ordered)
            if self.wants_rerun(results)
            else self.replay_all(results, ordered)
        )
        # 7. the summaries, from the checked episodes only
        self.stop_if_problems()  # an episode that did not check: its numbers are not to be summed
        self.check_summaries(results, rows, results["trials"])

    # -- 1-5 ----------------------------------------------------------------------------------
    def read_files(self) -> tuple[dict[str, Any], Path]:
        """results.json and the manifest, each checked for shape; the trajectories' path."""
        self.check_folder()
        results = read_json_file(check_regular_file(self.dir, RESULTS_FILE), MAX_RESULTS_BYTES)
        check_results(results, f"{self.dir / RESULTS_FILE}")
        self.report.results = results
        manifest_path = self.dir / MANIFEST_FILE
        if manifest_path.exists() or manifest_path.is_symlink():
            manifest = read_json_file(
                check_regular_file(self.dir, MANIFEST_FILE), MAX_MANIFEST_BYTES
            )
            check_manifest(manifest, str(manifest_path))
            self.report.manifest = manifest
        elif self.manifest_required:
            self.problem(
                f"{manifest_path}: missing (a submission needs its manifest; see "
                "docs/submitting.md)"
            )
        return results, trajectory_file(self.dir)

    def check_settings(self, results: dict[str, Any]) -> None:
        """The run's settings, against the rules."""
        where = f"{self.dir / RESULTS_FILE}"
        bootstrap = results["overall"].get("bootstrap")
        resamples = bootstrap.get("resamples") if isinstance(bootstrap, dict) else None
        for p in settings_problems(
            split=results["split"],
            trials=results["trials"],
            limit=results["limit"],
            seed=results["seed"],
            resamples=resamples if resamples is not None else BOOTSTRAP_RESAMPLES,
        ):
            self.problem(f"{where}: {p}")
        if results["seed_rule"] != SEED_RULE:
            self.problem(f"{where}: seed_rule is not this version's rule ({SEED_RULE})")
        for env_id, doc in results["envs"].items():
            trouble = env_problems(env_id)
            if trouble:
                self.problem(f"{where}: {trouble}")
            for p in make_kwarg_problems(doc["make_kwargs"], results["split"]):
                self.problem(f"{where}: {env_id}: {p}")
            self.check_resamples(doc["metrics"], f"{env_id} metrics")
        self.check_resamples(results["overall"], "overall")

    def check_episodes(
        self,
        results: dict[str, Any],
        plan: dict[str, Any],
        traj_path: Path,
    ) -> tuple[list[tuple[dict[str, Any], int]], list[str]]:
        """Every trajectory line: its shape, one per (env, task, trial) of the plan, with the
        run's seed, agent and the env's step cap; the records and their raw lines."""
        name = results["agent"]["name"]
        expected: dict[tuple[str, str, int], int] = {}
        for env_id, task_ids in plan.items():
            for task_id in task_ids:
                for trial in range(results["trials"]):
                    expected[(env_id, task_id, trial)] = episode_seed(
                        results["seed"], env_id, task_id, trial
                    )
        records: list[tuple[dict[str, Any], int]] = []
        raw_lines: list[str] = []
        for number, record in iter_json_lines(traj_path, max_lines=len(expected)):
            check_trajectory(record, f"{traj_path} line {number}")
            records.append((record, number))
            raw_lines.append(json_line(record))
        self.report.episodes = len(records)
        seen = Counter((r["env_id"], r["task_id"], r["trial"]) for r, _ in records)
        for key, count in sorted(seen.items(), key=repr):
            if count > 1:
                self.problem(f"{_where(key)}: recorded {count} times")
        for key in expected:
            if key not in seen:
                self.problem(f"{_where(key)}: episode missing from {traj_path.name}")
        for record, number in records:
            key = (record["env_id"], record["task_id"], record["trial"])
            at = f"{_where(key)} ({traj_path.name} line {number})"
            if key not in expected:
                self.problem(f"{at}: not an episode of this run (wrong env, task or trial)")
            elif record["seed"] != expected[key]:
                self.problem(
                    f"{at}: seed {record['seed']} is not the run's seed {expected[key]} for it"
                )
            if record["agent"] != name:
                self.problem(f"{at}: agent {record['agent']!r} is not the run's agent {name!r}")
            self.check_person(record, results, at)
            cap = self.step_caps.get(record["env_id"])
            if cap is not None and len(record["steps"]) > cap + 1:
                self.problem(
                    f"{at}: {len(record['steps']) - 1} steps, more than the env's cap of {cap}"
                )
        return records, raw_lines

    # -- 7 ------------------------------------------------------------------------------------
    def check_summaries(
        self, results: dict[str, Any], rows: list[dict[str, Any]], trials: int
    ) -> None:
        """Recompute every summary (with success per difficulty tier) from the checked episodes
        and compare it with results.json; the board shows what was computed here."""
        all_tiers: dict[tuple[str, str], str] = {}
        for env_id, doc in results["envs"].items():
            env_rows = [r for r in rows if r["env_id"] == env_id]
            if not env_rows:
                continue
            tiers = task_tiers(env_id, json.loads(self.make_kwargs[env_id]), doc["task_ids"])
            all_tiers |= tiers
            resamples = _resamples(doc["metrics"])
            recomputed = summarize(
                env_rows, trials=trials, resamples=resamples, seed=BOOTSTRAP_SEED, tiers=tiers
            )
            recorded = _tiered(doc["metrics"], recomputed)
            for p in compare_summaries(recorded, recomputed, f"{env_id} summary"):
                self.problem(p)
            doc["metrics"] = recomputed  # the board shows what was computed here, not what was read
        resamples = _resamples(results["overall"])
        overall = summarize(
            rows, trials=trials, resamples=resamples, seed=BOOTSTRAP_SEED, tiers=all_tiers
        )
        recorded = _tiered(results["overall"], overall)
        for p in compare_summaries(recorded, overall, "overall summary"):
            self.problem(p)
        results["overall"] = overall

    def check_person(self, record: dict[str, Any], results: dict[str, Any], at: str) -> None:
        """A person's turns as the user (console) belong to, and only to, a run of that kind."""
        person_side = (record.get("person") or {}).get("side")
        if (person_side == "user") != (results["agent"].get("kind") == HUMAN_USER):
            self.problem(
                f"{at}: a person's turns as the user (person.side 'user') belong to, and only "
                f"to, a run of kind {HUMAN_USER!r}"
            )

    # -- 1 ------------------------------------------------------------------------------------
    def check_folder(self) -> None:
        if (self.dir / STATE_FILE).exists() or (self.dir / PARTIAL_FILE).exists():
            raise RunFileError(
                f"{self.dir}: an unfinished run (interrupted or still running); finish it with "
                f"`utility-bench run --resume --out {shlex.quote(str(self.dir))}`"
            )
        for entry in sorted(self.dir.iterdir()):
            if entry.name.startswith("."):
                # hidden files (an editor's, an interrupted write's temporary) are never read
                continue
            if entry.name not in KNOWN_FILES:
                raise RunFileError(
                    f"{entry}: not a file of a run (a run folder holds "
                    f"{', '.join(sorted(KNOWN_FILES))})"
                )

    def check_resamples(self, summary: dict[str, Any], where: str) -> None:
        bootstrap = summary.get("bootstrap")
        if not isinstance(bootstrap, dict):
            self.problem(
                f"{self.dir / RESULTS_FILE}: {where}: 'bootstrap' is missing or not an object"
            )
            return
        for p in settings_problems(
            split="test", trials=1, limit=None, seed=0, resamples=bootstrap.get("resamples")
        ):
            self.problem(f"{self.dir / RESULTS_FILE}: {where}: {p}")

    # -- 4 ------------------------------------------------------------------------------------
    def check_agent(self, results: dict[str, Any]) -> None:
        from utility_gym.bench.agents import (
            DETERMINISTIC_BASELINES,
            POLICY_AGENT,
            POLICY_PREFIX,
            AgentNotFound,
            agent_path,
            known_agent_names,
        )

        where = f"{self.dir / RESULTS_FILE}"
        agent = results["agent"]
        kind = agent.get("kind", AGENT)
        if set(agent["classes"]) != set(results["envs"]):
            self.problem(f"{where}: agent.classes names other envs than envs")
        for env_id, doc in results["envs"].items():
            cls = agent["classes"].get(env_id)
            if doc["agent_class"] != cls:
                self.problem(
                    f"{where}: {env_id}: agent_class {doc['agent_class']!r} is not agent.classes' "
                    f"{cls!r}"
                )
            if doc["agent_config"].get("class") != doc["agent_class"]:
                self.problem(f"{where}: {env_id}: agent_config.class is not agent_class")
            if (cls == HUMAN_CLASS) != (kind == HUMAN):
                self.problem(
                    f"{where}: {env_id}: a run played by a person has kind 'human' and class "
                    f"{HUMAN_CLASS}, and only such a run"
                )
        if results.get("selection", "first") == "chosen" and kind not in PERSON_KINDS:
            self.problem(
                f"{where}: only a run played by a person (play) has chosen tasks; an agent runs "
                "the split's"
            )
        registry = set(known_agent_names())
        if agent["name"].lower() == "human" and kind != HUMAN:
            self.problem(f"{where}: agent name {agent['name']!r} is for runs played by a person")
        if agent["name"].lower() in registry and agent["name"] != agent["spec"]:
            self.problem(
                f"{where}: agent name {agent['name']!r} is reserved for the built-in agent of that "
                "name"
            )
        if (
            agent["name"] in registry
            and agent["options"]
            and set(agent["classes"].values()) <= DETERMINISTIC_BASELINES
        ):
            # a baseline is its code with no options; the llm agent is its options (model, endpoint)
            self.problem(
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
                self.problem(
                    f"{where}: agent.spec {spec!r} gives {resolved} for {env_id}, not the recorded "
                    f"{cls}"
                )

    def check_envs(self, results: dict[str, Any]) -> dict[str, list[str]]:
        """Each env made as stored: spec, user and task list must be what the code gives now."""
        from utility_gym.core.tasks import parse_task_id

        where = f"{self.dir / RESULTS_FILE}"
        split, limit = results["split"], results["limit"]
        chosen = results.get("selection", "first") == "chosen"
        plan: dict[str, list[str]] = {}
        self.step_caps: dict[str, int] = {}
        self.make_kwargs: dict[str, str] = {}
        for env_id, doc in results["envs"].items():
            stored = doc["make_kwargs"]
            extra = {k: v for k, v in stored.items() if k != "split"}
            kwargs = make_kwargs_for(env_id, split, extra)
            if kwargs != stored:
                self.problem(
                    f"{where}: {env_id}: make_kwargs {short_repr(stored)} are not what run gives "
                    f"for this split: {short_repr(kwargs)}"
                )
                continue
            env = gym.make(env_id, **kwargs)
            try:
                spec = json.loads(env.spec.to_json())
                if doc["spec"] != spec:
                    differs = sorted(
                        k for k in set(spec) | set(doc["spec"]) if spec.get(k) != doc["spec"].get(k)
                    )
                    self.problem(
                        f"{where}: {env_id}: spec differs from the registered env's in "
                        f"{', '.join(differs)}"
                    )
                user = describe_user(env)
                if results["agent"].get("kind") == HUMAN_USER:  # a person was the user
                    from utility_gym.bench.console.people import person_user_description

                    user = person_user_description()
                if doc["user_simulator"] != user:
                    self.problem(
                        f"{where}: {env_id}: user_simulator {short_repr(doc['user_simulator'])} is "
                        f"not {short_repr(user)}"
                    )
                if chosen:
                    task_ids = doc["task_ids"]
                    problem = chosen_task_problem(env, split, task_ids, parse_task_id)
                    if problem:
                        self.problem(f"{where}: {env_id}: {problem}")
                else:
                    task_ids = task_ids_for(env, split, limit)
                    if doc["task_ids"] != task_ids:
                        self.problem(
                            f"{where}: {env_id}: the task list is not the {split} split's "
                            f"({len(task_ids)} "
                            f"tasks{'' if limit is None else f', --limit {limit}'})"
                        )
                if doc["task_set_hash"] != task_set_hash(task_ids):
                    self.problem(
                        f"{where}: {env_id}: task_set_hash {doc['task_set_hash']} is not the task "
                        f"list's {task_set_hash(task_ids)}"
                    )
            finally:
                env.close()
            plan[env_id] = list(task_ids)
            self.step_caps[env_id] = int(gym.spec(env_id).max_episode_steps or 10_000)
            self.make_kwargs[env_id] = json.dumps(kwargs, sort_keys=True)
        if chosen and results["trials"] != 1:
            self.problem(f"{where}: a run of chosen tasks (play) has 1 trial per task")
        return plan

    def check_provenance(self, results: dict[str, Any], plan: dict[str, list[str]]) -> None:
        import utility_gym

        where = f"{self.dir / RESULTS_FILE}"
        prov = results["provenance"]
        if prov["version"] != utility_gym.__version__:
            self.problem(
                f"{where}: made with utility-gym {prov['version']}, this is "
                f"{utility_gym.__version__}: verify with that version or run again"
            )
        overall = task_set_hash(f"{env_id}::{t}" for env_id, ids in plan.items() for t in ids)
        if prov["task_set_hash"] != overall:
            self.problem(
                f"{where}: provenance.task_set_hash {prov['task_set_hash']} is not the run's "
                f"{overall}"
            )
        for p in command_problems(results):
            self.problem(f"{where}: provenance.command: {p}")

    def check_manifest(self, results: dict[str, Any]) -> None:
        manifest = self.report.manifest
        if manifest is None:
            return
        where = f"{self.dir / MANIFEST_FILE}"
        if manifest["agent"] != results["agent"]["name"]:
            self.problem(
                f"{where}: agent {manifest['agent']!r} is not the run's agent "
                f"{results['agent']['name']!r}"
            )
        command = shlex.join(results["provenance"]["command"])
        if manifest["run"] != command:
            self.problem(
                f"{where}: run is not the command recorded in results.json ({short_repr(command)})"
            )

    # -- 6 ------------------------------------------------------------------------------------
    def wants_rerun(self, results: dict[str, Any]) -> bool:
        from utility_gym.bench.agents import DETERMINISTIC_BASELINES, rerun_problem

        if self.rerun is False:
            return False
        agent = results["agent"]
        classes = set(agent["classes"].values())
        if self.rerun is None and not classes <= DETERMINISTIC_BASELINES:
            # Unasked, verify imports no agent code a run names: only the built-in baselines.
            return False
        reasons = [] if agent.get("kind", AGENT) == AGENT else ["a person played it"]
        reasons += [p for p in map(rerun_problem, sorted(set(agent["classes"].values()))) if p]
        if any(v == "***" for v in agent["options"].values()):
            reasons.append("its options hold a secret that is not recorded")
        if not reasons:
            return True
        if self.rerun is True:
            self.problem(
                f"{self.dir}: cannot re-run the agent: {'; '.join(reasons)} (verify without "
                "--rerun replays it)"
            )
            raise _Stop
        return False

    def runner_map(self, fn: Any, groups: list[Any], bar: Any, episodes: int) -> list[Any]:
        """The jobs on the runner, within the time budget (a problem, and a stop, past it)."""
        budget = SECONDS_BASE + SECONDS_PER_EPISODE * episodes
        try:
            return self.runner.map(fn, groups, bar, weight=len, deadline=time.monotonic() + budget)
        except DeadlineExceeded:
            self.problem(
                f"{self.dir}: checking took longer than its budget of {budget:.0f} s ({episodes} "
                "episodes); stopped"
            )
            raise _Stop from None

    def replay_all(
        self, results: dict[str, Any], ordered: list[tuple[dict[str, Any], str]]
    ) -> list[dict[str, Any]]:
        groups: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for record, line in ordered:
            groups.setdefault((record["env_id"], record["task_id"]), []).append(
                (record["env_id"], self.make_kwargs[record["env_id"]], line)
            )
        label = results["agent"]["name"]
        with progress_bar(len(ordered), f"verify {label}", quiet=self.quiet) as bar:
            done = self.runner_map(replay_group, list(groups.values()), bar, len(ordered))
        rows = []
        for replay in (r for group in done for r in group):
            if "crashed" in replay:
                record = json.loads(replay["job"][2])
                key = (record["env_id"], record["task_id"], record["trial"])
                self.problem(f"{_where(key)}: the replay raised {replay['crashed']}")
                continue
            key = (replay["row"]["env_id"], replay["row"]["task_id"], replay["row"]["trial"])
            for p in replay["problems"]:
                self.problem(f"{_where(key)}: {p}")
            rows.append(replay["row"])
        self.report.checked = REPLAYED
        return rows

    def rerun_all(
        self, results: dict[str, Any], ordered: list[tuple[dict[str, Any], str]]
    ) -> list[dict[str, Any]]:
        agent = results["agent"]
        options = json.dumps(agent["options"], sort_keys=True)
        groups: dict[tuple[str, str], list[Episode]] = {}
        recorded: dict[tuple[str, str, int], tuple[dict[str, Any], str]] = {}
        for index, (record, line) in enumerate(ordered):
            env_id = record["env_id"]
            episode = Episode(
                index, env_id, self.make_kwargs[env_id], record["task_id"], record["trial"],
                record["seed"], agent["name"], agent["classes"][env_id], options,
            )  # fmt: skip
            groups.setdefault((env_id, record["task_id"]), []).append(episode)
            recorded[(env_id, record["task_id"], record["trial"])] = (record, line)
        with progress_bar(len(ordered), f"re-run {agent['name']}", quiet=self.quiet) as bar:
            done = self.runner_map(
                rerun_group, [tuple(g) for g in groups.values()], bar, len(ordered)
            )
        rows = []
        for outcome in (r for group in done for r in group):
            if "crashed" in outcome:
                episode = outcome["job"]
                key = (episode.env_id, episode.task_id, episode.trial)
                self.problem(f"{_where(key)}: the re-run raised {outcome['crashed']}")
                continue
            fresh = outcome["record"]
            key = (fresh["env_id"], fresh["task_id"], fresh["trial"])
            record, line = recorded[key]
            fresh["seconds"] = record["seconds"]  # time is the one thing a re-run cannot repeat
            if json_line(fresh) != line:
                self.problem(
                    f"{_where(key)}: the re-run agent's trajectory differs: "
                    f"{first_difference(record, fresh)}"
                )
            rows.append(fresh)
        self.report.checked = RERUN
        return rows


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


def first_difference(recorded: Any, fresh: Any, path: str = "") -> str:
    """Where two trajectory records first differ, for a readable message."""
    if isinstance(recorded, dict) and isinstance(fresh, dict):
        for key in list(recorded) + [k for k in fresh if k not in recorded]:
            if key not in fresh or key not in recorded:
                return f"{path}.{key} is in one only"
            if recorded[key] != fresh[key] or type(recorded[key]) is not type(fresh[key]):
                return first_difference(recorded[key], fresh[key], f"{path}.{key}")
        return f"{path or 'the line'}: key order or formatting"
    if isinstance(recorded, list) and isinstance(fresh, list):
        for i, (a, b) in enumerate(zip(recorded, fresh)):
            if a != b:
                return first_difference(a, b, f"{path}[{i}]")
        return f"{path}: {len(recorded)} items recorded, {len(fresh)} in the re-run"
    return f"{path.lstrip('.')}: recorded {short_repr(recorded)}, re-run {short_repr(fresh)}"


def _tiered(recorded: dict[str, Any], recomputed: dict[str, Any]) -> dict[str, Any]:
    """A summary from before per-tier success was reported (no ``by_tier``) is compared
    without it; one that has it must match to the last figure."""
    if "by_tier" in recorded or "by_tier" not in recomputed:
        return recorded
    return recorded | {"by_tier": recomputed["by_tier"]}


def _resamples(summary: dict[str, Any]) -> int:
    """The resamples the run used; never fewer than the standard (narrower-looking intervals)."""
    return max(int(summary["bootstrap"]["resamples"]), BOOTSTRAP_RESAMPLES)


def _where(key: tuple[Any, Any, Any]) -> str:
    env_id, task_id, trial = key
    return f"{env_id} {task_id} trial {trial}"


def replay_group(jobs: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    return [_guarded(replay_one, job) for job in jobs]


def rerun_group(episodes: Sequence[Episode]) -> list[dict[str, Any]]:
    return [_guarded(lambda e: {"record": run_group([e])[0], "problems": []}, e) for e in episodes]


def _guarded(check: Any, job: Any) -> dict[str, Any]:
    """``check(job)``; whatever it raises becomes the episode's problem (never the verifier's
    crash)."""
    try:
        return check(job)
    except Exception as e:
        return {"crashed": f"{type(e).__name__}: {' '.join(str(e).split())[:300]}", "job": job}


def replay_one(job: tuple[str, str, str]) -> dict[str, Any]:
    """Replay one recorded episode; return the recomputed row and what differs (worker side)."""
    env_id, make_kwargs, text = job
    record = json.loads(text)
    problems: list[str] = []
    steps = record["steps"]
    error = record["error"]
    row: dict[str, Any] = {
        "env_id": env_id,
        "task_id": record["task_id"],
        "trial": record["trial"],
        "success": False,
        "partial": 0.0,
        "reward": 0.0,
        "turns": 0,
        "tool_calls": 0,
        "questions": 0,
        "redundant_questions": 0,
        "error": error,
        "usage": record["usage"],
        "seconds": record["seconds"],
    }

    def problem(text: str) -> None:
        if len(problems) < MAX_PROBLEMS_PER_EPISODE:
            problems.append(text)

    if not steps:
        if not error:
            problem("no steps recorded and no error")
        if record["grade"] is not None:
            problem("a grade is recorded, but no step")
        _compare_row(record, row, problem)
        return {"row": row, "problems": problems}

    env = cached_env(env_id, make_kwargs)
    person = record.get("person") or {}
    if person.get("side") == "user":  # a person was the user: their recorded turns are fed back
        from utility_gym.bench.console.people import ReplayUser, replies

        simulated, env.unwrapped.user = (
            env.unwrapped.user,
            ReplayUser(replies(person.get("turns", []))),
        )
        try:
            return _replay_steps(env, record, row, problems, problem)
        finally:
            env.unwrapped.user = simulated
    return _replay_steps(env, record, row, problems, problem)


def _replay_steps(
    env: gym.Env, record: dict[str, Any], row: dict[str, Any], problems: list[str], problem: Any
) -> dict[str, Any]:
    """Step the recorded actions in ``env`` and compare (the second half of ``replay_one``)."""
    from utility_gym.core.rollout import is_tool_call, user_acts

    steps = record["steps"]
    error = record["error"]
    obs, info = env.reset(seed=record["seed"], options={"task_id": record["task_id"]})
    if info.get("task_id") != record["task_id"]:
        problem(f"reset gives task {info.get('task_id')!r}")
    if steps[0]["observation"] != obs:
        problem(
            f"first observation differs: recorded {short_repr(steps[0]['observation'])}, replay "
            f"{short_repr(obs)}"
        )
    ended = False
    replayed_steps: list[dict[str, Any]] = []
    for number, step in enumerate(steps[1:], start=1):
        if ended:
            problem(f"step {number} was recorded after the episode ended")
            break
        action = step["action"]
        obs, reward, terminated, truncated, info = env.step(action)
        terminated, truncated = bool(terminated), bool(truncated)
        acts = user_acts(info)
        replayed_steps.append({"user_acts": acts})
        row["turns"] += 1
        row["reward"] += reward
        if is_tool_call(action, info):
            row["tool_calls"] += 1
        for name, mine in (
            ("observation", obs),
            ("reward", reward),
            ("terminated", terminated),
            ("truncated", truncated),
            ("user_acts", acts),
        ):
            if not same_value(step[name], mine):
                problem(
                    f"step {number} {name}: recorded {short_repr(step[name])}, replay "
                    f"{short_repr(mine)}"
                )
        ended = bool(terminated or truncated)
    row["questions"], row["redundant_questions"] = count_questions(replayed_steps)
    if ended:
        grade = info.get("grade") or {}
        row["success"] = bool(grade.get("success", False))
        row["partial"] = float(grade.get("partial", 0.0))
        if not same_value(record["grade"] or {}, grade):
            problem(
                f"grade differs: recorded {short_repr(record['grade'])}, replay {short_repr(grade)}"
            )
        if error:
            problem("an error is recorded, but the episode had ended")
    else:
        if not error:
            problem("the trajectory stops before the episode ended, and no error is recorded")
        if record["grade"] is not None:
            problem("a grade is recorded, but the episode did not end")
    _compare_row(record, row, problem)
    return {"row": row, "problems": problems}


def _compare_row(record: dict[str, Any], row: dict[str, Any], problem: Any) -> None:
    for name in RECOMPUTED_FIELDS:
        if not same_value(record[name], row[name]):
            problem(f"{name}: recorded {short_repr(record[name])}, replay {short_repr(row[name])}")
