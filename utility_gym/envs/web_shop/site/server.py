"""The shop as a real HTTP server on the loopback interface (wsgiref), for people and Chromium.

``serve()`` blocks and is what ``utility-bench serve web-shop`` runs; ``start_server()`` runs the
server in a background thread and returns it (the browser environment and the tests use it).
The server never binds to anything but a loopback address.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from utility_gym.envs.web_shop.site.app import ShopApp

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the stdlib's name)
        pass


class _Server4(WSGIServer):
    allow_reuse_address = True


class _Server6(WSGIServer):
    allow_reuse_address = True
    address_family = socket.AF_INET6


class ShopServer:
    """A running shop server: ``url``, ``shutdown()``; usable as a context manager."""

    def __init__(self, app: ShopApp, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(
                f"the web shop only binds to a loopback address ({', '.join(LOOPBACK_HOSTS)}), not {host!r}: "
                "it serves an unauthenticated test site"
            )
        bind = "127.0.0.1" if host == "localhost" else host
        server_class = _Server6 if ":" in bind else _Server4
        self.app = app
        self.httpd = make_server(bind, port, app, server_class=server_class, handler_class=_QuietHandler)
        self.httpd.timeout = 0.5
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self.httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> ShopServer:
        """Serve in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                            name=f"web-shop-{self.port}", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> ShopServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def shop_world(world_seed: int = 0, size: str = "default") -> sqlite3.Connection:
    """A fresh episode database of the shop (catalog attached), as a server serves it."""
    from utility_gym.core.world import World, build_template
    from utility_gym.envs.web_shop import catalog
    from utility_gym.envs.web_shop.generator import build_world
    from utility_gym.envs.web_shop.schema import TRACKED_TABLES

    template = build_template("web_shop", world_seed, size, build_world, TRACKED_TABLES)
    world = World(template)
    catalog.attach(world.conn)
    return world.conn


def start_server(host: str = "127.0.0.1", port: int = 0, *, world_seed: int = 0, size: str = "default",
                 db: sqlite3.Connection | None = None) -> ShopServer:
    """Start the shop in a background thread, on ``db`` or on a fresh world; return the server."""
    app = ShopApp(db if db is not None else shop_world(world_seed, size))
    return ShopServer(app, host, port).start()


def serve(host: str = "127.0.0.1", port: int = 0, *, world_seed: int = 0, size: str = "default") -> None:
    """Run the shop for a person until interrupted (Ctrl-C); prints the address to open."""
    server = ShopServer(ShopApp(shop_world(world_seed, size)), host, port)
    print(f"Utility Shop (world_seed={world_seed}, size={size}) at {server.url}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
