"""AdmissibleActions: Discrete view with masks, over every registered utility/* env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from utility_gym.core.nlu import understand
from utility_gym.testing import check_wrapped_env
from utility_gym.wrappers import AdmissibleActions, make_rl_env

CS = "utility/CustomerService-v1"


def _pick(env: AdmissibleActions, info: dict, label: str) -> int:
    for i, text in enumerate(info["action_strings"]):
        if text and env.layout[i].label == label:
            return i
    admissible = [env.layout[i].label for i, t in enumerate(info["action_strings"]) if t]
    raise AssertionError(f"{label} is not admissible; admissible: {admissible}")


def test_admissible_actions__passes_check_env(env_id, env_kwargs):
    env = AdmissibleActions(gym.make(env_id, **env_kwargs))
    try:
        check_wrapped_env(env)
    finally:
        env.close()


def test_admissible_actions__mask_strings_and_action_masks_agree(env_id, env_kwargs):
    env = AdmissibleActions(gym.make(env_id, **env_kwargs))
    rng = np.random.default_rng(0)
    try:
        for seed in range(3):
            _, info = env.reset(seed=seed)
            for _ in range(12):
                mask, strings = info["action_mask"], info["action_strings"]
                assert mask.shape == (env.action_space.n,) and mask.dtype == np.int8
                assert len(strings) == env.action_space.n
                assert [bool(s) for s in strings] == mask.astype(bool).tolist()
                assert (env.action_masks() == mask.astype(bool)).all()
                assert mask.any(), "some action must always be admissible"
                _, _, terminated, truncated, info = env.step(int(rng.choice(np.flatnonzero(mask))))
                if terminated or truncated:
                    break
    finally:
        env.close()


def test_admissible_actions__masked_index_costs_a_turn_and_says_why(env_id, env_kwargs):
    env = AdmissibleActions(gym.make(env_id, **env_kwargs))
    try:
        _, info = env.reset(seed=0)
        masked = int(np.flatnonzero(info["action_mask"] == 0)[0])
        obs, reward, terminated, truncated, info = env.step(masked)
        assert f"action {masked} is not admissible" in obs
        assert info["turn"] == 1 and not terminated and reward == 0.0
    finally:
        env.close()


def test_admissible_actions__layout_is_the_same_every_episode(env_id, env_kwargs):
    a = AdmissibleActions(gym.make(env_id, **env_kwargs))
    b = AdmissibleActions(gym.make(env_id, **env_kwargs), n=a.action_space.n + 7)
    try:
        assert b.layout[: a.action_space.n] == a.layout
        assert all(s.kind == "pad" for s in b.layout[a.action_space.n :])
        _, info = b.reset(seed=1)
        assert not info["action_mask"][a.action_space.n :].any()
        with pytest.raises(ValueError, match="too small"):
            AdmissibleActions(a.env, n=3)
    finally:
        a.close()
        b.close()


def test_admissible_actions__ask_phrases_read_as_exactly_their_slot():
    env = AdmissibleActions(gym.make(CS, size="small"))
    try:
        asks = [s for s in env.layout if s.kind == "ask"]
        assert {"email", "name", "zip", "order_id"} <= {s.slot for s in asks}
        for slot, phrase in env.enumerator.ask_phrases.items():
            assert understand(phrase, env.lexicon).slots() == (slot,), phrase
    finally:
        env.close()


def test_admissible_actions__tool_arguments_come_from_what_the_user_said():
    env = AdmissibleActions(gym.make(CS, size="small"))
    try:
        obs, info = env.reset(seed=0, options={"task_id": "customer_service/cancel_pending/3"})
        order = obs.split("#")[1].split()[0].rstrip(".,?!")
        assert (
            f'"order_id": "{order}"'
            in info["action_strings"][_pick(env, info, "tool:get_order_details#0")]
        )
        obs, *_, info = env.step(_pick(env, info, "ask:email"))
        email = obs.split(" is ")[-1].rstrip(".")
        call = info["action_strings"][_pick(env, info, "tool:find_customer_by_email#0")]
        assert email in call, (obs, call)
    finally:
        env.close()


def test_admissible_actions__a_scripted_path_solves_a_cancellation():
    env = AdmissibleActions(gym.make(CS, size="small"))
    try:
        _, info = env.reset(seed=0, options={"task_id": "customer_service/cancel_pending/3"})
        script = [
            "ask:email",
            "tool:find_customer_by_email#0",
            "tool:get_order_details#0",
            "propose:cancel_pending_order#0",
            "tool:cancel_pending_order#0",
            "tell",
        ]
        for label in script:
            obs, reward, terminated, truncated, info = env.step(_pick(env, info, label))
            assert not obs.startswith("error"), (label, obs)
        assert terminated and reward == 1.0, info.get("grade")
    finally:
        env.close()


def test_admissible_actions__a_repeated_call_is_not_offered_again():
    env = AdmissibleActions(gym.make(CS, size="small"))
    try:
        _, info = env.reset(seed=0, options={"task_id": "customer_service/cancel_pending/3"})
        i = _pick(env, info, "tool:list_orders#0")
        _, _, _, _, info = env.step(i)
        assert info["action_mask"][i] == 0
    finally:
        env.close()


def test_admissible_actions__make_rl_env_stacks_numeric_observations():
    env = make_rl_env(CS, size="small")
    try:
        obs, info = env.reset(seed=0)
        assert obs.shape == env.observation_space.shape and obs.dtype == np.float32
        assert "action_mask" in info and "text" in info
    finally:
        env.close()


def test_admissible_actions__an_envs_own_valid_actions_fill_the_env_slots():
    env = AdmissibleActions(gym.make("utility/WebShop-v1", size="small"))
    try:
        _, info = env.reset(seed=2)
        listed = {env.layout[i].label: s for i, s in enumerate(info["action_strings"]) if s}
        searches = [
            s for label, s in listed.items() if label.startswith("env#") and s.startswith("search[")
        ]
        assert searches and all("<" not in s for s in searches), listed
        assert any(s.startswith("click[") for s in listed.values())
        assert not any(
            label.startswith("tool:click") or label.startswith("tool:search") for label in listed
        )
        obs, *_ = env.step(_pick(env, info, "env#0"))
        assert "Results for" in obs, obs[:300]
    finally:
        env.close()
