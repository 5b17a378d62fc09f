"""Which environments a run is on: ``--env all``, ``text``, short ids, and what to say of an id
that is not registered."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym


class EnvNotFound(ValueError):
    """``--env`` names no registered environment (a user input error)."""


def registered_env_ids() -> list[str]:
    """Every registered ``utility/*`` id that runs isolated episodes (stream variants excluded)."""
    import utility_gym  # noqa: F401  (registers utility/*)

    ids = []
    for env_id, spec in gym.registry.items():
        if not env_id.startswith("utility/"):
            continue
        if spec.kwargs.get("mode") == "stream" or "Stream" in env_id:
            continue
        ids.append(env_id)
    return sorted(ids)


def unknown_env(name: str) -> str:
    """What to say of an env id that is not registered: the version to use when only its
    version is wrong (a stream id bumped to v2), else what is registered."""
    from gymnasium.envs.registration import find_highest_version, parse_env_id

    env_id = name if name.startswith("utility/") else f"utility/{name}"
    try:
        namespace, base, _ = parse_env_id(env_id)
        latest = find_highest_version(namespace, base)
    except gym.error.Error:
        latest = None
    if latest is not None:
        return f"{name!r} is not a registered version; use utility/{base}-v{latest}"
    known = registered_env_ids()
    return f"unknown env {name!r}; registered: {', '.join(known) or 'none'}"


def select_envs(names: Sequence[str]) -> list[str]:
    """Expand ``all`` (every env), ``text`` (every env without a browser) and short ids."""
    from utility_gym.testing.registry import needs_browser

    known = registered_env_ids()
    chosen: list[str] = []
    for raw in names:
        for name in (n.strip() for n in raw.split(",")):
            if not name:
                continue
            if name == "all":
                ids = known
            elif name == "text":
                ids = [i for i in known if not needs_browser(i)]
            else:
                env_id = name if name.startswith("utility/") else f"utility/{name}"
                if env_id not in gym.registry:
                    raise EnvNotFound(f"{unknown_env(name)} (or 'all', 'text')")
                ids = [env_id]
            chosen.extend(i for i in ids if i not in chosen)
    if not chosen:
        raise EnvNotFound(
            "no env selected; pass --env all or an id such as utility/CustomerService-v1"
        )
    return chosen
