"""Our encoded payloads through a real OpenTelemetry Collector, over OTLP/HTTP and OTLP/gRPC.

The Collector (built by otel-collector/build.sh) receives what the transports
send, decodes it with its own pdata code and forwards it with its otlp_http
exporter to a loopback receiver here; what arrives there must be what we sent.
Its bearertokenauth extension guards a second pair of ports for the refusal case.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from otlp.servers import HttpReceiver, free_port
from otlp.test_otlp_encode import host_batch
from sysagent.otlp.encode import MetricsEncoder
from sysagent.otlp.grpc import GrpcTransport
from sysagent.otlp.http import HttpTransport
from sysagent.otlp.resolve import resolve
from sysagent.otlp.settings import OtlpSettings
from sysagent.otlp.transport import Transport

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "collector-test-token-1234"


@dataclass
class Collector:
    grpc: int
    http: int
    grpc_auth: int
    http_auth: int
    downstream: HttpReceiver


@pytest.fixture(scope="module")
def collector_binary() -> str:
    done = subprocess.run(
        [str(ROOT / "otel-collector" / "build.sh")], capture_output=True, text=True, timeout=3600, check=False
    )
    assert done.returncode == 0, f"otel-collector/build.sh failed:\n{done.stderr[-3000:]}"
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def collector(collector_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    downstream = HttpReceiver()
    ports = Collector(free_port(), free_port(), free_port(), free_port(), downstream)
    folder = tmp_path_factory.mktemp("otelcol")
    config = folder / "config.yaml"
    config.write_text(f"""
extensions:
  bearertokenauth:
    token: "{TOKEN}"
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{ports.grpc}"}}
      http: {{endpoint: "127.0.0.1:{ports.http}"}}
  otlp/auth:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{ports.grpc_auth}", auth: {{authenticator: bearertokenauth}}}}
      http: {{endpoint: "127.0.0.1:{ports.http_auth}", auth: {{authenticator: bearertokenauth}}}}
exporters:
  otlp_http:
    endpoint: "{downstream.url}"
    compression: none
    retry_on_failure: {{enabled: false}}
    sending_queue: {{enabled: false}}
service:
  extensions: [bearertokenauth]
  telemetry:
    metrics: {{level: none}}
  pipelines:
    metrics:
      receivers: [otlp, otlp/auth]
      exporters: [otlp_http]
""")
    log = (folder / "collector.log").open("wb")
    proc = subprocess.Popen([collector_binary, "--config", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_ports(proc, folder / "collector.log", [ports.grpc, ports.http, ports.grpc_auth, ports.http_auth])
        yield ports
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
        downstream.close()


def _wait_for_ports(proc: subprocess.Popen[bytes], log: Path, ports: list[int]) -> None:
    import socket

    deadline = time.monotonic() + 30
    pending = list(ports)
    while pending:
        assert proc.poll() is None, f"the Collector exited:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"the Collector did not listen on {pending}:\n{log.read_text()[-3000:]}"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", pending[0])) == 0:
                pending.pop(0)
                continue
        time.sleep(0.1)


def _transport(port: int, protocol: str, **settings: object) -> Transport:
    config = OtlpSettings.model_validate({"endpoint": f"http://127.0.0.1:{port}", "protocol": protocol, **settings})
    endpoint = resolve(config, environ={})
    return GrpcTransport(endpoint) if protocol == "grpc" else HttpTransport(endpoint)


def _forwarded(downstream: HttpReceiver, count: int) -> list[ExportMetricsServiceRequest]:
    deadline = time.monotonic() + 15
    while len(downstream.received) < count:
        assert time.monotonic() < deadline, f"the Collector forwarded {len(downstream.received)} of {count} requests"
        time.sleep(0.05)
    return [r.request() for r in downstream.received[:count]]


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_the_collector_receives_and_forwards_exactly_what_we_encoded(collector: Collector, protocol: str) -> None:
    collector.downstream.received.clear()
    sent = ExportMetricsServiceRequest()
    payload = MetricsEncoder().encode([host_batch()]).payload
    sent.ParseFromString(payload)
    port = collector.grpc if protocol == "grpc" else collector.http
    transport = _transport(port, protocol, compression="gzip")
    outcome = transport.send(payload, 10.0)
    transport.close()
    assert outcome == (True, False, None, 0, "")
    (forwarded,) = _forwarded(collector.downstream, 1)
    assert forwarded == sent
    metrics = forwarded.resource_metrics[0].scope_metrics[0].metrics
    assert [m.name for m in metrics] == ["system.cpu.time", "system.memory.usage", "system.cpu.utilization"]


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_bearer_token_auth_lets_the_right_token_through_and_refuses_others(collector: Collector, protocol: str) -> None:
    port = collector.grpc_auth if protocol == "grpc" else collector.http_auth
    payload = MetricsEncoder().encode([host_batch()]).payload
    good = _transport(port, protocol, headers={"Authorization": f"Bearer {TOKEN}"}).send(payload, 10.0)
    wrong = _transport(port, protocol, headers={"Authorization": "Bearer wrong-token-5678"}).send(payload, 10.0)
    missing = _transport(port, protocol).send(payload, 10.0)
    assert good.ok
    for outcome in (wrong, missing):
        assert (outcome.ok, outcome.retryable) == (False, False)
        assert ("401" in outcome.error) if protocol != "grpc" else outcome.error.startswith("gRPC UNAUTHENTICATED")
        assert "wrong-token-5678" not in outcome.error
