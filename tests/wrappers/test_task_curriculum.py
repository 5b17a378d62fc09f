"""TaskCurriculum: resets draw tasks from the chosen templates, reproducibly."""

from __future__ import annotations

import gymnasium as gym
import pytest

from utility_gym.wrappers import TaskCurriculum

CS = "utility/CustomerService-v1"


def test_task_curriculum__only_the_chosen_templates_and_same_seeds_same_tasks():
    env = TaskCurriculum(
        gym.make(CS, size="small"), ["cancel_pending", "order_status"], seed_pool=20
    )
    try:
        ids = [env.reset(seed=s)[1]["task_id"] for s in range(12)]
        assert {i.split("/")[1] for i in ids} == {"cancel_pending", "order_status"}
        assert all(int(i.split("/")[2]) < 20 for i in ids)
        assert ids == [env.reset(seed=s)[1]["task_id"] for s in range(12)]
        wanted = env.unwrapped.task_ids("test")[0]
        assert env.reset(seed=0, options={"task_id": wanted})[1]["task_id"] == wanted
    finally:
        env.close()


def test_task_curriculum__weights_and_unknown_templates():
    env = gym.make(CS, size="small")
    try:
        curriculum = TaskCurriculum(env, ["cancel_pending", "order_status"], weights=[1, 0])
        assert {curriculum.reset(seed=s)[1]["task_id"].split("/")[1] for s in range(5)} == {
            "cancel_pending"
        }
        with pytest.raises(ValueError, match="unknown templates"):
            TaskCurriculum(env, ["no_such_template"])
        with pytest.raises(ValueError, match="weights"):
            TaskCurriculum(env, ["cancel_pending"], weights=[0])
    finally:
        env.close()


def test_task_curriculum__the_whole_rl_stack_passes_check_env():
    from utility_gym.testing import check_wrapped_env
    from utility_gym.wrappers import make_rl_env

    env = make_rl_env(CS, ["cancel_pending", "discount_refuse"], seed_pool=10, size="small")
    try:
        check_wrapped_env(env)
    finally:
        env.close()
