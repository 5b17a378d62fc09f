"""Web actions: parsing ``search[...]``, ``click[...]``, ... and resolving targets on a page.

Both environments use these functions, so ``click[Buy Now]`` picks the same element whether the
page came from the in-process application or from Chromium's live DOM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from utility_gym.core.tools import ToolError
from utility_gym.envs.web_shop.page import Element, Page

WEB_TOOLS = ("search", "click", "select", "back", "fill")
_ACTION = re.compile(r"^\s*(search|click|select|back|fill|ask)\s*(?:\[(.*)\])?\s*$", re.S | re.I)
_OPTION_FORM = re.compile(r"^\s*([a-z][a-z ]*?)\s*(?::|=|\s)\s*(.+?)\s*$", re.I)
_QTY_NAMES = {"qty": "quantity", "quantity": "quantity"}


@dataclass(frozen=True)
class WebAction:
    """A bracketed action: a web tool call (``name`` in WEB_TOOLS) or ``ask`` (a message)."""

    name: str
    arguments: dict[str, str]


def parse_web_action(text: str) -> WebAction | str | None:
    """``search[q]``, ``click[x]``, ``select[x]``, ``back``, ``fill[id, text]`` or
    ``ask[question]``.

    Returns None when ``text`` is not in bracket form (then it is a message to the shopper), and
    an error message when it is, but malformed.
    """
    m = _ACTION.match(text)
    if m is None:
        return None
    name, arg = m.group(1).lower(), m.group(2)
    if name == "back":
        if arg is not None and arg.strip():
            return "back takes no argument: write back"
        return WebAction("back", {})
    if arg is None:
        return f"{name} needs an argument in brackets, e.g. {_EXAMPLES[name]}"
    arg = arg.strip()
    if not arg:
        return f"{name}[] is empty; e.g. {_EXAMPLES[name]}"
    if name == "search":
        return WebAction("search", {"query": arg})
    if name == "click":
        return WebAction("click", {"target": arg})
    if name == "select":
        return WebAction("select", {"option": arg})
    if name == "ask":
        return WebAction("ask", {"question": arg})
    target, sep, value = arg.partition(",")
    if not sep or not target.strip():
        return f"fill needs an element and a text: {_EXAMPLES['fill']}"
    return WebAction("fill", {"target": target.strip(), "text": value.strip()})


_EXAMPLES = {
    "search": "search[waterproof rain jacket]",
    "click": "click[5] or click[Buy Now]",
    "select": "select[M] or select[size: M]",
    "fill": "fill[2, rain jacket]",
    "ask": "ask[What size do you need?]",
}


def _is_number(text: str) -> bool:
    """An element number: ASCII digits only ('²' and '٣' pass ``isdigit`` but are not numbers
    here), short enough that ``int`` reads it at once."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _list(elements: list[Element], limit: int = 8) -> str:
    shown = ", ".join(e.describe() for e in elements[:limit])
    return shown + (f" and {len(elements) - limit} more" if len(elements) > limit else "")


def resolve_click(page: Page, target: str) -> Element:
    """The element ``target`` names: its number, its exact label, its key, or a unique part of its
    label."""
    t = target.strip()
    if t.startswith("[") and t.endswith("]"):
        t = t[1:-1].strip()
    if _is_number(t):
        e = page.element(int(t))
        if e is None:
            raise ToolError(
                f"there is no element {t} on this page; elements are numbered 1 to "
                f"{len(page.elements)}"
            )
        return e
    want = _fold(t)
    if not want:
        raise ToolError("click needs an element number or label, e.g. click[5] or click[Buy Now]")
    folded = page.folded_labels
    # Most targets are a label or a product id: the scan for a label runs in C first.
    exact = [e for e, f in zip(page.elements, folded) if f == want] if want in folded else []
    if len(exact) == 1:
        return exact[0]
    keyed = [e for e in page.elements if e.key and e.key.casefold() == want]
    if len(keyed) == 1:
        return keyed[0]
    if len(exact) > 1:
        raise ToolError(
            f"{len(exact)} elements are labelled {t!r}: {_list(exact)}; click one by its number"
        )
    partial = [e for e, f in zip(page.elements, folded) if want in f]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise ToolError(
            f"{t!r} matches {len(partial)} elements: {_list(partial)}; click one by its number"
        )
    raise ToolError(
        f"no element on this page is labelled {t!r}; see the numbered elements in the page"
    )


def resolve_option(page: Page, option: str) -> Element:
    """The option link ``option`` names: ``M``, ``size M``, ``size: M``, ``quantity 2`` ..."""
    # Where the option links are, each with its folded label.
    elements, slots = page.elements, page.option_slots
    if not slots:
        raise ToolError("there are no options to select on this page; open a product page first")
    t = option.strip()
    if t.startswith("[") and t.endswith("]"):
        t = t[1:-1].strip()
    if _is_number(t):
        e = page.element(int(t))
        if e is not None and e.option and not any(f == t for _, f in slots):
            return e
    want = _fold(t)
    exact = [elements[i] for i, f in slots if f == want]
    if len(exact) == 1:
        return exact[0]
    m = _OPTION_FORM.match(t)
    if m is not None:
        named_dim = _fold(m.group(1))
        dim = _QTY_NAMES.get(named_dim, named_dim)
        value = _fold(m.group(2))
        named = [elements[i] for i, f in slots if f == value and _fold(elements[i].option) == dim]
        if len(named) == 1:
            return named[0]
    if len(exact) > 1:
        forms = ", ".join(f"{e.option} {e.label}" for e in exact)
        raise ToolError(
            f"{t!r} is ambiguous here ({forms}); say which, e.g. select[{exact[0].option} "
            f"{exact[0].label}]"
        )
    available: dict[str, list[str]] = {}
    for i, _ in slots:
        available.setdefault(elements[i].option, []).append(elements[i].label)
    shown = "; ".join(f"{dim}: {', '.join(values)}" for dim, values in available.items())
    raise ToolError(f"no option {t!r} on this page; available: {shown}")
