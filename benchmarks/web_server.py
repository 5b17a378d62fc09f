"""The web shop's HTTP server under load, hostile requests and a stalled client, against the
standard library's wsgiref server on the same application.

    python benchmarks/web_server.py                       # both servers, 3,000 hostile requests
    python benchmarks/web_server.py --requests 400 --fuzz 500 --json runs/web_server.json

For each server: requests per second with one client and with 8 concurrent clients (each
``--requests`` GETs of home, search, product and cart pages), the same 8 clients while two
others stall (one sends half a request line's headers, one half a body) with a 5 s client
timeout, how many were answered, and ``--fuzz`` hostile requests (fuzzed paths, query strings
and form posts, Unicode digits, script payloads): how many got a 5xx, and how many bodies show
a payload unescaped. Only loopback addresses; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import string
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from utility_gym.envs.web_shop.site.app import ShopApp
from utility_gym.envs.web_shop.site.server import ShopServer, shop_world

PAGES = ("/", "/search?q=lamp", "/search?q=rain+jacket&sort=price_asc", "/product/P000001", "/cart")
PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
)
DIGITS = ("²", "٣", "𝟙", "²²²²²²", "½")
FIELDS = (
    "q",
    "category",
    "min_price",
    "max_price",
    "min_rating",
    "sort",
    "page",
    "qty",
    "item_id",
    "product_id",
    "size",
    "color",
)
PATHS = (
    "/",
    "/search",
    "/cart",
    "/checkout",
    "/buy",
    "/cart/add",
    "/cart/remove",
    "/product/P000001",
    "/product/P000001/reviews",
    "/order/O10001",
    "/static/shop.js",
    "/nope",
)
CLIENT_TIMEOUT = 5.0


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class StdlibServer:
    """What the shop ran on before issue 14: wsgiref, one connection at a time, no timeout."""

    def __init__(self, app: ShopApp) -> None:
        self.httpd = make_server("127.0.0.1", 0, app, server_class=WSGIServer, handler_class=_Quiet)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    def __enter__(self) -> StdlibServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _get(port: int, path: str, method: str = "GET", body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _clients(port: int, clients: int, requests: int) -> dict[str, float]:
    answered = failed = 0
    lock = threading.Lock()

    def run(n: int) -> None:
        nonlocal answered, failed
        for i in range(requests):
            try:
                status, _ = _get(port, PAGES[(n + i) % len(PAGES)])
                ok = status == 200
            except OSError:
                ok = False
            with lock:
                if ok:
                    answered += 1
                else:
                    failed += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    seconds = time.perf_counter() - started
    return {
        "answered": answered,
        "failed": failed,
        "seconds": round(seconds, 2),
        "requests_per_s": round(answered / seconds, 1),
    }


def _stall(port: int) -> list[socket.socket]:
    a = socket.create_connection(("127.0.0.1", port), timeout=10)
    a.sendall(b"GET /search?q=lamp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    b = socket.create_connection(("127.0.0.1", port), timeout=10)
    b.sendall(
        b"POST /cart/add HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 500\r\n\r\nproduct_id=P0"
    )
    return [a, b]


def _hostile(rng: random.Random) -> tuple[str, str, bytes | None]:
    method = rng.choice(("GET", "GET", "POST", "HEAD", "PUT"))
    path = rng.choice(PATHS)
    if rng.random() < 0.3:
        path += rng.choice(("", "/")) + rng.choice(DIGITS + PAYLOADS + ("%ff", "..", "a" * 300))
    if rng.random() < 0.2:
        path = f"/product/P{rng.choice(DIGITS)}"
    pairs = [
        (
            rng.choice(FIELDS),
            rng.choice(DIGITS + PAYLOADS + ("", "-1", "1e308", "nan", "%zz", "🙂" * 5)),
        )
        for _ in range(rng.randint(0, 5))
    ]
    query = (
        urlencode(pairs)
        if rng.random() < 0.8
        else "".join(rng.choice(string.printable + "%&=") for _ in range(40))
    )
    url = quote(path, safe="/%") + ("?" + quote(query, safe="=&%+") if query else "")
    body = (
        urlencode([(rng.choice(FIELDS), rng.choice(DIGITS + PAYLOADS)) for _ in range(3)]).encode()
        if method == "POST"
        else None
    )
    return method, url, body


def _fuzz(port: int, n: int, seed: int = 14) -> dict[str, int]:
    rng = random.Random(seed)
    counts = {"requests": 0, "5xx": 0, "unescaped": 0, "failed": 0}
    for _ in range(n):
        method, url, body = _hostile(rng)
        counts["requests"] += 1
        try:
            status, data = _get(port, url, method, body)
        except OSError:
            counts["failed"] += 1
            continue
        counts["5xx"] += status >= 500
        text = data.decode("utf-8", "replace")
        counts["unescaped"] += any(p in text for p in PAYLOADS)
    return counts


def measure(kind: str, requests: int, fuzz: int) -> dict[str, Any]:
    app = ShopApp(shop_world(0, "small"), log=lambda text: None)
    server: Any = (
        ShopServer(app, "127.0.0.1", 0).start()
        if kind == "waitress"
        else StdlibServer(app).__enter__()
    )
    port = server.port
    try:
        out: dict[str, Any] = {"server": kind}
        out["one_client"] = _clients(port, 1, requests)
        out["eight_clients"] = _clients(port, 8, requests // 8)
        stalled = _stall(port)
        out["eight_clients_two_stalled"] = _clients(port, 8, max(1, requests // 40))
        for s in stalled:
            s.close()
        time.sleep(0.2)
        out["fuzz"] = _fuzz(port, fuzz)
        return out
    finally:
        if kind == "waitress":
            server.shutdown()
        else:
            server.__exit__()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=800, help="GETs per load figure (default 800)"
    )
    parser.add_argument(
        "--fuzz", type=int, default=3000, help="hostile requests per server (default 3,000)"
    )
    parser.add_argument(
        "--server", action="append", choices=("waitress", "wsgiref"), help="default: both"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = []
    for kind in args.server or ("waitress", "wsgiref"):
        r = measure(kind, args.requests, args.fuzz)
        results.append(r)
        stalled = r["eight_clients_two_stalled"]
        print(
            f"{kind:9s} 1 client {r['one_client']['requests_per_s']:7.1f} req/s | 8 clients "
            f"{r['eight_clients']['requests_per_s']:7.1f} req/s | 8 clients, 2 stalled: "
            f"{stalled['answered']} answered, "
            f"{stalled['failed']} failed in {stalled['seconds']} s | fuzz: {r['fuzz']['requests']} "
            "requests, "
            f"{r['fuzz']['5xx']} 5xx, {r['fuzz']['unescaped']} unescaped, {r['fuzz']['failed']} "
            "failed",
            flush=True,
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
