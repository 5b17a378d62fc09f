"""Registry-wide API tests: every registered utility/* id is checked the moment it is registered."""

from __future__ import annotations

import gymnasium as gym
import pytest

from utility_gym.testing import (
    DEFAULT_SCRIPT,
    check_determinism,
    check_env_api,
    check_info_contract,
    check_pickle,
    check_render_ansi,
    check_spec_round_trip,
    check_vector_envs,
    utility_env_ids,
)


def test_registry__the_suite_registers_its_envs():
    ids = utility_env_ids()
    assert "utility/CustomerService-v1" in ids, f"registered: {ids}"


def test_registry__entry_points_are_strings(env_id):
    # String entry points keep env.spec.to_json() working, so specs can be stored as provenance.
    spec = gym.spec(env_id)
    assert isinstance(spec.entry_point, str) and ":" in spec.entry_point
    assert isinstance(spec.vector_entry_point, str) and ":" in spec.vector_entry_point
    assert spec.max_episode_steps, f"{env_id} needs a registered step cap (max_episode_steps)"


def test_registry__check_env_without_warnings(env_id, env_kwargs):
    check_env_api(env_id, **env_kwargs)


def test_registry__reset_info_contract_and_no_private_fields(env_id, env_kwargs):
    check_info_contract(env_id, **env_kwargs)


def test_registry__ansi_render_is_the_transcript(env_id, env_kwargs):
    check_render_ansi(env_id, **env_kwargs)


def test_registry__spec_json_round_trip(env_id, env_kwargs):
    check_spec_round_trip(env_id, **env_kwargs)


def test_registry__pickled_env_behaves_the_same(env_id, env_kwargs):
    check_pickle(env_id, **env_kwargs)


def test_registry__vector_envs_sync_async_and_entry_point(env_id, env_kwargs):
    check_vector_envs(env_id, **env_kwargs)


def test_registry__same_seeds_same_transcript_across_processes(env_id, env_kwargs):
    check_determinism(env_id, DEFAULT_SCRIPT, seeds=(3,), **env_kwargs)


def test_registry__seeds_pick_tasks_and_task_id_option_picks_one(env_id, env_kwargs):
    env = gym.make(env_id, **env_kwargs)
    try:
        seen = {env.reset(seed=s)[1]["task_id"] for s in range(8)}
        assert len(seen) > 1, f"{env_id}: eight seeds gave one task: {seen}"
        wanted = env.unwrapped.task_ids("test")[5]
        _, info = env.reset(seed=0, options={"task_id": wanted})
        assert info["task_id"] == wanted == env.unwrapped.task.task_id
    finally:
        env.close()


def test_registry__step_after_the_end_does_not_raise(env_id, env_kwargs):
    env = gym.make(env_id, **env_kwargs)
    try:
        env.reset(seed=0)
        _, _, terminated, _, info = env.step('{"name": "end_conversation", "arguments": {}}')
        assert terminated and "grade" in info
        for key in ("success", "partial", "checkpoints", "reasons", "outcome"):
            assert key in info["grade"], f"{env_id}: the final grade lacks {key!r}"
    finally:
        env.close()


def test_registry__module_prefixed_id_works(env_id, env_kwargs):
    env = gym.make(f"utility_gym:{env_id}", **env_kwargs)
    try:
        obs, info = env.reset(seed=0)
        assert isinstance(obs, str) and info["task_id"]
    finally:
        env.close()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("utility/CustomerServiceStream-v1", "utility/CustomerServiceStream-v2"),
        ("utility/TicketingStream-v1", "utility/TicketingStream-v2"),
        ("utility/WebShopStream-v1", "utility/WebShopStream-v2"),
        ("utility/CustomerService-v0", "utility/CustomerService-v1"),
    ],
)
def test_versions__an_old_id_names_the_version_to_use(old: str, new: str) -> None:
    with pytest.raises(gym.error.DeprecatedEnv, match=new.split("/")[1]):
        gym.make(old)
