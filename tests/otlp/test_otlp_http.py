"""OTLP/HTTP transport against a real loopback HTTP server."""

from __future__ import annotations

import email.utils
import time

from otlp.servers import HttpReceiver, Reply, free_port, ok_response
from sysagent.model import Batch, MetricData, Point, Resource, Scope, gauge
from sysagent.otlp.encode import MetricsEncoder
from sysagent.otlp.http import HttpTransport, retry_after
from sysagent.otlp.resolve import resolve
from sysagent.otlp.settings import OtlpSettings

TOKEN = "s3cr3t-token-value"
HOST = Resource((("host.name", "h"),))
PAYLOAD = (
    MetricsEncoder()
    .encode([Batch(Scope("cpu", "1"), HOST, 10**18, (MetricData(gauge("g", "1"), (Point((), 0.5),)),))])
    .payload
)
#: google.rpc.Status{code: 3, message: "unmarshal error"}, as an OTLP/HTTP server sends it.
STATUS = b"\x08\x03\x12\x0funmarshal error"


def transport(url: str, **settings: object) -> HttpTransport:
    return HttpTransport(resolve(OtlpSettings.model_validate({"endpoint": url, **settings}), environ={}))


def test_posts_protobuf_to_v1_metrics_with_headers(receiver: HttpReceiver) -> None:
    t = transport(receiver.url, headers={"Authorization": f"Bearer {TOKEN}", "X-Tenant": "a"})
    outcome = t.send(PAYLOAD, 5.0)
    assert outcome == (True, False, None, 0, "")
    (got,) = receiver.received
    assert got.path == "/v1/metrics"
    assert got.headers["content-type"] == "application/x-protobuf"
    assert got.headers["authorization"] == f"Bearer {TOKEN}"
    assert got.headers["x-tenant"] == "a"
    assert got.headers["user-agent"].startswith("sysagent/")
    assert "content-encoding" not in got.headers
    assert got.payload == PAYLOAD
    assert got.request().resource_metrics[0].scope_metrics[0].metrics[0].name == "g"


def test_gzip_body_decodes_to_the_payload(receiver: HttpReceiver) -> None:
    outcome = transport(receiver.url, compression="gzip").send(PAYLOAD, 5.0)
    assert outcome.ok
    (got,) = receiver.received
    assert got.headers["content-encoding"] == "gzip"
    assert got.raw != PAYLOAD and got.payload == PAYLOAD


def test_keeps_the_connection_alive_and_reconnects_when_the_server_closed_it(receiver: HttpReceiver) -> None:
    t = transport(receiver.url)
    assert t.send(PAYLOAD, 5.0).ok and t.send(PAYLOAD, 5.0).ok
    first, second = receiver.received
    assert first.client_port == second.client_port
    receiver.replies.put(Reply(close=True))
    assert t.send(PAYLOAD, 5.0).ok
    assert t.send(PAYLOAD, 5.0).ok
    assert receiver.received[3].client_port != second.client_port
    t.close()


def test_partial_success_is_ok_with_rejected_points(receiver: HttpReceiver) -> None:
    receiver.replies.put(Reply(body=ok_response(3, "bad unit")))
    outcome = transport(receiver.url).send(PAYLOAD, 5.0)
    assert (outcome.ok, outcome.retryable, outcome.rejected_points) == (True, False, 3)
    assert "bad unit" in outcome.error


def test_429_with_retry_after_seconds_is_retryable(receiver: HttpReceiver) -> None:
    receiver.replies.put(Reply(429, b"slow down", {"Retry-After": "7", "Content-Type": "text/plain"}))
    outcome = transport(receiver.url).send(PAYLOAD, 5.0)
    assert (outcome.ok, outcome.retryable, outcome.retry_after) == (False, True, 7.0)
    assert outcome.error == "HTTP 429 Too Many Requests: slow down"


def test_503_with_an_http_date_is_retryable(receiver: HttpReceiver) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    receiver.replies.put(Reply(503, b"", {"Retry-After": when}))
    outcome = transport(receiver.url).send(PAYLOAD, 5.0)
    assert outcome.retryable and not outcome.ok
    assert outcome.retry_after is not None and 25 <= outcome.retry_after <= 31


def test_502_and_504_are_retryable_without_retry_after(receiver: HttpReceiver) -> None:
    t = transport(receiver.url)
    for status in (502, 504):
        receiver.replies.put(Reply(status))
        outcome = t.send(PAYLOAD, 5.0)
        assert (outcome.ok, outcome.retryable, outcome.retry_after) == (False, True, None)


def test_400_is_a_refusal_with_the_servers_message(receiver: HttpReceiver) -> None:
    receiver.replies.put(Reply(400, STATUS, {"Content-Type": "application/x-protobuf", "Retry-After": "5"}))
    outcome = transport(receiver.url).send(PAYLOAD, 5.0)
    assert (outcome.ok, outcome.retryable, outcome.retry_after) == (False, False, None)
    assert outcome.error == "HTTP 400 Bad Request: unmarshal error"


def test_401_error_never_shows_the_token_even_when_echoed(receiver: HttpReceiver) -> None:
    receiver.replies.put(Reply(401, f"bad token Bearer {TOKEN}".encode(), {"Content-Type": "text/plain"}))
    outcome = transport(receiver.url, headers={"Authorization": f"Bearer {TOKEN}"}).send(PAYLOAD, 5.0)
    assert (outcome.ok, outcome.retryable) == (False, False)
    assert outcome.error.startswith("HTTP 401 Unauthorized")
    assert TOKEN not in outcome.error


def test_connection_refused_is_retryable_and_names_the_endpoint() -> None:
    port = free_port()
    outcome = transport(f"http://127.0.0.1:{port}", headers={"Authorization": TOKEN}).send(PAYLOAD, 2.0)
    assert (outcome.ok, outcome.retryable) == (False, True)
    assert f"127.0.0.1:{port}" in outcome.error and "refused" in outcome.error.lower()


def test_an_endpoint_with_the_path_is_used_as_is(receiver: HttpReceiver) -> None:
    assert transport(f"{receiver.url}/custom/v1/metrics").send(PAYLOAD, 5.0).ok
    assert receiver.received[0].path == "/custom/v1/metrics"


def test_retry_after_parsing() -> None:
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after("2.5") == 2.5 and retry_after("-3") == 0.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 - 60) == 60.0
