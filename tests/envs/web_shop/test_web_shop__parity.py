"""Parity of WebShop-v1 (text, in-process) and WebShopBrowser-v1 (Chromium): the same actions give
the same observations, the same final database change set and the same reward."""

from __future__ import annotations

import random

import pytest

from utility_gym.core.tasks import PlanStep
from utility_gym.core.world import change_facts
from utility_gym.envs.web_shop.env import WebShopEnv

SAMPLE = 25  # test tasks: one round of the weighted round-robin, every train template at least once


def bracket(step: PlanStep) -> str:
    """An oracle plan step in the bracket action form both environments accept."""
    if step.call is None:
        return f"ask[{step.say}]"
    args = step.call.arguments
    return {
        "search": lambda: f"search[{args['query']}]",
        "click": lambda: f"click[{args['target']}]",
        "select": lambda: f"select[{args['option']}]",
        "back": lambda: "back",
    }[step.call.name]()


@pytest.fixture(scope="module")
def text_env():
    env = WebShopEnv(size="small", split="test", reward_mode="partial", render_mode="ansi")
    env.step_cap = 50
    yield env
    env.close()


def _browser_env(chromium, transport: str):
    from utility_gym.envs.web_shop.browser_env import WebShopBrowserEnv

    env = WebShopBrowserEnv(
        size="small", split="test", reward_mode="partial", render_mode="ansi", transport=transport
    )
    env.step_cap = 50
    return env


@pytest.fixture(scope="module")
def browser_env(chromium):
    env = _browser_env(chromium, "inprocess")
    yield env
    env.close()


def _run(env, task_id: str, actions: list[str], seed: int = 5):
    obs, info = env.reset(seed=seed, options={"task_id": task_id})
    observations = [obs]
    reward, done = 0.0, False
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        observations.append(obs)
        if terminated or truncated:
            done = True
            break
    if not done:
        obs, reward, *_ = env.step('{"name": "end_conversation", "arguments": {}}')
        observations.append(obs)
    facts = change_facts(env.unwrapped.world.changes(env.unwrapped.episode.change_seq))
    return observations, facts, reward, env.render()


def _assert_same(task_id, a, b) -> None:
    obs_a, facts_a, reward_a, transcript_a = a
    obs_b, facts_b, reward_b, transcript_b = b
    for i, (x, y) in enumerate(zip(obs_a, obs_b)):
        assert x == y, f"{task_id}: observation {i} differs:\n--- text\n{x}\n--- browser\n{y}"
    assert facts_a == facts_b, (
        f"{task_id}: change sets differ: {sorted(facts_a ^ facts_b, key=repr)[:6]}"
    )
    assert reward_a == reward_b, (task_id, reward_a, reward_b)
    assert transcript_a == transcript_b


def test_web_shop__oracle_plans_give_the_same_result_in_text_and_browser(text_env, browser_env):
    ids = text_env.task_ids("test")[:SAMPLE]
    bought = 0
    for task_id in ids:
        text_env.reset(options={"task_id": task_id})
        actions = [bracket(s) for s in text_env.task.plan]
        a = _run(text_env, task_id, actions)
        b = _run(browser_env, task_id, actions)
        _assert_same(task_id, a, b)
        assert a[2] == 1.0 or not text_env.task.extras["targets"], (task_id, a[2])
        bought += any(f[0] == "orders" for f in a[1])
    assert bought >= SAMPLE - 2


def test_web_shop__wandering_action_sequences_agree_step_by_step(text_env, browser_env):
    """Random admissible actions (filters, pages, options, cart, back, fill) in lockstep."""
    rng = random.Random(2024)
    words = [
        "jacket",
        "waterproof",
        "organic coffee",
        "yoga mat",
        "speaker",
        "dog",
        "shampoo vegan",
        "lamp",
    ]
    for task_id in text_env.task_ids("test")[:6]:
        text_env.reset(seed=1, options={"task_id": task_id})
        browser_env.reset(seed=1, options={"task_id": task_id})
        text_facts = browser_facts = None
        for _ in range(30):
            valid = text_env.valid_actions()
            assert valid == browser_env.valid_actions()
            roll = rng.random()
            if roll < 0.12:
                action = f"search[{rng.choice(words)}]"
            elif roll < 0.17:
                action = f"fill[2, {rng.choice(words)}]"
            elif roll < 0.2:
                action = "click[3]"  # the search button: submits what was filled
            else:
                action = rng.choice([a for a in valid if "<" not in a])
            a = text_env.step(action)
            b = browser_env.step(action)
            assert a[0] == b[0], f"{task_id} {action}:\n--- text\n{a[0]}\n--- browser\n{b[0]}"
            assert a[1:4] == b[1:4], (task_id, action, a[1:4], b[1:4])
            if a[2] or a[3]:
                break
        text_facts = change_facts(text_env.world.changes(text_env.episode.change_seq))
        browser_facts = change_facts(browser_env.world.changes(browser_env.episode.change_seq))
        assert text_facts == browser_facts, task_id


def test_web_shop__real_http_transport_matches_the_text_env(chromium, text_env):
    env = _browser_env(chromium, "http")
    try:
        assert env._site is None
        for task_id in text_env.task_ids("test")[:3]:
            text_env.reset(options={"task_id": task_id})
            actions = [bracket(s) for s in text_env.task.plan]
            _assert_same(task_id, _run(text_env, task_id, actions), _run(env, task_id, actions))
            assert env._site is not None and env._site.origin.startswith("http://127.0.0.1:")
    finally:
        env.close()


def test_web_shop__browser_screenshot_is_an_rgb_array(chromium):
    from utility_gym.envs.web_shop.browser_env import WebShopBrowserEnv

    env = WebShopBrowserEnv(size="small", render_mode="rgb_array", viewport=(640, 480))
    try:
        env.reset(seed=0)
        frame = env.render()
        assert frame.shape == (480, 640, 3) and frame.dtype.name == "uint8"
        assert frame.std() > 5  # a page, not a blank frame
        env.step("search[rain jacket]")
        assert (env.render() != frame).any()
    finally:
        env.close()


def test_web_shop__browser_fork_and_pickle_restore_the_page_and_history(chromium):
    import pickle

    from utility_gym.envs.web_shop.browser_env import WebShopBrowserEnv

    env = WebShopBrowserEnv(size="small")
    try:
        env.reset(seed=3)
        env.step("search[jacket]")
        env.step("click[Next >]") if any("Next" in e.label for e in env.page().elements) else None
        snap = env.snapshot()
        here = env.page().text
        env.step("click[1]")
        obs, info = env.reset(options={"fork": snap})
        assert env.page().text == here
        clone = pickle.loads(pickle.dumps(env))
        try:
            assert clone.page().text == here
            assert clone.step("back")[0] == env.step("back")[0]
        finally:
            clone.close()
    finally:
        env.close()


def test_web_shop__png_decoder_handles_every_filter():
    import struct
    import zlib

    import numpy as np

    from utility_gym.envs.web_shop.browser import decode_png

    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(7, 5, 3), dtype=np.uint8)

    def encode(filters):
        prev = np.zeros(15, dtype=np.int32)
        raw = b""
        for y, f in enumerate(filters):
            row = image[y].reshape(-1).astype(np.int32)
            left = np.concatenate([np.zeros(3, np.int32), row[:-3]])
            upleft = np.concatenate([np.zeros(3, np.int32), prev[:-3]])
            if f == 0:
                enc = row
            elif f == 1:
                enc = row - left
            elif f == 2:
                enc = row - prev
            elif f == 3:
                enc = row - (left + prev) // 2
            else:
                pa, pb, pc = (
                    np.abs(prev - upleft),
                    np.abs(left - upleft),
                    np.abs(left + prev - 2 * upleft),
                )
                pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
                enc = row - pred
            raw += bytes([f]) + (enc % 256).astype(np.uint8).tobytes()
            prev = row

        def chunk(kind, body):
            return (
                struct.pack(">I", len(body))
                + kind
                + body
                + struct.pack(">I", zlib.crc32(kind + body))
            )

        ihdr = struct.pack(">IIBBBBB", 5, 7, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b"")
        )

    for filters in ([2] * 7, [0, 1, 2, 3, 4, 1, 3], [4] * 7):
        assert (decode_png(encode(filters)) == image).all(), filters
