"""Dialogue plumbing: parsing agent actions, transcript events and observation rendering."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from json.decoder import WHITESPACE
from json.encoder import c_make_encoder, encode_basestring
from typing import Any

MAX_TOOL_RESULT_CHARS = 8_000


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the transcript.

    ``role`` is ``user``, ``agent``, ``tool``, ``error`` or ``system``; ``name`` is the tool's
    name for tool events and tool-call events of the agent; ``data`` holds structured extras
    (the tool's arguments for an agent call, the user's dialogue acts).
    """

    role: str
    content: str
    name: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        if self.role == "tool":
            return f"tool {self.name}: {self.content}"
        if self.role == "agent" and self.name:
            return f"agent -> {self.name}: {self.content}"
        return f"{self.role}: {self.content}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.name is not None:
            out["name"] = self.name
        if self.data:
            out["data"] = self.data
        return out


def render_events(events: list[Event]) -> str:
    return "\n".join(e.render() for e in events)


def json_encoder(
    *,
    sort_keys: bool = False,
    separators: tuple[str, str] = (", ", ": "),
    default: Callable[[Any], Any] | None = None,
) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, ...).encode``, made once and called many times.

    ``JSONEncoder.encode`` builds a new C encoder on every call; this keeps one. It does not
    check for circular references: a circular value raises RecursionError, not ValueError.
    """
    if c_make_encoder is None:  # a Python without the C accelerator
        encoder = json.JSONEncoder(
            ensure_ascii=False, sort_keys=sort_keys, separators=separators, default=default
        )
        return encoder.encode
    fallback = default or json.JSONEncoder().default
    item_separator, key_separator = separators
    c_encoder = c_make_encoder(
        None,
        fallback,
        encode_basestring,
        None,
        key_separator,
        item_separator,
        sort_keys,
        False,
        True,
    )
    join = "".join

    def encode(value: Any) -> str:
        return join(c_encoder(value, 0))

    return encode


# One encoder for every call: json.dumps with options builds a new JSONEncoder each time.
_encode_result = json_encoder(default=str)


def dumps(value: Any) -> str:
    """Compact, deterministic JSON for tool results."""
    text = _encode_result(value)
    if len(text) > MAX_TOOL_RESULT_CHARS:
        text = text[:MAX_TOOL_RESULT_CHARS] + f" ... [truncated, {len(text)} characters in all]"
    return text


@dataclass(frozen=True, slots=True)
class ToolCallAction:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MessageAction:
    text: str


@dataclass(frozen=True, slots=True)
class InvalidAction:
    error: str


Action = ToolCallAction | MessageAction | InvalidAction

_DECODER = json.JSONDecoder()
# How deep a tool call's arguments may nest, and how many values they may hold in all. Tool
# arguments are flat (strings, numbers, lists of them): a deeper or larger value is an error,
# which also keeps every later copy of the episode (snapshots, transcripts) shallow and cheap.
MAX_NESTING = 32
MAX_VALUES = 10_000
# Integers past 64 bits are no id, quantity or amount; their text form can exceed Python's
# int-to-str limit.
_MAX_INT_BITS = 64
_CALL_KEYS = frozenset(("name", "arguments", "id", "type"))
_TOOL_FORM = (
    'a tool call is {"name": TOOL, "arguments": {...}}; anything else is a message to the user'
)


def parse_action(action: Any, max_length: int) -> Action:
    """Read an agent action. Never raises: a bad action becomes ``InvalidAction``.

    An ``InvalidAction`` passes through, so a wrapper can reject an action with its own message
    (e.g. a masked index of ``AdmissibleActions``) and the step still costs a turn.
    """
    try:
        return _parse_action(action, max_length)
    except Exception as e:  # noqa: BLE001  (an object can raise from places no check reaches,
        # e.g. a ``__class__`` property that ``isinstance`` consults; the promise is no exception)
        return InvalidAction(
            f"action could not be read ({_type_name(action)}: {type(e).__name__}); "
            "send a string or a dict of JSON values"
        )


def _parse_action(action: Any, max_length: int) -> Action:
    if isinstance(action, InvalidAction):
        return action
    if isinstance(action, dict):
        plain = plain_json(action, max_length)
        if isinstance(plain, InvalidAction):
            return plain
        return _tool_call_from_obj(plain)
    if not isinstance(action, str):
        return InvalidAction(f"action must be a string or a dict, got {_type_name(action)}")
    if type(action) is not str:
        action = str.__str__(action)  # a str subclass: its own methods may do anything
    if len(action) > max_length:
        return InvalidAction(
            f"action is too long ({len(action)} characters; at most {max_length}); send a shorter "
            "message"
        )
    text = action.strip()
    if not text:
        return InvalidAction("empty action: send a message to the user or a tool call")
    if text.startswith("{") and (text.endswith("}") or '"name"' in text[:200]):
        try:
            obj, end = _DECODER.raw_decode(text)  # json.loads without its wrapping
            if end != len(text):
                end = WHITESPACE.match(text, end).end()
                if end != len(text):
                    raise json.JSONDecodeError("Extra data", text, end)
        except (ValueError, RecursionError) as e:  # JSONDecodeError, or an integer too long to read
            return InvalidAction(_json_error(e, "JSON tool call"))
        if not isinstance(obj, dict):
            return InvalidAction(f"malformed tool call: expected a JSON object; {_TOOL_FORM}")
        if len(text) > 2 * MAX_NESTING and not _flat_call(obj):  # a shorter text cannot nest
            checked = plain_json(obj, max_length)
            if isinstance(checked, InvalidAction):
                return checked
        return _tool_call_from_obj(obj)
    if "\x00" in text:
        return InvalidAction("message contains a NUL character")
    return MessageAction(text)


def _flat_call(obj: dict[str, Any]) -> bool:
    """A decoded call that ``plain_json`` would pass as it is: a few keys, each holding a string
    or (``arguments``) an object of a few strings (the common call; checking it is cheap)."""
    if len(obj) > 4:
        return False
    for key, value in obj.items():
        if type(value) is str:
            continue
        if key != "arguments" or type(value) is not dict or len(value) > 64:
            return False
        for item in value.values():
            if type(item) is not str:
                return False
    return True


def _tool_call_from_obj(obj: dict[str, Any]) -> Action:
    if "function" in obj and isinstance(obj["function"], dict) and "name" not in obj:
        obj = obj["function"]  # the OpenAI tool_call shape {"type": "function", "function": {...}}
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return InvalidAction(f'malformed tool call: missing "name"; {_TOOL_FORM}')
    if not obj.keys() <= _CALL_KEYS:
        extra = sorted(k for k in obj if k not in _CALL_KEYS)
        return InvalidAction(f"malformed tool call: unexpected key {extra[0]!r}; {_TOOL_FORM}")
    arguments = obj.get("arguments", {})
    if isinstance(arguments, str):
        # OpenAI sends arguments as a JSON string.
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except (ValueError, RecursionError):
            return InvalidAction(
                f"malformed tool call: arguments of {name[:60]} are not valid JSON"
            )
        checked = plain_json(arguments, MAX_VALUES * 100)
        if isinstance(checked, InvalidAction):
            return checked
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return InvalidAction(f"malformed tool call: arguments of {name[:60]} must be a JSON object")
    return ToolCallAction(name, arguments)


def plain_json(value: Any, max_chars: int) -> Any:
    """``value`` as plain JSON data (dict with str keys, list, str, int, float, bool, None), or
    an ``InvalidAction`` saying what is wrong with it. Never raises, whatever ``value`` is.

    Iterative, so a value nested a thousand deep or holding itself is found without recursion;
    subclasses of the JSON types are copied to the base type without calling their own methods
    (a ``__str__`` or ``__repr__`` that raises is never called). Tuples become lists. At most
    ``MAX_NESTING`` levels, ``MAX_VALUES`` values and ``max_chars`` characters of strings.
    """
    out: list[Any] = [None]
    # (value, container to put it in, key or index there, depth, path for messages)
    todo: list[tuple[Any, Any, Any, int, str]] = [(value, out, 0, 0, "")]
    count = chars = 0
    while todo:
        v, parent, key, depth, path = todo.pop()
        count += 1
        if count > MAX_VALUES:
            return InvalidAction(
                f"malformed tool call: more than {MAX_VALUES} values; tool arguments are short"
            )
        t = type(v)
        if t is str or isinstance(v, str):
            s = v if t is str else str.__str__(v)
            chars += len(s)
            if chars > max_chars:
                return InvalidAction(
                    f"tool call is too long (over {max_chars} characters of text); send a shorter "
                    "one"
                )
            parent[key] = s
        elif v is None or t is bool or t is float:
            parent[key] = v
        elif isinstance(v, int):
            n = int.__index__(v)
            if n.bit_length() > _MAX_INT_BITS:
                return InvalidAction(
                    f"malformed tool call: the integer at {path or 'top'} is too large"
                )
            parent[key] = n
        elif isinstance(v, float):
            parent[key] = float.__float__(v)
        elif isinstance(v, dict | list | tuple):
            if depth >= MAX_NESTING:
                return InvalidAction(
                    f"malformed tool call: nested more than {MAX_NESTING} levels deep (or a value "
                    f"holds itself) at {path or 'top'}"
                )
            if isinstance(v, dict):
                box: dict[str, Any] = {}
                parent[key] = box
                for k, item in list(dict.items(v)):
                    if type(k) is not str and not isinstance(k, str):
                        return InvalidAction(
                            f"malformed tool call: keys must be strings, got {_type_name(k)} in "
                            f"{path or 'top'}"
                        )
                    k = k if type(k) is str else str.__str__(k)
                    box[k] = None
                    todo.append((item, box, k, depth + 1, f"{path}.{k[:30]}" if path else k[:30]))
            else:
                items = list(list.__iter__(v) if isinstance(v, list) else tuple.__iter__(v))
                seq: list[Any] = [None] * len(items)
                parent[key] = seq
                for i, item in enumerate(items):
                    todo.append((item, seq, i, depth + 1, f"{path}[{i}]"))
        else:
            return InvalidAction(
                f"malformed tool call: {path or 'the action'} is {_type_name(v)}; a tool call "
                "holds JSON values only "
                "(strings, numbers, true/false, null, lists and objects)"
            )
    return out[0]


def _type_name(value: Any) -> str:
    """A value's type name for a message (never calls the value's own methods)."""
    name = type(value).__name__
    return name if type(name) is str and len(name) <= 60 else "an object"


def _json_error(e: BaseException, what: str) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"malformed {what}: {e.msg} at line {e.lineno} column {e.colno}"
    if isinstance(e, RecursionError):
        return f"malformed {what}: nested too deeply"
    return f"malformed {what}: a number is too long"


_encode_call = json_encoder(sort_keys=True)


def format_tool_call(name: str, arguments: dict[str, Any]) -> str:
    """The canonical string form of a tool call action."""
    try:
        return _encode_call({"name": name, "arguments": arguments})  # one encoder, kept
    except RecursionError:  # a circular value: json.dumps says so (ValueError)
        call = {"name": name, "arguments": arguments}
        return json.dumps(call, ensure_ascii=False, sort_keys=True)
