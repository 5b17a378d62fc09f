"""``utility-bench export``: a run's trajectories as a Minari dataset or as chat fine-tuning JSONL.

Every episode is replayed in its env (its observations must match the recording, as ``verify``
checks) to recover what the trajectory file does not hold: the infos (tool schemas, policy,
events) and the RL view (numeric observation, action mask, action index).

* ``--to minari``: one dataset per env and view under ``--out`` (a Minari datasets folder: load
  with ``MINARI_DATASETS_PATH=OUT`` or ``utility_gym.data.minari_support.load_dataset(id, OUT)``).
  ``text``: ``UnicodeText`` observations and actions. ``rl``: ``{"observation": Box,
  "action_mask": MultiBinary(n)}`` and ``Discrete(n + 1)`` actions (``n``: an action outside the
  admissible list). Dataset ids: ``PREFIX/ENV/AGENT-VIEW-v0``.
* ``--to chat``: ``--out FILE.jsonl`` (one OpenAI fine-tuning example per episode) and
  ``FILE.index.jsonl`` (env, task, seed, trial, success of each line, in the same order).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gymnasium as gym

from utility_gym.bench.files import iter_json_lines, trajectory_file
from utility_gym.data.episodes import ExportError, ReplayedEpisode, replay
from utility_gym.wrappers.mirror import RLViewMirror

FORMATS = ("minari", "chat")
VIEWS = ("text", "rl")


@dataclass(frozen=True)
class ExportRequest:
    run: Path
    to: str
    out: Path
    envs: tuple[str, ...] = ()
    views: tuple[str, ...] = VIEWS
    prefix: str = "utility-gym"
    only_success: bool = False


def export(request: ExportRequest) -> list[str]:
    """Write the export; returns one line per file or dataset written."""
    results = _results(request.run)
    agent = results.get("agent")
    agent = str(agent.get("name", "agent") if isinstance(agent, dict) else agent or "agent")
    env_ids = [e for e in results["envs"] if not request.envs or e in request.envs]
    if not env_ids:
        raise ExportError(
            f"none of {', '.join(request.envs)} is in {request.run} (it has "
            f"{', '.join(results['envs'])})"
        )
    if request.to == "chat":
        return _export_chat(request, results, env_ids)
    return [line for env_id in env_ids for line in _export_minari(request, results, env_id, agent)]


def replayed(
    run: Path, results: dict[str, Any], env_id: str, *, rl: bool, only_success: bool = False
) -> Iterator[ReplayedEpisode]:
    """The run's episodes of ``env_id``, replayed (errored ones, never ended, are left out)."""
    env = gym.make(env_id, **results["envs"][env_id].get("make_kwargs", {}))
    mirror = RLViewMirror(env) if rl else None
    try:
        for _, record in iter_json_lines(trajectory_file(run)):
            if record["env_id"] != env_id or record.get("error") or len(record["steps"]) < 2:
                continue
            if only_success and not record.get("success"):
                continue
            yield replay(env, record, mirror)
    finally:
        env.close()


def _export_chat(request: ExportRequest, results: dict[str, Any], env_ids: list[str]) -> list[str]:
    from utility_gym.data.chat import chat_line

    out = request.out
    out.parent.mkdir(parents=True, exist_ok=True)
    index = out.with_name(out.name.removesuffix(".jsonl") + ".index.jsonl")
    count = 0
    with out.open("w", encoding="utf-8") as lines, index.open("w", encoding="utf-8") as meta:
        for env_id in env_ids:
            for episode in replayed(
                request.run, results, env_id, rl=False, only_success=request.only_success
            ):
                lines.write(json.dumps(chat_line(episode), ensure_ascii=False) + "\n")
                meta.write(
                    json.dumps(
                        {
                            "env_id": env_id,
                            "task_id": episode.task_id,
                            "seed": episode.seed,
                            "trial": episode.trial,
                            "success": episode.success,
                        }
                    )
                    + "\n"
                )
                count += 1
    return [f"{out}: {count} chat examples ({index.name}: their env, task and seed)"]


def _export_minari(
    request: ExportRequest, results: dict[str, Any], env_id: str, agent: str
) -> list[str]:
    from utility_gym.data import minari_support as ms

    spec = gym.spec(env_id)
    env_spec = replace(
        spec, kwargs={**spec.kwargs, **results["envs"][env_id].get("make_kwargs", {})}
    )
    episodes = list(
        replayed(
            request.run,
            results,
            env_id,
            rl="rl" in request.views,
            only_success=request.only_success,
        )
    )
    if not episodes:
        return [f"{env_id}: no finished episodes to export"]
    written = []
    slug = re.sub(r"[^a-z0-9]+", "-", spec.name.lower()).strip("-")
    for view in request.views:
        dataset_id = f"{request.prefix}/{slug}/{_slug(agent)}-{view}-v0"
        if view == "text":
            raw = gym.make(env_id, **env_spec.kwargs)
            obs_space, act_space = raw.observation_space, raw.action_space
            raw.close()
            buffers = [ms.text_buffer(e) for e in episodes]
        else:
            mirror = RLViewMirror(gym.make(env_id, **env_spec.kwargs))
            n = int(mirror.action_space.n)
            obs_space, act_space = ms.rl_spaces(mirror.observation_space, n)
            buffers = [ms.rl_buffer(e, n) for e in episodes]
        ms.write_dataset(
            dataset_id,
            buffers,
            env_spec=env_spec,
            observation_space=obs_space,
            action_space=act_space,
            root=request.out,
            algorithm_name=agent,
            description=f"{agent} on {env_id} ({view} view), exported from {request.run}",
        )
        written.append(f"{request.out}/{dataset_id}: {len(buffers)} episodes ({view} view)")
    return written


def _results(run: Path) -> dict[str, Any]:
    path = run / "results.json"
    if not path.is_file():
        raise ExportError(f"{run} holds no results.json: pass the --out folder of one agent's run")
    return json.loads(path.read_text(encoding="utf-8"))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "agent"
