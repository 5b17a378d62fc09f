"""WebShop's tacit regularities and its follow-up in streams (issue 18): regular shoppers'
usual size and brand, shoppers' words for product lines, and "the same as last time"."""

from __future__ import annotations

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import OracleAgent
from utility_gym.agents.degenerate import DoNothingAgent, RefuseEverythingAgent
from utility_gym.agents.heuristic_web_shop import _names
from utility_gym.agents.heuristics import build_heuristic
from utility_gym.agents.lessons import LessonHeuristicAgent
from utility_gym.agents.lessons.book import Seen
from utility_gym.agents.lessons.web_shop import WebShopBook
from utility_gym.agents.memory import MemoryHeuristicAgent
from utility_gym.core.rollout import run_episode
from utility_gym.core.tasks import NoTask
from utility_gym.envs.web_shop import tacit
from utility_gym.testing.determinism import json_in_processes

KINDS = ("usual_size", "loyal_brand", "usual_budget", "catalogue_vocabulary")
ENV = "utility/WebShop-v1"


@pytest.fixture(scope="module")
def shop():
    env = gym.make(ENV, size="small")
    yield env
    env.close()


def _task_ids(env, kind: str, n: int) -> list[str]:
    ids = []
    for seed in range(40):
        try:
            env.unwrapped.make_task(kind, seed)
        except NoTask:
            continue
        ids.append(f"web_shop/{kind}/{seed}")
        if len(ids) == n:
            break
    return ids


def _value(task) -> str:
    """The tacit value a task's lesson names (a size, a brand, a catalogue type)."""
    lesson = WebShopBook()
    lesson.learn(task.regularity.lesson, Seen())
    return next(iter(lesson.table.values()))


@pytest.mark.parametrize("kind", KINDS)
def test_tacit__oracle_solves_every_kind_in_a_stream_and_alone(kind: str) -> None:
    stream = gym.make(ENV, size="small", mode="stream", stream_length=6)
    alone = gym.make(ENV, size="small")
    for i, task_id in enumerate(_task_ids(alone, kind, 2)):  # the second on a used world
        result = run_episode(
            stream, OracleAgent(stream), seed=3 if i == 0 else None, options={"task_id": task_id}
        )
        assert result.success, (task_id, result.grade)
        assert stream.unwrapped.task.regularity.kind == kind
        assert "A colleague adds: " + stream.unwrapped.task.regularity.lesson in result.feedback
        options = stream.unwrapped.isolated_options()
        twin = run_episode(alone, OracleAgent(alone), options=options)
        assert twin.success, (task_id, twin.grade)
    stream.close()
    alone.close()


@pytest.mark.parametrize("kind", KINDS)
def test_tacit__a_fresh_heuristic_and_degenerate_agents_fail_the_isolated_twin(
    shop, kind: str
) -> None:
    for task_id in _task_ids(shop, kind, 4):
        result = run_episode(shop, build_heuristic(shop, seed=0), options={"task_id": task_id})
        assert not result.success, task_id
        assert "A colleague adds" in result.feedback  # the lesson comes after the episode
        for agent in (DoNothingAgent(), RefuseEverythingAgent()):
            assert not run_episode(shop, agent, options={"task_id": task_id}).success


@pytest.mark.parametrize("kind", KINDS)
def test_tacit__the_learner_solves_a_later_hit_of_a_key_it_learned_from_feedback(
    shop, kind: str
) -> None:
    by_key: dict[str, list[str]] = {}
    for task_id in _task_ids(shop, kind, 12):
        key = shop.unwrapped.make_task(kind, int(task_id.rsplit("/", 1)[1])).regularity.key
        by_key.setdefault(key, []).append(task_id)
    first, later = next(ids for ids in by_key.values() if len(ids) >= 2)[:2]
    learner = LessonHeuristicAgent(shop)
    failed = run_episode(shop, learner, options={"task_id": first})
    assert not failed.success
    learner.learn(failed)
    assert [(x.kind, x.key) for x in learner.learned] == [
        (kind, shop.unwrapped.task.regularity.key)
    ]
    assert run_episode(shop, learner, options={"task_id": later}).success, later
    # A fresh learner (nothing learned) still fails that later hit.
    assert not run_episode(shop, LessonHeuristicAgent(shop), options={"task_id": later}).success


@pytest.mark.parametrize("kind", KINDS)
def test_tacit__the_lessons_value_is_not_in_the_policy_nor_said_by_the_shopper(
    shop, kind: str
) -> None:
    for task_id in _task_ids(shop, kind, 3):
        _, info = shop.reset(options={"task_id": task_id})
        task = shop.unwrapped.task
        value = _value(task)
        policy = info["policy"].lower()
        assert task.regularity.key.lower() not in policy
        assert (f"size {value}" if kind == "usual_size" else value).lower() not in policy
        said = " ".join([task.goal.opening, *(i.request for i in task.goal.intents)])
        said += " " + " ".join(task.goal.known.values())
        if kind == "usual_size":
            assert f"size {value}" not in said
            assert all(v.value != value for v in task.goal.intents[0].wants)
        elif kind == "loyal_brand":
            assert value not in said
            assert all(v.kind != "brand" for v in task.goal.intents[0].wants)
        elif kind == "usual_budget":
            assert value not in said and "usual budget" in said
            assert all(v.kind != "budget" for v in task.goal.intents[0].wants)
        else:
            assert task.regularity.key in task.goal.intents[0].request and value not in said


def test_tacit__rules_are_the_same_live_and_pristine_and_differ_by_world_seed() -> None:
    stream = gym.make(ENV, size="small", mode="stream", stream_length=4)
    for position in range(4):
        run_episode(stream, OracleAgent(stream), seed=2 if position == 0 else None)
    pristine = gym.make(ENV, size="small")
    pristine.reset(seed=0)
    live_text = tacit.world_seed_text(stream.unwrapped.world.conn)
    assert live_text == tacit.world_seed_text(pristine.unwrapped.world.conn)
    tacit._RULES.clear()  # computed again from each world, not from the cache
    live = tacit.rules(stream.unwrapped.world.conn)
    tacit._RULES.clear()
    assert tacit.rules(pristine.unwrapped.world.conn) == live
    assert 2 <= len(live.shoppers) <= 3 and 2 <= len(live.words) <= 3
    others = []
    for world_seed in (1, 2):
        other = gym.make(ENV, size="small", world_seed=world_seed)
        other.reset(seed=0)
        others.append(tacit.rules(other.unwrapped.world.conn))
        other.close()
    assert all(o != live for o in others) and others[0] != others[1]
    stream.close()
    pristine.close()


def test_tacit__the_same_stream_seed_serves_the_same_regularity_tasks() -> None:
    def served(seed: int) -> list[tuple[str, str | None]]:
        env = gym.make(ENV, size="small", mode="stream", stream_length=12)
        out = []
        for position in range(12):
            run_episode(env, OracleAgent(env), seed=seed if position == 0 else None)
            task = env.unwrapped.task
            out.append((task.task_id, task.regularity.key if task.regularity else None))
        env.close()
        return out

    first = served(5)
    assert first == served(5)
    assert any(key for _, key in first)  # this stream hits regularities
    assert first != served(6)


def test_follow_up__the_same_as_last_time_is_not_repeated_and_memory_recalls_it() -> None:
    env = gym.make(ENV, size="small")
    with pytest.raises(NoTask, match="only in a stream"):
        env.unwrapped.make_task("same_as_last_time", 3)
    stream = gym.make(ENV, size="small", mode="stream", stream_length=30)
    plan = stream.unwrapped.stream_plan(1, 30)
    target = next(i for i, p in enumerate(plan) if "after" in p)
    memory = MemoryHeuristicAgent(stream)
    for position in range(target + 1):
        result = run_episode(stream, memory, seed=1 if position == 0 else None)
        memory.learn(result)
    task = stream.unwrapped.task
    assert task.template == "same_as_last_time" and result.success
    anchor = plan[target]["after"]
    name, request = task.extras["shopper"], task.goal.intents[0].request
    assert name in request and "last time" in request
    product = task.extras["targets"][0]["product_id"]
    title = stream.unwrapped.world.conn.execute(
        "SELECT title FROM products WHERE id = ?", (product,)
    ).fetchone()[0]
    assert title not in request and product not in request
    assert stream.unwrapped.stream_plan(1, 30)[anchor]["template"] == "regular_order"
    # Alone, nobody remembers: the same memory agent, fresh, fails the isolated twin.
    twin = run_episode(env, MemoryHeuristicAgent(env), options=stream.unwrapped.isolated_options())
    assert not twin.success
    assert run_episode(env, OracleAgent(env), options=stream.unwrapped.isolated_options()).success
    stream.close()
    env.close()


def test_heuristic__a_shopper_saying_their_name_is_not_a_brand() -> None:
    assert _names("Hi, it's Dana Reyes again. I need a Northpeak rain jacket.") == ["Northpeak"]
    assert _names("Hello, my name is Robin Hale. I'd like the Lumen Terra Hoodie.") == [
        "Lumen Terra Hoodie"
    ]
    assert _names("Hi! I only buy Maple & Moss.") == ["Maple & Moss"]


def test_rule_book__reads_each_lesson_and_hints_only_for_what_the_shopper_left_out() -> None:
    book = WebShopBook()
    feedback = (
        "Not successful: wrong size. A colleague adds: Dana Reyes always wears size XL; 'my usual "
        "size' from them means size XL. Robin Hale only buys Maple & Moss; 'my usual brand' from "
        "them means Maple & Moss. Robin Hale never spends more than $150 on one item; 'my usual "
        "budget' from them means $150. Shoppers who ask for 'parka' mean what the catalogue calls "
        "'winter coat'; search for 'winter coat' instead."
    )
    book.learn(feedback, Seen())
    assert book.lookup("usual_size", "Dana Reyes") == "XL"
    assert book.lookup("loyal_brand", "Robin Hale") == "Maple & Moss"
    assert book.lookup("usual_budget", "Robin Hale") == "$150"
    assert book.lookup("catalogue_vocabulary", "parka") == "winter coat"

    def hint(opening: str) -> str | None:
        seen = Seen()
        seen.observe(opening, {"events": [{"role": "user", "content": opening}]})
        return book.hint(seen)

    assert hint("Hi, it's Dana Reyes again. A hoodie in my usual size.") == (
        "I wear size XL, as always."
    )
    assert hint("Hi, it's Robin Hale again. A hoodie from my usual brand.") == (
        "I only buy Maple & Moss."
    )
    assert hint("Hi, it's Robin Hale again. A hoodie in my usual size.") is None
    assert hint("Hi, it's Robin Hale again. A hoodie, within my usual budget.") == (
        "My budget is $150."
    )
    assert (
        hint("Hi! I need a navy parka, size M.") == "By 'parka' I mean what you call winter coat."
    )
    assert hint("Hi! I need a navy winter coat, size M.") is None


def test_tacit__the_fast_replay_makes_the_changes_of_the_full_replay(shop) -> None:
    env = shop.unwrapped
    env.reset(seed=0)
    replayer = env.replayer
    for kind in (*KINDS, "regular_order"):
        for task_id in _task_ids(shop, kind, 3):
            task = env.make_task(kind, int(task_id.rsplit("/", 1)[1]))
            fast = replayer.replay(task, env.template.data, changes_only=True).expected
            fast_path, replayer.fast = replayer.fast, None
            try:
                full = replayer.replay(task, env.template.data, changes_only=True).expected
            finally:
                replayer.fast = fast_path
            assert fast is not None and fast == full, task_id


_SCRIPT = """
import json, gymnasium as gym, utility_gym
from utility_gym.agents.lessons import LessonHeuristicAgent
from utility_gym.core.rollout import run_episode
env = gym.make("utility/WebShop-v1", size="small", mode="stream", stream_length=16)
agent, out = LessonHeuristicAgent(env), []
for i in range(16):
    r = run_episode(env, agent, seed=7 if i == 0 else None, record=True)
    agent.learn(r)
    task = env.unwrapped.task
    key = task.regularity.key if task.regularity else None
    out.append([r.task_id, r.success, key, [s.get("observation") for s in r.steps]])
print(json.dumps(out))
"""


def test_tacit__the_same_stream_and_learner_across_processes() -> None:
    runs = json_in_processes(_SCRIPT, hash_seeds=("1", "2"))
    assert runs[0] == runs[1]
    assert any(key for _, _, key, _ in runs[0])  # the stream hits regularities
