"""The one HTTP server: routing, one-line 400s, the bearer token off loopback, the connection bound."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sysagent.http import HttpError, Request, Response, Routes, Server, Stream, json_response
from sysagent.http.auth import is_loopback, load_token


def call(server: Server, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request(method, path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


def echo(req: Request) -> Response:
    if "n" in req.query and not req.query["n"].isdigit():
        raise HttpError(400, f"n: expected a whole number, got {req.query['n']!r}")
    return json_response({"path": req.path, "query": dict(req.query)})


@pytest.fixture
def server() -> Iterator[Server]:
    routes = Routes()
    routes.add("/echo", echo)
    routes.add("/files/", echo)
    s = Server("127.0.0.1", 0, routes)
    yield s
    s.close()


def test_routes_answer_by_exact_path_and_prefix(server: Server) -> None:
    assert json.loads(call(server, "/echo?n=3")[1]) == {"path": "/echo", "query": {"n": "3"}}
    assert json.loads(call(server, "/files/a/b")[1])["path"] == "/files/a/b"
    code, body = call(server, "/nothing")
    assert code == 404 and json.loads(body) == {"error": "no such path: /nothing"}


def test_bad_query_parameter_is_400_with_one_line(server: Server) -> None:
    code, body = call(server, "/echo?n=abc")
    assert code == 400
    assert json.loads(body) == {"error": "n: expected a whole number, got 'abc'"}
    assert b"\n" not in body


def test_only_get_is_served(server: Server) -> None:
    assert call(server, "/echo", "POST")[0] == 405


def test_a_path_cannot_be_served_twice() -> None:
    routes = Routes()
    routes.add("/x", echo)
    with pytest.raises(ValueError, match="already served"):
        routes.add("/x", echo)


def test_token_is_required_and_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    routes = Routes()
    routes.add("/echo", echo)
    s = Server("127.0.0.1", 0, routes, token="s3cret-token")
    try:
        with caplog.at_level(logging.DEBUG):
            assert call(s, "/echo")[0] == 401
            assert call(s, "/echo", headers={"Authorization": "Bearer wrong"})[0] == 401
            assert call(s, "/echo", headers={"Authorization": "Bearer s3cret-token"})[0] == 200
        assert "s3cret" not in caplog.text and "wrong" not in caplog.text
    finally:
        s.close()


def test_connections_beyond_the_bound_get_503() -> None:
    release = threading.Event()

    def hold(req: Request) -> Stream:
        def chunks() -> Iterator[bytes]:
            yield b"data: 1\n\n"
            release.wait(10)

        return Stream(chunks())

    routes = Routes()
    routes.add("/hold", hold)
    routes.add("/echo", echo)
    s = Server("127.0.0.1", 0, routes, max_connections=2)
    held = []
    try:
        for _ in range(2):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            c.sendall(b"GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"200 OK" in c.recv(4096)
            held.append(c)
        assert call(s, "/echo")[0] == 503
        release.set()
        for c in held:
            c.close()
        assert any(call(s, "/echo")[0] == 200 for _ in range(50))
    finally:
        release.set()
        s.close()


def test_token_sources(tmp_path: Path) -> None:
    f = tmp_path / "token"
    f.write_text("abc\n")
    assert load_token(str(f), None) == "abc"
    assert load_token(None, "TOK", {"TOK": " xyz "}) == "xyz"
    assert load_token(None, None) is None
    with pytest.raises(ValueError, match="unset or empty"):
        load_token(None, "TOK", {})
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")


def test_validate_refuses_a_public_endpoint_without_a_token(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("agent: {status: {host: 0.0.0.0}}\n")
    out = subprocess.run(
        [sys.executable, "-m", "sysagent", "config", "validate", str(cfg)],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    lines = (out.stderr + out.stdout).strip().splitlines()
    assert len(lines) == 1 and "token_file or token_env" in lines[0], lines
