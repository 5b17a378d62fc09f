"""Bounded caches and the collector: LRU order, caches that stop growing on endless train
resets, long-lived objects frozen once, and episodes that leave no cyclic garbage behind."""

from __future__ import annotations

import gc

import gymnasium as gym
import pytest

import utility_gym  # noqa: F401
from utility_gym.core import caches, replay, task_factory
from utility_gym.core.caches import LRUCache, freeze_long_lived


def test_caches__lru_drops_the_least_recently_used():
    cache: LRUCache[int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the newest
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2 and cache.hits == 3 and cache.get("b") is None and cache.misses == 1
    with pytest.raises(ValueError, match="maxsize"):
        LRUCache(0)


def test_caches__train_resets_do_not_grow_the_task_caches(monkeypatch):
    monkeypatch.setattr(task_factory, "_TASK_CACHE", LRUCache(8))
    monkeypatch.setattr(replay, "_EXPECTED_CACHE", LRUCache(8))
    env = gym.make("utility/CustomerService-v1", size="small")
    try:
        for seed in range(40):
            env.reset(seed=seed)
        assert len(task_factory._TASK_CACHE) == 8 and len(replay._EXPECTED_CACHE) == 8
        # A task that comes back is served from the cache, the same object.
        env.reset(seed=39)
        first = env.unwrapped.task
        env.reset(seed=39)
        assert env.unwrapped.task is first
    finally:
        env.close()


def test_caches__long_lived_objects_are_frozen_once_per_key(monkeypatch):
    monkeypatch.setattr(caches, "_frozen", set())
    calls: list[str] = []
    monkeypatch.setattr(caches.gc, "freeze", lambda: calls.append("freeze"))
    freeze_long_lived(("web_shop", 0, "small"))
    freeze_long_lived(("web_shop", 0, "small"))
    freeze_long_lived(("web_shop", 1, "small"))
    assert calls == ["freeze", "freeze"]


@pytest.mark.parametrize(
    "text_env", ["utility/WebShop-v1", "utility/CustomerService-v1", "utility/Ticketing-v1"]
)
def test_caches__episodes_leave_no_cyclic_garbage(text_env):
    env = gym.make(text_env, size="small")
    try:
        for seed in range(3):  # warm up: the first episodes build per-process tables
            env.reset(seed=seed)
            env.step("Hello, how can I help?")
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for seed in range(100, 110):
                env.reset(seed=seed)
                for action in (
                    "Hello, how can I help?",
                    '{"name": "nope", "arguments": {}}',
                    "search[lamp]",
                    "click[1]",
                ):
                    env.step(action)
            gc.collect()
            kinds = sorted({type(o).__name__ for o in gc.garbage})
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        assert kinds == [], f"{text_env}: cyclic garbage of types {kinds[:10]}"
    finally:
        env.close()


def test_caches__a_due_full_collection_runs_at_the_reset_not_in_a_step(monkeypatch):
    """Once ``threshold2`` young collections have passed, the next reset runs the full
    collection itself (between episodes), and resets it does not; a disabled collector is
    left alone."""
    env = gym.make("utility/CustomerService-v1", size="small")
    ran: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            ran.append(2)

    try:
        env.reset(seed=0)
        gc.collect()  # the counters start from zero
        gc.callbacks.append(record)
        env.reset(seed=1)
        assert ran == []  # not due
        threshold2 = gc.get_threshold()[2]
        for _ in range(threshold2):
            gc.collect(1)  # young collections, as a long run makes them
        assert gc.get_count()[2] >= threshold2
        env.reset(seed=2)
        assert ran == [2] and gc.get_count()[2] == 0
        for _ in range(threshold2):
            gc.collect(1)
        gc.disable()
        try:
            env.reset(seed=3)
            assert ran == [2]  # the caller turned the collector off: no collection
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(record)
        env.close()
