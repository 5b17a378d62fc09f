"""Stream mode: one persistent world across episodes, forks, exhaustion and determinism."""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import OracleAgent
from utility_gym.core.rollout import run_episode
from utility_gym.core.stream_server import StreamExhausted
from utility_gym.core.task_factory import TaskFactory
from utility_gym.core.tasks import NoTask, TaskTemplate
from utility_gym.testing.determinism import json_in_processes

ENV_ID = "utility/CustomerService-v1"


def _stream_env(length: int = 6):
    return gym.make(ENV_ID, size="small", mode="stream", stream_length=length)


def test_streams__plain_reset_carries_the_world_and_seeded_reset_does_not() -> None:
    env = _stream_env()
    u = env.unwrapped
    result = run_episode(env, OracleAgent(env), seed=4)
    first = u.world.changes(0)
    assert result.success and first  # stream 4 opens with a task that writes
    obs, info = env.reset()
    assert info["stream"]["position"] == 1 and info["stream"]["length"] == 6
    # what episode 0 changed is still there at the start of episode 1
    assert u.world.changes(0) == first
    env.reset(seed=4)
    assert u.world.changes(0) == []
    assert u.stream.position == 0
    env.close()


def test_streams__every_task_of_a_stream_is_solvable_in_the_live_world() -> None:
    env = _stream_env(length=8)
    results = [run_episode(env, OracleAgent(env), seed=11)]
    for _ in range(7):
        results.append(run_episode(env, OracleAgent(env)))
    assert all(r.success for r in results), [r.grade["reasons"] for r in results if not r.success]
    with pytest.raises(StreamExhausted):
        env.reset()
    env.close()


def test_streams__feedback_tells_the_grade_in_words() -> None:
    env = _stream_env()
    env.reset(seed=2)
    _, _, terminated, _, info = env.step({"name": "end_conversation", "arguments": {}})
    assert terminated
    assert info["feedback"].startswith("Not successful: ")
    assert info["grade"]["reasons"][0] in info["feedback"]
    env.close()


def test_streams__fork_restores_world_bytes_and_episode_state() -> None:
    env = _stream_env()
    u = env.unwrapped
    run_episode(env, OracleAgent(env), seed=5)
    env.reset()
    agent = OracleAgent(env)
    agent.reset()
    snap = u.snapshot()
    world_before = u.world.snapshot()
    transcript_before = [e.to_dict() for e in u.episode.transcript]
    # go on: finish this episode and start the next
    while True:
        _, _, term, trunc, _ = env.step(agent.act("", {}))
        if term or trunc:
            break
    env.reset()
    env.reset(options={"fork": snap})
    assert u.world.snapshot() == world_before
    assert [e.to_dict() for e in u.episode.transcript] == transcript_before
    assert u.stream.position == 1
    # the fork replays to the same outcome
    again = OracleAgent(env)
    again.reset()
    while True:
        _, _, term, trunc, info = env.step(again.act("", {}))
        if term or trunc:
            break
    assert info["grade"]["success"]
    env.close()


def test_streams__the_same_tasks_in_isolation_see_the_pristine_world() -> None:
    stream = _stream_env(30)  # its world event falls after position 9
    run_episode(stream, OracleAgent(stream), seed=9)
    run_episode(stream, OracleAgent(stream))
    while stream.unwrapped.task.extras.get("carried_rows"):
        # A task that carries rows of the stream's world into its twin's is not this case.
        run_episode(stream, OracleAgent(stream))
    alone = stream.unwrapped.isolated_options()
    twin = alone["task"]
    assert twin.task_id == stream.unwrapped.task.task_id and alone["world_events"] == []
    isolated = gym.make(ENV_ID, size="small")
    _, iso_info = isolated.reset(options=alone)
    assert iso_info["task_id"] == twin.task_id
    assert isolated.unwrapped.task is twin
    assert isolated.unwrapped.world.changes(0) == []
    assert isolated.unwrapped.world.snapshot() == isolated.unwrapped.template.data
    assert run_episode(isolated, OracleAgent(isolated), options={"task": twin}).success
    stream.close()
    isolated.close()


_SCRIPT = """
import json, gymnasium as gym, utility_gym
from utility_gym.agents import OracleAgent
from utility_gym.core.rollout import run_episode
env = gym.make("utility/CustomerService-v1", size="small", mode="stream", stream_length=10)
out = []
for i in range(10):
    r = run_episode(env, OracleAgent(env), seed=21 if i == 0 else None, record=True)
    observations = [s.get("observation") for s in r.steps]
    out.append([r.task_id, r.success, observations, env.unwrapped.stream_info()])
print(json.dumps(out))
"""


def test_streams__same_seed_same_stream_across_processes() -> None:
    runs = json_in_processes(_SCRIPT, hash_seeds=("1", "2"))
    assert runs[0] == runs[1]
    assert len({r[0] for r in runs[0]}) >= 2
    assert any(r[3]["events"] for r in runs[0]) and any(
        r[3]["follows_position"] is not None for r in runs[0]
    )


def test_streams__bad_stream_arguments_are_explained() -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        gym.make(ENV_ID, size="small", mode="river")
    with pytest.raises(ValueError, match="stream_length"):
        gym.make(ENV_ID, size="small", mode="stream", stream_length=0)
    env = _stream_env()
    with pytest.raises(ValueError, match="belongs to"):
        env.reset(seed=1, options={"task_id": "ticketing/password_reset/1"})
    env.close()


def test_streams__a_named_task_takes_the_next_position_in_the_same_world() -> None:
    env = _stream_env()
    run_episode(env, OracleAgent(env), seed=4)
    carried = env.unwrapped.world.changes(0)
    _, info = env.reset(options={"task_id": "customer_service/order_status/77"})
    assert info["task_id"] == "customer_service/order_status/77"
    assert info["stream"]["position"] == 1
    assert env.unwrapped.world.changes(0) == carried
    env.close()


def test_streams__a_template_that_gives_up_before_drawing_gives_up_for_every_seed() -> None:
    """``NoTask.every_seed`` is set only when the template drew nothing from its seed (the world
    lacks what it needs, so a stream's fallbacks skip that template's other seeds); a failure
    after a draw, or a follow-up that cannot be made for this anchor, is the seed's alone."""
    env = gym.make("utility/CustomerServiceStream-v2", stream_length=5)
    u = env.unwrapped
    env.reset(seed=1)
    db = u.world.conn

    def before_drawing(db, rng, now):
        raise NoTask("nothing in this world")

    def after_drawing(db, rng, now):
        rng.random()
        raise NoTask("not for this seed")

    domain = dataclasses.replace(
        u.domain,
        regularities=(
            *u.domain.regularities,
            TaskTemplate("t_before", "gives up at once", before_drawing),
            TaskTemplate("t_after", "gives up after a draw", after_drawing),
        ),
    )
    factory = TaskFactory(domain, u.template, u.toolbox)
    try:
        for name, every_seed in (("t_before", True), ("t_after", False)):
            with pytest.raises(NoTask) as raised:
                factory.build_task(name, 11, None, db)
            assert raised.value.every_seed is every_seed
        anchor = u.task
        follow_up = next(t.name for t in u.domain.follow_ups)
        with pytest.raises(NoTask) as raised:  # the current task is not its anchor's kind
            u.streams._follow_up(follow_up, 11, db, anchor)
        assert raised.value.every_seed is False
    finally:
        env.close()


def test_streams__a_template_that_writes_to_the_live_world_is_stopped_and_undone() -> None:
    env = gym.make("utility/CustomerServiceStream-v2", stream_length=5)
    u = env.unwrapped
    env.reset(seed=1)
    db = u.world.conn

    def writes(db, rng, now):
        db.execute("UPDATE customers SET first_name = 'Mallory'")
        raise AssertionError("not reached: the write is the point")

    domain = dataclasses.replace(
        u.domain,
        regularities=(*u.domain.regularities, TaskTemplate("t_writes", "writes", writes)),
    )
    server = u.streams
    server.factory = TaskFactory(domain, u.template, u.toolbox)
    try:
        with pytest.raises(AssertionError):
            server._generate("t_writes", 1, db, None)
        assert (
            db.execute("SELECT count(*) FROM customers WHERE first_name = 'Mallory'").fetchone()[0]
            == 0
        )

        def writes_quietly(db, rng, now):
            db.execute("UPDATE customers SET first_name = 'Mallory'")
            return u.domain.template("change_address").generate(db, rng, now)

        server.factory = TaskFactory(
            dataclasses.replace(
                u.domain,
                regularities=(*u.domain.regularities, TaskTemplate("t_q", "q", writes_quietly)),
            ),
            u.template,
            u.toolbox,
        )
        with pytest.raises(RuntimeError, match="wrote to the stream's world"):
            server._generate("t_q", 1, db, None)
        assert (
            db.execute("SELECT count(*) FROM customers WHERE first_name = 'Mallory'").fetchone()[0]
            == 0
        )
    finally:
        env.close()
