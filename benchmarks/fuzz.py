"""Fuzz every text env with hostile actions: Hypothesis-drawn and seeded raw ones.

    python benchmarks/fuzz.py                                   # 100,000 actions per text env
    python benchmarks/fuzz.py --actions 2000 --size small --env utility/WebShop-v1 --json
    runs/fuzz.json

Half of each env's actions are drawn by Hypothesis (strategies over strings, JSON and Python
values, tool calls built from the env's own schemas), half by a seeded raw fuzzer (mutated valid
calls, truncated and corrupted JSON, web actions, Unicode digits and controls, and Python objects
no JSON holds: circular and 1,000-deep values, bytes, sets, objects whose ``__str__`` and
``__repr__`` raise). Each action is one ``step`` of a live episode; a finished episode is reset
with a new seed. Counted, all of which must be 0:

* ``exceptions``: ``step`` (or ``reset``, or ``snapshot`` every 50 actions) raised;
* ``invalid_observations``: an observation that is not a ``str`` in the observation space, or
  info without its events;
* ``failed_calls_that_wrote``: a step with no tool result (an error, a message) after which the
  world's change log holds a new change;
* ``integrity_failures``: after each episode, ``PRAGMA quick_check`` or
  ``PRAGMA foreign_key_check`` of the world is not clean, or a tracked table is gone.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import gymnasium as gym

import utility_gym  # noqa: F401  (registers the envs)

TEXT_ENVS = (
    "utility/CustomerService-v1",
    "utility/Ticketing-v1",
    "utility/TicketingQueue-v0",
    "utility/WebShop-v1",
)
SNAPSHOT_EVERY = 50
RESULT_ROLES = frozenset({"tool", "page"})  # events that show a call's result


class Broken:
    """``__str__`` and ``__repr__`` raise; so does ``__format__``."""

    def __str__(self) -> str:
        raise RuntimeError("broken __str__")

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        raise RuntimeError("broken __format__")


class BrokenStr(str):
    def __str__(self) -> str:
        raise RuntimeError("broken __str__")

    __repr__ = __str__


def _circular() -> Any:
    d: dict[str, Any] = {}
    d["d"] = d
    return d


def _deep(n: int) -> Any:
    v: Any = 1
    for _ in range(n):
        v = [v] if n % 2 else {"k": v}
    return v


HOSTILE_TEXT = (
    "²",
    "٣",
    "𝟙",
    "\x00",
    "\ud800",
    "\u202e",
    "\x1b[31m",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{7*7}}",
    "%s%n",
    "\r\n",
    "🙂" * 3,
    "Z\u0351\u0352a",
    "a" * 3000,
    "9" * 5000,
)
WEB_VERBS = ("search", "click", "select", "fill", "ask", "back", "buy")


class RawFuzzer:
    """Seeded hostile actions from the env's own tool schemas."""

    def __init__(self, seed: int, tools: list[dict[str, Any]]) -> None:
        self.rng = random.Random(seed)
        self.tools = [t["function"] for t in tools]

    def text(self) -> str:
        r = self.rng
        kind = r.random()
        if kind < 0.3:
            return r.choice(HOSTILE_TEXT)
        if kind < 0.6:
            return "".join(r.choice(string.printable) for _ in range(r.randint(0, 40)))
        return "".join(chr(r.randint(1, 0x2FFFF)) for _ in range(r.randint(0, 20)))

    def value(self, depth: int = 0) -> Any:
        r = self.rng
        k = r.randint(0, 14 if depth < 3 else 8)
        return [
            lambda: self.text(),
            lambda: r.randint(-(2**70), 2**70),
            lambda: r.random() * 10.0 ** r.randint(-5, 300),
            lambda: float("nan"),
            lambda: None,
            lambda: r.random() < 0.5,
            lambda: b"\xff\xfe",
            lambda: Broken(),
            lambda: BrokenStr("x"),
            lambda: [self.value(depth + 1) for _ in range(r.randint(0, 3))],
            lambda: {self.text()[:8]: self.value(depth + 1) for _ in range(r.randint(0, 3))},
            lambda: {1, 2},
            lambda: _circular(),
            lambda: _deep(r.choice((40, 500, 1000))),
            lambda: (1, "x"),
        ][k]()

    def call(self) -> dict[str, Any]:
        r = self.rng
        fn = r.choice(self.tools)
        props = fn["parameters"].get("properties", {})
        args: dict[Any, Any] = {p: self.value() for p in props if r.random() < 0.8}
        if r.random() < 0.1:
            args[self.text()[:10] or "x"] = self.value()
        if r.random() < 0.03:
            args[Broken()] = 1
        return {"name": fn["name"] if r.random() < 0.9 else self.text()[:20], "arguments": args}

    def action(self) -> Any:
        r = self.rng
        k = r.random()
        if k < 0.35:
            call = self.call()
            try:
                text = json.dumps(call, default=str)
            except Exception:  # noqa: BLE001  (a value no JSON holds: send the dict itself)
                return call
            if r.random() < 0.3:  # corrupt it
                cut = r.randint(0, len(text))
                text = text[:cut] + r.choice(("", "}", "{", '"', "\\", "\x00", "]]]]"))
            return text
        if k < 0.6:
            return self.call()  # a dict action, with whatever Python values
        if k < 0.8:
            return f"{r.choice(WEB_VERBS)}[{self.text()}]"
        if k < 0.95:
            return self.text()
        return r.choice(
            (
                None,
                42,
                3.5,
                b"bytes",
                ["list"],
                Broken(),
                BrokenStr("hello"),
                _circular(),
                _deep(1000),
                {1, 2},
            )
        )


def hypothesis_actions(n: int, seed: int, tools: list[dict[str, Any]]) -> list[Any]:
    """``n`` actions drawn by Hypothesis (no shrinking: this measures, a failure is counted)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    names = [t["function"]["name"] for t in tools]
    json_value = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=12,
    )
    python_value = (
        json_value
        | st.binary(max_size=8)
        | st.sets(st.integers(), max_size=3)
        | st.builds(Broken)
        | st.just(_circular())
    )
    name = st.sampled_from(names) | st.text(max_size=12)
    call = st.fixed_dictionaries(
        {"name": name, "arguments": st.dictionaries(st.text(max_size=10), python_value, max_size=4)}
    )
    json_call = st.fixed_dictionaries(
        {"name": name, "arguments": st.dictionaries(st.text(max_size=10), json_value, max_size=4)}
    )
    action = st.one_of(
        st.text(max_size=200),
        call,
        json_call.map(json.dumps),
        st.builds(
            lambda verb, arg: f"{verb}[{arg}]", st.sampled_from(WEB_VERBS), st.text(max_size=30)
        ),
        python_value,
    )
    out: list[Any] = []

    @hseed(seed)
    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(action)
    def collect(a: Any) -> None:
        out.append(a)

    collect()
    while len(out) < n:  # Hypothesis may stop early when it has tried every small case
        out.extend(out[: n - len(out)])
    return out[:n]


def fuzz_env(env_id: str, n: int, size: str, seed: int = 0) -> dict[str, Any]:
    env = gym.make(env_id, size=size)
    unwrapped = env.unwrapped
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    rng = random.Random(seed)

    def note(kind: str, what: str) -> None:
        counts[kind] += 1
        examples.setdefault(kind, what[:300])

    _, info = env.reset(seed=seed)
    tools = info["tools"]
    actions = hypothesis_actions(n // 2, seed, tools)
    raw = RawFuzzer(seed, tools)
    actions += [raw.action() for _ in range(n - len(actions))]
    rng.shuffle(actions)
    started = time.perf_counter()
    episodes = 1
    for i, action in enumerate(actions):
        world = unwrapped.world
        seq = world.change_seq()
        try:
            obs, _, terminated, truncated, info = env.step(action)
        except Exception as e:  # noqa: BLE001  (the count is the point)
            note("exceptions", f"step: {type(e).__name__}: {e}")
            terminated, truncated, obs, info = True, False, "", {"events": []}
        else:
            if (
                not isinstance(obs, str)
                or not env.observation_space.contains(obs)
                or not isinstance(info.get("events"), list)
            ):
                note("invalid_observations", repr(obs)[:200])
            roles = {e.get("role") for e in info["events"]}
            if not roles & RESULT_ROLES and world.changes(seq):
                note("failed_calls_that_wrote", f"{_short(action)} -> {obs[:200]}")
        if i % SNAPSHOT_EVERY == 0 and not (terminated or truncated):
            try:
                unwrapped.snapshot()
            except Exception as e:  # noqa: BLE001
                note("exceptions", f"snapshot: {type(e).__name__}: {e}")
        if terminated or truncated:
            problem = integrity(unwrapped)
            if problem:
                note("integrity_failures", problem)
            try:
                env.reset(seed=rng.randrange(2**31))
                episodes += 1
            except Exception as e:  # noqa: BLE001
                note("exceptions", f"reset: {type(e).__name__}: {e}")
    problem = integrity(unwrapped)
    if problem:
        note("integrity_failures", problem)
    env.close()
    kinds = ("exceptions", "invalid_observations", "failed_calls_that_wrote", "integrity_failures")
    return {
        "env": env_id,
        "size": size,
        "actions": n,
        "episodes": episodes,
        "seconds": round(time.perf_counter() - started, 1),
        **{k: counts[k] for k in kinds},
        "examples": examples,
        "pass": not any(counts[k] for k in kinds),
    }


def integrity(env: Any) -> str | None:
    """What is wrong with the world's database, or None."""
    db = env.world.conn
    check = db.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        return f"quick_check: {check}"
    bad = db.execute("PRAGMA foreign_key_check").fetchall()
    if bad:
        return f"foreign_key_check: {bad[:3]}"
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = set(env.world.template.tracked_tables) - tables
    return f"tables gone: {sorted(missing)}" if missing else None


def _short(action: Any) -> str:
    from utility_gym.core.checks import shown

    return shown(action)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--env", action="append", help=f"an env id (repeatable); default: {', '.join(TEXT_ENVS)}"
    )
    parser.add_argument(
        "--actions", type=int, default=100_000, help="actions per env (default 100,000)"
    )
    parser.add_argument("--size", default="default", help="world size (default: default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    results = []
    for env_id in args.env or TEXT_ENVS:
        r = fuzz_env(env_id, args.actions, args.size, args.seed)
        results.append(r)
        print(
            f"{env_id}: {r['actions']:,} actions, {r['episodes']:,} episodes, {r['seconds']:,.0f} "
            "s: "
            f"exceptions {r['exceptions']}, invalid observations {r['invalid_observations']}, "
            f"failed calls that wrote {r['failed_calls_that_wrote']}, integrity failures "
            f"{r['integrity_failures']} "
            f"-> {'PASS' if r['pass'] else 'FAIL'}",
            flush=True,
        )
        for kind, example in r["examples"].items():
            print(f"  first of {kind}: {example}", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"python": sys.version.split()[0], "results": results}, indent=2) + "\n"
        )
    return 0 if all(r["pass"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
