"""Ids substituted in records: a stream task as it is alone, where new rows get other ids.

A stream episode's isolated twin runs in the pristine world, which gives the rows its plan
creates other ids than the stream's world did (ticket INC0010432 there, INC0010001 here).
``substitute_ids`` rewrites a Task, a plan's arguments or an expected outcome with such a
mapping, whole ids only, and hands back untouched parts as the same objects.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any


def substitute_ids(obj: Any, mapping: Mapping[str, str]) -> Any:
    """``obj`` (a Task, plan, arguments, text...) with every whole-token id of ``mapping``
    replaced by its value; dataclasses, tuples, lists and mappings are rebuilt, the rest kept."""
    mapping = {k: v for k, v in mapping.items() if k != v}
    if not mapping:
        return obj
    keys = tuple(sorted(mapping, key=len, reverse=True))
    fields_of = _init_fields
    # Texts seen before in this call, with what they became (a new row's key recurs in every
    # fact of the row; table and column names in all of them).
    texts: dict[str, str] = dict(mapping)

    def text(value: str) -> str:
        done = texts.get(value)
        if done is None:
            done = value
            for k in keys:
                if k in value:
                    done = _replace_tokens(value, mapping, keys)
                    break
            texts[value] = done
        return done

    # Immutable values come back as the same object when no id occurs in them (a stream
    # substitutes a whole Task per reset; most of it holds none of the new ids).
    def sub(value: Any) -> Any:
        if value.__class__ is str:
            return text(value)
        if value is None or value.__class__ in _SCALARS:
            return value
        if isinstance(value, tuple):  # inline for its texts and numbers: most values are here
            items = None
            for i, v in enumerate(value):
                if v.__class__ is str:
                    w = texts.get(v) or text(v)
                elif v is None or v.__class__ in _SCALARS:
                    continue
                else:
                    w = sub(v)
                if w is not v:
                    if items is None:
                        items = list(value)
                    items[i] = w
            return value if items is None else tuple(items)
        if isinstance(value, frozenset):
            items = [sub(v) for v in value]
            if all(a is b for a, b in zip(items, value, strict=True)):
                return value
            return frozenset(items)
        if isinstance(value, list):
            return [sub(v) for v in value]
        if isinstance(value, Mapping):
            return {sub(k): sub(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changed = {}
            for name in fields_of(type(value)):
                old = getattr(value, name)
                new = sub(old)
                if new is not old:
                    changed[name] = new
            return dataclasses.replace(value, **changed) if changed else value
        if isinstance(value, str):
            return text(value)
        return value

    return sub(obj)


_SCALARS = frozenset({int, float, bool})
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _replace_tokens(text: str, mapping: Mapping[str, str], keys: tuple[str, ...]) -> str:
    """``text`` with each of ``keys`` (longest first) that stands as a whole token (no ASCII
    letter or digit on either side) replaced by its value, scanning left to right: what
    ``re.sub`` of ``(?<![A-Za-z0-9])(k1|k2|...)(?![A-Za-z0-9])`` does, without compiling a
    pattern for every new mapping."""
    out: list[str] = []
    done = pos = 0
    n = len(text)
    while True:
        at = -1
        for k in keys:
            j = text.find(k, pos)
            if j != -1 and (at == -1 or j < at):
                at = j
        if at == -1:
            break
        pos = at + 1
        if at and text[at - 1] in _TOKEN_CHARS:
            continue
        for k in keys:
            end = at + len(k)
            if text.startswith(k, at) and (end == n or text[end] not in _TOKEN_CHARS):
                out.append(text[done:at])
                out.append(mapping[k])
                done = pos = end
                break
    out.append(text[done:])
    return "".join(out)


@functools.cache
def _init_fields(cls: type) -> tuple[str, ...]:
    """The names of a dataclass's ``__init__`` fields (a handful of record classes)."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)
