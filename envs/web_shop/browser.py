"""The shop in headless Chromium: one browser context per episode and a navigator that acts in it.

Two transports carry the site's pages to Chromium, both from the same WSGI application on the
episode's world:

* ``"inprocess"`` (default): the page's navigations call the ``__shopFetch`` binding, which
  runs the application in this process; the first document and the static files come through
  Playwright's route interception on ``http://shop.localhost``. No socket, no full reloads.
* ``"http"``: a real HTTP server on 127.0.0.1 (``site.server``); the page fetches from it.

Either way a click is a DOM click, a form is serialized by the browser, the history is the
browser's, and the observation is read from the live DOM (``shop.js``'s ``snapshot``).
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from utility_gym.core.tools import ToolError
from utility_gym.envs.web_shop import catalog
from utility_gym.envs.web_shop.navigator import form_encode
from utility_gym.envs.web_shop.page import Element, Form, Page
from utility_gym.envs.web_shop.site.app import ShopApp, make_environ
from utility_gym.envs.web_shop.site.server import ShopServer

ORIGIN = "http://shop.localhost"
TIMEOUT_MS = 15_000
TRANSPORTS = ("inprocess", "http")


class BrowserSite:
    """One episode's browser context and page, showing the shop on ``db``."""

    def __init__(
        self, browser: Any, app: ShopApp, db: Any, transport: str, viewport: tuple[int, int]
    ) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(
                f"unknown transport {transport!r}; choose one of {', '.join(TRANSPORTS)}"
            )
        catalog.attach(db)
        self.catalog_key = catalog.catalog_key(db)
        self.app = app
        self.db = db
        self.transport = transport
        self.server: ShopServer | None = None
        self.context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, java_script_enabled=True
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        if transport == "inprocess":
            self.origin = ORIGIN
            self.context.expose_binding("__shopFetch", self._binding)
            self.context.route(f"{ORIGIN}/**", self._route)
        else:
            self.server = ShopServer(ShopApp(db), "127.0.0.1", 0).start()
            self.origin = self.server.url
        self.page = self.context.new_page()
        self._cdp: Any = None

    def open(self, urls: tuple[str, ...] = ("/",)) -> None:
        """Load ``urls[0]``, then visit the rest in-page, so the history holds them all."""
        # shop.js is a deferred script: it has run once the load event fired.
        self.page.goto(self.origin + urls[0], wait_until="load")
        for url in urls[1:]:
            self.page.evaluate("u => window.__shop.visit(u)", url)

    def snapshot(self) -> dict[str, Any]:
        return json.loads(self.page.evaluate("window.__shop.snapshotJSON()"))

    def act(self, action: dict[str, Any]) -> dict[str, Any]:
        return json.loads(self.page.evaluate("a => window.__shop.actJSON(a)", action))

    def screenshot(self) -> np.ndarray:
        """The viewport as an ``(H, W, 3)`` uint8 array."""
        if self._cdp is None:
            self._cdp = self.context.new_cdp_session(self.page)
        shot = self._cdp.send(
            "Page.captureScreenshot",
            {"format": "png", "optimizeForSpeed": True, "captureBeyondViewport": False},
        )
        return decode_png(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.context.close()
        finally:
            if self.server is not None:
                self.server.shutdown()
                self.server = None

    # -- in-process transport -----------------------------------------------------------------
    def _request(
        self, method: str, url: str, body: bytes
    ) -> tuple[int, str, bytes, list[tuple[str, str]]]:
        for _ in range(6):
            parts = urlsplit(url)
            environ = make_environ(method, parts.path or "/", parts.query, body, self.db)
            environ["utility_gym.catalog_attached"] = True
            environ["utility_gym.catalog_key"] = self.catalog_key
            response = self.app.handle(environ)
            location = response.location
            if response.status in (301, 302, 303, 307, 308) and location:
                method, url, body = "GET", location, b""
                continue
            return response.status, url, response.body, response.headers
        return 508, url, b"redirect loop", []

    def _binding(self, source: Any, request: dict[str, Any]) -> dict[str, Any]:
        url = str(request.get("url", "/"))
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        status, final, body, _ = self._request(
            str(request.get("method", "GET")), path, str(request.get("body", "")).encode("utf-8")
        )
        return {"status": status, "url": final, "html": body.decode("utf-8", "replace")}

    def _route(self, route: Any) -> None:
        req = route.request
        parts = urlsplit(req.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        status, _, body, headers = self._request(req.method, path, req.post_data_buffer or b"")
        route.fulfill(
            status=status,
            headers={k: v for k, v in headers if k.lower() != "content-length"},
            body=body,
        )


class BrowserNavigator:
    """Performs resolved web actions in the live page; mirrors the history into the tool state."""

    def __init__(self, site: BrowserSite, state: dict[str, Any]) -> None:
        self.site = site
        self.state = state
        self._current: Page | None = None

    def page(self) -> Page:
        if self._current is None:
            self._current = self._record(self.site.snapshot())
        return self._current

    def follow(self, element: Element) -> Page:
        return self._act({"kind": "click", "uid": element.eid}, element.href)

    def submit(self, form: int, values: dict[int, str], submitter: Element | None) -> Page:
        fills = [[eid, text] for eid, text in values.items()]
        expected = None
        f = self.page().forms[form] if 0 <= form < len(self.page().forms) else None
        if f is not None and f.method == "GET":
            pairs = [
                (name, values.get(eid, value) if eid else value) for name, value, eid in f.fields
            ]
            if submitter is not None and submitter.name:
                pairs.append((submitter.name, submitter.value))
            query = form_encode(pairs)
            path = urlsplit(f.action).path or "/"
            expected = f"{path}?{query}" if query else path
        action = {
            "kind": "submit",
            "form": form,
            "fills": fills,
            "submitter": submitter.eid if submitter else None,
        }
        return self._act(action, expected)

    def fill(self, element: Element, text: str) -> Page:
        return self._act({"kind": "fill", "uid": element.eid, "text": text}, None)

    def back(self) -> Page:
        history = tuple(self.state.get("history", ()))
        return self._act({"kind": "back"}, history[-2] if len(history) >= 2 else None)

    def _act(self, action: dict[str, Any], expected_get: str | None) -> Page:
        from playwright.sync_api import Error as PlaywrightError

        if expected_get and expected_get.startswith("/") and self.site.transport == "inprocess":
            # A GET has no side effects: answer it now and hand the page over with the action,
            # which saves the binding's round trip. The page uses it only if it asks for this URL.
            status, final, body, _ = self.site._request("GET", expected_get, b"")
            action["prefetch"] = {
                "method": "GET",
                "url": expected_get,
                "status": status,
                "finalUrl": final,
                "html": body.decode("utf-8", "replace"),
            }
        try:
            data = self.site.act(action)
        except PlaywrightError as e:
            raise ToolError(
                f"the browser failed to do that: {str(e).splitlines()[0][:200]}"
            ) from None
        if "error" in data:
            raise ToolError(str(data["error"]))
        self._current = self._record(data)
        return self._current

    def _record(self, data: dict[str, Any]) -> Page:
        page = page_from_snapshot(data)
        depth = int(data.get("depth", 0))
        history = tuple(self.state.get("history", ()))[:depth] + (page.url,)
        self.state["history"] = history
        self.state["page"] = page
        return page


def page_from_snapshot(data: dict[str, Any]) -> Page:
    elements = tuple(
        Element(
            int(e["eid"]),
            str(e["kind"]),
            str(e["label"]),
            str(e.get("href") or ""),
            int(e.get("form", -1)),
            str(e.get("name") or ""),
            str(e.get("value") or ""),
            str(e.get("option") or ""),
            str(e.get("key") or ""),
        )
        for e in data.get("elements", ())
    )
    forms = tuple(
        Form(
            str(f.get("action", "")),
            str(f.get("method", "GET")),
            tuple((str(n), str(v), int(e)) for n, v, e in f.get("fields", ())),
        )
        for f in data.get("forms", ())
    )
    return Page(
        str(data.get("url", "/")),
        int(data.get("status", 200)),
        str(data.get("text", "")),
        elements,
        forms,
    )


def decode_png(data: bytes) -> np.ndarray:
    """Decode an 8-bit RGB or RGBA PNG (as Chromium writes screenshots) into ``(H, W, 3)`` uint8."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, []
    width = height = channels = 0
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            depth, color = body[8], body[9]
            if depth != 8 or color not in (2, 6) or body[12] != 0:
                raise ValueError(
                    f"unsupported PNG (bit depth {depth}, color type {color}, interlace {body[12]})"
                )
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    stride = width * channels
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8).reshape(height, stride + 1)
    filters = raw[:, 0]
    rows = raw[:, 1:]
    out = np.empty((height, stride), dtype=np.uint8)
    if np.all(
        filters == 2
    ):  # what Chromium writes when optimizing for speed: each row adds the one above
        out[0] = rows[0]
        for y in range(1, height):  # row by row: several times faster than a strided np.cumsum
            np.add(out[y - 1], rows[y], out=out[y])
    else:
        prev = np.zeros(stride, dtype=np.uint8)
        for y in range(height):
            out[y] = _unfilter(int(filters[y]), rows[y], prev, channels)
            prev = out[y]
    return out.reshape(height, width, channels)[:, :, :3].copy()


def _unfilter(kind: int, row: np.ndarray, prev: np.ndarray, bpp: int) -> np.ndarray:
    if kind == 0:
        return row
    if kind == 2:
        return row + prev
    if kind == 1:
        return np.cumsum(row.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
    cur = np.zeros_like(row)
    r = row.astype(np.int32)
    p = prev.astype(np.int32)
    for i in range(len(row)):  # Average and Paeth depend on the pixel to the left: no vector form
        a = int(cur[i - bpp]) if i >= bpp else 0
        b = int(p[i])
        if kind == 3:
            cur[i] = (r[i] + ((a + b) >> 1)) & 0xFF
        else:
            c = int(p[i - bpp]) if i >= bpp else 0
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            cur[i] = (r[i] + pred) & 0xFF
    return cur
