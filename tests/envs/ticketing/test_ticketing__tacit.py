"""Ticketing's tacit regularities (issue 18): site routing, the KB article that really fixes an
error, and the in-house nicknames of applications. Seeded per world, absent from the policy,
failed by a memoryless agent, solved by the learner once the feedback taught it the lesson."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import OracleAgent
from utility_gym.agents.heuristic_ticketing import TicketingHeuristicAgent
from utility_gym.agents.lessons import LessonHeuristicAgent, rule_book
from utility_gym.agents.lessons.book import Lesson, Seen
from utility_gym.core.rollout import run_episode
from utility_gym.envs.ticketing import tacit
from utility_gym.envs.ticketing.catalog import APP_BY_ID, ARTICLE_BY_ID, GROUPS
from utility_gym.testing import validity

ENV_ID = "utility/Ticketing-v1"
KINDS = ("site_routing", "kb_real_fix", "app_nickname")


@pytest.fixture(scope="module")
def env():
    env = gym.make(ENV_ID, size="small", render_mode="ansi")
    yield env
    env.close()


def _rules(env) -> tacit.TacitRules:
    return tacit.world_rules(env.unwrapped.world.conn)


def _tasks(env, kind: str, n: int = 6) -> list:
    return [validity.task_at(env, f"ticketing/{kind}/{seed}") for seed in range(n)]


def test_tacit__templates_are_stream_only_and_name_their_kind(env) -> None:
    domain = env.unwrapped.domain
    assert [t.regularity for t in domain.regularities] == list(KINDS)
    assert not {t.name for t in domain.regularities} & {t.name for t in domain.templates}
    test_ids = env.unwrapped.task_ids("test")
    assert not [t for t in test_ids if t.split("/")[1] in KINDS]
    for kind in KINDS:
        task = _tasks(env, kind, 1)[0]
        assert task.regularity is not None and task.regularity.kind == kind


@pytest.mark.parametrize("kind", KINDS)
def test_tacit__few_instances_recur_and_each_lesson_names_its_key_and_value(env, kind) -> None:
    tasks = _tasks(env, kind, 12)
    keys = {t.regularity.key for t in tasks}
    assert len(keys) == tacit.RULES_PER_KIND  # a handful per world, so they recur
    rules = _rules(env)
    values = {
        "site_routing": [r.problem.other for r in rules.routes],
        "kb_real_fix": [e.real for e in rules.kb_errors],
        "app_nickname": [APP_BY_ID[n.application].name for n in rules.nicknames],
    }[kind]
    for task in tasks:
        lesson = task.regularity.lesson
        assert task.regularity.key.split(" @ ")[0].lower() in lesson.lower()
        assert any(v in lesson for v in values)
        assert len(re.findall(r"[.!?](?:\s|$)", lesson)) == 1  # one sentence


def test_tacit__the_policy_states_none_of_the_rules(env) -> None:
    _, info = env.reset(options={"task_id": "ticketing/site_routing/0"})
    policy = info["policy"].lower()
    for route in tacit.SITE_PROBLEMS:
        assert route.label not in policy
    for error in tacit.KB_ERRORS:
        assert error.cue.lower() not in policy and error.real.lower() not in policy
    for nick in tacit.NICKNAMES:
        assert nick.lower() not in policy
    for kind in KINDS:
        for task in _tasks(env, kind, 4):
            assert task.regularity.lesson.lower() not in policy


def test_tacit__no_other_caller_says_a_nickname_or_an_error_cue(env) -> None:
    # The learner acts on these words: nobody may use them for anything else.
    words = [*tacit.NICKNAMES, *(e.cue for e in tacit.KB_ERRORS)]
    words += [p.label for p in tacit.SITE_PROBLEMS]
    for task_id in env.unwrapped.task_ids("test"):
        goal = validity.task_at(env, task_id).goal
        said = " ".join([*(i.request for i in goal.intents), *map(str, goal.known.values())])
        for word in words:
            assert not re.search(rf"\b{re.escape(word)}\b", said, re.IGNORECASE), (task_id, word)


def test_tacit__rules_are_the_same_in_the_live_and_pristine_world_and_differ_by_world_seed():
    stream = gym.make(ENV_ID, size="small", mode="stream", stream_length=12)
    episodic = gym.make(ENV_ID, size="small")
    try:
        for position in range(12):
            result = run_episode(stream, OracleAgent(stream), seed=3 if position == 0 else None)
            assert result.success, (position, result.task_id)
        live = stream.unwrapped.world.conn
        assert stream.unwrapped.world.changes(0)  # the stream wrote to its world
        assert tacit.world_rules(live) == _rules(episodic)
    finally:
        stream.close()
        episodic.close()
    worlds = []
    for world_seed in range(4):
        other = gym.make(ENV_ID, size="small", world_seed=world_seed)
        worlds.append(_rules(other))
        other.close()
    assert len(set(worlds)) == 4
    assert len({w.routes for w in worlds}) > 1 and len({w.nicknames for w in worlds}) > 1


def test_tacit__oracle_solves_every_hit_in_a_stream_and_its_isolated_twin() -> None:
    length = 30
    isolated = gym.make(ENV_ID, size="small")
    hits: set[str] = set()
    for stream_seed in (4, 5):  # two streams, so that every kind is hit
        stream = gym.make(ENV_ID, size="small", mode="stream", stream_length=length)
        try:
            for position in range(length):
                result = run_episode(
                    stream, OracleAgent(stream), seed=stream_seed if position == 0 else None
                )
                assert result.success, (position, result.task_id, result.grade)
                regularity = stream.unwrapped.task.regularity
                if regularity is None:
                    continue
                hits.add(regularity.kind)
                assert "A colleague adds: " + regularity.lesson in result.feedback
                options = stream.unwrapped.isolated_options()
                alone = run_episode(isolated, OracleAgent(isolated), seed=position, options=options)
                assert alone.success, (position, result.task_id, alone.grade)
                assert isolated.unwrapped.task.regularity == regularity
        finally:
            stream.close()
    isolated.close()
    assert hits == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_tacit__a_memoryless_heuristic_fails_and_the_user_never_tells_the_value(env, kind):
    for seed in range(5):
        result = run_episode(
            env, TicketingHeuristicAgent(), options={"task_id": f"ticketing/{kind}/{seed}"}
        )
        assert not result.success, result.task_id
        assert "A colleague adds: " in result.feedback
        said = " ".join(
            line for line in env.render().splitlines() if line.startswith("user:")
        ).lower()
        for value in _values(env.unwrapped.task):
            assert value.lower() not in said, (result.task_id, value)


def test_tacit__a_nickname_caller_takes_a_wrong_application_and_the_grade_says_so(env) -> None:
    env.reset(seed=0, options={"task_id": "ticketing/app_nickname/0"})
    task = env.unwrapped.task
    eid, wrong = task.goal.known["employee_id"], "miro"
    if f"call {APP_BY_ID[wrong].name}" in task.regularity.lesson:
        wrong = "jira"
    name = APP_BY_ID[wrong].name
    env.step("Happy to help. What is your employee ID?")
    obs, *_ = env.step(
        {
            "name": "create_ticket",
            "arguments": {
                "requester_id": eid,
                "kind": "request",
                "category": "access",
                "impact": 3,
                "urgency": 2,
                "short_description": f"Access to {name}",
            },
        }
    )
    tid = re.search(r"REQ\d+", obs).group(0)
    *_, info = env.step(f"{name} is a standard application. Shall I grant you access to {name}?")
    # the caller cannot tell, and no objection gives the value away
    assert [e["data"]["acts"] for e in info["events"]] == [["affirm"]]
    env.step({"name": "grant_access", "arguments": {"ticket_id": tid, "application_id": wrong}})
    *_, info = env.step({"name": "end_conversation", "arguments": {}})
    assert not info["grade"]["success"]
    assert "access_grants.application_id=" in info["feedback"]
    assert info["feedback"].endswith(task.regularity.lesson)


def _values(task) -> list[str]:
    """The tacit value of a task, as a tool argument and as people name it."""
    lesson = task.regularity.lesson
    if task.regularity.kind == "site_routing":
        group = re.search(r"go to the ([a-z-]+) group", lesson).group(1)
        return [group, GROUPS[group][0]]
    if task.regularity.kind == "kb_real_fix":
        kb = re.search(r"works is (KB\d+)", lesson).group(1)
        return [kb, ARTICLE_BY_ID[kb].title]
    return [re.search(r"call ([^:]+):", lesson).group(1)]


@pytest.mark.parametrize(
    "agent", [a for a in validity.DEGENERATE_AGENTS if a not in ("random", "refuse-everything")]
)
def test_tacit__degenerate_agents_fail(env, agent) -> None:
    ids = [f"ticketing/{kind}/{seed}" for kind in KINDS for seed in range(3)]
    passed = validity.degenerate_successes(env, ids, validity.DEGENERATE_AGENTS[agent](env))
    assert passed.checked == len(ids) and not passed, passed


@pytest.mark.parametrize("kind", KINDS)
def test_tacit__the_learner_solves_a_later_hit_of_a_key_it_learned_from_feedback(env, kind):
    tasks = _tasks(env, kind, 12)
    first = tasks[0]
    later = next(t for t in tasks[1:] if t.regularity.key == first.regularity.key)
    other = next(t for t in tasks[1:] if t.regularity.key != first.regularity.key)
    learner = LessonHeuristicAgent(env)
    failed = run_episode(env, learner, options={"task_id": first.task_id})
    assert not failed.success
    learner.learn(failed)
    assert [(lesson.kind, lesson.key) for lesson in learner.learned] == [
        (kind, first.regularity.key)
    ]
    solved = run_episode(env, learner, options={"task_id": later.task_id})
    assert solved.success, solved.feedback
    # The lesson is about its key only: another instance of the kind is still unknown.
    assert not run_episode(env, learner, options={"task_id": other.task_id}).success


def test_tacit__the_rule_book_reads_each_lesson_and_applies_it_only_where_it_holds() -> None:
    book = rule_book("ticketing")
    route = tacit.SiteRoute(tacit.SITE_PROBLEMS[0], "Austin")
    error, nick = tacit.KB_ERRORS[4], tacit.Nickname("Atlas", "tableau")
    feedback = " ".join(
        (tacit.route_lesson(route), tacit.kb_lesson(error), tacit.nickname_lesson(nick))
    )
    assert book.learn(f"Not successful: x. A colleague adds: {feedback}", Seen()) == [
        Lesson("site_routing", "label printer @ Austin", "app-support"),
        Lesson("kb_real_fix", "error 809", "KB0011"),
        Lesson("app_nickname", "Atlas", "Tableau"),
    ]
    assign = {"name": "assign_ticket", "arguments": {"ticket_id": "T", "group": "desktop-support"}}
    article = {"name": "get_kb_article", "arguments": {"article_id": "KB0010"}}
    at_austin, elsewhere = Seen(), Seen()
    at_austin.user.append("the label printer in the mail room jams, here in Austin")
    elsewhere.user.append("the label printer in the mail room jams, here in Boston")
    assert book.rewrite(assign, at_austin)["arguments"]["group"] == "app-support"
    assert book.rewrite(assign, elsewhere) == assign
    vpn = Seen()
    vpn.user.append("the VPN fails with error 809 at home")
    assert book.rewrite(article, vpn)["arguments"]["article_id"] == "KB0011"
    assert book.rewrite(article, elsewhere) == article
    asked = Seen()
    asked.observe("user: Hi, could I get access to Atlas?", {})
    assert book.hint(asked) == "By Atlas I mean Tableau."
    asked.observe("tool list_applications: []", {})
    assert book.hint(asked) is None  # once, when the caller says it


def _hits(seed: int) -> list[list]:
    """The regularity hits of stream ``seed`` (position, task id, key, lesson), oracle played."""
    env = gym.make(ENV_ID, size="small", mode="stream", stream_length=20)
    out = []
    try:
        for position in range(20):
            run_episode(env, OracleAgent(env), seed=seed if position == 0 else None)
            task = env.unwrapped.task
            if task.regularity is not None:
                out.append([position, task.task_id, task.regularity.key, task.regularity.lesson])
    finally:
        env.close()
    return out


_SCRIPT = (
    "import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
    "from tests.envs.ticketing.test_ticketing__tacit import _hits; print(json.dumps(_hits(5)))"
)


def test_tacit__the_same_stream_seed_serves_the_same_regularity_tasks() -> None:
    first = _hits(5)
    assert first and first == _hits(5)
    assert first != _hits(6)
    root = str(Path(__file__).resolve().parents[3])
    for hash_seed in ("1", "2"):  # and in other processes, whatever their string hashing
        proc = subprocess.run(
            [sys.executable, "-c", _SCRIPT, json.dumps([root])],
            capture_output=True,
            text=True,
            timeout=300,
            env={"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"},
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert json.loads(proc.stdout) == first
