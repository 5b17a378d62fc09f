"""The shop as a real HTTP server on the loopback interface (waitress), for people and Chromium.

``serve()`` blocks and is what ``utility-bench serve web-shop`` runs; ``start_server()`` runs the
server in a background thread and returns it (the browser environment and the tests use it).
The server never binds to anything but a loopback address.

Why waitress, not the standard library's ``wsgiref`` (which this used before issue 14): wsgiref
serves one connection at a time and has no read timeout, so one client that sends half a request
blocks every other client until it gives up. Waitress reads requests asynchronously in one
I/O thread and hands only complete requests to its worker threads, closes connections idle for
``READ_TIMEOUT`` seconds, and refuses oversized headers and bodies itself (431/413). Its workers
share the episode's one SQLite connection, so the application is called under a lock: requests
are answered one at a time (each takes well under a millisecond), while reading and writing
sockets stays concurrent. docs/reliability.md has the figures of both servers.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Any

from waitress.server import create_server

from utility_gym.envs.web_shop.site.app import MAX_BODY, ShopApp

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
READ_TIMEOUT = 10  # seconds a connection may sit without sending or receiving anything
MAX_HEADER_BYTES = 16 * 1024  # request line and headers; longer ones get 431
MAX_CONNECTIONS = 100  # open connections at once; more wait in the listen backlog
THREADS = 4  # workers that answer complete requests (I/O is one asynchronous thread)


class ShopServer:
    """A running shop server: ``url``, ``shutdown()``; usable as a context manager."""

    def __init__(
        self,
        app: ShopApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        read_timeout: float = READ_TIMEOUT,
        threads: int = THREADS,
    ) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(
                f"the web shop only binds to a loopback address ({', '.join(LOOPBACK_HOSTS)}), not "
                f"{host!r}: "
                "it serves an unauthenticated test site"
            )
        bind = "127.0.0.1" if host == "localhost" else host
        self.app = app
        self._lock = threading.Lock()
        self.server = create_server(
            self._serialized,
            listen=f"[{bind}]:{int(port)}" if ":" in bind else f"{bind}:{int(port)}",
            threads=threads,
            channel_timeout=read_timeout,
            cleanup_interval=max(0.2, min(1.0, read_timeout / 2)),
            connection_limit=MAX_CONNECTIONS,
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=MAX_BODY,
            expose_tracebacks=False,
            clear_untrusted_proxy_headers=True,
            ident="utility-shop",
        )
        self._thread: threading.Thread | None = None
        self._stopping = False
        logging.getLogger("waitress.queue").setLevel(
            logging.ERROR
        )  # "task queue depth" is not news here

    def _serialized(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        with self._lock:  # one SQLite connection: one request in the application at a time
            return self.app(environ, start_response)

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port)."""
        name = self.server.socket.getsockname()
        return str(name[0]), int(name[1])

    @property
    def host(self) -> str:
        return self.address[0]

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> ShopServer:
        """Serve in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever, name=f"web-shop-{self.port}", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self.server.run()
        except OSError:
            if not self._stopping:  # closing the sockets under the loop ends it this way
                raise

    def shutdown(self) -> None:
        """Close every connection and the listening socket; wait for the I/O loop and workers."""
        self._stopping = True
        logging.getLogger("waitress").disabled = True  # no noise about sockets closed under it
        try:
            server = self.server
            server.pull_trigger()  # wake the I/O loop from its select
            while server._map:
                for channel in list(server._map.values()):
                    channel.handle_close()
            server.task_dispatcher.shutdown()
            if self._thread is not None:
                self._thread.join(timeout=5)
                self._thread = None
        finally:
            logging.getLogger("waitress").disabled = False

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

    template = build_template(
        "web_shop", world_seed, size, build_world, TRACKED_TABLES, catalog.attach
    )
    return World(template).conn


def start_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    world_seed: int = 0,
    size: str = "default",
    db: sqlite3.Connection | None = None,
    read_timeout: float = READ_TIMEOUT,
) -> ShopServer:
    """Start the shop in a background thread, on ``db`` or on a fresh world; return the server."""
    app = ShopApp(db if db is not None else shop_world(world_seed, size))
    return ShopServer(app, host, port, read_timeout=read_timeout).start()


def serve(
    host: str = "127.0.0.1", port: int = 0, *, world_seed: int = 0, size: str = "default"
) -> None:
    """Run the shop for a person until interrupted (Ctrl-C); prints the address to open."""
    server = ShopServer(ShopApp(shop_world(world_seed, size)), host, port)
    print(
        f"Utility Shop (world_seed={world_seed}, size={size}) at {server.url}/  (Ctrl-C to stop)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
