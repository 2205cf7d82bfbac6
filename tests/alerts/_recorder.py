"""A loopback HTTP server that records every request and answers what the test tells it to."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    code: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    block: threading.Event | None = None  #: hold the answer until the test sets this


class Recorder:
    """``answers`` are used in order, then 200; ``requests`` holds what arrived."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.answers: deque[Answer] = deque()
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with recorder.lock:
                    recorder.requests.append(Request(self.path, dict(self.headers.items()), body))
                    answer = recorder.answers.popleft() if recorder.answers else Answer()
                    recorder.arrived.notify_all()
                if answer.block is not None:
                    answer.block.wait(30)
                self.send_response(answer.code)
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, *answers: Answer) -> None:
        with self.lock:
            self.answers.extend(answers)

    def wait(self, count: int, timeout: float = 10.0) -> list[Request]:
        """Wait until ``count`` requests arrived; return them all."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
            return list(self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
