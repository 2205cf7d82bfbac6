"""The OTLP/HTTP client's reading of answers framed every way HTTP/1.x allows, from a raw socket server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from otlp.test_otlp_http import PAYLOAD, TOKEN, transport
from sysagent.errors import ConfigError
from sysagent.otlp.resolve import resolve
from sysagent.otlp.settings import OtlpSettings


class RawServer:
    """Accepts connections on 127.0.0.1 and answers each request with the next canned bytes."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.requests: list[bytes] = []
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.answers:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                while self.answers:
                    request = self._read_request(conn)
                    if request is None:
                        break
                    self.requests.append(request)
                    answer = self.answers.pop(0)
                    conn.sendall(answer)
                    if b"Connection: close" in answer or (b"Content-Length" not in answer and b"chunked" not in answer):
                        break

    @staticmethod
    def _read_request(conn: socket.socket) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Length:")).split()[1])
        while len(body) < length:
            body += conn.recv(65536)
        return head + b"\r\n\r\n" + body

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[RawServer]:
    s = RawServer(list(request.param))
    yield s
    s.close()


OK_CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
ERROR_CHUNKED = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 4\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nbusy \r\n5\r\nagain\r\n0\r\nX-Trailer: t\r\n\r\n"
)


@pytest.mark.parametrize("server", [[ERROR_CHUNKED, OK_CHUNKED]], indirect=True)
def test_chunked_answers_are_read_whole_and_the_connection_kept(server: RawServer) -> None:
    t = transport(server.url)
    first = t.send(PAYLOAD, 5.0)
    assert (first.ok, first.retryable, first.retry_after) == (False, True, 4.0)
    assert first.error == "HTTP 503 Service Unavailable: busy again"
    assert t.send(PAYLOAD, 5.0).ok
    assert server.connections == 1
    t.close()


@pytest.mark.parametrize(
    "server",
    [[b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nno such tenant", b"HTTP/1.1 200 OK\r\n\r\n"]],
    indirect=True,
)
def test_an_answer_ended_by_closing_is_read_to_the_end_then_a_new_connection_is_made(server: RawServer) -> None:
    t = transport(server.url)
    refused = t.send(PAYLOAD, 5.0)
    assert (refused.ok, refused.retryable, refused.error) == (False, False, "HTTP 400 Bad Request: no such tenant")
    assert t.send(PAYLOAD, 5.0).ok
    assert server.connections == 2


@pytest.mark.parametrize(
    "server", [[b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]], indirect=True
)
def test_interim_answers_are_skipped(server: RawServer) -> None:
    assert transport(server.url).send(PAYLOAD, 5.0).ok


@pytest.mark.parametrize("server", [[b"SSH-2.0-OpenSSH_9.2\r\n"]], indirect=True)
def test_a_server_that_does_not_speak_http_is_a_retryable_failure_naming_it(server: RawServer) -> None:
    outcome = transport(server.url, headers={"Authorization": TOKEN}).send(PAYLOAD, 5.0)
    assert (outcome.ok, outcome.retryable) == (False, True)
    assert "not an HTTP answer" in outcome.error and TOKEN not in outcome.error


@pytest.mark.parametrize("server", [[b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]], indirect=True)
def test_the_request_is_http_1_1_with_host_and_length(server: RawServer) -> None:
    assert transport(server.url + "/otlp/v1/metrics?tenant=a").send(PAYLOAD, 5.0).ok
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /otlp/v1/metrics?tenant=a HTTP/1.1"
    assert f"Host: {server.url.removeprefix('http://')}".encode() in lines
    assert f"Content-Length: {len(PAYLOAD)}".encode() in lines
    assert body == PAYLOAD


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "caf\u00e9\u2603"])
def test_header_values_that_cannot_go_on_the_wire_are_config_errors(value: str) -> None:
    with pytest.raises(ConfigError) as e:
        resolve(
            OtlpSettings.model_validate({"endpoint": "http://127.0.0.1:1", "headers": {"X-T": "ok"}}),
            environ={"OTEL_EXPORTER_OTLP_HEADERS": "x-key=" + value.replace("\r\n", "%0D%0A")},
        )
    assert "x-key" in str(e.value) and value not in str(e.value)
