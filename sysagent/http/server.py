"""One small threaded HTTP/1.1 server for everything sysagent serves (/status, /healthz, /metrics, the page).

Built on socketserver rather than http.server, which would load http.client,
ssl and the email package (about 6 MB) for a handful of GET endpoints. Each
connection gets a thread, up to ``max_connections``; beyond that a request is
answered 503 at once. Every response closes its connection, except streams
(Server-Sent Events), which are cut when the server closes. Requests are never
logged, so an ``Authorization`` header never reaches a log. The accept loop
sleeps in select() until a connection or ``close`` arrives (a socketpair wakes
it): an idle server costs no wake-ups, unlike ``serve_forever``'s polling.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import selectors
import socket
import socketserver
import threading
import urllib.parse
from typing import Any

from sysagent.http.routes import HttpError, Request, Response, Routes, Stream, error_response

log = logging.getLogger("sysagent.http")

MAX_LINE = 8192
MAX_HEADERS = 100
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def _head(status: int, ctype: str, length: int | None, headers: tuple[tuple[str, str], ...]) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}", f"Content-Type: {ctype}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # A reload builds the new sink (and its server on the same port) before the old one
    # stops; SO_REUSEPORT lets both listen for that moment. A port held by another
    # program (without SO_REUSEPORT) still fails the bind.
    allow_reuse_port = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: Any, slots: int, family: int) -> None:
        self.address_family = family
        self.slots = threading.BoundedSemaphore(slots)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def accept_one(self) -> None:
        """Accept and dispatch one ready connection (what ``serve_forever`` does per wake)."""
        self._handle_request_noblock()  # type: ignore[attr-defined]

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


class Server:
    """Serves ``routes`` on ``host:port`` (0: any free port) from daemon threads.

    With ``token``, every request must carry ``Authorization: Bearer <token>``
    (compared in constant time); others get 401.
    """

    def __init__(
        self,
        host: str,
        port: int,
        routes: Routes,
        *,
        token: str | None = None,
        agent: Any = None,
        name: str = "sysagent-http",
        max_connections: int = 32,
    ) -> None:
        self.routes = routes
        self.agent = agent
        self._token = f"Bearer {token}".encode() if token else None
        self._streams: set[socket.socket] = set()
        self._lock = threading.Lock()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 10

            def handle(self) -> None:
                outer._handle(self.connection, self.rfile, self.wfile)

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._server = _TCPServer((host, port), Handler, max_connections, family)
        self.host = host
        self.port: int = self._server.server_address[1]
        self._closing = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        """Accept until ``close``: blocks in select() with no timeout, woken by the socketpair."""
        with selectors.DefaultSelector() as sel:
            sel.register(self._server, selectors.EVENT_READ)
            sel.register(self._wake_r, selectors.EVENT_READ)
            while not self._closing:
                for key, _ in sel.select():
                    if key.fileobj is self._server and not self._closing:
                        self._server.accept_one()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _handle(self, conn: socket.socket, rfile: Any, wfile: Any) -> None:
        try:
            line = rfile.readline(MAX_LINE).decode("latin-1")
            headers: dict[str, str] = {}
            for _ in range(MAX_HEADERS):
                raw = rfile.readline(MAX_LINE)
                if raw in (b"\r\n", b"\n", b""):
                    break
                key, _, value = raw.decode("latin-1").partition(":")
                headers[key.strip().lower()] = value.strip()
        except OSError:
            return
        answer = self._answer(line.split(), headers)
        try:
            if isinstance(answer, Response):
                wfile.write(_head(answer.status, answer.content_type, len(answer.body), answer.headers) + answer.body)
                return
            self._stream(conn, wfile, answer)
        except OSError:
            return

    def _answer(self, request_line: list[str], headers: dict[str, str]) -> Response | Stream:
        if len(request_line) != 3 or not request_line[2].startswith("HTTP/"):
            return error_response(400, "malformed request line")
        method, target = request_line[0], request_line[1]
        if self._token is not None and not hmac.compare_digest(
            headers.get("authorization", "").encode("latin-1"), self._token
        ):
            return Response(401, b'{"error": "a bearer token is required"}', headers=(("WWW-Authenticate", "Bearer"),))
        if method != "GET":
            return error_response(405, "only GET is served")
        parts = urllib.parse.urlsplit(target)
        handler = self.routes.find(parts.path)
        if handler is None:
            return error_response(404, f"no such path: {parts.path[:200]}")
        try:
            query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        except ValueError:
            return error_response(400, "malformed query string")
        try:
            return handler(Request(method, parts.path, query, headers, self.agent))
        except HttpError as e:
            return error_response(e.status, e.reason)
        except Exception:
            log.exception("http: the handler of %s failed", parts.path)
            return Response(500, json.dumps({"error": "internal error"}).encode())

    def _stream(self, conn: socket.socket, wfile: Any, stream: Stream) -> None:
        with self._lock:
            self._streams.add(conn)
        try:
            conn.settimeout(10)
            wfile.write(_head(200, stream.content_type, None, stream.headers))
            wfile.flush()
            for chunk in stream.chunks:
                wfile.write(chunk)
                wfile.flush()
        finally:
            close = getattr(stream.chunks, "close", None)
            if close is not None:
                close()
            with self._lock:
                self._streams.discard(conn)

    def stream_count(self) -> int:
        with self._lock:
            return len(self._streams)

    def close(self) -> None:
        """Stop accepting, cut open streams, close the port."""
        self._closing = True
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        self._thread.join(5)
        with self._lock:
            streams = list(self._streams)
        for conn in streams:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._wake_r.close()
        self._wake_w.close()
