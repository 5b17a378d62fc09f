"""benchmarks/fuzz.py: a small sample of the fuzz run (every text env, 0 of everything), and its
counters do count."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz.py"
KINDS = ("exceptions", "invalid_observations", "failed_calls_that_wrote", "integrity_failures")


def _module():
    spec = importlib.util.spec_from_file_location("fuzz_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_script"] = module
    spec.loader.exec_module(module)
    return module


def test_fuzz__a_sample_of_every_text_env_finds_nothing(tmp_path):
    out = tmp_path / "fuzz.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--actions", "400", "--size", "small", "--json", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(out.read_text())["results"]
    assert [r["env"] for r in results] == list(_module().TEXT_ENVS)
    for r in results:
        assert r["actions"] == 400 and r["episodes"] >= 2, r
        assert {k: r[k] for k in KINDS} == dict.fromkeys(KINDS, 0), r["examples"]


def test_fuzz__the_counters_count(monkeypatch):
    fuzz = _module()
    from utility_gym.core import env as core_env

    real = core_env.parse_action

    def flaky(action, max_length):  # every dict action now raises inside step()
        if isinstance(action, dict):
            raise RuntimeError("planted")
        return real(action, max_length)

    monkeypatch.setattr(core_env, "parse_action", flaky)
    monkeypatch.setattr(fuzz, "integrity", lambda env: "planted integrity failure")
    r = fuzz.fuzz_env("utility/CustomerService-v1", 200, "small")
    assert r["exceptions"] > 0 and "planted" in r["examples"]["exceptions"]
    assert r["integrity_failures"] > 0 and not r["pass"]
