"""Streams with tacit regularities are the same in any process: the same stream seed gives the
same tasks, the same transcripts and the same lessons learnt, whatever the hash seed."""

from __future__ import annotations

import pytest

from utility_gym.testing.determinism import json_in_processes

_SCRIPT = """
import json, sys, gymnasium as gym, utility_gym
from utility_gym.agents.lessons import LessonHeuristicAgent
from utility_gym.core.rollout import run_episode
env = gym.make(sys.argv[1], size="small", stream_length=25)
agent = LessonHeuristicAgent(env)
out = []
for i in range(25):
    r = run_episode(env, agent, seed=8 if i == 0 else None, record=True)
    agent.learn(r)
    reg = env.unwrapped.task.regularity
    out.append([r.task_id, r.success, [s.get("observation") for s in r.steps], r.feedback,
                reg.kind if reg else "", env.unwrapped.stream_info()])
out.append(agent.book.to_json())
print(json.dumps(out))
"""


@pytest.mark.parametrize(
    "stream_id",
    ["utility/CustomerServiceStream-v2", "utility/TicketingStream-v2", "utility/WebShopStream-v2"],
)
def test_stream_determinism__same_seed_same_stream_and_lessons_across_processes(stream_id) -> None:
    runs = json_in_processes(_SCRIPT, stream_id, hash_seeds=("1", "2"))
    assert runs[0] == runs[1]
    episodes, lessons = runs[0][:-1], runs[0][-1]
    assert sum(1 for e in episodes if e[4]) >= 3  # regularity hits were served
    assert lessons  # and the learner's table holds what their feedback taught
