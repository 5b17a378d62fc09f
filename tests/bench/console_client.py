"""An in-process client of the console's WSGI app (cookies, CSRF token), for the console tests."""

from __future__ import annotations

import io
import re
import time
from typing import Any
from urllib.parse import urlencode

from utility_gym.bench.console.app import ConsoleApp

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


class Client:
    """One browser: keeps its cookies, reads the CSRF token from the last page."""

    def __init__(self, app: ConsoleApp) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.path = "/"
        self.text = ""
        self.status = 0

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Any:
        body = urlencode(form or {}).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path.split("?")[0],
            "QUERY_STRING": path.split("?", 1)[1] if "?" in path else "",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        response = self.app.handle(environ)
        for name, value in response.headers:
            if name == "Set-Cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        self.status = response.status
        location = dict(response.headers).get("Location")
        if response.status == 303 and location:
            return self.get(location)
        self.text = response.body.decode("utf-8")
        self.path = path
        found = CSRF.search(self.text)
        if found:
            self.csrf = found.group(1)
        return response

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Any:
        return self.request("POST", path, {"csrf": self.csrf, **form})

    def until(self, marker: str, path: str | None = None, timeout: float = 30.0) -> str:
        """Reload the page until ``marker`` is in it (the agent is working meanwhile)."""
        end = time.monotonic() + timeout
        while marker not in self.text:
            if time.monotonic() > end:
                raise AssertionError(
                    f"{marker!r} never appeared on {self.path}:\n{self.text[-3000:]}"
                )
            time.sleep(0.05)
            self.get(path or self.path)
        return self.text
