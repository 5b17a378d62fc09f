"""A page as an agent sees it: text with numbered interactive elements, and what each one does.

The text environment builds a `Page` from the HTML the web application returned
(`parse_html`); the browser environment builds it from the live DOM, with the same rules written
in JavaScript (``site/static/shop.js``, ``pageSnapshot``). The pages an agent sees most (home,
search results, product, cart, checkout, order) the application also writes straight as a
`Page` for the text environment (`PageBuilder`, used by ``site/text_pages.py``), skipping the
HTML and its parse:
the same page by these rules, which ``tests/envs/web_shop/test_web_shop__text_pages.py`` checks
against `parse_html` of the HTML. The rules, shared by all three:

* only ``<body>`` counts; ``script``, ``style``, ``template``, ``noscript`` and hidden inputs
  are skipped;
* links with an ``href``, buttons, and visible inputs are numbered 1, 2, ... in document order
  and shown as ``[N] label`` (an input as ``[N] aria-label: value``);
* block elements (``p``, ``li``, ``h1`` ...) start and end lines; runs of spaces, tabs and
  newlines inside text become one space; empty lines are dropped.
"""

from __future__ import annotations

import functools
import html as htmllib
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

BLOCK_TAGS = (
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
)


@dataclass(frozen=True)
class Element:
    """One numbered interactive element of a page."""

    eid: int
    kind: str  # "link" | "button" | "input"
    label: str
    href: str = ""
    form: int = -1  # index of its form in ``Page.forms``, or -1
    name: str = ""
    value: str = ""
    option: str = ""  # the option dimension a link selects (``data-option``), e.g. "size"
    key: str = ""  # a stable key to click it by (``data-key``), e.g. a product id

    def describe(self) -> str:
        return f"[{self.eid}] {self.label}"


@dataclass(frozen=True)
class Form:
    action: str
    method: str  # "GET" | "POST"
    fields: tuple[tuple[str, str, int], ...]  # (name, value, eid of a visible input or 0), in order


@dataclass(frozen=True)
class Page:
    """A rendered page: where it is, what it says and what can be done on it."""

    url: str
    status: int
    text: str
    elements: tuple[Element, ...]
    forms: tuple[Form, ...]

    def element(self, eid: int) -> Element | None:
        return self.elements[eid - 1] if 1 <= eid <= len(self.elements) else None

    @functools.cached_property
    def folded_labels(self) -> tuple[str, ...]:
        """Each element's label, case-folded with single spaces (for matching by label)."""
        return tuple(fold_label(e.label) for e in self.elements)

    @functools.cached_property
    def actions(self) -> tuple[str, ...]:
        """The page's own admissible actions: ``select[dim: value]`` for options, ``click[N]``
        else."""
        out = []
        for e in self.elements:
            if e.option:
                out.append(_select_action(e.option, e.label))
            elif e.kind in ("link", "button"):
                out.append(_click_action(e.eid))
        return tuple(out)

    @functools.cached_property
    def option_slots(self) -> tuple[tuple[int, str], ...]:
        """Where the option links are in ``elements``, each with its folded label."""
        folded = self.folded_labels
        return tuple((i, folded[i]) for i, e in enumerate(self.elements) if e.option)

    def search_input(self) -> Element | None:
        for e in self.elements:
            if e.kind == "input" and e.name == "q":
                return e
        return None


# Labels, options and numbers recur on page after page (quantities, sizes, "Buy Now"): their
# folded forms and actions are kept (bounded) rather than made again for every new page.
@functools.lru_cache(maxsize=8192)
def fold_label(label: str) -> str:
    """A label case-folded with single spaces, as labels are matched (kept: labels recur)."""
    return " ".join(label.casefold().split())


@functools.lru_cache(maxsize=4096)
def _select_action(option: str, label: str) -> str:
    return f"select[{option}: {label}]"


@functools.lru_cache(maxsize=1024)
def _click_action(eid: int) -> str:
    return f"click[{eid}]"


# The body is found with two searches, not one lazy ``<body>(.*?)(?:</body>|\Z)``: that pattern
# tries the end alternatives at every character (a tenth of a search page's parse).
_BODY_START = re.compile(r"<body\b[^>]*>", re.I)
_BODY_END = re.compile(r"</body\s*>", re.I)
_SKIP = re.compile(r"<(script|style|template|noscript)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form\s*>", re.S | re.I)
_INPUT = re.compile(r"<input\b([^>]*)>", re.I)
_INTERACTIVE = re.compile(r"<(a|button)\b([^>]*)>(.*?)</\1\s*>|<input\b([^>]*)>", re.S | re.I)
_ATTR = re.compile(
    r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)
# Collapses runs of [ \t\n\r\f] to one space, matching only runs that change (a single space
# between words is left alone, which makes the substitution several times cheaper).
_WS_RUN = re.compile(r"[\t\n\r\f][ \t\n\r\f]*| [ \t\n\r\f]+")
_BLOCK = re.compile(r"</?(?:" + "|".join(BLOCK_TAGS) + r")\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")


def collapse(text: str) -> str:
    """``text`` with each run of spaces, tabs and newlines as one space (as ``_WS_RUN`` does);
    most text has none, and checking is ten times cheaper than the substitution on a long
    description."""
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text:
        return _WS_RUN.sub(" ", text)
    return text


def attributes(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, dq, sq, bare in _ATTR.findall(text):
        name = name.lower()
        if name not in out:
            value = dq or sq or bare
            out[name] = htmllib.unescape(value) if "&" in value else value
    return out


def clean_text(fragment: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    if "<" in fragment:
        fragment = _TAG.sub("", fragment)
    if "&" in fragment:
        fragment = htmllib.unescape(fragment)
    return _WS_RUN.sub(" ", fragment).strip(" ")


_CACHE: OrderedDict[tuple[str, int, str], Page] = OrderedDict()
# Pages come back within an episode (back, the product the replay opened); across episodes only a
# few do (the home page). Each cached page holds a dozen tracked objects that every full garbage
# collection walks: 256 keep the hits and not the pauses (2,048 were a third of all objects).
_CACHE_SIZE = 256


def parse_html(html: str, url: str, status: int = 200) -> Page:
    """The `Page` of an HTML document (cached: the same document gives the same page)."""
    key = (url, status, html)
    page = _CACHE.get(key)
    if page is not None:
        _CACHE.move_to_end(key)
        return page
    page = _parse(html, url, status)
    _CACHE[key] = page
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return page


_new = object.__new__


def make_element(
    eid: int,
    kind: str,
    label: str,
    href: str = "",
    form: int = -1,
    name: str = "",
    value: str = "",
    option: str = "",
    key: str = "",
) -> Element:
    """``Element(...)``, made without the frozen dataclass's ``__init__`` (which sets each of
    its nine fields through ``object.__setattr__``): the same object in a third of the time. A
    product page has a dozen elements, a results page forty."""
    e = _new(Element)
    e.__dict__.update(
        {
            "eid": eid,
            "kind": kind,
            "label": label,
            "href": href,
            "form": form,
            "name": name,
            "value": value,
            "option": option,
            "key": key,
        }
    )
    return e


def make_page(
    url: str,
    status: int,
    text: str,
    elements: tuple[Element, ...],
    forms: tuple[Form, ...],
    known: dict[str, tuple] | None = None,
) -> Page:
    """``Page(...)``, made as `make_element` makes an element; ``known`` holds cached properties
    already worked out for it (``actions``, ``folded_labels``, ``option_slots``: a page of a
    kept frame shares them)."""
    page = _new(Page)
    d = page.__dict__
    d["url"], d["status"], d["text"], d["elements"], d["forms"] = url, status, text, elements, forms
    if known:
        d.update(known)
    return page


def make_form(action: str, method: str, fields: tuple[tuple[str, str, int], ...]) -> Form:
    """``Form(...)``, made as `make_element` makes an element."""
    form = _new(Form)
    form.__dict__.update(action=action, method=method, fields=fields)
    return form


class PageBuilder:
    """Writes a `Page` line by line, by the rules above, for pages the application knows the
    structure of (no HTML is made or parsed). Labels and text are taken as the browser shows
    them: whitespace runs collapse to one space, lines are stripped and empty ones dropped."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.elements: list[Element] = []
        self.forms: list[Form] = []

    def copy(self) -> PageBuilder:
        """A builder that goes on from what this one has written (which stays as it is)."""
        other = PageBuilder()
        other.lines, other.elements, other.forms = (
            list(self.lines),
            list(self.elements),
            list(self.forms),
        )
        return other

    def line(self, text: str) -> None:
        """A block of text (``<p>``, ``<h1>``, ``<li>`` ...) holding ``text``."""
        text = collapse(text).strip(" ")
        if text:
            self.lines.append(text)

    def link(self, label: str, href: str, *, option: str = "", key: str = "") -> str:
        """A link, numbered; returns its text (``[N] label``) to put in a line."""
        label = collapse(label).strip(" ")
        eid = len(self.elements) + 1
        self.elements.append(make_element(eid, "link", label, href, -1, "", "", option, key))
        return f"[{eid}] {label}"

    def link_line(
        self,
        lead: str,
        links: Iterable[tuple[str, str, str]],
        option: str = "",
        *,
        clean: bool = False,
    ) -> None:
        """A line of ``lead`` and links (label, href, key), one space apart: ``line(lead + "
        ".join(link(...)))`` in one call (a results page has thirty links). ``clean`` says the
        labels are already as a browser shows them (collapsed, stripped, not empty) and the lead
        is empty or ends in one space: nothing is collapsed then (the same line, made faster)."""
        elements = self.elements
        eid = len(elements)
        parts = []
        for label, href, key in links:
            if not clean:
                label = collapse(label).strip(" ")
            eid += 1
            elements.append(make_element(eid, "link", label, href, -1, "", "", option, key))
            parts.append(f"[{eid}] {label}")
        if clean and parts:
            self.lines.append(lead + " ".join(parts))
        else:
            self.line(lead + " ".join(parts))

    def entries(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        """For each row (label, href, key, text), a line holding its link and a line of text:
        ``link_line("", [(label, href, key)], clean=True)`` then ``line(text)`` (a results
        page's rows). Labels and texts are as a browser shows them and not empty."""
        elements, lines = self.elements, self.lines
        eid = len(elements)
        for label, href, key, text in rows:
            eid += 1
            elements.append(make_element(eid, "link", label, href, -1, "", "", "", key))
            lines.append(f"[{eid}] {label}")
            lines.append(text)

    def form(self, action: str, method: str, hidden: tuple[tuple[str, str], ...] = ()) -> int:
        """A form with its hidden fields (name, value); returns its index for its inputs."""
        self.forms.append(Form(action, method, tuple((n, v, 0) for n, v in hidden)))
        return len(self.forms) - 1

    def button(self, label: str, form: int) -> str:
        """A submit button of ``form`` (no name or value)."""
        label = collapse(label).strip(" ")
        eid = len(self.elements) + 1
        self.elements.append(make_element(eid, "button", label, "", form))
        return f"[{eid}] {label}"

    def text_input(self, label: str, name: str, value: str, form: int) -> str:
        """A text field of ``form``: ``[N] label: value``."""
        eid = len(self.elements) + 1
        self.elements.append(make_element(eid, "input", label, "", form, name, value))
        f = self.forms[form]
        self.forms[form] = Form(f.action, f.method, (*f.fields, (name, value, eid)))
        return f"[{eid}] {label}: {collapse(value)}"

    def page(self, url: str, status: int = 200) -> Page:
        return Page(url, status, "\n".join(self.lines), tuple(self.elements), tuple(self.forms))


def _parse(html: str, url: str, status: int) -> Page:
    m = _BODY_START.search(html)
    if m:
        end = _BODY_END.search(html, m.end())
        body = html[m.end() : end.start() if end else len(html)]
    else:
        body = html
    body = _SKIP.sub("", body)
    numbering = _Numbering(body, url)
    body = _INTERACTIVE.sub(numbering.number, body)
    body = _WS_RUN.sub(" ", body)
    body = _BLOCK.sub("\n", body)
    body = htmllib.unescape(_TAG.sub("", body))
    lines = (line.strip(" ") for line in body.split("\n"))
    text = "\n".join(line for line in lines if line)
    forms = [
        Form(f.action, f.method, tuple(fields))
        for f, fields in zip(numbering.forms, numbering.form_fields)
    ]
    return Page(url, status, text, tuple(numbering.elements), tuple(forms))


class _Numbering:
    """Numbers a page's links, buttons and inputs as it is turned into text, and collects the
    fields of each form (hidden inputs too)."""

    def __init__(self, body: str, url: str) -> None:
        self.spans: list[tuple[int, int]] = []
        self.forms: list[Form] = []
        self.form_fields: list[list[tuple[str, str, int]]] = []
        self.elements: list[Element] = []
        for fm in _FORM.finditer(body):
            attrs = attributes(fm.group(1))
            self.spans.append((fm.start(), fm.end()))
            method = (attrs.get("method") or "get").upper()
            self.forms.append(Form(attrs.get("action", url) or url, method, ()))
            self.form_fields.append([])

    def form_of(self, pos: int) -> int:
        for i, (a, b) in enumerate(self.spans):
            if a <= pos < b:
                return i
        return -1

    def number(self, m: re.Match[str]) -> str:
        if m.group(1) is not None:  # <a> or <button>
            return self._link_or_button(m)
        attrs = attributes(m.group(4))
        kind = attrs.get("type", "text").lower()
        f = self.form_of(m.start())
        if kind == "hidden":
            if f >= 0 and attrs.get("name"):
                self.form_fields[f].append((attrs["name"], attrs.get("value", ""), 0))
            return ""
        eid = len(self.elements) + 1
        value = attrs.get("value", "")
        label = _WS_RUN.sub(" ", attrs.get("aria-label") or attrs.get("name", "") or "field")
        label = label.strip(" ")
        self.elements.append(
            Element(eid, "input", label, form=f, name=attrs.get("name", ""), value=value)
        )
        if f >= 0 and attrs.get("name"):
            self.form_fields[f].append((attrs["name"], value, eid))
        return f"[{eid}] " + htmllib.escape(f"{label}: {_WS_RUN.sub(' ', value)}", quote=False)

    def _link_or_button(self, m: re.Match[str]) -> str:
        tag = m.group(1).lower()
        attrs = attributes(m.group(2))
        inner = m.group(3)
        # Hidden inputs inside a button never happen in our templates; inputs in forms are
        # collected from the whole form.
        if tag == "a" and "href" not in attrs:
            return inner
        label = clean_text(inner)
        eid = len(self.elements) + 1
        if tag == "a":
            element = Element(
                eid,
                "link",
                label,
                href=attrs["href"],
                option=attrs.get("data-option", ""),
                key=attrs.get("data-key", ""),
            )
        else:
            name, value = attrs.get("name", ""), attrs.get("value", "")
            element = Element(
                eid, "button", label, form=self.form_of(m.start()), name=name, value=value
            )
        self.elements.append(element)
        return f"[{eid}] " + htmllib.escape(label, quote=False)
