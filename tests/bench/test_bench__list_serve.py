"""list shows every registered env with its test task count; serve explains what it needs."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request

import pytest
from bench_helpers import bench_main

from utility_gym.bench.runner import registered_env_ids, select_envs
from utility_gym.testing import needs_browser, utility_env_ids


def test_bench__list_prints_every_registered_env(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main("list") == 0
    out = capsys.readouterr().out
    for env_id in utility_env_ids():
        line = next(line for line in out.splitlines() if line.startswith(env_id + " "))
        assert "train, test, heldout" in line
    cs = next(line for line in out.splitlines() if line.startswith("utility/CustomerService-v1 "))
    assert " 100 " in cs and "customer_service" in cs


def test_bench__env_selection_all_text_and_short_ids() -> None:
    everything = select_envs(["all"])
    assert everything == registered_env_ids()
    assert "utility/CustomerService-v1" in everything
    assert select_envs(["text"]) == [e for e in everything if not needs_browser(e)]
    assert select_envs(["CustomerService-v1,utility/CustomerService-v1"]) == [
        "utility/CustomerService-v1"
    ]


def test_bench__serve_web_shop_answers_on_loopback() -> None:
    """`utility-bench serve web-shop` runs the real shop; a person's browser gets its pages."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from utility_gym.bench.cli import main; sys.exit(main())",
            "serve",
            "web-shop",
            "--port",
            "0",
            "--size",
            "small",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        assert match, line + proc.stderr.read()
        with urllib.request.urlopen(match.group(1) + "/", timeout=30) as response:
            assert response.status == 200
            assert "<html" in response.read().decode("utf-8").lower()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_bench__serve_refuses_a_non_loopback_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main("serve", "web-shop", "--host", "0.0.0.0", "--size", "small") == 2
    assert "loopback" in capsys.readouterr().err
    assert bench_main("serve", "ticket-desk") == 2
