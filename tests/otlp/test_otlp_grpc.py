"""OTLP/gRPC transport against a real grpc server with a generic MetricsService handler."""

from __future__ import annotations

from typing import Any

import grpc
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from otlp.servers import free_port, grpc_receiver, ok_response
from otlp.test_otlp_http import PAYLOAD, TOKEN
from sysagent.otlp.grpc import GrpcTransport
from sysagent.otlp.resolve import resolve
from sysagent.otlp.settings import OtlpSettings


def transport(port: int, **settings: object) -> GrpcTransport:
    base = {"endpoint": f"http://127.0.0.1:{port}", "protocol": "grpc"}
    return GrpcTransport(resolve(OtlpSettings.model_validate({**base, **settings}), environ={}))


def retry_info_status(seconds: int, nanos: int) -> bytes:
    """google.rpc.Status{code: 14, details: [Any(RetryInfo{retry_delay: {seconds, nanos}})]}, by hand."""
    duration = b"\x08" + bytes([seconds]) + b"\x10" + _varint(nanos)
    retry_info = b"\x0a" + bytes([len(duration)]) + duration
    type_url = b"type.googleapis.com/google.rpc.RetryInfo"
    any_ = b"\x0a" + bytes([len(type_url)]) + type_url + b"\x12" + bytes([len(retry_info)]) + retry_info
    return b"\x08\x0e\x1a" + bytes([len(any_)]) + any_


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def test_ok_sends_the_payload_and_metadata() -> None:
    with grpc_receiver(lambda req, ctx: ok_response()) as (port, received):
        t = transport(port, headers={"Authorization": f"Bearer {TOKEN}"}, compression="gzip")
        assert t.send(PAYLOAD, 5.0) == (True, False, None, 0, "")
        assert t.send(PAYLOAD, 5.0).ok
        t.close()
    (msg, metadata), _ = received
    expected = ExportMetricsServiceRequest()
    expected.ParseFromString(PAYLOAD)
    assert msg == expected
    assert metadata["authorization"] == f"Bearer {TOKEN}"
    assert metadata["user-agent"].startswith("sysagent/")


def test_partial_success() -> None:
    with grpc_receiver(lambda req, ctx: ok_response(2, "too old")) as (port, _):
        outcome = transport(port).send(PAYLOAD, 5.0)
    assert (outcome.ok, outcome.rejected_points) == (True, 2) and "too old" in outcome.error


def test_unavailable_is_retryable_and_honours_retry_info() -> None:
    def handler(request: bytes, context: Any) -> bytes:
        context.set_trailing_metadata((("grpc-status-details-bin", retry_info_status(3, 500_000_000)),))
        context.abort(grpc.StatusCode.UNAVAILABLE, "collector is overloaded")
        raise AssertionError

    with grpc_receiver(handler) as (port, _):
        outcome = transport(port).send(PAYLOAD, 5.0)
    assert (outcome.ok, outcome.retryable, outcome.retry_after) == (False, True, 3.5)
    assert outcome.error == "gRPC UNAVAILABLE: collector is overloaded"


def test_resource_exhausted_is_retryable() -> None:
    def handler(request: bytes, context: Any) -> bytes:
        context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "memory limit")
        raise AssertionError

    with grpc_receiver(handler) as (port, _):
        outcome = transport(port).send(PAYLOAD, 5.0)
    assert (outcome.ok, outcome.retryable, outcome.retry_after) == (False, True, None)


def test_unauthenticated_is_a_refusal_without_the_token() -> None:
    def handler(request: bytes, context: Any) -> bytes:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, f"bad token {TOKEN}")
        raise AssertionError

    with grpc_receiver(handler) as (port, _):
        outcome = transport(port, headers={"authorization": TOKEN}).send(PAYLOAD, 5.0)
    assert (outcome.ok, outcome.retryable) == (False, False)
    assert outcome.error.startswith("gRPC UNAUTHENTICATED") and TOKEN not in outcome.error


def test_nobody_listening_is_retryable() -> None:
    outcome = transport(free_port()).send(PAYLOAD, 2.0)
    assert (outcome.ok, outcome.retryable) == (False, True)
    assert outcome.error.startswith("gRPC UNAVAILABLE")
