"""A run's final files: ``results.json`` (the summaries per env and overall, and the run's
provenance) and the trajectories, each written atomically; and reading the trajectories back."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym

from utility_gym.bench.agents import redact
from utility_gym.bench.files import (
    RESULTS_FILE,
    TRAJECTORIES_FILE,
    TRAJECTORIES_GZ,
    atomic_write,
    fsync_dir,
    gzip_bytes,
    iter_json_lines,
    json_line,
    trajectory_file,
)
from utility_gym.bench.metrics import BOOTSTRAP_SEED, summarize
from utility_gym.bench.rules import AGENT, FORMAT, SEED_RULE
from utility_gym.bench.run_plan import AgentRun, EnvPlan, RunSettings
from utility_gym.bench.tiers import task_tiers
from utility_gym.core.tasks import task_set_hash


def results_document(
    agent: AgentRun,
    envs: Sequence[EnvPlan],
    trajectories: Sequence[dict[str, Any]],
    settings: RunSettings,
    wall_seconds: float,
    started_at: str,
    *,
    kind: str = AGENT,
    selection: str = "first",
) -> dict[str, Any]:
    """results.json: the summary per env and overall, and the provenance of the run."""
    env_docs: dict[str, Any] = {}
    all_tiers: dict[tuple[str, str], str] = {}
    for plan in envs:
        rows = [t for t in trajectories if t["env_id"] == plan.env_id]
        tiers = task_tiers(plan.env_id, plan.make_kwargs, plan.task_ids)
        all_tiers |= tiers
        env_docs[plan.env_id] = {
            "spec": plan.spec,
            "make_kwargs": plan.make_kwargs,
            "task_set_hash": task_set_hash(plan.task_ids),
            "task_ids": plan.task_ids,
            "user_simulator": plan.user_simulator,
            "agent_class": agent.paths[plan.env_id],
            "agent_config": agent.configs.get(plan.env_id, {}),
            "metrics": summarize(
                rows,
                trials=settings.trials,
                resamples=settings.resamples,
                seed=BOOTSTRAP_SEED,
                tiers=tiers,
            ),
        }
    all_ids = [f"{plan.env_id}::{t}" for plan in envs for t in plan.task_ids]
    agent_doc: dict[str, Any] = {
        "name": agent.label,
        "spec": agent.name,
        "classes": agent.paths,
        "options": redact(agent.options),
    }
    if kind != AGENT:
        agent_doc["kind"] = kind
    doc: dict[str, Any] = {
        "format": FORMAT,
        "agent": agent_doc,
        "split": settings.split,
        "trials": settings.trials,
        "limit": settings.limit,
        "seed": settings.seed,
        "seed_rule": SEED_RULE,
    }
    if selection != "first":
        doc["selection"] = selection
    doc |= {
        "overall": summarize(
            trajectories,
            trials=settings.trials,
            resamples=settings.resamples,
            seed=BOOTSTRAP_SEED,
            tiers=all_tiers,
        ),
        "envs": env_docs,
        "provenance": provenance(settings, wall_seconds, started_at, task_set_hash(all_ids)),
    }
    return doc


def provenance(
    settings: RunSettings, wall_seconds: float, started_at: str, overall_hash: str
) -> dict[str, Any]:
    import numpy

    import utility_gym

    return {
        "package": "utility-gym",
        "version": utility_gym.__version__,
        "gymnasium": gym.__version__,
        "numpy": numpy.__version__,
        "task_set_hash": overall_hash,
        "backend": settings.backend,
        "workers": settings.workers,
        "started_at": started_at,
        "wall_seconds": wall_seconds,
        "command": settings.command,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
    }


def write_run(
    out: Path,
    results: dict[str, Any],
    trajectories: Sequence[dict[str, Any]],
    *,
    compress: bool = False,
) -> None:
    """The final files, each replaced atomically: trajectories, then results.json. ``run``
    removes the partial file and the state only after this: killed in between, the folder is
    still an unfinished run, which ``verify`` refuses and ``run --resume`` writes again."""
    out.mkdir(parents=True, exist_ok=True)
    plain, packed = out / TRAJECTORIES_FILE, out / TRAJECTORIES_GZ
    lines = "".join(json_line(record) for record in trajectories).encode("utf-8")
    if compress:
        atomic_write(packed, gzip_bytes(lines))
    else:
        atomic_write(plain, lines)
    atomic_write(
        out / RESULTS_FILE,
        (json.dumps(results, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    )
    (plain if compress else packed).unlink(missing_ok=True)
    fsync_dir(out)


def read_trajectories(directory: Path) -> list[dict[str, Any]]:
    """The records of ``trajectories.jsonl`` (or ``trajectories.jsonl.gz``) in ``directory``."""
    return [record for _, record in iter_json_lines(trajectory_file(directory))]
