"""Conformance checks for utility-gym environments, public so a contributor's env runs the same.

Like PettingZoo's ``api_test``: every check takes a registered id and the kwargs to make it with,
and raises ``AssertionError`` saying what is wrong. ``check_utility_env`` runs them all::

    import utility_gym
    from utility_gym.testing import check_utility_env, fast_kwargs

    check_utility_env("utility/CustomerService-v1", **fast_kwargs("utility/CustomerService-v1"))

The benchmark-validity kit (``utility_gym.testing.validity``) takes a made env and task ids
instead, and returns the offending cases: tasks the oracle fails, tasks a degenerate agent
solves, oracle plans that still succeed with a step dropped or an argument changed.
"""

from utility_gym.testing.api_test import (
    PRIVATE_KEYS,
    check_env_api,
    check_info_contract,
    check_pickle,
    check_render_ansi,
    check_spec_round_trip,
    check_utility_env,
    check_vector_envs,
    check_wrapped_env,
)
from utility_gym.testing.bad_input import BAD_INPUTS, BadInput, check_bad_input, run_bad_input
from utility_gym.testing.determinism import (
    DEFAULT_SCRIPT,
    FIRST_TOOL,
    check_determinism,
    resolve_action,
    rollout_transcript,
)
from utility_gym.testing.registry import (
    browser_skip_reason,
    fast_kwargs,
    needs_browser,
    utility_env_ids,
)
from utility_gym.testing.validity import (
    DEGENERATE_AGENTS,
    Cases,
    argument_mutations,
    argument_schema,
    degenerate_successes,
    dropped_step_survivors,
    heldout_oracle_failures,
    heldout_task_ids,
    mutated_argument_survivors,
    needs_more_than_refusal,
    oracle_failures,
    task_at,
    templates_of,
    train_templates,
    writes,
)

__all__ = [
    "BAD_INPUTS",
    "DEFAULT_SCRIPT",
    "DEGENERATE_AGENTS",
    "FIRST_TOOL",
    "PRIVATE_KEYS",
    "BadInput",
    "Cases",
    "argument_mutations",
    "argument_schema",
    "browser_skip_reason",
    "check_bad_input",
    "check_determinism",
    "check_env_api",
    "check_wrapped_env",
    "check_info_contract",
    "check_pickle",
    "check_render_ansi",
    "check_spec_round_trip",
    "check_utility_env",
    "check_vector_envs",
    "degenerate_successes",
    "dropped_step_survivors",
    "fast_kwargs",
    "heldout_oracle_failures",
    "heldout_task_ids",
    "mutated_argument_survivors",
    "needs_browser",
    "needs_more_than_refusal",
    "oracle_failures",
    "resolve_action",
    "rollout_transcript",
    "run_bad_input",
    "task_at",
    "templates_of",
    "train_templates",
    "utility_env_ids",
    "writes",
]
