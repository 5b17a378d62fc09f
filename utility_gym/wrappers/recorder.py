"""TranscriptRecorder: every episode of an env as one JSON line, for audits, replays and
datasets."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

TRANSCRIPT_VERSION = 1


class TranscriptRecorder(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Appends each episode to a JSONL file, one line per episode, written when it ends.

    A line holds the env id, task id, seed and options of the reset, the first observation, and
    every step (the action as text, the observation, the events, the reward, the flags), the
    return and the final grade. An episode cut short by ``reset`` or ``close`` is written too,
    with ``"outcome": "incomplete"``. Each line is appended with a single ``write`` on a file
    opened with ``O_APPEND``, so the sub-envs of a vector env can share one file.

    Place it right around the text env to record text actions; outside ``AdmissibleActions`` it
    records the index and looks the text up in ``info["action_strings"]``.

    Args:
        env: the env to record.
        path: the JSONL file (parent directories are created).
        include_masks: also record, with each action, the ``action_mask`` it was chosen under
            (the mask of the previous observation; off: it is large and derivable).
    """

    def __init__(
        self, env: gym.Env, path: str | os.PathLike[str], include_masks: bool = False
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, path=str(path), include_masks=include_masks)
        gym.Wrapper.__init__(self, env)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.include_masks = include_masks
        self.episodes_written = 0
        self._episode: dict[str, Any] | None = None
        self._strings: list[str] | None = None
        self._mask: Any = None
        self._start = 0.0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        if self._episode is not None:
            self._write("incomplete")
        obs, info = self.env.reset(seed=seed, options=options)
        spec = self.env.spec
        self._start = time.perf_counter()
        self._episode = {
            "version": TRANSCRIPT_VERSION,
            "env_id": spec.id if spec is not None else None,
            "env_kwargs": _plain(spec.kwargs) if spec is not None else {},
            "task_id": info.get("task_id"),
            "split": info.get("split"),
            "seed": seed,
            "options": _plain({k: v for k, v in (options or {}).items() if k != "fork"}),
            "forked": bool(options and "fork" in options),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "observation": _text(obs, info),
            "events": _plain(info.get("events", [])),
            "steps": [],
            "return": 0.0,
        }
        self._strings = info.get("action_strings")
        self._mask = info.get("action_mask")
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if self._episode is not None:
            step: dict[str, Any] = {"action": _action(action, self._strings)}
            if isinstance(action, int | np.integer):
                step["index"] = int(action)
            step.update(
                observation=_text(obs, info),
                events=_plain(info.get("events", [])),
                reward=float(reward),
                terminated=bool(terminated),
                truncated=bool(truncated),
            )
            if self.include_masks and self._mask is not None:
                step["action_mask"] = _plain(self._mask)
            self._episode["steps"].append(step)
            self._episode["return"] += float(reward)
            if (
                terminated or truncated
            ) and "grade" in info:  # before the end it is the pending grade
                self._episode["grade"] = _plain(info["grade"])
            if terminated or truncated:
                self._write("terminated" if terminated else "truncated")
        self._strings = info.get("action_strings")
        self._mask = info.get("action_mask")
        return obs, reward, terminated, truncated, info

    def close(self) -> None:
        if self._episode is not None:
            self._write("incomplete")
        super().close()

    def _write(self, outcome: str) -> None:
        episode, self._episode = self._episode, None
        assert episode is not None
        episode["outcome"] = outcome
        episode["seconds"] = round(time.perf_counter() - self._start, 6)
        data = (json.dumps(episode, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        self.episodes_written += 1


def read_transcripts(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The episodes of a transcript file, in the order they were written."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _text(obs: Any, info: dict[str, Any]) -> str | None:
    if isinstance(obs, str):
        return obs
    text = info.get("text")
    return text if isinstance(text, str) else None


def _action(action: Any, strings: list[str] | None) -> Any:
    if isinstance(action, int | np.integer):
        if strings is not None and 0 <= int(action) < len(strings):
            return strings[int(action)]
        return int(action)
    return _plain(action)


def _plain(value: Any) -> Any:
    """JSON-safe copy: numpy arrays and scalars become lists and numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)
