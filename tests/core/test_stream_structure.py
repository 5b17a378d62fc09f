"""Stream structure: follow-ups of earlier episodes, world events, isolated twins, recall."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import OracleAgent
from utility_gym.agents.heuristics import build_heuristic
from utility_gym.agents.memory import RECALLED, MemoryAgent
from utility_gym.bench.stream import run_stream_benchmark
from utility_gym.core.rollout import run_episode
from utility_gym.core.streams import build_plan, read_setting, revised_policy
from utility_gym.core.substitution import substitute_ids
from utility_gym.core.tasks import NoTask

STREAM_IDS = ("utility/CustomerService-v1", "utility/Ticketing-v1")


def test_plan__follow_ups_come_after_their_anchor_and_one_event_falls_mid_stream() -> None:
    counts = set()
    for seed in range(20):
        plan = build_plan("d", seed, 10, ["a", "b", "c"], [("f", "a")], ["e1", "e2"])
        assert plan == build_plan(
            "d", seed, 10, ["a", "b", "c"], [("f", "a")], ["e1", "e2"]
        )  # seeded
        follow_ups = [(i, p) for i, p in enumerate(plan) if "after" in p]
        assert 1 <= len(follow_ups) <= 2
        counts.add(len(follow_ups))
        for i, p in follow_ups:
            anchor = plan[p["after"]]
            assert (
                p["template"] == "f" and anchor["template"] == "a" and anchor["anchor_for"] == "f"
            )
            assert i - p["after"] >= 2
        events = [i for i, p in enumerate(plan) if "events" in p]
        assert len(events) == 1 and 3 <= events[0] <= 6
    assert counts == {1, 2}  # the number of follow-ups varies with the stream seed
    assert all(
        "events" not in p for p in build_plan("d", 0, 3, ["a"], [], ["e1"])
    )  # too short for an event


def test_plan__regularity_hits_vary_in_number_kind_and_position_between_streams() -> None:
    hits = []
    for seed in range(30):
        plan = build_plan("d", seed, 50, ["a", "b"], [("f", "a")], ["e"], ["r1", "r2", "r3"])
        positions = tuple(i for i, p in enumerate(plan) if p["template"].startswith("r"))
        assert all("after" not in plan[i] and "anchor_for" not in plan[i] for i in positions)
        kinds = tuple(sorted(plan[i]["template"] for i in positions))
        hits.append((len(positions), positions, kinds))
    numbers = [n for n, _, _ in hits]
    assert min(numbers) >= 3 and max(numbers) <= 25 and len(set(numbers)) >= 6
    assert len({p for _, p, _ in hits}) == 30  # no two streams hit at the same positions
    assert all({"r1", "r2", "r3"} <= set(k) for n, _, k in hits if n >= 12)
    # Without regularities a plan is what it was: no position names one.
    assert not any(p["template"].startswith("r") for p in build_plan("d", 1, 50, ["a"], []))


@pytest.mark.parametrize("domain_id", STREAM_IDS)
def test_streams__oracle_solves_every_position_and_its_isolated_twin(domain_id: str) -> None:
    stream = gym.make(domain_id, size="small", mode="stream", stream_length=10)
    isolated = gym.make(domain_id, size="small")
    seen_follow_up = seen_event = False
    for position in range(10):
        result = run_episode(stream, OracleAgent(stream), seed=4 if position == 0 else None)
        info = stream.unwrapped.stream_info()
        assert result.success, (position, result.task_id, result.grade)
        options = stream.unwrapped.isolated_options()
        assert (
            options["task"].task_id == result.task_id
            and options["world_events"] == info["world_events"]
        )
        alone = run_episode(isolated, OracleAgent(isolated), seed=position, options=options)
        assert alone.success, (position, result.task_id, alone.grade)
        seen_follow_up |= info["follows_position"] is not None
        seen_event |= bool(info["events"])
    assert seen_follow_up and seen_event
    stream.close()
    isolated.close()


def test_world_event__revises_the_policy_and_the_tools_enforce_it() -> None:
    env = gym.make("utility/CustomerService-v1", size="small", mode="stream", stream_length=10)
    u = env.unwrapped
    plan = u.stream_plan(7, 10)
    at = next(i for i, p in enumerate(plan) if "events" in p)
    for position in range(at + 1):
        obs, info = env.reset(seed=7) if position == 0 else env.reset()
        if position < at:
            assert info["stream"]["events"] == [] and "Policy revision" not in info["policy"]
    assert [e["name"] for e in info["stream"]["events"]] == ["return_window_14_days"]
    assert "within **14 days**" in info["policy"] and info["policy"].startswith(
        u.domain.policy.rstrip("\n")
    )
    assert read_setting(u.world.conn, "return_window_days", 30) == 14
    # An order delivered 20 days ago: returnable in the pristine world, not after the revision.
    now = datetime.fromisoformat(u.template.meta["now"])
    row = u.world.conn.execute(
        "SELECT o.id, o.customer_id FROM orders o WHERE o.status = 'delivered' AND o.delivered_at "
        "BETWEEN ? AND ? LIMIT 1",
        ((now - timedelta(days=25)).isoformat(), (now - timedelta(days=15)).isoformat()),
    ).fetchone()
    assert row is not None
    u.episode.tool_state["customer_id"] = row[1]
    item = u.world.conn.execute(
        "SELECT id FROM order_items WHERE order_id = ? AND status = 'ordered'", (row[0],)
    ).fetchone()[0]
    out = u.toolbox.call(
        u._ctx,
        "return_delivered_order_items",
        {"order_id": row[0], "item_ids": [item], "refund_to": "original_payment"},
    )
    assert not out.ok and "14 days" in out.error
    # The next episode still shows the revision; the event is not repeated.
    _, info = env.reset()
    assert info["stream"]["events"] == [] and info["stream"]["world_events"] == [
        "return_window_14_days"
    ]
    assert "within **14 days**" in info["policy"]
    assert revised_policy("P", []) == "P"
    env.close()


def test_follow_up__exists_only_in_a_stream_and_the_user_refers_back_instead_of_repeating() -> None:
    env = gym.make("utility/CustomerService-v1", size="small")
    with pytest.raises(NoTask, match="only in a stream"):
        env.unwrapped.make_task("same_address_again", 3)
    with pytest.raises(NoTask, match="only in a stream"):
        env.reset(options={"task_id": "customer_service/same_address_again/3"})
    stream = gym.make(
        "utility/CustomerService-v1",
        size="small",
        mode="stream",
        stream_length=10,
        render_mode="ansi",
    )
    plan = stream.unwrapped.stream_plan(4, 10)
    target = next(i for i, p in enumerate(plan) if "after" in p)
    for position in range(target):
        run_episode(stream, OracleAgent(stream), seed=4 if position == 0 else None)
    obs, info = stream.reset()
    task = stream.unwrapped.task
    assert task.template == "same_address_again" and "address" in task.goal.referred
    obs, *_ = stream.step(_verification(task))
    obs, *_ = stream.step("Sure. What is the new shipping address?")
    address_call = next(c for c in task.tool_calls if c.name == "modify_order_address")
    assert "last time" in obs and address_call.arguments["zip"] not in obs
    stream.close()
    env.close()


def _verification(task):
    call = task.tool_calls[0]
    return {"name": call.name, "arguments": dict(call.arguments)}


def test_substitute_ids__maps_whole_ids_only() -> None:
    got = substitute_ids(
        {"t": ("INC0000012 and INC00000123", ["RT1"])}, {"INC0000012": "INC0000009"}
    )
    assert got == {"t": ("INC0000009 and INC00000123", ["RT1"])}


def test_substitute_ids__replaces_as_a_whole_token_pattern_would() -> None:
    """The scan that replaces ids agrees with ``re.sub`` of the whole-token pattern it stands
    for, on short random texts over a small alphabet (ids inside ids, ids that overlap, ids
    with dashes, neighbours that are and are not token characters), and leaves untouched
    records as the same objects."""
    rng = random.Random(7)
    for _ in range(20_000):
        keys = {"".join(rng.choice("AB1T0-") for _ in range(rng.randint(1, 4))) for _ in "xyz"}
        mapping = {k: f"<{i}>" for i, k in enumerate(sorted(keys))}
        alternatives = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
        pattern = re.compile(rf"(?<![A-Za-z0-9])({alternatives})(?![A-Za-z0-9])")
        text = "".join(rng.choice("AB1-_ x.T0é") for _ in range(rng.randint(0, 14)))
        expected = pattern.sub(lambda m, to=mapping: to[m.group(1)], text)
        assert substitute_ids(text, mapping) == expected, (text, mapping)
    record = (("orders", "O1", "status", "placed"), frozenset({("a", 1)}), 2.5, None)
    assert substitute_ids(record, {"O2": "O3"}) is record


class _Echo:
    """Says back the user's lines it sees, so a test can read what the wrapped agent got."""

    name = "echo"

    def reset(self) -> None:
        self.seen: list[str] = []

    def act(self, obs, info):
        self.seen.append(obs)
        return "ok"


def test_memory_agent__recalls_what_the_same_user_said_in_an_earlier_conversation() -> None:
    inner = _Echo()
    memory = MemoryAgent(inner)
    memory.reset()
    memory.act(
        "user: I've moved, please change the address of order #W100.",
        {
            "events": [
                {"role": "user", "content": "I've moved, please change the address of order #W100."}
            ]
        },
    )
    memory.act(
        "user: ann@example.com", {"events": [{"role": "user", "content": "ann@example.com"}]}
    )
    memory.act(
        "",
        {
            "events": [
                {
                    "role": "tool",
                    "name": "find",
                    "content": '{"customer_id": "C1", "email": "ann@example.com"}',
                }
            ]
        },
    )
    memory._ep.last_message = "What is the new shipping address?"
    memory.act(
        "user: 12 Oak Street, Austin, TX 78701",
        {"events": [{"role": "user", "content": "12 Oak Street, Austin, TX 78701"}]},
    )
    memory.learn({"success": True})
    assert len(memory.conversations) == 1 and "c1" in memory.conversations[0].identities

    for recall in (True, False):
        memory.recall_conversations = recall
        memory.reset()
        memory.act(
            "user: Please send order #W200 to the same new address as last time.",
            {
                "events": [
                    {
                        "role": "user",
                        "content": "Please send order #W200 to the same new address as last time.",
                    }
                ]
            },
        )
        memory.act(
            "", {"events": [{"role": "tool", "name": "find", "content": '{"customer_id": "C1"}'}]}
        )
        memory._ep.last_message = "Sure. What is the new shipping address?"
        memory.act(
            "user: It's the one I gave you last time.",
            {"events": [{"role": "user", "content": "It's the one I gave you last time."}]},
        )
        recalled = [o for o in inner.seen if RECALLED in o]
        assert bool(recalled) == recall
        if recall:
            assert "12 Oak Street, Austin, TX 78701" in recalled[0] and memory.stats.recalls == 1
    # A stranger who refers to "last time" gets nothing recalled.
    memory.recall_conversations = True
    memory.reset()
    memory.act(
        "user: same address as last time please",
        {"events": [{"role": "user", "content": "same address as last time please"}]},
    )
    assert not any(RECALLED in o for o in inner.seen)


@pytest.mark.parametrize(
    "domain_id", ("utility/CustomerServiceStream-v2", "utility/TicketingStream-v2")
)
def test_stream_benchmark__memory_gains_from_familiarity_and_the_heuristic_does_not(
    domain_id: str,
) -> None:
    _, heuristic, _ = run_stream_benchmark(domain_id, "heuristic", 4, 16, size="small")
    _, memory, _ = run_stream_benchmark(domain_id, "memory", 4, 16, size="small")
    assert heuristic["familiarity_gain_ci"][0] <= 0.0 <= heuristic["familiarity_gain_ci"][1]
    assert heuristic["follow_up_persistent_success"] == heuristic["follow_up_isolated_success"]
    assert memory["familiarity_gain_ci"][0] > 0.0
    assert memory["follow_up_persistent_success"] >= memory["follow_up_isolated_success"] + 0.4
    assert memory["isolated_success"] == pytest.approx(heuristic["isolated_success"])
    assert run_stream_benchmark(domain_id, "memory", 4, 16, size="small")[1] == memory


def test_web_shop_world_event__lowers_the_quantity_limit_for_the_site_and_the_tasks() -> None:
    from utility_gym.envs.web_shop.site.shop import max_quantity

    env = gym.make("utility/WebShop-v1", size="small", mode="stream", stream_length=10)
    u = env.unwrapped
    at = next(i for i, p in enumerate(u.stream_plan(2, 10)) if "events" in p)
    for position in range(at):
        env.reset(seed=2) if position == 0 else env.reset()
    assert max_quantity(u.world.conn) == 5
    _, info = env.reset(options={"task_id": "web_shop/refuse_over_limit/11"})
    assert [e["name"] for e in info["stream"]["events"]] == ["quantity_limit_3"]
    assert max_quantity(u.world.conn) == 3 and "at most 3 units" in info["policy"]
    assert "(limit 3)" in u.task.summary and 4 <= int(u.task.goal.known["quantity"]) <= 9
    # The site refuses a fourth unit of any item now.
    from utility_gym.envs.web_shop.site.shop import ShopError, check_choice

    with pytest.raises(ShopError, match="between 1 and 3"):
        check_choice(type("P", (), {"options": {}})(), {}, 4, max_quantity(u.world.conn))
    env.close()


def test_streams__a_world_used_up_says_so() -> None:
    from utility_gym.core.stream_server import StreamExhausted

    # The small queue world has few new tickets; a long stream of queue shifts works them all off.
    env = gym.make("utility/TicketingQueue-v0", size="small", mode="stream", stream_length=30)
    with pytest.raises(StreamExhausted, match="used up .*reset\\(seed=...\\)"):
        for position in range(30):
            run_episode(env, OracleAgent(env), seed=0 if position == 0 else None)
    obs, info = env.reset(seed=1)  # a new stream starts in a pristine world
    assert info["stream"]["position"] == 0
    env.close()


@pytest.mark.parametrize(
    "stream_id",
    ["utility/CustomerServiceStream-v2", "utility/TicketingStream-v2", "utility/WebShopStream-v2"],
)
def test_isolated_twin__meets_the_same_simulated_user_as_its_stream_episode(stream_id) -> None:
    """The twin's user is seeded as the stream episode's was (``user_seed`` in
    ``isolated_options``), whatever the twin's own episode seed: at the first position (the
    same world, no ids to map) a memoryless agent sees the same words in both, reply by reply.
    (With another user seed most of these transcripts differ in the user's wording.)"""
    stream = gym.make(stream_id, size="small", stream_length=3)
    isolated = gym.make(stream_id.replace("Stream-v2", "-v1"), size="small")

    def seen(env, seed, options=None) -> list[str]:
        agent = build_heuristic(env, seed=0)
        obs, info = env.reset(seed=seed, options=options)
        out = [obs]
        while True:
            obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
            out.append(obs)
            if terminated or truncated:
                return out

    try:
        for stream_seed in (1, 2, 3):
            in_stream = seen(stream, stream_seed)
            options = stream.unwrapped.isolated_options()
            assert options["user_seed"] == stream.unwrapped.episode.user_seed
            for episode_seed in (0, 99):
                assert seen(isolated, episode_seed, options) == in_stream
    finally:
        stream.close()
        isolated.close()
