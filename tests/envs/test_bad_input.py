"""Bad input, registry-wide: nothing escapes step, errors say what was wrong, failed calls
leave the database byte-identical (utility_gym.testing.bad_input holds the cases)."""

from __future__ import annotations

import pytest

from utility_gym.testing import BAD_INPUTS, BadInput, run_bad_input


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda c: c.name)
def test_bad_input__is_answered_not_raised(env_id: str, env_kwargs: dict, case: BadInput):
    tried = run_bad_input(env_id, case, **env_kwargs)
    if tried == 0:
        pytest.skip(f"{env_id} has no tool that fits the case {case.name}")
