"""OTLP/gRPC: one unary call of the metrics service with already-serialized bytes.

grpcio is imported only when this transport is built (``protocol: grpc``), so
the default OTLP/HTTP agent never loads it. UNAVAILABLE, RESOURCE_EXHAUSTED
and DEADLINE_EXCEEDED are retried (after the server's RetryInfo when sent);
every other status is a refusal.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from sysagent._version import __version__
from sysagent.errors import ConfigError
from sysagent.otlp.resolve import Endpoint
from sysagent.otlp.status import partial_success, retry_delay
from sysagent.otlp.transport import SendOutcome, scrub

METHOD = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
RETRYABLE = frozenset({"UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED"})


class GrpcTransport:
    """Sends serialized ExportMetricsServiceRequests over one gRPC channel."""

    def __init__(self, endpoint: Endpoint) -> None:
        try:
            grpc: Any = importlib.import_module("grpc")  # lazily, and typed loosely (no stubs needed)
        except ImportError:
            raise ConfigError("protocol grpc needs the grpcio package (pip install sysagent[grpc])") from None
        self._grpc = grpc
        options = [("grpc.primary_user_agent", f"sysagent/{__version__}")]
        if endpoint.secure:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read(endpoint.ca_file),
                private_key=_read(endpoint.key_file),
                certificate_chain=_read(endpoint.cert_file),
            )
            self._channel = grpc.secure_channel(endpoint.target, credentials, options=options)
        else:
            self._channel = grpc.insecure_channel(endpoint.target, options=options)
        # No serializers: the request is already bytes, and the response stays bytes.
        self._call = self._channel.unary_unary(METHOD)
        self._metadata = tuple((k.lower(), v) for k, v in endpoint.headers.items())
        self._secrets = tuple(v for v in endpoint.headers.values() if v)
        self._compression = grpc.Compression.Gzip if endpoint.compression == "gzip" else grpc.Compression.NoCompression
        self._lock = threading.Lock()

    def send(self, payload: bytes, timeout: float) -> SendOutcome:
        grpc = self._grpc
        try:
            response = self._call(payload, timeout=timeout, metadata=self._metadata, compression=self._compression)
        except grpc.RpcError as e:
            return self._failure(e)
        rejected, message = partial_success(response or b"")
        error = scrub(f"partial success: {rejected} points rejected: {message}", self._secrets) if rejected else ""
        return SendOutcome(True, False, None, max(rejected, 0), error)

    def close(self) -> None:
        with self._lock:
            self._channel.close()

    def _failure(self, error: Any) -> SendOutcome:
        code = error.code() if hasattr(error, "code") else None
        name = getattr(code, "name", "UNKNOWN")
        details = error.details() if hasattr(error, "details") else ""
        delay = None
        trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
        for key, value in trailers or ():
            if key == "grpc-status-details-bin" and isinstance(value, bytes):
                delay = retry_delay(value)
        text = f"gRPC {name}" + (f": {details}" if details else "")
        retryable = name in RETRYABLE
        return SendOutcome(False, retryable, delay if retryable else None, 0, scrub(text, self._secrets))


def _read(path: str | None) -> bytes | None:
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}", field="sinks.otlp.tls") from None
