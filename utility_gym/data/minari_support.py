"""Minari support: the ``UnicodeText`` serializer and a ``DataCollector`` callback for infos.

Import this module before ``minari.load_dataset`` of a text-view dataset (``utility-bench
export`` and ``load_dataset`` below do): Minari then stores the text spaces as ``UnicodeText``
and gives them back as such, instead of a ``Text`` over a fixed charset that would not contain
the recorded strings.

``DataCollector(env, record_infos=True)`` needs an info of the same structure at every step;
the utility envs keep the same keys at reset, step and the final step, but their values are
nested and change length (``events`` holds one dict per event). ``JSONInfoStepData`` stores each
info value as a JSON string, so every id records its infos::

    from minari import DataCollector
    from utility_gym.data.minari_support import JSONInfoStepData
    env = DataCollector(gym.make("utility/CustomerService-v1"), record_infos=True,
                        step_data_callback=JSONInfoStepData)
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gymnasium as gym
import minari
from gymnasium.envs.registration import EnvSpec
from minari.data_collector.callbacks import StepDataCallback
from minari.data_collector.episode_buffer import EpisodeBuffer
from minari.serialization import deserialize_space, serialize_space

from utility_gym.core.spaces import UnicodeText
from utility_gym.data.episodes import ReplayedEpisode, action_text, stacked

__all__ = [
    "JSONInfoStepData",
    "decode_infos",
    "load_dataset",
    "minari",
    "rl_buffer",
    "text_buffer",
    "write_dataset",
]


@serialize_space.register(UnicodeText)
def _serialize_unicode_text(space: UnicodeText, to_string: bool = True) -> dict[str, Any] | str:
    result = {"type": "UnicodeText", "max_length": space.max_length, "min_length": space.min_length}
    return json.dumps(result) if to_string else result


@deserialize_space.register("UnicodeText")
def _deserialize_unicode_text(space_dict: dict[str, Any]) -> UnicodeText:
    return UnicodeText(int(space_dict["max_length"]), min_length=int(space_dict["min_length"]))


class JSONInfoStepData(StepDataCallback):
    """Minari's default step data, with every info value stored as a JSON string."""

    def __call__(self, env: Any, **kwargs: Any) -> dict[str, Any]:
        step = super().__call__(env, **kwargs)
        step["info"] = encode_info(step["info"])
        return step


def encode_info(info: dict[str, Any]) -> dict[str, str]:
    """Each value of ``info`` as a JSON string (numpy values as lists and numbers)."""
    return {str(k): json.dumps(v, ensure_ascii=False, default=_plain) for k, v in info.items()}


def decode_infos(infos: dict[str, Any]) -> dict[str, list[Any]]:
    """An episode's recorded infos (``EpisodeData.infos``) with the JSON strings parsed."""
    out: dict[str, list[Any]] = {}
    for key, values in infos.items():
        out[key] = [json.loads(v.decode() if isinstance(v, bytes) else str(v)) for v in values]
    return out


def load_dataset(dataset_id: str, root: str | os.PathLike[str] | None = None) -> Any:
    """``minari.load_dataset(dataset_id)``, from ``root`` (a folder of datasets) when given."""
    if root is None:
        return minari.load_dataset(dataset_id)
    with datasets_root(Path(root)):
        return minari.load_dataset(dataset_id)


@contextmanager
def datasets_root(root: Path) -> Iterator[None]:
    """Minari's datasets folder (``MINARI_DATASETS_PATH``) is ``root`` inside the block."""
    previous = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = str(root.resolve())
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MINARI_DATASETS_PATH", None)
        else:
            os.environ["MINARI_DATASETS_PATH"] = previous


def _plain(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)
    return tolist() if callable(tolist) else repr(value)


# -- export ---------------------------------------------------------------------------------------
def text_buffer(episode: ReplayedEpisode) -> EpisodeBuffer:
    """The text view: observations and actions as the env reads and writes them."""
    return EpisodeBuffer(
        seed=episode.seed,
        options={"task_id": episode.task_id},
        observations=list(episode.observations),
        actions=[action_text(a) for a in episode.actions],
        rewards=list(episode.rewards),
        terminations=list(episode.terminations),
        truncations=list(episode.truncations),
    )


def rl_buffer(episode: ReplayedEpisode, n_actions: int) -> EpisodeBuffer:
    """The RL view: ``{"observation", "action_mask"}`` per step and the action's slot index;
    an action outside the admissible list (a demonstrator's own words) is index ``n_actions``."""
    observations, masks = stacked(episode.views)
    actions = []
    for view, action in zip(episode.views, episode.actions):
        index = view.index_of(action)
        actions.append(n_actions if index is None else index)
    return EpisodeBuffer(
        seed=episode.seed,
        options={"task_id": episode.task_id},
        observations={"observation": list(observations), "action_mask": list(masks)},
        actions=actions,
        rewards=list(episode.rewards),
        terminations=list(episode.terminations),
        truncations=list(episode.truncations),
    )


def rl_spaces(
    mirror_obs: gym.spaces.Box, n_actions: int
) -> tuple[gym.spaces.Dict, gym.spaces.Discrete]:
    obs = gym.spaces.Dict(
        {"observation": mirror_obs, "action_mask": gym.spaces.MultiBinary(n_actions)}
    )
    return obs, gym.spaces.Discrete(n_actions + 1)


def write_dataset(
    dataset_id: str,
    buffers: list[EpisodeBuffer],
    *,
    env_spec: EnvSpec,
    observation_space: gym.Space,
    action_space: gym.Space,
    root: Path,
    algorithm_name: str,
    description: str,
) -> Any:
    """Create ``dataset_id`` under ``root`` (a folder of Minari datasets) from ``buffers``."""
    # author, e-mail and permalink warnings: not ours to invent
    with datasets_root(root), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return minari.create_dataset_from_buffers(
            dataset_id,
            buffers,
            env=env_spec,
            observation_space=observation_space,
            action_space=action_space,
            algorithm_name=algorithm_name,
            description=description,
            data_format="hdf5",
            requirements=["utility-gym"],
        )
