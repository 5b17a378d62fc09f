"""An alternative the agent offers after a refusal ("I can't replace it; would you like me to
book a repair instead?") is a proposal when it is exactly what the user wants: the user answers
it as one, and a yes to it confirms the write it states."""

from __future__ import annotations

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.core.nlu import understand


@pytest.fixture(scope="module")
def repair_task_env():
    env = gym.make("utility/Ticketing-v1", split="test")
    u = env.unwrapped
    for task_id in u.task_ids("test"):
        if "device_replace_or_repair" not in task_id:
            continue
        env.reset(options={"task_id": task_id})
        if u.task.goal.intents[0].action == "repair_device":
            yield env
            env.close()
            return
    pytest.fail("the test split has no device_replace_or_repair task whose branch is a repair")


def _play(env, offer: str):
    u = env.unwrapped
    env.reset(options={"task_id": u.task.task_id})
    repair = next(s for s in u.task.plan if s.call is not None and s.call.name == "order_repair")
    asset, centre = repair.call.arguments["asset_id"], repair.call.arguments["cost_centre"]
    answer = None
    for step in u.task.plan:
        if step.call is not None:
            *_, term, trunc, info = env.step(step.call.to_dict())
        elif "shall i" in step.say.lower():
            obs, *_, term, trunc, info = env.step(offer.format(asset=asset, centre=centre))
            answer = obs
        else:
            *_, term, trunc, info = env.step(step.say)
        if term or trunc:
            break
    return answer, info["grade"]


def test_users__an_offered_alternative_that_is_the_wanted_action_is_a_proposal(repair_task_env):
    offer = (
        "Your laptop {asset} is out of warranty, so I can't replace it. Would you like me to book "
        "a "
        "repair of your laptop {asset} instead, billed to your department's cost centre {centre}?"
    )
    answer, grade = _play(repair_task_env, offer)
    assert answer is not None and answer.startswith("user: ")
    assert grade["success"], grade["reasons"]


def test_users__an_offer_that_leaves_out_a_decisive_value_is_not_a_confirmation(repair_task_env):
    offer = "That one is out of warranty, so I can't replace it. Would you like a repair instead?"
    _, grade = _play(repair_task_env, offer)
    assert not grade["success"]


def test_users__an_offer_is_read_with_its_own_words():
    from utility_gym.envs.ticketing.lexicon import WORDS

    reading = understand(
        "I'm sorry, the laptop is out of warranty, so I can't replace it. Would you like me to "
        "book a repair instead?",
        WORDS.lexicon,
    )
    assert reading.proposal is None and reading.offer is not None
    assert "repair_device" in reading.offer.actions and "repair" in reading.offer.text
    statement = understand("I can't replace it, but a repair is possible.", WORDS.lexicon)
    assert statement.offer is None  # not asked: nothing to say yes to
