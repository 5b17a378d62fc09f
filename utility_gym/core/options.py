"""An env's construction options: what each one allows, checked up front, and the user it names.

Every option is checked before anything is built, with a message that names the option, what
was given and what is allowed (``core.checks``); docs/reliability.md lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from utility_gym.core.checks import check_choice, check_int, check_keys, check_mapping, shown
from utility_gym.core.streams import WorldEvent
from utility_gym.core.task_factory import TaskFactory
from utility_gym.core.tasks import SPLITS
from utility_gym.core.users import AgendaUser

REWARD_MODES = ("success", "partial", "shaped")
MODES = ("episodic", "stream")
USERS = ("agenda", "llm")
MAX_WORLD_SEED = 2**63 - 1
MAX_STREAM_LENGTH = 100_000
# What reset(options=...) understands.
RESET_OPTIONS = ("task_id", "fork", "task", "world_events", "user_seed")
# The shortest observation bound: room for an error line, and for the truncation note.
MIN_MAX_LENGTH = 64


@dataclass(frozen=True)
class EnvOptions:
    """The checked keyword arguments of ``UtilityEnv`` (``gym.make(id, **kwargs)``)."""

    world_seed: int = 0
    size: str = "default"
    split: str = "train"
    reward_mode: str = "success"
    max_length: int = 100_000
    user: str = "agenda"
    user_options: dict[str, Any] | None = None
    mode: str = "episodic"
    stream_length: int = 20

    @classmethod
    def checked(
        cls,
        render_mode: str | None,
        render_modes: Sequence[str],
        sizes: Sequence[str],
        **given: Any,
    ) -> EnvOptions:
        """The options, each checked by name; an unknown one is a TypeError that names it."""
        unknown = sorted(set(given) - set(cls.__dataclass_fields__))
        if unknown:
            known = ", ".join(cls.__dataclass_fields__)
            raise TypeError(
                f"unknown env option {unknown[0]!r}; the options are render_mode, {known}"
            )
        o = cls(**given)
        check_choice("render_mode", render_mode, render_modes, none_ok=True)
        world_seed = check_int("world_seed", o.world_seed, 0, MAX_WORLD_SEED)
        check_choice("world size", o.size, sizes)
        check_choice("split", o.split, SPLITS)
        check_choice("reward_mode", o.reward_mode, REWARD_MODES)
        max_length = check_int("max_length", o.max_length, MIN_MAX_LENGTH)
        check_choice("user", o.user, USERS)
        user_options = check_mapping("user_options", o.user_options) or None
        check_choice("mode", o.mode, MODES)
        stream_length = check_int("stream_length", o.stream_length, 1, MAX_STREAM_LENGTH)
        return cls(
            world_seed,
            o.size,
            o.split,
            o.reward_mode,
            max_length,
            o.user,
            user_options,
            o.mode,
            stream_length,
        )


def make_user(user: str, options: dict[str, Any] | None = None) -> Any:
    """The simulated user an env kwarg names: ``"agenda"`` (AgendaUser) or ``"llm"`` (LLMUser)."""
    if user == "agenda":
        if options:
            raise ValueError(f"user_options apply to user='llm' only, got {sorted(options)}")
        return AgendaUser()
    if user == "llm":
        # The 'llm' extra: imported only when asked for.
        from utility_gym.core.llm_user import LLMUser

        return LLMUser(**dict(options or {}))
    raise ValueError(f"unknown user {user!r}; choose one of {', '.join(USERS)}")


def checked_reset_options(
    seed: Any,
    options: Any,
    tasks: TaskFactory,
    world_events: Sequence[WorldEvent],
) -> dict[str, Any]:
    """``options`` as a new dict, after checking ``seed`` and every option reset understands."""
    if seed is not None:
        check_int("seed", seed, 0)
    options = check_mapping("options", options)
    check_keys("reset option", options, RESET_OPTIONS)
    if "task_id" in options:
        tasks.check_task_id(options["task_id"])
    if "world_events" in options:
        names = options["world_events"]
        if isinstance(names, str) or not isinstance(names, list | tuple):
            raise TypeError(
                f"options['world_events'] must be a list of world event names, got {shown(names)}"
            )
        known = [e.name for e in world_events]
        for name in names:
            check_choice("a name in options['world_events']", name, known)
    if "user_seed" in options:
        options["user_seed"] = check_int("options['user_seed']", options["user_seed"], 0, 2**63 - 1)
    return options


def registered_cap(spec: gym.envs.registration.EnvSpec | None) -> int | None:
    """The registered step cap. ``gym.make`` gives the unwrapped env a spec without it (the
    TimeLimit wrapper holds it), so look the id up: the env must grade the step that truncates."""
    if spec is None:
        return None
    if spec.max_episode_steps:
        return spec.max_episode_steps
    registered = gym.registry.get(spec.id)
    return registered.max_episode_steps if registered is not None else None
