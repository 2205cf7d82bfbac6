"""A plain OTLP/HTTP receiver standing in for a vendor's endpoint: records each request."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    request: ExportMetricsServiceRequest


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)

    def metric_names(self) -> set[str]:
        return {
            m.name
            for r in self.requests
            for rm in r.request.resource_metrics
            for sm in rm.scope_metrics
            for m in sm.metrics
        }


@contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    """An HTTP server on a free loopback port that answers 200 to OTLP metric exports."""
    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            req = ExportMetricsServiceRequest()
            req.ParseFromString(body)
            received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, req))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_port}", received)
    finally:
        server.shutdown()
        server.server_close()
