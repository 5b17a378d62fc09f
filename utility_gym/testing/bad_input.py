"""Bad-input checks: no malformed action escapes ``step``, each says what was wrong, and a
failed call leaves the database byte-identical."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from utility_gym.core.checks import shown

SQL_INJECTION = "W1'; DROP TABLE orders;--"
HUGE_MESSAGE_CHARS = 100_000
MAX_SECONDS_PER_STEP = 5.0  # generous; a slower step on bad input means a regex or loop blew up

ActionBuilder = Callable[[dict[str, Any], Any], list[Any] | None]
"""``build(reset_info, unwrapped_env)`` -> the actions to try, or None when the env has no tool
that fits the case (e.g. no tool with arguments)."""


@dataclass(frozen=True)
class BadInput:
    """One kind of bad action and what the env must answer."""

    name: str
    build: ActionBuilder
    expect: tuple[str, ...] = ()  # substrings of the error line; empty: any answer is fine
    failed_call: bool = True  # the action must fail: an ``error:`` line and no change at all
    prepare: bool = False  # first replay the oracle's read-only calls (e.g. verify the user)


# -- picking tools from the schemas --------------------------------------------------------------


def _tools(info: dict[str, Any]) -> list[dict[str, Any]]:
    return [t["function"] for t in info["tools"]]


def _params(fn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return fn["parameters"].get("properties", {})


def _required(fn: dict[str, Any]) -> list[str]:
    return list(fn["parameters"].get("required", []))


def _non_terminal(env: Any, fn: dict[str, Any]) -> bool:
    spec = env.toolbox.tools.get(fn["name"])
    return spec is None or not spec.terminal


def _with_required(info: dict[str, Any], env: Any) -> dict[str, Any] | None:
    for fn in _tools(info):
        if _required(fn) and _non_terminal(env, fn):
            return fn
    return None


def _with_string_param(info: dict[str, Any], env: Any) -> tuple[dict[str, Any], str] | None:
    for fn in _tools(info):
        for name, schema in _params(fn).items():
            if schema.get("type") == "string" and "enum" not in schema and _non_terminal(env, fn):
                return fn, name
    return None


def _valid_value(schema: dict[str, Any], text: str = "x") -> Any:
    """A value of the schema's type (``text`` for strings), for the arguments a case keeps valid."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "array":
        return [_valid_value(schema.get("items", {"type": "string"}), text)]
    return {"integer": 1, "number": 1.0, "boolean": False, "object": {}}.get(kind, text)


def _wrong_value(schema: dict[str, Any]) -> Any:
    return {
        "string": 12345,
        "integer": "twelve",
        "number": "a lot",
        "boolean": "yes",
        "array": "x",
        "object": 7,
    }.get(schema.get("type"), None)


def _call(name: str, arguments: Any) -> str:
    return json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False)


# -- builders -------------------------------------------------------------------------------------


def _wrong_types(info: dict[str, Any], env: Any) -> list[Any] | None:
    fn = _with_required(info, env)
    if fn is None:
        return None
    args = {p: _wrong_value(s) for p, s in _params(fn).items() if p in _required(fn)}
    return [_call(fn["name"], args)]


def _missing_arguments(info: dict[str, Any], env: Any) -> list[Any] | None:
    fn = _with_required(info, env)
    return None if fn is None else [_call(fn["name"], {})]


def _extra_arguments(info: dict[str, Any], env: Any) -> list[Any] | None:
    fn = next((f for f in _tools(info) if _non_terminal(env, f)), _tools(info)[0])
    args = {p: _valid_value(s) for p, s in _params(fn).items() if p in _required(fn)}
    args["zz_not_a_parameter"] = 1
    return [_call(fn["name"], args)]


def _injection(info: dict[str, Any], env: Any) -> list[Any] | None:
    """Every non-terminal tool with a string parameter, all its strings set to an injection."""
    actions = []
    for fn in _tools(info):
        params = _params(fn)
        if not _non_terminal(env, fn) or not any(
            s.get("type") == "string" and "enum" not in s for s in params.values()
        ):
            continue
        actions.append(
            _call(fn["name"], {p: _valid_value(s, SQL_INJECTION) for p, s in params.items()})
        )
    return actions or None


def _string_argument(value: str) -> ActionBuilder:
    def build(info: dict[str, Any], env: Any) -> list[Any] | None:
        found = _with_string_param(info, env)
        if found is None:
            return None
        fn, param = found
        args = {p: _valid_value(s) for p, s in _params(fn).items() if p in _required(fn)}
        args[param] = value
        return [{"name": fn["name"], "arguments": args}, _call(fn["name"], args)]

    return build


def _first_tool(arguments: Any) -> ActionBuilder:
    return lambda info, env: [{"name": _tools(info)[0]["name"], "arguments": arguments}]


def _fixed(*actions: Any) -> ActionBuilder:
    return lambda info, env: list(actions)


class BrokenText:
    """An object whose ``__str__`` and ``__repr__`` raise (hashable: it can be a dict key)."""

    def __str__(self) -> str:
        raise RuntimeError("broken __str__")

    def __repr__(self) -> str:
        raise RuntimeError("broken __repr__")


class BrokenStr(str):
    """A ``str`` subclass whose own methods raise: the env must use the text, not the methods."""

    def __str__(self) -> str:
        raise RuntimeError("broken __str__")

    def __repr__(self) -> str:
        raise RuntimeError("broken __repr__")

    def strip(self, chars: Any = None) -> str:
        raise RuntimeError("broken strip")


class EvilClass:
    """An object whose ``__class__`` raises: ``isinstance`` itself raises on it."""

    @property
    def __class__(self) -> type:  # type: ignore[override]
        raise RuntimeError("broken __class__")


def _circular() -> dict[str, Any]:
    value: dict[str, Any] = {}
    value["self"] = value
    return value


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"v": value}
    return value


def _nested_list(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def _in_argument(value: Callable[[], Any]) -> ActionBuilder:
    """The first tool with a string parameter, that parameter set to ``value()`` (a dict action)."""

    def build(info: dict[str, Any], env: Any) -> list[Any] | None:
        found = _with_string_param(info, env)
        if found is None:
            return None
        fn, param = found
        args = {p: _valid_value(s) for p, s in _params(fn).items() if p in _required(fn)}
        args[param] = value()
        return [{"name": fn["name"], "arguments": args}]

    return build


def _max_length(env: Any) -> int:
    return int(env.action_space.max_length)


BAD_INPUTS: tuple[BadInput, ...] = (
    BadInput("malformed_json", _fixed('{"name": "x", '), ("malformed JSON",)),
    BadInput(
        "malformed_json_trailing",
        _fixed('{"name": "lookup", "arguments": {"id": 1,}}'),
        ("malformed JSON",),
    ),
    BadInput(
        "deeply_nested_json",
        _fixed('{"name": "x", "arguments": ' + "[" * 40_000 + "]" * 40_000 + "}"),
        ("malformed",),
    ),
    BadInput("json_not_an_object", _fixed('{"name": "x"} trailing'), ("malformed JSON",)),
    BadInput(
        "unknown_tool",
        _fixed(_call("cancel_everything_now", {})),
        ("unknown tool 'cancel_everything_now'", "available:"),
    ),
    BadInput("tool_name_not_a_string", _fixed({"name": 5, "arguments": {}}), ('missing "name"',)),
    BadInput("missing_tool_name", _fixed('{"arguments": {}}'), ('missing "name"',)),
    BadInput(
        "unexpected_top_level_key",
        _fixed({"name": "x", "arguments": {}, "argz": {}}),
        ("unexpected key 'argz'",),
    ),
    BadInput(
        "arguments_not_an_object",
        lambda i, e: [_call(_tools(i)[0]["name"], [1, 2])],
        ("must be a JSON object",),
    ),
    BadInput(
        "arguments_bad_json_string",
        lambda i, e: [json.dumps({"name": _tools(i)[0]["name"], "arguments": "{oops"})],
        ("are not valid JSON",),
    ),
    BadInput("wrong_argument_types", _wrong_types, ("must be",)),
    BadInput("missing_arguments", _missing_arguments, ("missing required argument",)),
    BadInput("extra_arguments", _extra_arguments, ("unexpected argument 'zz_not_a_parameter'",)),
    BadInput("sql_injection_arguments", _injection, failed_call=False, prepare=True),
    BadInput("nul_in_argument", _string_argument("W1\x00001"), ("NUL",)),
    BadInput("lone_surrogate_argument", _string_argument("W1\ud800"), failed_call=False),
    BadInput("long_argument", _string_argument("W" * 5_000), ("too long",)),
    BadInput(
        "huge_message",
        lambda i, e: [
            "Hello, "
            + "I need help with my order. " * (min(HUGE_MESSAGE_CHARS, _max_length(e)) // 27)
        ],
        failed_call=False,
    ),
    BadInput("message_over_max_length", lambda i, e: ["a" * (_max_length(e) + 1)], ("too long",)),
    BadInput(
        "tool_call_over_max_length",
        lambda i, e: [_call(_tools(i)[0]["name"], {"x": "a" * _max_length(e)})],
        ("too long",),
    ),
    BadInput(
        "emoji_message", _fixed("Hi 😀🚀 my order 👩‍👩‍👧‍👦 never came 🙏🏽🇫🇷"), failed_call=False
    ),
    BadInput(
        "rtl_message",
        _fixed("مرحبا، أريد إلغاء طلبي \u202eעזרה בבקשה\u202c #W1001"),
        failed_call=False,
    ),
    BadInput(
        "combining_marks_message",
        _fixed("ca\u0301ncel my o\u0308rder Z\u0351\u0352a\u0354l\u0355g\u0356o\u0489"),
        failed_call=False,
    ),
    BadInput("lone_surrogate_message", _fixed("help \ud800 me \udfff please"), failed_call=False),
    BadInput(
        "control_characters_message",
        _fixed("hello\x1b[31m red \x07\x08 \r\n\t bye"),
        failed_call=False,
    ),
    BadInput("nul_message", _fixed("hello\x00world"), ("NUL",)),
    BadInput("empty_message", _fixed("", "   \n\t "), ("empty action",)),
    BadInput("none_action", _fixed(None), ("must be a string or a dict", "NoneType")),
    BadInput("int_action", _fixed(42), ("must be a string or a dict", "int")),
    BadInput("list_action", _fixed(["hello"]), ("must be a string or a dict", "list")),
    BadInput("bytes_action", _fixed(b'{"name": "x"}'), ("must be a string or a dict", "bytes")),
    BadInput("first_tool_with_null_arguments", _first_tool(None), failed_call=False),
    # Python objects that only a dict action can carry: none may raise, each is explained.
    BadInput("circular_argument", _in_argument(_circular), ("nested more than",)),
    BadInput(
        "circular_action",
        lambda i, e: [{**_circular(), "name": _tools(i)[0]["name"]}],
        ("malformed tool call",),
    ),
    BadInput(
        "argument_nested_1000_deep", _in_argument(lambda: _nested(1_000)), ("nested more than",)
    ),
    BadInput(
        "arguments_nested_1000_deep",
        lambda i, e: [{"name": _tools(i)[0]["name"], "arguments": _nested(1_000)}],
        ("nested more than",),
    ),
    BadInput(
        "list_nested_1000_deep", _in_argument(lambda: _nested_list(1_000)), ("nested more than",)
    ),
    BadInput(
        "json_nested_490_deep",
        lambda i, e: [_call(_tools(i)[0]["name"], {"x": _nested_list(490)})],
        ("nested more than",),
    ),
    BadInput("bytes_argument", _in_argument(lambda: b"\xff\xfe"), ("bytes",)),
    BadInput("object_with_broken_str_argument", _in_argument(BrokenText), ("BrokenText",)),
    BadInput(
        "object_with_broken_str_action",
        _fixed(BrokenText()),
        ("must be a string or a dict", "BrokenText"),
    ),
    BadInput(
        "object_with_broken_str_as_key",
        lambda i, e: [{"name": _tools(i)[0]["name"], "arguments": {BrokenText(): 1}}],
        ("keys must be strings",),
    ),
    BadInput(
        "str_subclass_with_broken_methods",
        _fixed(BrokenStr("hello, can you help me?")),
        failed_call=False,
    ),
    BadInput("huge_int_argument", _in_argument(lambda: 10**5_000), ("too large",)),
    BadInput(
        "huge_int_in_json",
        lambda i, e: ['{"name": "x", "arguments": {"a": ' + "9" * 5_000 + "}}"],
        ("malformed",),
    ),
    BadInput("set_argument", _in_argument(lambda: {1, 2}), ("set",)),
    BadInput("object_whose_class_raises", _fixed(EvilClass()), ("could not be read", "EvilClass")),
    BadInput(
        "object_whose_class_raises_as_argument", _in_argument(EvilClass), ("could not be read",)
    ),
)


def run_bad_input(env_id: str, case: BadInput, **kwargs: Any) -> int:
    """Run one case on a fresh episode per action and assert its contract.

    Returns how many actions were tried (0 when no tool of the env fits the case).
    """
    env = gym.make(env_id, **kwargs)
    try:
        _, info = env.reset(seed=0)
        actions = case.build(info, env.unwrapped)
        if not actions:
            return 0
        for n, action in enumerate(actions):
            if n:
                env.reset(seed=0)
            if case.prepare:
                _replay_read_only_calls(env)
            _check_one(env_id, case, env, action)
        return len(actions)
    finally:
        env.close()


def check_bad_input(env_id: str, **kwargs: Any) -> None:
    """Every case of ``BAD_INPUTS``."""
    for case in BAD_INPUTS:
        run_bad_input(env_id, case, **kwargs)


def _check_one(env_id: str, case: BadInput, env: Any, action: Any) -> None:
    world = env.unwrapped.world
    where = f"{env_id} [{case.name}] action {_short(action)}"
    before = world.snapshot()
    seq = world.change_seq()
    started = time.perf_counter()
    try:
        obs, reward, terminated, truncated, info = env.step(action)
    except Exception as e:  # the whole point: nothing may escape
        raise AssertionError(f"{where}: step raised {type(e).__name__}: {e}") from e
    elapsed = time.perf_counter() - started
    assert elapsed < MAX_SECONDS_PER_STEP, f"{where}: step took {elapsed:.1f} s"
    assert isinstance(obs, str) and env.observation_space.contains(obs), (
        f"{where}: observation not in the space"
    )
    assert isinstance(info.get("events"), list), f"{where}: info lacks the events list"
    for leak in ("Traceback", "OperationalError", "syntax error", "no such table"):
        assert leak not in obs, f"{where}: the observation shows an internal error: {obs[:300]!r}"
    tables = {
        r[0] for r in world.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert {t for t in world.template.tracked_tables} <= tables, f"{where}: a table disappeared"

    if case.failed_call:
        errors = [line for line in obs.splitlines() if line.startswith("error:")]
        assert errors, f"{where}: expected an 'error:' observation, got {obs[:300]!r}"
        for expected in case.expect:
            assert any(expected in line for line in errors), (
                f"{where}: the error should mention {expected!r}; got {errors}"
            )
        assert not terminated, f"{where}: a malformed action ended the episode"
        assert reward == 0.0 or env.unwrapped.reward_mode == "shaped", (
            f"{where}: reward {reward} for a bad action"
        )
    wrote = any(e.get("role") == "tool" for e in info["events"])
    if not wrote:
        assert world.changes(seq) == [], (
            f"{where}: a failed call changed the world: {world.changes(seq)}"
        )
        assert world.snapshot() == before, f"{where}: a failed call changed the database bytes"
    try:  # a snapshot of the episode after any action (it deep-copies the transcript)
        env.unwrapped.snapshot()
    except Exception as e:
        raise AssertionError(
            f"{where}: snapshot() raised after the action: {type(e).__name__}: {e}"
        ) from e
    if not (terminated or truncated):
        try:
            env.step("Could you please tell me your email address?")
        except Exception as e:
            raise AssertionError(
                f"{where}: the env broke after the bad action: {type(e).__name__}: {e}"
            ) from e


def _replay_read_only_calls(env: Any) -> None:
    """Put the session where the oracle's lookups put it (a verified user, say), so that bad
    arguments reach the queries behind the verification checks."""
    toolbox = env.unwrapped.toolbox
    for call in env.unwrapped.task.tool_calls:
        spec = toolbox.tools.get(call.name)
        if spec is not None and not spec.writes and not spec.terminal:
            env.step(_call(call.name, dict(call.arguments)))


def _short(action: Any) -> str:
    return shown(action)
