"""Tools: the @tool decorator (typed function -> OpenAI schema) and the transactional Toolbox."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import sqlite3
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from utility_gym.core.world import row_dict, row_dicts

MAX_STRING_ARGUMENT = 2_000


class ToolError(Exception):
    """A domain error caused by the caller (bad state, policy, unknown id).

    The Toolbox rolls back the call and shows the message as an ``error:`` observation.
    Write messages that say what to do next.
    """


@dataclass
class ToolContext:
    """What a tool sees: the episode database, the agent's session state and the world clock."""

    db: sqlite3.Connection
    state: dict[str, Any]
    now: str
    extras: dict[str, Any] = field(default_factory=dict)

    def one(self, sql: str, params: tuple | dict = ()) -> dict[str, Any] | None:
        row = self.db.execute(sql, params).fetchone()
        return row_dict(row) if row is not None else None

    def all(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        return row_dicts(self.db.execute(sql, params).fetchall())


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    required: bool
    check: Callable[[Any], str | None]  # returns an error fragment or None


@dataclass(frozen=True)
class ToolSpec:
    """A tool: its function, OpenAI-format schema and whether it may write."""

    name: str
    func: Callable[..., Any]
    description: str
    params: tuple[Param, ...]
    writes: bool
    terminal: bool = False
    confirm: bool = False  # a write the user must explicitly confirm first (graded)
    session: bool = False  # a look-up that changes the session state (ctx.state)
    # How a terminal tool ends the episode (the grade's ``outcome``): "agent_ended", "transferred".
    outcome: str = "agent_ended"

    @property
    def pure(self) -> bool:
        """Changes neither the world nor the session: replaying it can change nothing."""
        return not (self.writes or self.session or self.terminal)

    @property
    def schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {p.name: p.schema for p in self.params},
                    "required": [p.name for p in self.params if p.required],
                    "additionalProperties": False,
                },
            },
        }


def tool(
    func: Callable[..., Any] | None = None,
    *,
    writes: bool = False,
    terminal: bool = False,
    name: str | None = None,
    confirm: bool | None = None,
    session: bool = False,
    outcome: str | None = None,
) -> Any:
    """Turn ``def f(ctx, arg: type, ...) -> ...`` with a Google-style docstring into a ToolSpec.

    ``writes`` marks tools that may change the world; by default the grader requires the
    user's explicit confirmation before each such call. ``confirm=False`` exempts record-keeping
    writes the user need not approve (logging a ticket, an internal note). ``terminal`` marks
    tools that end the conversation; ``outcome`` says how (``"transferred"``; the default is
    ``"agent_ended"``) and implies ``terminal``. ``session`` marks look-ups that change the agent's
    session
    state (``ctx.state``: who is verified, the page a browser is on); the other look-ups are
    pure, and a replay that needs only the world's changes skips them.
    """

    def wrap(f: Callable[..., Any]) -> ToolSpec:
        needs = writes if confirm is None else (writes and confirm)
        spec = _make_spec(
            f,
            writes=writes,
            terminal=terminal or outcome is not None,
            name=name or f.__name__,
            confirm=needs,
            session=session,
        )
        return dataclasses.replace(spec, outcome=outcome) if outcome is not None else spec

    return wrap(func) if func is not None else wrap


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    doc = inspect.cleandoc(doc or "")
    parts = re.split(r"^\s*(Args|Arguments|Returns|Raises):\s*$", doc, flags=re.M)
    description = " ".join(parts[0].split())
    args: dict[str, str] = {}
    for i in range(1, len(parts) - 1, 2):
        if parts[i] in ("Args", "Arguments"):
            current = None
            for line in parts[i + 1].splitlines():
                m = re.match(r"^\s*(\w+)(?:\s*\([^)]*\))?:\s*(.*)$", line)
                if m:
                    current = m.group(1)
                    args[current] = m.group(2).strip()
                elif current and line.strip():
                    args[current] += " " + line.strip()
    return description, args


def _type_schema(tp: Any) -> tuple[dict[str, Any], Callable[[Any], str | None], bool]:
    """JSON schema, a validator and whether None is allowed, for a type hint."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1 and len(args) == 2:
            schema, check, _ = _type_schema(non_none[0])
            return schema, check, True
        raise TypeError(f"unsupported union type {tp!r} in a tool signature")
    if origin is Literal:
        choices = list(args)

        def check_literal(v: Any) -> str | None:
            if v in choices and type(v) is type(choices[choices.index(v)]):
                return None
            shown = ", ".join(json.dumps(c) for c in choices)
            return f"must be one of {shown}, got {_show(v)}"

        return {"type": _json_type(type(choices[0])), "enum": choices}, check_literal, False
    if origin in (list, tuple) or tp in (list, tuple):
        item = args[0] if args else str
        item_schema, item_check, _ = _type_schema(item)

        def check_list(v: Any) -> str | None:
            if not isinstance(v, list):
                return f"must be a list, got {_show(v)}"
            if len(v) > 100:
                return f"has {len(v)} items; at most 100"
            for i, x in enumerate(v):
                err = item_check(x)
                if err:
                    return f"item {i} {err}"
            return None

        return {"type": "array", "items": item_schema}, check_list, False
    scalar = _scalar_schema(tp, origin)
    if scalar is not None:
        return scalar
    raise TypeError(f"unsupported type {tp!r} in a tool signature")


def _scalar_schema(
    tp: Any, origin: Any
) -> tuple[dict[str, Any], Callable[[Any], str | None], bool] | None:
    """Schema and validator of a scalar or dict type hint; None for any other."""
    if tp is bool:
        return (
            {"type": "boolean"},
            lambda v: None if isinstance(v, bool) else f"must be true or false, got {_show(v)}",
            False,
        )
    if tp is int:
        return (
            {"type": "integer"},
            lambda v: (
                None
                if isinstance(v, int) and not isinstance(v, bool)
                else f"must be an integer, got {_show(v)}"
            ),
            False,
        )
    if tp is float:
        return (
            {"type": "number"},
            lambda v: (
                None
                if isinstance(v, int | float)
                and not isinstance(v, bool)
                and v == v
                and abs(v) != float("inf")
                else f"must be a number, got {_show(v)}"
            ),
            False,
        )
    if tp is str:

        def check_str(v: Any) -> str | None:
            if not isinstance(v, str):
                return f"must be a string, got {_show(v)}"
            if len(v) > MAX_STRING_ARGUMENT:
                return f"is too long ({len(v)} characters; at most {MAX_STRING_ARGUMENT})"
            if "\x00" in v:
                return "contains a NUL character"
            return None

        return {"type": "string"}, check_str, False
    if tp is dict or origin is dict:
        return (
            {"type": "object"},
            lambda v: None if isinstance(v, dict) else f"must be an object, got {_show(v)}",
            False,
        )
    return None


def _json_type(py: type) -> str:
    return {str: "string", int: "integer", float: "number", bool: "boolean"}[py]


def _show(v: Any) -> str:
    kind = {
        str: "string",
        int: "integer",
        float: "number",
        bool: "boolean",
        list: "list",
        dict: "object",
        type(None): "null",
    }.get(type(v), type(v).__name__)
    text = json.dumps(v, ensure_ascii=False, default=str)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} {text}"


def _make_spec(
    f: Callable[..., Any],
    *,
    writes: bool,
    terminal: bool,
    name: str,
    confirm: bool,
    session: bool = False,
) -> ToolSpec:
    description, arg_docs = _parse_docstring(f.__doc__ or "")
    if not description:
        raise TypeError(f"tool {name!r} needs a docstring: it becomes the schema description")
    hints = typing.get_type_hints(f)
    sig = inspect.signature(f)
    params = []
    for i, (pname, p) in enumerate(sig.parameters.items()):
        if i == 0:
            continue  # the ToolContext
        if pname not in hints:
            raise TypeError(f"tool {name!r}: parameter {pname!r} needs a type hint")
        schema, check, nullable = _type_schema(hints[pname])
        schema = dict(schema)
        if pname in arg_docs:
            schema["description"] = arg_docs[pname]
        required = p.default is inspect.Parameter.empty
        if nullable:
            inner = check
            check = lambda v, inner=inner: None if v is None else inner(v)  # noqa: E731
        params.append(Param(pname, schema, required, check))
    return ToolSpec(name, f, description, tuple(params), writes, terminal, confirm, session)


class UndeclaredWrite(RuntimeError):
    """A tool not declared ``@tool(writes=True)`` changed the world, or one not declared
    ``@tool(session=True)`` changed the session state: a bug in the domain."""

    @classmethod
    def of(cls, name: str, what: str = "the world", flag: str = "writes") -> UndeclaredWrite:
        return cls(f"tool {name} changed {what} but is not declared @tool({flag}=True)")


@dataclass(slots=True)  # one a tool call (read, never changed)
class ToolOutcome:
    """What a call did: a JSON-able result, or an error message; and whether it wrote."""

    name: str
    ok: bool
    result: Any = None
    error: str | None = None
    wrote: bool = False


class Toolbox:
    """The tools of one domain: schemas, argument validation and transactional calls."""

    def __init__(self, tools: Iterable[ToolSpec]) -> None:
        self.tools: dict[str, ToolSpec] = {}
        for t in tools:
            if t.name in self.tools:
                raise ValueError(f"duplicate tool name {t.name!r}")
            self.tools[t.name] = t
        self.schemas: list[dict[str, Any]] = [t.schema for t in self.tools.values()]
        self._available = ", ".join(sorted(self.tools))
        self._param_names = {
            t.name: frozenset(p.name for p in t.params) for t in self.tools.values()
        }

    def __contains__(self, name: str) -> bool:
        return name in self.tools

    def validate(self, name: str, arguments: Any) -> str | None:
        """Return an error message for a call that cannot run, or None."""
        spec = self.tools.get(name)
        if spec is None:
            return f"unknown tool {_clip(name)!r}; available: {self._available}"
        if not isinstance(arguments, dict):
            return f"arguments of {name} must be a JSON object, got {_show(arguments)}"
        known = self._param_names[name]
        extra = [k for k in arguments if k not in known]
        if extra:
            expected = ", ".join(p.name for p in spec.params) or "no arguments"
            return f"unexpected argument {_clip(str(extra[0]))!r} for {name}; expected: {expected}"
        for p in spec.params:
            if p.name not in arguments:
                if p.required:
                    return f"missing required argument {p.name!r} for {name}"
                continue
            err = p.check(arguments[p.name])
            if err:
                return f"argument {p.name!r} of {name} {err}"
        return None

    def call(
        self, ctx: ToolContext, name: str, arguments: Any, *, atomic: bool = True
    ) -> ToolOutcome:
        """Validate and run one call; a failing call leaves no write behind (a writing tool, or any
        tool in autocommit mode, runs in a savepoint).

        ``atomic=False`` is for a caller that throws the world away if any call fails (the
        oracle replay): inside an open transaction a writing tool then runs without a
        savepoint, and a failed call may leave its partial writes.
        """
        err = self.validate(name, arguments)
        if err:
            return ToolOutcome(name, False, error=err)
        spec = self.tools[name]
        db = ctx.db
        state_before = dict(ctx.state)
        changes_before = db.total_changes
        # A look-up inside an open transaction (an episode of a rollback-reset world) needs no
        # savepoint: it has nothing to undo. In autocommit mode the savepoint stays: it saves
        # a lock per statement.
        guarded = (spec.writes and atomic) or not db.in_transaction
        if guarded:
            db.execute("SAVEPOINT tool_call")
        try:
            result = spec.func(ctx, **arguments)
        except ToolError as e:
            self._rollback(ctx, spec, state_before, guarded, changes_before)
            return ToolOutcome(name, False, error=str(e))
        except (sqlite3.Error, ValueError, TypeError, KeyError) as e:
            self._rollback(ctx, spec, state_before, guarded, changes_before)
            return ToolOutcome(name, False, error=f"{name} failed: {type(e).__name__}: {e}")
        except BaseException:
            # A bug in the tool is raised, but must not leave its writes or an open savepoint.
            self._rollback(ctx, spec, state_before, guarded, changes_before)
            raise
        if guarded:
            db.execute("RELEASE tool_call")
        elif not spec.writes and db.total_changes != changes_before:
            raise UndeclaredWrite.of(name)
        if spec.pure and ctx.state != state_before:
            raise UndeclaredWrite.of(name, "the session state", "session")
        return ToolOutcome(name, True, result=result, wrote=db.total_changes != changes_before)

    @staticmethod
    def _rollback(
        ctx: ToolContext,
        spec: ToolSpec,
        state_before: dict[str, Any],
        guarded: bool,
        changes_before: int,
    ) -> None:
        ctx.state.clear()
        ctx.state.update(state_before)
        if guarded:
            ctx.db.execute("ROLLBACK TO tool_call")
            ctx.db.execute("RELEASE tool_call")
        elif not spec.writes and ctx.db.total_changes != changes_before:
            raise UndeclaredWrite.of(spec.name)


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."
