"""Snapshots and forks of an episode, and pickling of an env: the world's bytes plus the typed
episode state, the user's state and the random generator's, restored exactly."""

from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym

from utility_gym.core.episode import Episode, Snapshot
from utility_gym.core.tools import ToolContext


class Forking:
    """``snapshot()`` and ``reset(options={"fork": snap})`` for ``UtilityEnv`` (a mixin: it
    reads the env's world, episode, user and rooms)."""

    def snapshot(self) -> Snapshot:
        """Capture the world and the whole episode state; ``reset(options={"fork": snap})``
        resumes it."""
        env: Any = self
        if env._episode is None:
            raise gym.error.ResetNeeded("call reset() before snapshot()")
        return Snapshot(
            env.domain.name,
            (env.domain.name, env.world_seed, env.size),
            env.world.snapshot(),
            copy_episode(env._episode),
            env.user.state(),
            copy.deepcopy(env.np_random.bit_generator.state),
            copy.deepcopy(env.stream),
        )

    def _restore(self, snap: Snapshot) -> tuple[str, dict[str, Any]]:
        env: Any = self
        if not isinstance(snap, Snapshot):
            raise TypeError(
                "options['fork'] must be a Snapshot from env.unwrapped.snapshot(), got "
                f"{type(snap).__name__}"
            )
        here = (env.domain.name, env.world_seed, env.size)
        if snap.world_key != here:
            raise ValueError(f"snapshot is of world {snap.world_key}, this env has {here}")
        env.world.restore(snap.data)
        ep = env._episode = copy_episode(snap.episode)
        env.task = ep.task
        env.user.goal = ep.task.goal
        env.user.load_state(snap.user)
        env.np_random.bit_generator.state = copy.deepcopy(snap.np_random)
        env.stream = copy.deepcopy(snap.stream)
        env._ctx = ToolContext(env.world.conn, ep.tool_state, env.template.meta.get("now", ""))
        env.on_restore()
        info = env._info(ep.transcript, grade=ep.grade, forked=True)
        return env._observe(ep.transcript[-1:]), info

    def __getstate__(self) -> dict[str, Any]:
        # The Toolbox holds @tool functions (not importable by name) and the ToolContext the live
        # connection: drop both and rebuild them from the class's Domain and the unpickled World.
        state = self.__dict__.copy()
        for name in ("toolbox", "_ctx", "tasks", "replayer", "judge", "streams"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        env: Any = self
        env.__dict__.update(state)
        env._build_rooms()
        if env._episode is not None:
            now = env.template.meta.get("now", "")
            env._ctx = ToolContext(env.world.conn, env._episode.tool_state, now)


def copy_episode(ep: Episode) -> Episode:
    """A deep copy of ``ep`` that shares its immutable records: the task (a stream's task
    depends on the world it was made in) and the expected changes."""
    return copy.deepcopy(ep, {id(ep.task): ep.task, id(ep.expected): ep.expected})
