"""Sealed verification: no network call and no credential in reach while a submission is checked.

The first line of defence is ``rules.make_kwarg_problems``: a run declaring an LLM user, an
endpoint or any kwarg outside the allow-list is refused before an env is made. This module is
the second: inside ``sealed()`` every outgoing connection and name lookup of the process raises
``NetworkBlocked``, and variables that may hold credentials (``*KEY*``, ``*TOKEN*``,
``*SECRET*``, ``*PASSWORD*``, ``UTILITY_GYM_LLM_*``, ...) are removed from ``os.environ``, so
code reached by a replay or a re-run has nothing to send and nowhere to send it. Worker processes
are forked inside the seal and stay sealed.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_CREDENTIAL = re.compile(
    r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|^UTILITY_GYM_LLM_", re.I
)
_LOCAL_FAMILIES = {getattr(socket, "AF_UNIX", -1)}


class NetworkBlocked(ConnectionError):
    """A sealed verification tried to open a network connection."""


def credential_variables() -> list[str]:
    return sorted(k for k in os.environ if _CREDENTIAL.search(k))


@contextmanager
def sealed() -> Iterator[None]:
    """Block network connections and hide credential variables until the block ends."""
    hidden = {k: os.environ.pop(k) for k in credential_variables()}
    saved = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.create_connection,
        socket.getaddrinfo,
    )

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NetworkBlocked("utility-bench verify is sealed: no network connection is allowed")

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in _LOCAL_FAMILIES:  # multiprocessing's own pipes and sockets
            return saved[0](self, address)
        return refuse()

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in _LOCAL_FAMILIES:
            return saved[1](self, address)
        return refuse()

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        (
            socket.socket.connect,  # type: ignore[method-assign]
            socket.socket.connect_ex,  # type: ignore[method-assign]
            socket.create_connection,
            socket.getaddrinfo,
        ) = saved
        os.environ.update(hidden)
