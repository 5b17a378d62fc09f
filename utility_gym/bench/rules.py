"""What a valid run is, and which valid runs are ranked: the one definition run, verify and
leaderboard use.

A *valid* run is one ``verify`` can check without trusting anything it did not compute itself:

- its envs are registered here, isolated (no stream variants) and deterministic, and they are
  made with the allowed kwargs only (``ALLOWED_MAKE_KWARGS``): the deterministic simulated user
  (``user="agenda"``), no endpoint, key or other option a submitter could point elsewhere;
- its task list is the split's, recomputed from the code (the first ``limit`` tasks, or tasks a
  person chose in ``play``), with 1..``MAX_TRIALS`` trials each and seeds derived from a base
  seed by ``SEED_RULE``;
- its numbers are bounded: bootstrap resamples in ``[BOOTSTRAP_RESAMPLES, MAX_BOOTSTRAP]``;
- its agent name matches ``NAME_PATTERN`` (what ``run`` produces: ASCII letters, digits and
  ``._+-``, so two names that read the same are the same name).

A valid run is *ranked* only when it is comparable with the others: the fixed ``test`` split,
every task of it (no ``--limit``), the published base seed (``RANKED_SEED``), the default world
(no make kwarg but ``split``), played by an agent (not a person) that does not read the hidden
task. Every other valid run is shown apart, labelled with why (``unranked_reasons``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FORMAT = "utility-bench/1"
SEED_RULE = (
    "int.from_bytes(sha256(f'{seed}|{env_id}|{task_id}|{trial}').digest()[:4], 'big') & 0x7fffffff"
)
RANKED_SPLIT = "test"
RANKED_SEED = 0  # the published base seed: a ranked run may not pick its own (seed shopping)
MAX_TRIALS = 32
MAX_LIMIT = 1_000  # train/heldout task lists are drawn by resets: bounded work for verify
MAX_BOOTSTRAP = 10_000  # resamples x tasks integers are drawn: bounded memory for any input
MAX_SEED = 2**63 - 1
MAX_WORLD_SEED = 2**31 - 1

# Kwargs a verifiable run may pass to gym.make, each with the values it may take. Everything
# else (user_options, base_url, max_length, mode, transport, ...) is refused before any env is
# made, so a run can never make the verifier call a server or load something it chose.
ALLOWED_MAKE_KWARGS: dict[str, str] = {
    "split": "train, test or heldout (set by run from --split)",
    "size": "small, default, large or xl",
    "world_seed": f"a whole number from 0 to {MAX_WORLD_SEED}",
    "reward_mode": "success, partial or shaped",
    "user": "agenda (the deterministic simulated user) only",
}

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
NAME_RULE = "1-64 ASCII letters, digits and . _ + -, starting with a letter or digit"

# Agent kinds: who chose the actions.
AGENT = "agent"
HUMAN = "human"  # a person played the agent (play, the console's "be the agent")
HUMAN_USER = "human-user"  # an agent served a person who played the user (the console)
PERSON_KINDS = frozenset({HUMAN, HUMAN_USER})
# Classes that read the hidden task (the oracle plan): shown as references, never ranked.
PRIVILEGED_CLASSES = frozenset({"utility_gym.agents.oracle:OracleAgent"})


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot label a run, or None."""
    if not isinstance(name, str):
        return f"agent name must be a string, got {type(name).__name__}"
    if not NAME_PATTERN.match(name):
        return f"agent name {name[:80]!r} is not allowed: use {NAME_RULE}"
    return None


_LOOK_ALIKE = (
    ("rn", "m"),
    ("vv", "w"),
    ("0", "o"),
    ("1", "l"),
    ("i", "l"),
    ("5", "s"),
    ("_", "-"),
    (".", "-"),
    ("+", "-"),
)


def name_skeleton(name: str) -> str:
    """What a name looks like: case, and ASCII look-alikes (0/o, 1/l/I, rn/m, _/-/.), folded.
    Two names with one skeleton read the same on a board; the board tells them apart by folder
    and CI refuses a second submission with it."""
    text = name.casefold()
    for seen, same in _LOOK_ALIKE:
        text = text.replace(seen, same)
    return text


def make_kwarg_problems(make_kwargs: Mapping[str, Any], split: str) -> list[str]:
    """Why these gym.make kwargs cannot be replayed by verify (sealed replay), or []."""
    from utility_gym.core.options import REWARD_MODES
    from utility_gym.core.tasks import SPLITS
    from utility_gym.core.world import SIZES

    problems = []
    for key, value in make_kwargs.items():
        if key not in ALLOWED_MAKE_KWARGS:
            allowed = ", ".join(sorted(ALLOWED_MAKE_KWARGS))
            problems.append(
                f"env kwarg {key!r} is not allowed in a verifiable run (allowed: {allowed})"
            )
            continue
        ok = {
            "split": lambda v: v in SPLITS and v == split,
            "size": lambda v: v in SIZES,
            "world_seed": lambda v: _whole(v) and 0 <= v <= MAX_WORLD_SEED,
            "reward_mode": lambda v: v in REWARD_MODES,
            "user": lambda v: v == "agenda",
        }[key]
        try:
            good = ok(value)
        except TypeError:  # an unhashable value (a list, an object)
            good = False
        if not good:
            problems.append(
                f"env kwarg {key}={_short(value)} is not allowed: {key} must be "
                f"{ALLOWED_MAKE_KWARGS[key]}"
            )
    return problems


def settings_problems(
    *, split: Any, trials: Any, limit: Any, seed: Any, resamples: Any = None
) -> list[str]:
    """Why these run settings cannot make a valid run, or []."""
    from utility_gym.bench.metrics import BOOTSTRAP_RESAMPLES
    from utility_gym.core.tasks import SPLITS

    problems = []
    if split not in SPLITS:
        problems.append(f"split {_short(split)} is not one of {', '.join(SPLITS)}")
    if not _whole(trials) or not 1 <= trials <= MAX_TRIALS:
        problems.append(
            f"trials must be a whole number from 1 to {MAX_TRIALS}, got {_short(trials)}"
        )
    if limit is not None and (not _whole(limit) or not 1 <= limit <= MAX_LIMIT):
        problems.append(
            f"limit must be null or a whole number from 1 to {MAX_LIMIT}, got {_short(limit)}"
        )
    if not _whole(seed) or not 0 <= seed <= MAX_SEED:
        problems.append(f"seed must be a whole number from 0 to 2**63-1, got {_short(seed)}")
    if resamples is not None and (
        not _whole(resamples) or not BOOTSTRAP_RESAMPLES <= resamples <= MAX_BOOTSTRAP
    ):
        problems.append(
            f"bootstrap resamples must be from {BOOTSTRAP_RESAMPLES} to {MAX_BOOTSTRAP}, got "
            f"{_short(resamples)}"
        )
    return problems


def env_problems(env_id: str) -> str | None:
    """Why ``env_id`` cannot be in a verifiable run (unregistered, a stream, nondeterministic), or
    None."""
    import gymnasium as gym

    from utility_gym.bench.runner import registered_env_ids

    known = registered_env_ids()
    if env_id not in known:
        if env_id in gym.registry:
            return f"{env_id} is not an isolated-episode env (streams have their own command)"
        return f"{env_id} is not a registered env here (registered: {', '.join(known)})"
    if gym.spec(env_id).nondeterministic:
        return f"{env_id} is registered nondeterministic: its episodes cannot be replayed"
    return None


def ranked_env_ids() -> list[str]:
    """The env set of the overall ranking: every registered text env (no browser needed)."""
    from utility_gym.bench.runner import select_envs

    return select_envs(["text"])


def unranked_reasons(results: Mapping[str, Any]) -> list[str]:
    """Why a *valid* run is not comparable with the ranked ones ([] when it is ranked overall).

    Per-env tables rank a run on an env when every reason here but the env set is absent.
    """
    reasons = env_independent_reasons(results)
    envs = list(results.get("envs", {}))
    if sorted(envs) != sorted(ranked_env_ids()):
        reasons.append(f"envs: {len(envs)} of the {len(ranked_env_ids())} text envs")
    return reasons


def env_independent_reasons(results: Mapping[str, Any]) -> list[str]:
    """The reasons of ``unranked_reasons`` that hold for every env of the run."""
    reasons = []
    agent = results.get("agent", {})
    if agent.get("kind", AGENT) == HUMAN:
        reasons.append("played by a person")
    if agent.get("kind", AGENT) == HUMAN_USER:
        reasons.append("a person played the user")
    if set(agent.get("classes", {}).values()) & PRIVILEGED_CLASSES:
        reasons.append("privileged: reads the hidden task")
    if results.get("split") != RANKED_SPLIT:
        reasons.append(f"{results.get('split')} split")
    if results.get("limit") is not None:
        reasons.append(f"--limit {results.get('limit')}")
    if results.get("selection", "first") != "first":
        reasons.append("chosen tasks")
    if results.get("seed") != RANKED_SEED:
        reasons.append(f"base seed {results.get('seed')}")
    world = sorted(
        {
            f"{k}={v}"
            for doc in results.get("envs", {}).values()
            for k, v in doc.get("make_kwargs", {}).items()
            if k != "split" and not (k == "user" and v == "agenda")
        }
    )
    if world:
        reasons.append("world " + ", ".join(world))
    return reasons


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
