"""OTLP/HTTP with protobuf bodies over one kept-alive connection.

The client is a small HTTP/1.1 writer and reader on a plain socket (wrapped in
TLS for https) rather than ``http.client``: an export is one POST with a fixed
set of headers, and ``http.client`` parses every answer's headers with the
``email`` package, which cost more CPU per request than the rest of the send and
kept ``email`` in memory. Answers may come with a Content-Length, chunked, or
delimited by the server closing the connection.

Answers are classified as the OTLP specification says: 2xx is success (maybe
partial), 429/502/503/504 and connection failures are worth retrying (after
Retry-After when given), any other status is a refusal that retrying will not fix.
"""

from __future__ import annotations

import socket
import threading
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, BinaryIO

from sysagent._version import __version__
from sysagent.delivery.backoff import parse_retry_after as retry_after
from sysagent.errors import ConfigError
from sysagent.otlp.resolve import Endpoint
from sysagent.otlp.status import partial_success, status_message
from sysagent.otlp.transport import SendOutcome, scrub

if TYPE_CHECKING:
    import ssl

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
#: An answer's status line and headers together, and one chunk-size line, at most.
_MAX_HEAD = 64 * 1024
#: An answer's body at most (OTLP answers are a few bytes; error pages are small).
_MAX_BODY = 4 * 1024 * 1024


class ProtocolError(OSError):
    """The server's answer is not HTTP/1.x as expected."""


class _Stale(OSError):
    """A kept-alive connection the server had closed before this request."""


class _Answer:
    __slots__ = ("body", "headers", "reason", "status", "will_close")

    def __init__(self, status: int, reason: str, headers: dict[str, str], body: bytes, will_close: bool) -> None:
        self.status, self.reason, self.headers, self.body, self.will_close = status, reason, headers, body, will_close


class HttpTransport:
    """POSTs serialized ExportMetricsServiceRequests to ``endpoint.url``."""

    def __init__(self, endpoint: Endpoint) -> None:
        parts = urllib.parse.urlsplit(endpoint.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (443 if self._https else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._gzip = endpoint.compression == "gzip"
        host = f"[{self._host}]" if ":" in self._host else self._host
        default_port = 443 if self._https else 80
        headers = {
            "Host": host if self._port == default_port else f"{host}:{self._port}",
            "Content-Type": "application/x-protobuf",
            "User-Agent": f"sysagent/{__version__}",
        }
        if self._gzip:
            headers["Content-Encoding"] = "gzip"
        headers.update(endpoint.headers)  # one line of Latin-1 each (resolve checked)
        lines = [f"POST {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
        self._secrets = tuple(v for v in endpoint.headers.values() if v)
        self._ssl = ssl_context(endpoint) if self._https else None
        self._sock: socket.socket | None = None
        self._reader: BinaryIO | None = None
        self._lock = threading.Lock()

    def send(self, payload: bytes, timeout: float) -> SendOutcome:
        if self._gzip:
            import gzip

            body = gzip.compress(payload, compresslevel=6, mtime=0)
        else:
            body = payload
        request = b"%s%d\r\n\r\n%s" % (self._head, len(body), body)
        with self._lock:
            for attempt in (1, 2):
                reused = self._sock is not None
                try:
                    sock, reader = self._connect(timeout)
                    sock.sendall(request)
                    answer = _read_answer(reader, reused)
                except _Stale as e:
                    self._close()
                    if attempt == 1:
                        continue  # the server closed an idle kept-alive connection: reconnect once
                    return self._failure(e)
                except (OSError, ValueError) as e:
                    self._close()
                    if reused and attempt == 1 and isinstance(e, (BrokenPipeError, ConnectionResetError)):
                        continue
                    return self._failure(e)
                if answer.will_close:
                    self._close()
                return self._classify(answer.status, answer.reason, answer.headers, answer.body)
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._close()

    def _connect(self, timeout: float) -> tuple[socket.socket, BinaryIO]:
        if self._sock is not None and self._reader is not None:
            self._sock.settimeout(timeout)
            return self._sock, self._reader
        sock = socket.create_connection((self._host, self._port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._ssl is not None:
                sock = self._ssl.wrap_socket(sock, server_hostname=self._host)
        except BaseException:
            sock.close()
            raise
        self._sock, self._reader = sock, sock.makefile("rb")
        return sock, self._reader

    def _close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._sock is not None:
            self._sock.close()
        self._sock = self._reader = None

    def _failure(self, error: BaseException) -> SendOutcome:
        text = str(error) or type(error).__name__
        where = f"{self._host}:{self._port}"
        return SendOutcome(False, True, None, 0, scrub(f"cannot reach {where}: {text}", self._secrets))

    def _classify(self, status: int, reason: str, headers: Mapping[str, str], data: bytes) -> SendOutcome:
        protobuf = "protobuf" in headers.get("content-type", "")
        if 200 <= status < 300:
            rejected, message = partial_success(data) if protobuf and data else (0, "")
            error = scrub(f"partial success: {rejected} points rejected: {message}", self._secrets) if rejected else ""
            return SendOutcome(True, False, None, max(rejected, 0), error)
        detail = status_message(data) if protobuf else data[:300].decode("utf-8", "replace")
        text = f"HTTP {status} {reason}" + (f": {detail}" if detail.strip() else "")
        retryable = status in RETRYABLE_STATUS
        delay = retry_after(headers.get("retry-after")) if retryable else None
        return SendOutcome(False, retryable, delay, 0, scrub(text, self._secrets))


def _line(reader: BinaryIO) -> bytes:
    line = reader.readline(_MAX_HEAD + 1)
    if len(line) > _MAX_HEAD:
        raise ProtocolError("the server's answer has a line longer than 64 KiB")
    return line


def _read_answer(reader: BinaryIO, reused: bool) -> _Answer:
    """One HTTP/1.x answer (1xx interim answers skipped); see the module docstring."""
    while True:
        first = _line(reader)
        if not first:
            raise (_Stale if reused else ProtocolError)("the server closed the connection without answering")
        version, _, rest = first.rstrip(b"\r\n").partition(b" ")
        code, _, reason = rest.partition(b" ")
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise ProtocolError(f"not an HTTP answer: {first[:60]!r}")
        headers: dict[str, str] = {}
        size = 0
        while True:
            line = _line(reader)
            size += len(line)
            if size > _MAX_HEAD:
                raise ProtocolError("the server's answer headers are larger than 64 KiB")
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise ProtocolError("the server closed the connection in the answer's headers")
            name, colon, value = line.decode("latin-1").partition(":")
            if colon:
                key = name.strip().lower()
                value = value.strip()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
        status = int(code)
        if status >= 200 or status == 101:
            break
    connection = headers.get("connection", "").lower()
    will_close = "close" in connection or (version == b"HTTP/1.0" and "keep-alive" not in connection)
    if status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(reader)
    elif "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise ProtocolError(f"bad Content-Length {headers['content-length'][:20]!r}") from None
        if not 0 <= length <= _MAX_BODY:
            raise ProtocolError(f"answer body of {length} bytes is out of bounds")
        body = reader.read(length)
        if len(body) < length:
            raise ProtocolError("the server closed the connection in the answer's body")
    else:  # delimited by the server closing the connection
        body = reader.read(_MAX_BODY)
        will_close = True
    return _Answer(status, reason.decode("latin-1"), headers, body, will_close)


def _read_chunked(reader: BinaryIO) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        line = _line(reader)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise ProtocolError(f"bad chunk size line {line[:20]!r}") from None
        if size == 0:
            break
        total += size
        if total > _MAX_BODY:
            raise ProtocolError(f"answer body over {_MAX_BODY} bytes")
        chunk = reader.read(size)
        if len(chunk) < size or _line(reader) not in (b"\r\n", b"\n"):
            raise ProtocolError("the server closed the connection in a chunk")
        parts.append(chunk)
    while _line(reader) not in (b"\r\n", b"\n", b""):  # trailers
        pass
    return b"".join(parts)


def ssl_context(endpoint: Endpoint) -> ssl.SSLContext:
    """The client TLS context: the CA file (else the system's), a client certificate for mTLS."""
    import ssl

    try:
        context = ssl.create_default_context(cafile=endpoint.ca_file)
        if endpoint.cert_file or endpoint.key_file:
            if not (endpoint.cert_file and endpoint.key_file):
                raise ConfigError("cert_file and key_file go together", field="sinks.otlp.tls")
            context.load_cert_chain(endpoint.cert_file, endpoint.key_file)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"cannot load TLS files: {e}", field="sinks.otlp.tls") from None
    if endpoint.insecure_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
