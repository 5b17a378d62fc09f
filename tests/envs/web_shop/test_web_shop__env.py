"""WebShop-v1's actions, observations, shopper dialogue, episode end and reward."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.agents import OracleAgent
from utility_gym.core.rollout import run_episode
from utility_gym.envs.web_shop.actions import parse_web_action
from utility_gym.envs.web_shop.reward import Bought, Wanted, line_score, purchase_score


@pytest.fixture(scope="module")
def env():
    e = gym.make("utility/WebShop-v1", size="small", split="test", reward_mode="partial")
    yield e
    e.close()


def _task_of(env, template: str):
    for task_id in env.unwrapped.task_ids("test"):
        if task_id.split("/")[1] == template:
            env.reset(options={"task_id": task_id})
            return env.unwrapped.task
    raise AssertionError(template)


def test_web_shop__reset_shows_the_request_and_the_home_page_with_valid_actions(env):
    obs, info = env.reset(seed=0)
    assert obs.startswith("user: ")
    assert (
        "\npage: [1] Utility Shop\n[2] Search box: [3] Search\n[4] Cart (0)\nWelcome to Utility "
        "Shop" in obs
    )
    assert (
        info["valid_actions"][0] == "search[<query>]" and "ask[<question>]" in info["valid_actions"]
    )
    assert "back" not in info["valid_actions"]
    names = [t["function"]["name"] for t in info["tools"]]
    assert names == [
        "search",
        "click",
        "select",
        "back",
        "fill",
        "end_conversation",
        "transfer_to_human",
    ]


def test_web_shop__bracket_and_json_forms_do_the_same(env):
    env.reset(seed=1)
    a, *_ = env.step("search[organic cotton t-shirt]")
    env.reset(seed=1)
    b, *_ = env.step('{"name": "search", "arguments": {"query": "organic cotton t-shirt"}}')
    assert a == b and a.startswith("page: ") and "Results for “organic cotton t-shirt”" in a


@pytest.mark.parametrize(
    "text, expected",
    [
        ("search[red shoes]", ("search", {"query": "red shoes"})),
        ("  CLICK[ Buy Now ] ", ("click", {"target": "Buy Now"})),
        ("select[size: M]", ("select", {"option": "size: M"})),
        ("back", ("back", {})),
        ("fill[2, rain jacket, kids]", ("fill", {"target": "2", "text": "rain jacket, kids"})),
        ("ask[What size?]", ("ask", {"question": "What size?"})),
        ("Hello there", None),
        ("I'd like to click on it [later]", None),
    ],
)
def test_web_shop__action_parsing(text, expected):
    parsed = parse_web_action(text)
    if expected is None:
        assert parsed is None
    else:
        assert (parsed.name, parsed.arguments) == expected


@pytest.mark.parametrize(
    "action, message",
    [
        ("click[99]", "there is no element 99"),
        ("click[Teleport]", "no element on this page is labelled 'Teleport'"),
        ("select[M]", "no options to select on this page"),
        ("back", "no previous page"),
        ("fill[1, text]", "is not a text field"),
        ("click[2]", "is a text field"),
        ("search[]", "is empty"),
        ("click", "needs an argument"),
        ("back[now]", "takes no argument"),
        ("fill[2]", "fill needs an element and a text"),
    ],
)
def test_web_shop__bad_web_actions_say_what_is_wrong_and_change_nothing(env, action, message):
    env.reset(seed=2)
    before = env.unwrapped.world.snapshot()
    obs, reward, terminated, truncated, info = env.step(action)
    assert obs.startswith("error: ") and message in obs, obs
    assert not terminated and env.unwrapped.world.snapshot() == before


def test_web_shop__select_names_an_option_and_ambiguity_is_explained(env):
    env.reset(seed=3)
    env.step("search[sneakers]")
    page = env.unwrapped.page()
    product = next(e for e in page.elements if e.key)
    obs, *_ = env.step(f"click[{product.key}]")
    assert "Selected: size (choose one)" in obs
    sizes = [e.label for e in env.unwrapped.page().elements if e.option == "size"]
    obs, *_ = env.step(f"select[size {sizes[0]}]")
    assert f"Selected: size {sizes[0]}," in obs
    if "5" in sizes and any(
        e.option == "quantity" and e.label == "5" for e in env.unwrapped.page().elements
    ):
        obs, *_ = env.step("select[5]")
        assert "ambiguous" in obs
    obs, *_ = env.step("select[quantity 2]")
    assert "quantity 2" in obs
    obs, *_ = env.step("select[size: XXXL]")
    assert obs.startswith("error: no option") and "available: size:" in obs


def test_web_shop__fill_then_click_searches_and_back_returns(env):
    env.reset(seed=4)
    obs, *_ = env.step("fill[2, yoga mat]")
    assert "[2] Search box: yoga mat [3] Search" in obs
    obs, *_ = env.step("click[3]")
    assert "Results for “yoga mat”" in obs
    obs, *_ = env.step("back")
    assert "Welcome to Utility Shop" in obs and "[2] Search box: [3]" in obs


def test_web_shop__ask_goes_to_the_shopper_who_answers_what_they_know(env):
    task = _task_of(env, "ask_option")
    dim = task.ask_required[0].split("|")[0]
    obs, *_ = env.step(f"ask[Which {dim} would you like?]")
    assert obs.startswith("user: ") and task.goal.known[dim] in obs
    obs, *_ = env.step("What's your email address?")
    assert obs.startswith("user: ")


def test_web_shop__an_order_ends_the_episode_with_the_purchase_graded(env):
    task = _task_of(env, "attributes_budget")
    result = run_episode(env, OracleAgent(env), options={"task_id": task.task_id})
    assert result.success and result.reward == 1.0
    assert result.grade["outcome"] == "purchased"
    assert result.grade["purchase"]["score"] == 1.0
    assert result.grade["purchase"]["items"][0]["bought"] == task.extras["targets"][0]["product_id"]


def test_web_shop__skipping_the_clarifying_question_fails_even_with_a_lucky_guess(env):
    task = _task_of(env, "ask_option")
    ask = next(i for i, s in enumerate(task.plan) if s.say is not None)
    result = run_episode(env, OracleAgent(env, skip=[ask]), options={"task_id": task.task_id})
    assert not result.success
    assert result.reward == 1.0  # the purchase itself was perfect ...
    assert any("did not ask" in r for r in result.grade["reasons"])  # ... but the agent guessed


def test_web_shop__refusing_an_order_over_the_limit_succeeds_and_buying_fails(env):
    task = _task_of(env, "refuse_over_limit")
    result = run_episode(env, OracleAgent(env), options={"task_id": task.task_id})
    assert result.success and result.grade["outcome"] == "satisfied"
    env.reset(options={"task_id": task.task_id})
    obs, reward, terminated, *_ = env.step("Sure, I'll order them right away.")
    assert not terminated


def test_web_shop__two_items_go_through_the_cart_in_any_order(env):
    task = _task_of(env, "two_items")
    plan = list(task.plan)
    cut = next(i for i, s in enumerate(plan) if s.intent == 1)
    tail = plan[cut:]
    # Add the second item first, then the first one, then check out: the same order rows.
    second = [
        s
        for s in tail
        if not (s.call and s.call.arguments.get("target") in ("Proceed to checkout", "Place order"))
    ]
    finish = [
        s
        for s in tail
        if s.call and s.call.arguments.get("target") in ("Proceed to checkout", "Place order")
    ]
    env.reset(options={"task_id": task.task_id})
    for step in [*second, *plan[:cut], *finish]:
        obs, reward, terminated, truncated, info = env.step(step.action())
    assert terminated and info["grade"]["success"], info["grade"]["reasons"]


def test_web_shop__snapshot_and_fork_resume_the_page(env):
    env.reset(seed=6)
    env.step("search[speaker]")
    snap = env.unwrapped.snapshot()
    page = env.unwrapped.page().text
    env.step("click[1]")
    obs, info = env.reset(options={"fork": snap})
    assert env.unwrapped.page().text == page
    assert "click[5]" in info["valid_actions"]


def test_web_shop__purchase_score_is_webshops_formula():
    want = Wanted(
        "P1",
        "rain jacket",
        "clothing",
        ("waterproof", "hooded"),
        {"size": "M", "color": "navy"},
        1,
        50.0,
    )

    def bought(**kw):
        base = {
            "product_id": "P1",
            "type": "rain jacket",
            "category": "clothing",
            "brand": "B",
            "attributes": ("waterproof", "hooded", "kids'"),
            "options": {"size": "M", "color": "navy"},
            "quantity": 1,
            "price": 40.0,
        }
        base.update(kw)
        return Bought(**base)

    assert line_score(want, bought())[0] == 1.0
    assert line_score(want, bought(options={"size": "L", "color": "navy"}))[0] == pytest.approx(
        4 / 5
    )
    assert line_score(want, bought(attributes=("waterproof",), price=60.0))[0] == pytest.approx(
        3 / 5
    )
    assert line_score(want, bought(type="hoodie"))[0] == pytest.approx(0.1)
    assert line_score(want, bought(type="sandals", category="shoes"))[0] == 0.0
    score, details = purchase_score([want], [bought(), bought(product_id="P2")])
    assert score == 0.5 and details[0]["bought"] == "P1"  # an extra line halves the score
    assert purchase_score([want], [])[0] == 0.0
    best = Wanted("P1", "rain jacket", "clothing", (), {}, 1, None, best="cheapest")
    assert (
        line_score(best, bought(product_id="P9"))[0] == 0.0 and line_score(best, bought())[0] == 1.0
    )


def test_web_shop__grade_reports_why_a_purchase_falls_short(env):
    task = _task_of(env, "attributes_budget")
    env.reset(options={"task_id": task.task_id})
    steps = list(task.plan)
    sel = next(i for i, s in enumerate(steps) if s.call and s.call.name == "select")
    for s in steps[:sel]:
        env.step(s.action())
    dim, _, value = steps[sel].call.arguments["option"].partition(": ")
    other = next(
        e.label for e in env.unwrapped.page().elements if e.option == dim and e.label != value
    )
    env.step(f"select[{dim}: {other}]")
    for s in steps[sel + 1 :]:
        obs, reward, terminated, truncated, info = env.step(s.action())
    assert terminated and not info["grade"]["success"] and 0 < reward < 1
    assert any(f"{dim} {other} is not {value}" in r for r in info["grade"]["reasons"])
    json.dumps(info["grade"])  # plain JSON


def test_web_shop__the_header_shows_the_cart_count_on_every_page(env):
    task = _task_of(env, "two_items")
    plan = list(task.plan)
    add = next(
        i for i, s in enumerate(plan) if s.call and s.call.arguments.get("target") == "Add to Cart"
    )
    for step in plan[: add + 1]:
        env.step(step.action())
    for action in ("search[lamp]", "click[1]", "click[Cart (1)]"):
        obs, *_ = env.step(action)
        assert "\n[4] Cart (1)\n" in obs, (action, obs[:200])


def test_web_shop__valid_actions_follow_the_page_and_are_the_callers_own(env):
    env.reset(seed=8)
    _, _, _, _, home = env.step("Hello! How can I help?")
    home_actions = home["valid_actions"]
    home_actions.append("mine")  # a caller's list: the next info does not see it
    _, _, _, _, again = env.step("One moment, please.")
    assert "mine" not in again["valid_actions"]
    assert "back" not in again["valid_actions"]
    _, _, _, _, results = env.step("search[speaker]")
    assert "back" in results["valid_actions"]  # a new page, and a page to go back to
    assert results["valid_actions"] != again["valid_actions"]
    _, _, _, _, same = env.step("Still looking.")
    assert same["valid_actions"] == results["valid_actions"]
    _, _, _, _, back = env.step("back")
    assert back["valid_actions"] == again["valid_actions"]  # home again: no back, as before
