"""The step path's shortcuts give what the long way gives: a flat JSON tool call skips
``plain_json``'s copy, and ``format_tool_call`` keeps one encoder."""

from __future__ import annotations

import json
import random

from utility_gym.core import dialogue
from utility_gym.core.dialogue import InvalidAction, format_tool_call, parse_action


def _the_long_way(text: str, max_length: int):
    """``parse_action`` with every decoded call checked by ``plain_json``."""
    flat = dialogue._flat_call
    dialogue._flat_call = lambda obj: False
    try:
        return parse_action(text, max_length)
    finally:
        dialogue._flat_call = flat


def test_dialogue__a_flat_call_is_read_as_plain_json_reads_it():
    rng = random.Random(5)
    values = [
        "",
        "rain jacket",
        "caf\u00e9 \u201cx\u201d",
        "a" * 300,
        "\x00",
        7,
        2**70,
        1.5,
        None,
        True,
        [1, [2]],
        {"a": {"b": "c"}},
    ]
    for _ in range(3000):
        arguments = {f"k{i}": rng.choice(values) for i in range(rng.randint(0, 5))}
        call = {"name": rng.choice(["search", "click"]), "arguments": arguments}
        if rng.random() < 0.2:
            call["id"] = rng.choice(values)
        text = json.dumps(call, ensure_ascii=rng.random() < 0.5)
        max_length = rng.choice([64, 200, 100_000])
        expected = _the_long_way(text, max_length)
        got = parse_action(text, max_length)
        assert got == expected, text
        assert isinstance(got, InvalidAction) or got.arguments == expected.arguments
    deep = '{"name": "x", "arguments": {"a": ' + "[" * 40 + "]" * 40 + "}}"
    assert isinstance(parse_action(deep, 100_000), InvalidAction)


def test_dialogue__format_tool_call_writes_what_json_dumps_writes():
    for arguments in ({}, {"target": "5"}, {"b": [1.5, None, True], "a": "caf\u00e9"}):
        assert format_tool_call("x", arguments) == json.dumps(
            {"name": "x", "arguments": arguments}, ensure_ascii=False, sort_keys=True
        )
    circular: dict = {}
    circular["self"] = circular
    for bad in (circular, {"x": object()}):
        try:
            json.dumps({"name": "x", "arguments": bad}, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as e:
            expected = type(e)
        try:
            format_tool_call("x", bad)
        except (TypeError, ValueError) as e:
            assert type(e) is expected
        else:
            raise AssertionError("format_tool_call accepted a value json.dumps refuses")
