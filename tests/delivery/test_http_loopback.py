"""The sender through the real OTLP/HTTP transport against a real HTTP server on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsPartialSuccess,
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

from delivery.fakes import otlp_request
from sysagent.delivery import PARTIAL, REJECTED, DurableQueue, Sender
from sysagent.otlp.http import HttpTransport
from sysagent.otlp.resolve import HTTP, Endpoint

Answer = tuple[int, dict[str, str], bytes]


class Receiver:
    """An OTLP/HTTP receiver that answers from a script, then 200; it records when each request came."""

    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.requests: list[tuple[float, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((time.monotonic(), body))
                status, headers, data = receiver.script.pop(0) if receiver.script else (200, {}, b"")
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/metrics"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def values(self, indexes: list[int]) -> list[int]:
        out: list[int] = []
        for i in indexes:
            req = ExportMetricsServiceRequest.FromString(self.requests[i][1])
            out += [rm.scope_metrics[0].metrics[0].gauge.data_points[0].as_int for rm in req.resource_metrics]
        return out


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def make_sender(tmp_path: Path, receiver: Receiver, **kw: float) -> tuple[DurableQueue, Sender]:
    queue = DurableQueue(str(tmp_path / "q.db"), max_bytes=10**8, max_age=86400)
    transport = HttpTransport(Endpoint(protocol=HTTP, url=receiver.url, target="", secure=False))
    return queue, Sender(queue, transport, name="otlp-test", **kw)  # type: ignore[arg-type]


def test_429_and_503_with_retry_after_are_waited_out_then_everything_lands_in_order(
    tmp_path: Path, receiver: Receiver
) -> None:
    receiver.script = [(429, {"Retry-After": "1"}, b""), (503, {"Retry-After": "1"}, b"")]
    queue, sender = make_sender(tmp_path, receiver, backoff_initial=0.01, backoff_max=0.02)
    for i in range(20):
        queue.put(otlp_request(i), points=1, created_ns=time.time_ns())
    sender.start()
    assert sender.flush(timeout=20)
    sender.stop(2)
    times = [t for t, _ in receiver.requests]
    assert len(times) == 3
    assert times[1] - times[0] >= 1.0 and times[2] - times[1] >= 1.0  # waited as told, not the 20 ms backoff
    assert receiver.values([2]) == list(range(20))  # the backlog went in one combined request
    stats = sender.stats()
    assert (stats.retries, stats.points_retried, stats.points_sent) == (2, 40, 20)
    assert stats.last_success is not None and stats.failing_since is None
    queue.close()


def test_refusals_and_partial_success_from_a_real_server_are_counted(tmp_path: Path, receiver: Receiver) -> None:
    partial = ExportMetricsServiceResponse(
        partial_success=ExportMetricsPartialSuccess(rejected_data_points=1, error_message="too old")
    ).SerializeToString()
    refusal: Answer = (400, {}, b"bad data")
    receiver.script = [refusal, refusal, (200, {}, partial)]
    queue, sender = make_sender(tmp_path, receiver)
    for i in range(3):
        queue.put(otlp_request(i), points=1, created_ns=time.time_ns())
    sender.stop(5)  # not started: drains inline
    # all three refused together -> one by one: item 0 refused (dropped), item 1 partly accepted, item 2 accepted
    assert [len(ExportMetricsServiceRequest.FromString(b).resource_metrics) for _, b in receiver.requests] == [
        3,
        1,
        1,
        1,
    ]
    stats = sender.stats()
    assert stats.dropped_points == {REJECTED: 1, PARTIAL: 1}
    assert stats.points_sent == 1 and queue.stats().items == 0
    assert "HTTP 400" in stats.last_error
    queue.close()
