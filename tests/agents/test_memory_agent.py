"""MemoryAgent: stores what worked, keyed by the abstracted request, and replays it on a new
case."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from utility_gym.agents import DoNothingAgent, OracleAgent
from utility_gym.agents.memory import EpisodeValues, Memory, MemoryAgent, signature
from utility_gym.core.rollout import run_episode


class ToyDesk:
    """A two-line support desk: the user wants order ``order`` cancelled; the agent must ask for
    the email, look the customer up, cancel and say goodbye."""

    def __init__(self, order: str, email: str, knows_email: bool = True) -> None:
        self.order, self.email, self.knows_email = order, email, knows_email

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        self.verified = self.cancelled = False
        self.turns = 0
        event = {
            "role": "user",
            "content": f"Please cancel order #{self.order}.",
            "data": {"acts": ["inform_intent"]},
        }
        return f"user: {event['content']}", {"task_id": "toy/cancel/0", "events": [event]}

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        done = False
        self.turns += 1
        if action == "What is your email?":
            said = f"My email is {self.email}." if self.knows_email else "I don't know my email."
            event = {"role": "user", "content": said, "data": {"acts": ["inform"]}}
        elif (
            isinstance(action, dict)
            and action["name"] == "find"
            and action["arguments"] == {"email": self.email}
        ):
            self.verified = True
            event = {
                "role": "tool",
                "name": "find",
                "content": '{"customer_id": "C00042", "verified": true}',
            }
        elif (
            isinstance(action, dict)
            and action["name"] == "cancel"
            and self.verified
            and action["arguments"] == {"order_id": self.order}
        ):
            self.cancelled = True
            event = {
                "role": "tool",
                "name": "cancel",
                "content": f'{{"order_id": "{self.order}", "status": "cancelled"}}',
            }
        elif action == "Done. Goodbye!":
            done = True
            event = {"role": "user", "content": "Bye.", "data": {"acts": ["bye"]}}
        else:
            event = {"role": "error", "content": f"unexpected {action!r}"}
        truncated = not done and self.turns >= 8
        info: dict[str, Any] = {"events": [event], "task_id": "toy/cancel/0"}
        if done or truncated:
            info["grade"] = {"success": done and self.cancelled}
        return (
            f"{event['role']}: {event['content']}",
            float(done and self.cancelled),
            done,
            truncated,
            info,
        )


class Script:
    name = "script"

    def __init__(self, order: str, email: str) -> None:
        self.actions = [
            "What is your email?",
            {"name": "find", "arguments": {"email": email}},
            {"name": "cancel", "arguments": {"order_id": order}},
            "Done. Goodbye!",
        ]
        self.learned: list[Any] = []

    def reset(self) -> None:
        self.queue = list(self.actions)

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        return self.queue.pop(0) if self.queue else "Done. Goodbye!"

    def learn(self, outcome: Any) -> None:
        self.learned.append(outcome)


def _run(env: Any, agent: MemoryAgent):
    result = run_episode(env, agent, seed=0, record=True)
    agent.learn(result)
    return result


def test_memory_agent__replays_what_worked_with_the_new_customers_values():
    memory = MemoryAgent(Script("W1001", "ann@example.com"))
    assert _run(ToyDesk("W1001", "ann@example.com"), memory).success
    assert len(memory.memories) == 1
    memory.inner = DoNothingAgent()
    result = _run(ToyDesk("W2002", "bob@example.org"), memory)
    assert result.success, result.steps
    assert result.steps[2]["action"] == {"name": "find", "arguments": {"email": "bob@example.org"}}
    assert (
        memory.stats.hits == 1
        and memory.stats.replayed_to_the_end == 1
        and memory.stats.handovers == 0
    )


def test_memory_agent__hands_over_when_the_conversation_diverges():
    memory = MemoryAgent(Script("W1001", "ann@example.com"))
    _run(ToyDesk("W1001", "ann@example.com"), memory)
    memory.inner = DoNothingAgent()
    result = _run(ToyDesk("W3003", "cy@example.com", knows_email=False), memory)
    assert not result.success
    assert memory.stats.handovers == 1
    assert result.steps[2]["action"] == "I see.", "after the divergence the wrapped agent acts"


def test_memory_agent__keys_ignore_the_values_and_unrelated_requests_miss():
    values = EpisodeValues()
    values.observe(
        [{"role": "user", "content": "Please cancel order #W1001, email ann@example.com."}]
    )
    key = values.abstract("Please cancel order #W1001, email ann@example.com.")
    assert "W1001" not in key and "ann@example.com" not in key
    assert values.bind(key) == "Please cancel order #W1001, email ann@example.com."
    memory = MemoryAgent(DoNothingAgent())
    memory.memories[key] = Memory(key, ["x"], [False], [""])
    assert memory.recall("Please cancel order ⟦user:id:W#0⟧, email ⟦user:email#0⟧.") is not None
    assert memory.recall("What is the tracking number of my parcel?") is None
    assert (
        signature([{"role": "user", "content": "x", "data": {"acts": ["inform"]}}])
        == "user::inform"
    )


def test_memory_agent__learn_is_passed_on_and_memory_survives_save_and_load(tmp_path):
    inner = Script("W1001", "ann@example.com")
    memory = MemoryAgent(inner)
    result = _run(ToyDesk("W1001", "ann@example.com"), memory)
    assert inner.learned == [result]
    memory.save(tmp_path / "memory.json")
    again = MemoryAgent(DoNothingAgent())
    again.load(tmp_path / "memory.json")
    assert again.memories.keys() == memory.memories.keys()
    assert _run(ToyDesk("W4004", "dee@example.com"), again).success


def test_memory_agent__recurring_customer_service_problem_is_solved_from_memory():
    env = gym.make("utility/CustomerService-v1", size="small")
    try:
        by_key: dict[str, list[int]] = {}
        for seed in range(60):
            obs, info = env.reset(
                seed=0, options={"task_id": f"customer_service/cancel_pending/{seed}"}
            )
            values = EpisodeValues()
            values.observe(info["events"])
            by_key.setdefault(values.abstract(info["events"][0]["content"]), []).append(seed)
        replayed = 0
        for seeds in (s for s in by_key.values() if len(s) > 1):
            memory = MemoryAgent(OracleAgent(env))
            first = run_episode(
                env,
                memory,
                seed=1,
                options={"task_id": f"customer_service/cancel_pending/{seeds[0]}"},
            )
            memory.learn(first)
            assert first.success
            memory.inner = DoNothingAgent()
            for seed in seeds[1:]:
                task = {"task_id": f"customer_service/cancel_pending/{seed}"}
                result = run_episode(env, memory, seed=1, options=task)
                memory.learn(result)
                if result.success:
                    replayed += 1
                    assert not run_episode(env, DoNothingAgent(), seed=1, options=task).success
        assert replayed >= 2, by_key
    finally:
        env.close()
