"""A scripted Transport for sender tests: the component under test is the queue and the sender, not HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.metrics.v1.metrics_pb2 import Metric, ResourceMetrics, ScopeMetrics

from sysagent.otlp.transport import SendOutcome

OK = SendOutcome(True, False, None, 0, "")
UNAVAILABLE = SendOutcome(False, True, None, 0, "HTTP 503 Service Unavailable")


def throttled(seconds: float) -> SendOutcome:
    return SendOutcome(False, True, seconds, 0, "HTTP 429 Too Many Requests")


def refused(message: str = "HTTP 400 Bad Request: bad data") -> SendOutcome:
    return SendOutcome(False, False, None, 0, message)


class ScriptedTransport:
    """Answers each request from ``script`` (then ``default``); records every payload it was sent."""

    def __init__(
        self,
        script: list[SendOutcome] | None = None,
        *,
        default: SendOutcome = OK,
        decide: Callable[[bytes], SendOutcome] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.script = list(script or [])
        self.default = default
        self.decide = decide
        self.delay = delay
        self.sent: list[bytes] = []  # every request, whatever its outcome
        self.accepted: list[bytes] = []
        self.timeouts: list[float] = []
        self.lock = threading.Lock()

    def send(self, payload: bytes, timeout: float) -> SendOutcome:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.sent.append(payload)
            self.timeouts.append(timeout)
            if self.decide is not None:
                outcome = self.decide(payload)
            else:
                outcome = self.script.pop(0) if self.script else self.default
            if outcome.ok:
                self.accepted.append(payload)
            return outcome

    def close(self) -> None:
        pass


def otlp_request(i: int) -> bytes:
    """A one-point ExportMetricsServiceRequest whose gauge value is ``i``."""
    metric = Metric(name="test.value", unit="1")
    point = metric.gauge.data_points.add()
    point.as_int = i
    point.time_unix_nano = 1_700_000_000_000_000_000 + i
    rm = ResourceMetrics(scope_metrics=[ScopeMetrics(metrics=[metric])])
    data: bytes = ExportMetricsServiceRequest(resource_metrics=[rm]).SerializeToString()
    return data
