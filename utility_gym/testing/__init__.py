"""Conformance checks for utility-gym environments, public so a contributor's env runs the same.

Like PettingZoo's ``api_test``: every check takes a registered id and the kwargs to make it with,
and raises ``AssertionError`` saying what is wrong. ``check_utility_env`` runs them all::

    import utility_gym
    from utility_gym.testing import check_utility_env, fast_kwargs

    check_utility_env("utility/CustomerService-v0", **fast_kwargs("utility/CustomerService-v0"))
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

__all__ = [
    "BAD_INPUTS",
    "DEFAULT_SCRIPT",
    "FIRST_TOOL",
    "PRIVATE_KEYS",
    "BadInput",
    "browser_skip_reason",
    "check_bad_input",
    "check_determinism",
    "check_env_api",
    "check_info_contract",
    "check_pickle",
    "check_render_ansi",
    "check_spec_round_trip",
    "check_utility_env",
    "check_vector_envs",
    "fast_kwargs",
    "needs_browser",
    "resolve_action",
    "rollout_transcript",
    "run_bad_input",
    "utility_env_ids",
]
