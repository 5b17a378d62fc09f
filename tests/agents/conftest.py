"""Fixtures of the agent tests: a fake OpenAI-compatible server (``fake_openai.FakeOpenAI``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from utility_gym.testing.fake_openai import FakeOpenAI


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    pytest.importorskip(
        "openai", reason="the LLM adapter needs the 'llm' extra (pip install 'utility-gym[llm]')"
    )
    server = FakeOpenAI()
    yield server
    server.close()


@pytest.fixture
def llm_settings(fake_llm: FakeOpenAI) -> dict[str, Any]:
    """Client settings for the fake server: fast retries, short timeouts."""
    return {
        "base_url": fake_llm.base_url,
        "model": "fake-model",
        "api_key": "test-key",
        "timeout": 2.0,
        "max_retries": 2,
        "backoff": 0.01,
    }
