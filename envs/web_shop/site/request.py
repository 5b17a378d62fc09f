"""Requests to the web shop and its responses: the records, and reading a request's fields.

A request comes either as a WSGI environ (``parse_environ``; ``make_environ`` builds one for an
in-process caller) or, from the text environment, as a URL and a form body (``ShopApp.
handle_page`` splits those with ``parse_fields`` itself). Whatever a client sends, a bad request
is an `HTTPError` with the status and the message the error page shows; nothing else here raises.
"""

from __future__ import annotations

import io
import math
import sqlite3
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from utility_gym.envs.web_shop.page import Page

MAX_BODY = 64 * 1024
MAX_FIELDS = 64
DB_KEY = "utility_gym.db"  # environ key: the episode connection, for in-process callers
PAGE_URL_KEY = "utility_gym.page_url"  # environ key: answer with a `Page` at this URL if we can
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'",
    ),
    ("Referrer-Policy", "no-referrer"),
]

PAGE_HEADERS = (("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS)

REASONS = {
    200: "OK",
    303: "See Other",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


class HTTPError(Exception):
    def __init__(self, status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    page: Page | None = None  # the page as text, when the caller asked for it (no body then)

    @property
    def location(self) -> str | None:
        for k, v in self.headers:
            if k.lower() == "location":
                return v
        return None


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    db: sqlite3.Connection
    catalog: str = ""  # which catalog the world uses (key of the per-catalog caches)
    page_url: str | None = None  # answer with a `Page` at this URL where a text page exists


def parse_environ(environ: dict[str, Any], db: sqlite3.Connection) -> Request:
    """The request a WSGI environ holds (its catalog and page URL are the caller's to set)."""
    method = str(environ.get("REQUEST_METHOD", "GET")).upper()
    try:
        path = str(environ.get("PATH_INFO", "/") or "/").encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise HTTPError(400, "The address is not valid UTF-8.") from None
    query = parse_fields(str(environ.get("QUERY_STRING", "")))
    form: dict[str, str] = {}
    if method == "POST":
        ctype = str(environ.get("CONTENT_TYPE", "") or "").split(";")[0].strip().lower()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise HTTPError(400, "Bad Content-Length.") from None
        if length < 0:
            raise HTTPError(400, "Bad Content-Length.")
        if length > MAX_BODY:
            raise HTTPError(413, "The form is too large.")
        if length and ctype not in ("application/x-www-form-urlencoded", ""):
            raise HTTPError(415, "Forms must be sent as application/x-www-form-urlencoded.")
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            text = body.decode("utf-8")
        except UnicodeError:
            raise HTTPError(400, "The form is not valid UTF-8.") from None
        form = parse_fields(text)
    elif method not in ("GET", "HEAD"):
        raise HTTPError(
            405, f"Method {method[:20]} is not allowed.", [("Allow", "GET, HEAD, POST")]
        )
    return Request(method, path, query, form, db)


def parse_fields(text: str) -> dict[str, str]:
    """A query string's or form's fields (the first value of a name wins), as ``parse_qsl``
    reads them; too many fields, bad escapes and NUL characters are a 400."""
    if "%" not in text:  # nothing to decode (most of the shop's own URLs): parse_qsl's pairs
        if text.count("&") >= MAX_FIELDS:
            raise HTTPError(400, "Malformed query: ValueError.")
        pairs = [p.replace("+", " ").partition("=")[::2] for p in text.split("&") if p]
        return _field_dict(pairs)
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError as e:  # too many fields, or bad UTF-8 after percent-decoding
        raise HTTPError(400, f"Malformed query: {type(e).__name__}.") from None
    return _field_dict(pairs)


def _field_dict(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in pairs:
        if "\x00" in k or "\x00" in v:
            raise HTTPError(400, "NUL characters are not allowed.")
        out.setdefault(k, v)  # the first value wins, as in most frameworks
    return out


def int_field(
    src: dict[str, str], name: str, lo: int, hi: int, *, default: int | None, status: int = 400
) -> int:
    """A whole number from ``lo`` to ``hi`` (``default`` when the field is missing or empty)."""
    raw = src.get(name)
    if raw is None or raw == "":
        if default is None:
            raise HTTPError(status, f"Missing {name}.")
        return default
    # ASCII digits only: '²' passes str.isdigit() and then fails int().
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not lo <= int(raw) <= hi:
        raise HTTPError(status, f"{name} must be a whole number from {lo} to {hi}.")
    return int(raw)


def number_field(src: dict[str, str], name: str, lo: float, hi: float) -> float | None:
    """A finite number from ``lo`` to ``hi``, or None when the field is missing or empty."""
    raw = src.get(name, "")
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise HTTPError(400, f"{name} must be a number.") from None
    if not math.isfinite(value) or not lo <= value <= hi or len(raw) > 12:
        raise HTTPError(400, f"{name} must be between {lo:g} and {hi:g}.")
    return value


def price_field(src: dict[str, str], name: str) -> float | None:
    return number_field(src, name, 0, 1_000_000)


def redirect(location: str) -> Response:
    """303 See Other: every POST answers with one, so the history only ever holds GET pages."""
    return Response(
        303,
        b"",
        [("Location", location), ("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS],
    )


def make_environ(
    method: str, path: str, query: str = "", body: bytes = b"", db: sqlite3.Connection | None = None
) -> dict[str, Any]:
    """A minimal WSGI environ for an in-process request (no sockets)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "shop.local",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body or method == "POST":
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(body))
    if db is not None:
        environ[DB_KEY] = db
    return environ
