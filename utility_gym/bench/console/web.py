"""HTTP plumbing of the console: requests, responses, cookies, the access token and CSRF tokens.

Every browser gets a random client id in an HttpOnly, SameSite=Strict cookie; a session belongs
to the client that started it (another client gets a 404). Every form carries a CSRF token, an
HMAC of the client id under the server's secret, checked on every POST. With an access token
(required to bind beyond loopback), a request must bring it once as ``?token=...`` (it is then
kept in a cookie) or be refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

MAX_BODY = 256 * 1024
MAX_FIELDS = 200
CLIENT_COOKIE = "uc_client"
AUTH_COOKIE = "uc_auth"
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    (
        "Content-Security-Policy",
        "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'",
    ),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
]
REASONS = {
    200: "OK",
    303: "See Other",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


class HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    cookies: dict[str, str]
    client: str = ""
    new_client: bool = False


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def parse_request(environ: dict[str, Any]) -> Request:
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
        if not 0 <= length <= MAX_BODY:
            raise HTTPError(413, "The form is too large.")
        if length and ctype not in ("application/x-www-form-urlencoded", ""):
            raise HTTPError(415, "Forms must be sent as application/x-www-form-urlencoded.")
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            form = parse_fields(body.decode("utf-8"))
        except UnicodeError:
            raise HTTPError(400, "The form is not valid UTF-8.") from None
    elif method not in ("GET", "HEAD"):
        raise HTTPError(405, "Only GET and POST are served.")
    cookies: dict[str, str] = {}
    try:
        jar = SimpleCookie(str(environ.get("HTTP_COOKIE", "")))
        cookies = {k: v.value for k, v in jar.items()}
    except CookieError:
        pass
    return Request(method, path, query, form, cookies)


def parse_fields(text: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError as e:
        raise HTTPError(400, f"Malformed form: {type(e).__name__}.") from None
    out: dict[str, str] = {}
    for k, v in pairs:
        if "\x00" in k or "\x00" in v:
            raise HTTPError(400, "NUL characters are not allowed.")
        out.setdefault(k, v)
    return out


class Guard:
    """Client ids, CSRF tokens and the optional access token of one console server."""

    def __init__(self, token: str | None = None) -> None:
        self.secret = secrets.token_bytes(32)
        self.token = token

    def identify(self, request: Request) -> None:
        """Give the request its client id (a new one when the cookie is missing or forged)."""
        client = request.cookies.get(CLIENT_COOKIE, "")
        if not (len(client) == 32 and all(c in "0123456789abcdef" for c in client)):
            client, request.new_client = secrets.token_hex(16), True
        request.client = client

    def authorized(self, request: Request) -> bool:
        if self.token is None:
            return True
        given = request.cookies.get(AUTH_COOKIE) or request.query.get("token", "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    def csrf(self, client: str) -> str:
        return hmac.new(self.secret, client.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, request: Request) -> None:
        if not hmac.compare_digest(
            request.form.get("csrf", "").encode(), self.csrf(request.client).encode()
        ):
            raise HTTPError(
                403, "The form's security token is missing or stale: reload the page and try again."
            )

    def cookie_headers(self, request: Request) -> list[tuple[str, str]]:
        headers = []
        if request.new_client:
            headers.append(
                (
                    "Set-Cookie",
                    f"{CLIENT_COOKIE}={request.client}; Path=/; HttpOnly; SameSite=Strict",
                )
            )
        if (
            self.token is not None
            and request.query.get("token")
            and AUTH_COOKIE not in request.cookies
        ):
            headers.append(
                ("Set-Cookie", f"{AUTH_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict")
            )
        return headers


def html(status: int, body: str) -> Response:
    return Response(status, body.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])


def redirect(location: str) -> Response:
    return Response(303, b"", [("Location", location)])
