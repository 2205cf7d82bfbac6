"""OTLP/HTTP with protobuf bodies over one kept-alive stdlib connection.

Answers are classified as the OTLP specification says: 2xx is success (maybe
partial), 429/502/503/504 and connection failures are worth retrying (after
Retry-After when given), any other status is a refusal that retrying will not fix.
"""

from __future__ import annotations

import gzip
import http.client
import ssl
import threading
import urllib.parse
from email.message import Message

from sysagent._version import __version__
from sysagent.delivery.backoff import parse_retry_after as retry_after
from sysagent.errors import ConfigError
from sysagent.otlp.resolve import Endpoint
from sysagent.otlp.status import partial_success, status_message
from sysagent.otlp.transport import SendOutcome, scrub

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
_STALE = (http.client.RemoteDisconnected, http.client.BadStatusLine, BrokenPipeError, ConnectionResetError)


class HttpTransport:
    """POSTs serialized ExportMetricsServiceRequests to ``endpoint.url``."""

    def __init__(self, endpoint: Endpoint) -> None:
        parts = urllib.parse.urlsplit(endpoint.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (443 if self._https else 80)
        self._path = parts.path + (f"?{parts.query}" if parts.query else "")
        self._gzip = endpoint.compression == "gzip"
        self._headers = {"Content-Type": "application/x-protobuf", "User-Agent": f"sysagent/{__version__}"}
        if self._gzip:
            self._headers["Content-Encoding"] = "gzip"
        self._headers.update(endpoint.headers)
        self._secrets = tuple(v for v in endpoint.headers.values() if v)
        self._ssl = ssl_context(endpoint) if self._https else None
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def send(self, payload: bytes, timeout: float) -> SendOutcome:
        body = gzip.compress(payload, compresslevel=6, mtime=0) if self._gzip else payload
        with self._lock:
            for attempt in (1, 2):
                conn, reused = self._connect(timeout)
                try:
                    conn.request("POST", self._path, body, self._headers)
                    response = conn.getresponse()
                    data = response.read()
                except _STALE as e:
                    self._close()
                    if reused and attempt == 1:
                        continue  # the server closed an idle kept-alive connection: reconnect once
                    return self._failure(e)
                except (OSError, http.client.HTTPException) as e:
                    self._close()
                    return self._failure(e)
                if response.will_close:
                    self._close()
                return self._classify(response.status, response.reason, response.headers, data)
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._close()

    def _connect(self, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        conn = self._conn
        if conn is not None and conn.sock is not None:
            conn.sock.settimeout(timeout)
            return conn, True
        if self._ssl is not None:
            conn = http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        self._conn = conn
        return conn, False

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _failure(self, error: BaseException) -> SendOutcome:
        text = str(error) or type(error).__name__
        where = f"{self._host}:{self._port}"
        return SendOutcome(False, True, None, 0, scrub(f"cannot reach {where}: {text}", self._secrets))

    def _classify(self, status: int, reason: str, headers: Message, data: bytes) -> SendOutcome:
        protobuf = "protobuf" in (headers.get("Content-Type") or "")
        if 200 <= status < 300:
            rejected, message = partial_success(data) if protobuf and data else (0, "")
            error = scrub(f"partial success: {rejected} points rejected: {message}", self._secrets) if rejected else ""
            return SendOutcome(True, False, None, max(rejected, 0), error)
        detail = status_message(data) if protobuf else data[:300].decode("utf-8", "replace")
        text = f"HTTP {status} {reason}" + (f": {detail}" if detail.strip() else "")
        retryable = status in RETRYABLE_STATUS
        delay = retry_after(headers.get("Retry-After")) if retryable else None
        return SendOutcome(False, retryable, delay, 0, scrub(text, self._secrets))


def ssl_context(endpoint: Endpoint) -> ssl.SSLContext:
    """The client TLS context: the CA file (else the system's), a client certificate for mTLS."""
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
