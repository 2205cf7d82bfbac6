"""A real HTTP server between the agent and the Collector: refuses as scripted, then forwards.

Each request is recorded with its arrival time, the answer given and the number
of points it carried, so a test can check how long the agent waited after each
refusal and that it counted the points it had to retry.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from faults._queuefile import decode
from faults._truth import count


@dataclass(frozen=True)
class Seen:
    at: float  #: time.monotonic() when the request had been read
    status: int
    retry_after: str | None
    points: int


@dataclass
class Gate:
    """Answers the next scripted (status, Retry-After) for each request; forwards once the script is used up."""

    upstream: tuple[str, int]
    script: deque[tuple[int, str | None]] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the Collector does

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                at = time.monotonic()
                with gate._lock:
                    step = gate.script.popleft() if gate.script else None
                points = count(decode(body))
                if step is not None:
                    status, retry_after = step
                    gate.seen.append(Seen(at, status, retry_after, points))
                    self.send_response(status)
                    if retry_after is not None:
                        self.send_header("Retry-After", retry_after)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, ctype, data = gate._forward(self.path, body, self.headers.get("Content-Type", ""))
                gate.seen.append(Seen(at, status, None, points))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def refuse(self, *steps: tuple[int, str | None]) -> None:
        with self._lock:
            self.script.extend(steps)

    def pending(self) -> int:
        with self._lock:
            return len(self.script)

    def _forward(self, path: str, body: bytes, ctype: str) -> tuple[int, str, bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=10)
        try:
            conn.request("POST", path, body, {"Content-Type": ctype or "application/x-protobuf"})
            resp = conn.getresponse()
            return resp.status, resp.getheader("Content-Type", ""), resp.read()
        finally:
            conn.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
