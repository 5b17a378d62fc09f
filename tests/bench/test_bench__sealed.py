"""Replay is sealed: a run declaring an LLM user (or any kwarg outside the allow-list) is refused
before any request reaches its server, and inside the seal nothing can connect or read a key."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from bench_helpers import CS, bench_main

from utility_gym.bench import rules
from utility_gym.bench.seal import NetworkBlocked, sealed


class _Counting(BaseHTTPRequestHandler):
    requests: list[str] = []

    def _any(self) -> None:
        _Counting.requests.append(f"{self.command} {self.path} {self.headers.get('Authorization')}")
        body = b'{"choices": [{"message": {"role": "assistant", "content": "hi"}}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _any

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Counting.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _declare_llm_user(run: Path, base_url: str) -> None:
    results = json.loads((run / "results.json").read_text())
    doc = results["envs"][CS]
    doc["make_kwargs"] |= {"user": "llm", "user_options": {"base_url": base_url, "model": "m"}}
    doc["spec"]["kwargs"] |= {"user": "llm", "user_options": {"base_url": base_url, "model": "m"}}
    (run / "results.json").write_text(json.dumps(results))


def test_bench__the_server_is_reachable_outside_verify(server: str) -> None:
    """The control: the fixture's server does answer (so zero requests below means refused)."""
    import urllib.request

    with urllib.request.urlopen(server + "/models", timeout=5) as reply:
        assert reply.status == 200
    assert len(_Counting.requests) == 1


def test_bench__verify_refuses_an_llm_user_before_any_request(
    run_copy: Path, server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("UTILITY_GYM_LLM_API_KEY", "sk-the-verifiers-own-key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-verifiers-openai-key")
    _declare_llm_user(run_copy, server)
    assert bench_main("verify", str(run_copy), "--workers", "1", "--quiet") == 1
    out = capsys.readouterr().out
    assert (
        "env kwarg user='llm' is not allowed: user must be agenda (the deterministic simulated "
        "user) only" in out
    )
    assert "env kwarg 'user_options' is not allowed in a verifiable run" in out
    assert _Counting.requests == []
    assert os.environ["UTILITY_GYM_LLM_API_KEY"] == "sk-the-verifiers-own-key"  # restored after


def test_bench__even_past_the_allow_list_nothing_reaches_the_server(
    run_copy: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: with the allow-list switched off, the seal still stops every request."""
    monkeypatch.setenv("UTILITY_GYM_LLM_API_KEY", "sk-the-verifiers-own-key")
    monkeypatch.setattr(rules, "make_kwarg_problems", lambda kwargs, split: [])
    monkeypatch.setattr(
        "utility_gym.bench.verify_files.make_kwarg_problems", lambda kwargs, split: []
    )
    _declare_llm_user(run_copy, server)
    assert bench_main("verify", str(run_copy), "--workers", "1", "--quiet") == 1
    assert _Counting.requests == []


def test_bench__the_seal_blocks_connections_and_hides_keys(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "t0ken")
    port = int(server.rsplit(":", 1)[1].split("/")[0])
    with sealed():
        assert "MY_SERVICE_TOKEN" not in os.environ
        with pytest.raises(NetworkBlocked):
            socket.create_connection(("127.0.0.1", port), timeout=2)
        with pytest.raises(NetworkBlocked):
            socket.socket().connect(("127.0.0.1", port))
        with pytest.raises(NetworkBlocked):
            socket.getaddrinfo("example.com", 443)
    assert os.environ["MY_SERVICE_TOKEN"] == "t0ken"
    socket.create_connection(("127.0.0.1", port), timeout=2).close()  # restored
    assert _Counting.requests == []


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {
                "user": "agenda",
                "size": "small",
                "world_seed": 3,
                "reward_mode": "partial",
                "split": "test",
            },
            [],
        ),
        ({"base_url": "http://x"}, ["env kwarg 'base_url' is not allowed"]),
        ({"size": ["small"]}, ["env kwarg size=['small'] is not allowed"]),
        ({"world_seed": 2**40}, ["env kwarg world_seed=1099511627776 is not allowed"]),
        ({"world_seed": True}, ["env kwarg world_seed=True is not allowed"]),
        ({"split": "train"}, ["env kwarg split='train' is not allowed"]),  # not the run's split
        ({"mode": "stream"}, ["env kwarg 'mode' is not allowed"]),
    ],
)
def test_bench__the_allow_list(kwargs: dict, expected: list[str]) -> None:
    problems = rules.make_kwarg_problems(kwargs, "test")
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start)
