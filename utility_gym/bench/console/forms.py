"""A form per tool, generated from its JSON schema (OpenAI function format), and back to a call.

Strings are text boxes (a list of choices when the schema has an ``enum``), numbers are number
boxes, booleans a yes/no choice, arrays and objects a JSON box. A value that does not convert
(``"abc"`` for a number) is passed as typed: the env answers it with an ``error:`` observation,
as it answers any agent, so the person learns what was wrong the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FIELD_PREFIX = "arg."


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "text" | "number" | "choice" | "json" | "boolean"
    required: bool
    description: str = ""
    choices: tuple[str, ...] = ()
    type: str = "string"

    @property
    def input_name(self) -> str:
        return FIELD_PREFIX + self.name


@dataclass(frozen=True)
class ToolForm:
    name: str
    summary: str
    description: str
    fields: tuple[Field, ...]


def tool_forms(schemas: list[dict[str, Any]]) -> list[ToolForm]:
    """One form per tool schema, in the env's order."""
    forms = []
    for schema in schemas:
        fn = schema.get("function", schema)
        params = fn.get("parameters") or {}
        required = set(params.get("required") or ())
        fields = tuple(
            _field(name, spec or {}, name in required)
            for name, spec in (params.get("properties") or {}).items()
        )
        description = str(fn.get("description") or "").strip()
        summary = description.splitlines()[0] if description else ""
        forms.append(ToolForm(str(fn["name"]), summary, description, fields))
    return forms


def _field(name: str, spec: Mapping[str, Any], required: bool) -> Field:
    kind_of = {
        "integer": "number",
        "number": "number",
        "boolean": "boolean",
        "array": "json",
        "object": "json",
    }
    type_ = str(spec.get("type", "string"))
    description = str(spec.get("description") or "")
    if "enum" in spec:
        return Field(
            name, "choice", required, description, tuple(str(v) for v in spec["enum"]), type_
        )
    return Field(name, kind_of.get(type_, "text"), required, description, (), type_)


def call_from_form(form: ToolForm, values: Mapping[str, str]) -> dict[str, Any]:
    """The tool call ``{"name", "arguments"}`` a submitted form stands for; blank optional
    fields are left out, blank required ones are sent empty (the env says what is missing)."""
    arguments: dict[str, Any] = {}
    for field in form.fields:
        raw = values.get(field.input_name, "")
        if raw.strip() == "" and not field.required:
            continue
        arguments[field.name] = convert(field, raw)
    return {"name": form.name, "arguments": arguments}


def convert(field: Field, raw: str) -> Any:
    """``raw`` as the schema's type, or ``raw`` itself when it is not one."""
    text = raw.strip()
    try:
        if field.type == "integer":
            return int(text)
        if field.type == "number":
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
        if field.type == "boolean":
            return {"true": True, "yes": True, "false": False, "no": False}[text.lower()]
        if field.type in ("array", "object"):
            return json.loads(text)
    except (ValueError, KeyError):
        return raw
    return raw
