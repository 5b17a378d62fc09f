"""Where console sessions go: run folders ``verify`` checks, and a journal per live session.

Layout under the console's ``--out`` (default ``runs/console``):

- ``agent--PLAYER/``: the episodes a person played as the agent (kind ``human``, as ``play``);
- ``user--PLAYER--AGENT/``: the episodes AGENT served a person playing the user (kind
  ``human-user``; arena sessions too);
- ``journal/SESSION.json``: a live session, rewritten after every step; removed once the
  episode is in its run folder. A journal left behind (the server was killed) is turned into an
  unfinished episode, counted as a failure, when the console starts again;
- ``arena/votes.jsonl``: one line per arena vote.

Each run folder is a run of chosen tasks, one trial each, rewritten atomically when an episode
is added; one lock per process guards them (one console server writes a folder).
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from utility_gym.bench.files import RESULTS_FILE, atomic_write
from utility_gym.bench.rules import HUMAN, HUMAN_USER, RANKED_SEED
from utility_gym.bench.runner import (
    AgentRun,
    EnvPlan,
    RunSettings,
    read_trajectories,
    results_document,
    write_run,
)
from utility_gym.bench.verify import HUMAN_CLASS

JOURNAL_DIR = "journal"
VOTES_FILE = Path("arena") / "votes.jsonl"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class SessionKey:
    """What decides a session's run folder and its place in it."""

    mode: str  # "agent" | "user" | "arena"
    env_id: str
    task_id: str
    player: str
    agent: str | None = None  # the agent's run label (user and arena modes)

    @property
    def folder(self) -> str:
        if self.mode == "agent":
            return f"agent--{self.player}"
        return f"user--{self.player}--{self.agent}"


def run_folder(out: Path, key: SessionKey) -> Path:
    return out / key.folder


def played_tasks(out: Path, key: SessionKey) -> set[str]:
    """Task ids of ``key.env_id`` already in the session's run folder."""
    path = run_folder(out, key) / RESULTS_FILE
    if not path.exists():
        return set()
    results = json.loads(path.read_text(encoding="utf-8"))
    return set(results["envs"].get(key.env_id, {}).get("task_ids", []))


def add_episode(
    out: Path,
    key: SessionKey,
    plan: EnvPlan,
    record: dict[str, Any],
    agent: AgentRun | None,
    split: str,
    command: list[str],
) -> Path:
    """Add one finished episode to the session's run folder (rewritten atomically); return it."""
    folder = run_folder(out, key)
    with _LOCK:
        plans: dict[str, EnvPlan] = {}
        records: list[dict[str, Any]] = []
        configs: dict[str, dict[str, Any]] = {}
        if (folder / RESULTS_FILE).exists():
            results = json.loads((folder / RESULTS_FILE).read_text(encoding="utf-8"))
            records = read_trajectories(folder)
            for env_id, doc in results["envs"].items():
                plans[env_id] = EnvPlan(
                    env_id,
                    doc["make_kwargs"],
                    doc["spec"],
                    list(doc["task_ids"]),
                    doc["user_simulator"],
                )
                configs[env_id] = doc["agent_config"]
        if plan.env_id in plans:
            if record["task_id"] in plans[plan.env_id].task_ids:
                raise ValueError(f"{folder} already holds {record['task_id']}")
            plans[plan.env_id].task_ids.append(record["task_id"])
        else:
            plans[plan.env_id] = plan
        records.append(record)
        run = _agent_run(key, agent, list(plans), configs)
        settings = RunSettings(
            agents=[run.name],
            env_ids=list(plans),
            split=split,
            trials=1,
            seed=RANKED_SEED,
            command=command,
        )
        started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        wall = sum(float(r["seconds"]) for r in records)
        kind = HUMAN if key.mode == "agent" else HUMAN_USER
        results = results_document(
            run,
            list(plans.values()),
            records,
            settings,
            wall,
            started,
            kind=kind,
            selection="chosen",
        )
        write_run(folder, results, records)
    return folder


def _agent_run(
    key: SessionKey, agent: AgentRun | None, env_ids: list[str], configs: dict[str, dict[str, Any]]
) -> AgentRun:
    if key.mode == "agent":
        return AgentRun(
            label=key.player,
            name="human",
            paths=dict.fromkeys(env_ids, HUMAN_CLASS),
            configs={e: {"class": HUMAN_CLASS} for e in env_ids},
        )
    assert agent is not None
    paths = {e: agent.paths.get(e) or configs[e]["class"] for e in env_ids}
    merged = {e: agent.configs.get(e) or configs[e] for e in env_ids}
    return AgentRun(
        label=agent.label, name=agent.name, paths=paths, options=dict(agent.options), configs=merged
    )


def set_rating(out: Path, key: SessionKey, rating: dict[str, Any]) -> bool:
    """Store the person's rating on their episode's line (kept as reported); False if absent."""
    folder = run_folder(out, key)
    with _LOCK:
        if not (folder / RESULTS_FILE).exists():
            return False
        results = json.loads((folder / RESULTS_FILE).read_text(encoding="utf-8"))
        records = read_trajectories(folder)
        found = False
        for record in records:
            if (record["env_id"], record["task_id"]) == (
                key.env_id,
                key.task_id,
            ) and "person" in record:
                record["person"]["rating"] = rating
                found = True
        if found:
            write_run(folder, results, records)
        return found


# -- journals ------------------------------------------------------------------------------------
@dataclass
class Journal:
    """A live session as saved after every step: enough to keep it if the server dies."""

    session: str
    key: SessionKey
    seed: int
    split: str
    make_kwargs: dict[str, Any]
    agent_path: str
    steps: list[dict[str, Any]]
    turns: list[dict[str, Any]]
    agent_spec: str | None = None  # --agent as given (user and arena modes)
    seconds: float = 0.0
    reward: float = 0.0
    tool_calls: int = 0

    def as_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["key"] = asdict(self.key)
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Journal:
        doc = dict(doc)
        doc["key"] = SessionKey(**doc["key"])
        return cls(**doc)


def journal_path(out: Path, session: str) -> Path:
    return out / JOURNAL_DIR / f"{session}.json"


def write_journal(out: Path, journal: Journal) -> None:
    path = journal_path(out, journal.session)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(journal.as_json(), ensure_ascii=False).encode("utf-8"))


def drop_journal(out: Path, session: str) -> None:
    journal_path(out, session).unlink(missing_ok=True)


def left_journals(out: Path) -> list[Journal]:
    """Journals of sessions that never finished (the server stopped under them)."""
    folder = out / JOURNAL_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            found.append(Journal.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError, KeyError):
            continue  # a journal cut short while it was written: nothing to keep
    return found


# -- arena votes ---------------------------------------------------------------------------------
def add_vote(out: Path, vote: dict[str, Any]) -> None:
    path = out / VOTES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(vote, ensure_ascii=False, sort_keys=True) + "\n")
        f.flush()


def read_votes(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    votes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            votes.append(json.loads(line))
    return votes
