"""TLS and mutual TLS for both transports, with a CA and certificates made by the test."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import grpc
import pytest

from otlp.certs import Certs
from otlp.servers import HttpReceiver, grpc_receiver, ok_response
from otlp.test_otlp_http import PAYLOAD
from sysagent.errors import ConfigError
from sysagent.otlp.grpc import GrpcTransport
from sysagent.otlp.http import HttpTransport
from sysagent.otlp.resolve import resolve
from sysagent.otlp.settings import OtlpSettings


def server_context(certs: Certs, require_client: bool) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs.server_cert, certs.server_key)
    if require_client:
        ctx.load_verify_locations(certs.ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


@pytest.fixture
def mtls_receiver(certs: Certs) -> Iterator[HttpReceiver]:
    r = HttpReceiver(server_context(certs, require_client=True))
    yield r
    r.close()


def http(port: int, **tls: object) -> HttpTransport:
    settings = OtlpSettings.model_validate({"endpoint": f"https://localhost:{port}", "tls": tls})
    return HttpTransport(resolve(settings, {}))


def test_https_with_mutual_tls(certs: Certs, mtls_receiver: HttpReceiver) -> None:
    files = {"ca_file": str(certs.ca), "cert_file": str(certs.client_cert), "key_file": str(certs.client_key)}
    t = http(mtls_receiver.port, **files)
    assert t.send(PAYLOAD, 5.0).ok
    assert mtls_receiver.received[0].payload == PAYLOAD


def test_https_without_the_client_certificate_fails(certs: Certs, mtls_receiver: HttpReceiver) -> None:
    outcome = http(mtls_receiver.port, ca_file=str(certs.ca)).send(PAYLOAD, 5.0)
    assert not outcome.ok and outcome.retryable and f"localhost:{mtls_receiver.port}" in outcome.error
    assert not mtls_receiver.received


def test_https_rejects_a_server_signed_by_another_ca(certs: Certs) -> None:
    r = HttpReceiver(server_context(certs, require_client=False))
    try:
        outcome = http(r.port, ca_file=str(certs.other_ca)).send(PAYLOAD, 5.0)
        assert not outcome.ok and "CERTIFICATE_VERIFY_FAILED" in outcome.error
        assert http(r.port, ca_file=str(certs.other_ca), insecure_skip_verify=True).send(PAYLOAD, 5.0).ok
    finally:
        r.close()


def test_unreadable_tls_files_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"sinks\.otlp\.tls"):
        http(4318, ca_file="/nonexistent/ca.pem")


def grpc_creds(certs: Certs, require_client: bool) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(certs.server_key.read_bytes(), certs.server_cert.read_bytes())],
        root_certificates=certs.ca.read_bytes() if require_client else None,
        require_client_auth=require_client,
    )


def grpc_transport(port: int, endpoint: str = "https://localhost", **tls: object) -> GrpcTransport:
    settings = OtlpSettings.model_validate({"endpoint": f"{endpoint}:{port}", "protocol": "grpc", "tls": tls})
    return GrpcTransport(resolve(settings, {}))


def test_grpc_with_mutual_tls(certs: Certs) -> None:
    with grpc_receiver(lambda req, ctx: ok_response(), grpc_creds(certs, True)) as (port, received):
        files = {"ca_file": str(certs.ca), "cert_file": str(certs.client_cert), "key_file": str(certs.client_key)}
        assert grpc_transport(port, **files).send(PAYLOAD, 5.0).ok
        # no scheme and insecure unset: TLS, as the OpenTelemetry specification says
        assert grpc_transport(port, "localhost", **files).send(PAYLOAD, 5.0).ok
        without_client = grpc_transport(port, ca_file=str(certs.ca)).send(PAYLOAD, 5.0)
    assert len(received) == 2
    assert not without_client.ok and without_client.retryable


def test_grpc_tls_rejects_a_server_signed_by_another_ca(certs: Certs) -> None:
    with grpc_receiver(lambda req, ctx: ok_response(), grpc_creds(certs, False)) as (port, received):
        assert not grpc_transport(port, ca_file=str(certs.other_ca)).send(PAYLOAD, 3.0).ok
        assert grpc_transport(port, ca_file=str(certs.ca)).send(PAYLOAD, 3.0).ok
    assert len(received) == 1
