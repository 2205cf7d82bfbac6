"""Real loopback servers for the transport tests: an OTLP/HTTP receiver and an OTLP/gRPC one.

Both record what arrives (decoded with the official protobuf classes) and answer
from a script of responses the test sets, so each test sees the real wire
behaviour of http.client and grpcio.
"""

from __future__ import annotations

import gzip
import http.server
import queue
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes  # the body as sent (gzip or not)
    payload: bytes  # decompressed
    client_port: int

    def request(self) -> ExportMetricsServiceRequest:
        msg = ExportMetricsServiceRequest()
        msg.ParseFromString(self.payload)
        return msg


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/x-protobuf"})
    close: bool = False


class HttpReceiver:
    """A threaded HTTP server on 127.0.0.1; replies pop from ``replies`` (default: 200 empty)."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.received: list[Received] = []
        self.replies: queue.Queue[Reply] = queue.Queue()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                payload = gzip.decompress(raw) if self.headers.get("Content-Encoding") == "gzip" else raw
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append(Received(self.path, headers, raw, payload, self.client_address[1]))
                reply = receiver.replies.get_nowait() if not receiver.replies.empty() else Reply()
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                if reply.close:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if context is not None:
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


Handler = Callable[[bytes, Any], bytes]


@contextmanager
def grpc_receiver(
    handler: Handler, credentials: grpc.ServerCredentials | None = None
) -> Iterator[tuple[int, list[tuple[ExportMetricsServiceRequest, dict[str, str]]]]]:
    """A grpc.server with a generic handler for MetricsService/Export; yields (port, received)."""
    received: list[tuple[ExportMetricsServiceRequest, dict[str, str]]] = []

    def export(request: bytes, context: grpc.ServicerContext) -> bytes:
        msg = ExportMetricsServiceRequest()
        msg.ParseFromString(request)
        received.append((msg, {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}))
        return handler(request, context)

    service = grpc.method_handlers_generic_handler(
        "opentelemetry.proto.collector.metrics.v1.MetricsService",
        {"Export": grpc.unary_unary_rpc_method_handler(export)},
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=(service,))
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    try:
        yield port, received
    finally:
        server.stop(None)


def ok_response(rejected: int = 0, message: str = "") -> bytes:
    msg = ExportMetricsServiceResponse()
    if rejected or message:
        msg.partial_success.rejected_data_points = rejected
        msg.partial_success.error_message = message
    return bytes(msg.SerializeToString())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
