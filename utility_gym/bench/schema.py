"""The shapes of results.json, of a trajectory line and of a submission manifest, checked first.

``verify`` checks every file against these before it reads a value from it, so malformed input
is answered with one line naming the file, the line and the field, never a traceback. A field
that is not in the shape is refused too: nothing in a run goes unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from utility_gym.bench.files import RunFileError
from utility_gym.bench.rules import FORMAT, name_problem

MANIFEST_FORMAT = "utility-bench-submission/1"
MAX_TEXT = 100_000  # characters of one action or observation (the env's max_length)

Check = Callable[[Any, str], None]


class SchemaError(RunFileError):
    """A file does not have the expected shape."""


def _fail(where: str, message: str) -> None:
    raise SchemaError(f"{where}: {message}")


def _type_name(value: Any) -> str:
    return (
        "null"
        if value is None
        else {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
            type(value), "number" if isinstance(value, int | float) else type(value).__name__
        )
    )


def string(max_len: int = 1000) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, str):
            _fail(where, f"expected a string, got {_type_name(value)}")
        if len(value) > max_len:
            _fail(where, f"longer than {max_len} characters")

    return check


def whole(value: Any, where: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(where, f"expected a whole number, got {_type_name(value)}")


def number(value: Any, where: str) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        _fail(where, f"expected a number, got {_type_name(value)}")


def non_negative(value: Any, where: str) -> None:
    number(value, where)
    if value < 0:
        _fail(where, f"must not be negative, got {value}")


def usage(value: Any, where: str) -> None:
    """An agent's self-reported usage: any fields, but its numbers are counts and costs (>= 0)."""
    mapping(anything, max_items=50)(value, where)
    for key, item in value.items():
        if isinstance(item, int | float) and not isinstance(item, bool) and item < 0:
            _fail(f"{where}.{key[:60]}", f"must not be negative, got {item}")


def boolean(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        _fail(where, f"expected true or false, got {_type_name(value)}")


def anything(value: Any, where: str) -> None:
    return None


def optional(inner: Check) -> Check:
    def check(value: Any, where: str) -> None:
        if value is not None:
            inner(value, where)

    return check


def one_of(*choices: Any) -> Check:
    def check(value: Any, where: str) -> None:
        if value not in choices or isinstance(value, bool) != any(
            isinstance(c, bool) for c in choices
        ):
            _fail(
                where,
                f"expected one of {', '.join(repr(c) for c in choices)}, got {str(value)[:40]!r}",
            )

    return check


def array(inner: Check, max_items: int = 100_000, min_items: int = 0) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, list):
            _fail(where, f"expected an array, got {_type_name(value)}")
        if not min_items <= len(value) <= max_items:
            _fail(where, f"expected {min_items} to {max_items} items, got {len(value)}")
        for i, item in enumerate(value):
            inner(item, f"{where}[{i}]")

    return check


def mapping(values: Check, max_items: int = 1000, min_items: int = 0) -> Check:
    """An object with any keys (strings) whose values pass ``values``."""

    def check(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            _fail(where, f"expected an object, got {_type_name(value)}")
        if not min_items <= len(value) <= max_items:
            _fail(where, f"expected {min_items} to {max_items} entries, got {len(value)}")
        for key, item in value.items():
            values(item, f"{where}[{key[:60]!r}]")

    return check


def record(
    required: Mapping[str, Check], optional_keys: Mapping[str, Check] | None = None
) -> Check:
    """An object with exactly these keys (``optional_keys`` may be absent); no other key."""
    extra = dict(optional_keys or {})

    def check(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            _fail(where, f"expected an object, got {_type_name(value)}")
        for key, inner in required.items():
            if key not in value:
                _fail(where, f"'{key}' is missing")
            inner(value[key], f"{where}.{key}")
        for key, item in value.items():
            if key in required:
                continue
            if key not in extra:
                _fail(where, f"unexpected field {key[:60]!r}")
            extra[key](item, f"{where}.{key}")

    return check


def agent_name(value: Any, where: str) -> None:
    problem = name_problem(value)
    if problem:
        _fail(where, problem)


# -- results.json ---------------------------------------------------------------------------------
ENV_ID = string(100)
SUMMARY = mapping(anything, max_items=100)
ENV_DOC = record(
    {
        "spec": mapping(anything, max_items=50),
        "make_kwargs": mapping(anything, max_items=20),
        "task_set_hash": string(64),
        "task_ids": array(string(200), max_items=100_000, min_items=1),
        "user_simulator": mapping(anything, max_items=50),
        "agent_class": string(300),
        "agent_config": mapping(anything, max_items=100),
        "metrics": SUMMARY,
    }
)
PROVENANCE = record(
    {
        "package": one_of("utility-gym"),
        "version": string(50),
        "gymnasium": string(50),
        "numpy": string(50),
        "task_set_hash": string(64),
        "backend": string(20),
        "workers": whole,
        "started_at": string(50),
        "wall_seconds": number,
        "command": array(string(10_000), max_items=500),
        "machine": mapping(anything, max_items=20),
    },
    {"resumed": whole},
)
RESULTS = record(
    {
        "format": one_of(FORMAT),
        "agent": record(
            {
                "name": agent_name,
                "spec": string(300),
                "classes": mapping(string(300), max_items=50, min_items=1),
                "options": mapping(anything, max_items=100),
            },
            {"kind": one_of("agent", "human", "human-user")},
        ),
        "split": string(20),
        "trials": whole,
        "limit": optional(whole),
        "seed": whole,
        "seed_rule": string(200),
        "overall": SUMMARY,
        "envs": mapping(ENV_DOC, max_items=50, min_items=1),
        "provenance": PROVENANCE,
    },
    {"selection": one_of("first", "chosen")},
)


def _checked(check: Check, value: Any, where: str) -> None:
    """Run ``check`` from the root; errors read ``WHERE: field.path: message``."""
    try:
        check(value, "")
    except SchemaError as e:
        text = str(e).lstrip(".")
        raise SchemaError(f"{where}: {text[2:] if text.startswith(': ') else text}") from None


def check_results(results: Any, where: str) -> None:
    _checked(RESULTS, results, where)


# -- a trajectory line ----------------------------------------------------------------------------
def action(value: Any, where: str) -> None:
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            _fail(where, f"longer than {MAX_TEXT} characters")
        return
    if isinstance(value, dict):
        record({"name": string(200), "arguments": mapping(anything, max_items=100)})(value, where)
        return
    _fail(where, f"expected a string or a tool call object, got {_type_name(value)}")


FIRST_STEP = record({"observation": string(MAX_TEXT)})
STEP = record(
    {
        "action": action,
        "observation": string(MAX_TEXT),
        "reward": number,
        "terminated": boolean,
        "truncated": boolean,
        "user_acts": array(string(100), max_items=100),
    }
)


def steps(value: Any, where: str) -> None:
    if not isinstance(value, list):
        _fail(where, f"expected an array, got {_type_name(value)}")
    if len(value) > 10_000:
        _fail(where, "more than 10000 steps")
    for i, step in enumerate(value):
        (FIRST_STEP if i == 0 else STEP)(step, f"{where}[{i}]")


# A console session's person: which side they played, their turns as the user (replayed by
# verify), and their rating at the end (kept as reported, like usage).
PERSON_TURN = record({"text": string(MAX_TEXT), "leave": boolean})
PERSON = record(
    {"side": one_of("agent", "user"), "mode": one_of("agent", "user", "arena"), "name": agent_name},
    {
        "turns": array(PERSON_TURN, max_items=10_000),
        "rating": optional(mapping(anything, max_items=20)),
        "session": string(100),
    },
)

TRAJECTORY = record(
    {
        "env_id": ENV_ID,
        "task_id": string(200),
        "trial": whole,
        "seed": whole,
        "agent": agent_name,
        "success": boolean,
        "partial": number,
        "reward": number,
        "turns": whole,
        "tool_calls": whole,
        "questions": whole,
        "redundant_questions": whole,
        "error": optional(string(2000)),
        "usage": optional(usage),
        "seconds": non_negative,
        "grade": optional(mapping(anything, max_items=50)),
        "steps": steps,
    },
    {"person": PERSON},
)


def check_trajectory(record_: Any, where: str) -> None:
    _checked(TRAJECTORY, record_, where)


# -- submission.json ------------------------------------------------------------------------------
MANIFEST = record(
    {
        "format": one_of(MANIFEST_FORMAT),
        "agent": agent_name,
        "model": string(200),
        "contact": string(200),
        "description": string(2000),
        "run": string(2000),
        "rerun": string(2000),
    },
    {"source": string(500)},
)


def check_manifest(manifest: Any, where: str) -> None:
    _checked(MANIFEST, manifest, where)
