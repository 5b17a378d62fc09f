"""A fake OpenAI-compatible chat-completions server on localhost, scripted per test or tutorial.

Public so that tutorials and contributors can run LLM agents without a model: ``FakeOpenAI()``
starts it on a free loopback port (``.base_url``), ``push`` scripts its next replies
(``text(...)``, ``calls((name, args), ...)`` or ``Reply(status=500)``) and ``requests`` holds
what the client sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: an assistant ``message`` (200), or an HTTP ``status``, a raw ``body``,
    and an optional ``delay`` before answering (to provoke client timeouts)."""

    message: dict[str, Any] | None = None
    status: int = 200
    body: bytes | None = None
    delay: float = 0.0
    prompt_tokens: int = 100
    completion_tokens: int = 20


def text(content: str) -> Reply:
    return Reply({"role": "assistant", "content": content})


def calls(*tool_calls: tuple[str, Any]) -> Reply:
    """Tool calls ``(name, arguments)``; a str ``arguments`` is sent as is (it may be malformed
    JSON)."""
    out = []
    for i, (name, arguments) in enumerate(tool_calls):
        args = arguments if isinstance(arguments, str) else json.dumps(arguments)
        out.append(
            {
                "id": f"call_{i}_{name}",
                "type": "function",
                "function": {"name": name, "arguments": args},
            }
        )
    return Reply({"role": "assistant", "content": None, "tool_calls": out})


class FakeOpenAI:
    """Serves ``POST /v1/chat/completions`` from a script of replies; records every request body.

    A reply may be a callable ``request -> Reply`` (to echo what it was sent). When the script is
    empty the server answers ``default``.
    """

    def __init__(self) -> None:
        self.script: deque[Reply | Callable[[dict[str, Any]], Reply]] = deque()
        self.requests: list[dict[str, Any]] = []
        self.default: Reply | Callable[[dict[str, Any]], Reply] = text("Okay.")
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(request)
                reply = fake.script.popleft() if fake.script else fake.default
                if callable(reply):
                    reply = reply(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.body is not None:
                    body = reply.body
                elif reply.status != 200:
                    body = json.dumps(
                        {"error": {"message": f"scripted {reply.status}", "type": "server_error"}}
                    ).encode()
                else:
                    message = reply.message or {"role": "assistant", "content": ""}
                    body = json.dumps(
                        {
                            "id": f"chatcmpl-{len(fake.requests)}",
                            "object": "chat.completion",
                            "created": 0,
                            "model": request.get("model", "fake"),
                            "choices": [
                                {
                                    "index": 0,
                                    "message": message,
                                    "finish_reason": "tool_calls"
                                    if message.get("tool_calls")
                                    else "stop",
                                }
                            ],
                            "usage": {
                                "prompt_tokens": reply.prompt_tokens,
                                "completion_tokens": reply.completion_tokens,
                                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
                            },
                        }
                    ).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def push(self, *replies: Reply | Callable[[dict[str, Any]], Reply]) -> None:
        self.script.extend(replies)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
