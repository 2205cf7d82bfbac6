"""The ``sinks.otlp`` settings model.

Every field defaults to None, meaning "not set in the config": the standard
``OTEL_EXPORTER_OTLP_*`` environment variables then apply, and after them the
OpenTelemetry defaults (see :mod:`sysagent.otlp.resolve`). A value written in
the config file wins over the environment, as an argument given in code wins
over the environment in the OpenTelemetry SDKs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from sysagent.settings import Duration, PluginSettings, SinkSettings


class EnvRef(PluginSettings):
    """A header value read from an environment variable: ``{env: NAME}``."""

    env: str = Field(min_length=1)


class FileRef(PluginSettings):
    """A header value read from a file (surrounding whitespace stripped): ``{file: PATH}``."""

    file: str = Field(min_length=1)


HeaderValue = str | EnvRef | FileRef


class TlsSettings(PluginSettings):
    """TLS for the connection, named as in the Collector's ``tls`` client settings.

    ``insecure`` asks for plaintext gRPC when the endpoint has no scheme
    (``http://`` / ``https://`` decide otherwise); ``insecure_skip_verify`` keeps
    TLS but does not check the server's certificate (OTLP/HTTP only: grpcio has no
    such switch).
    """

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure: bool | None = None
    insecure_skip_verify: bool = False


class QueueSettings(PluginSettings):
    """The durable queue and sender between the sink and the network."""

    max_bytes: int = Field(default=64 << 20, gt=0)  #: on-disk budget; the oldest payloads go first
    max_age: Duration = 24 * 3600.0  #: payloads older than this are dropped
    #: requests are at most this big (a batch is split, queued payloads merged up to it); gRPC's default cap is 4 MiB
    max_batch_bytes: int = Field(default=4_000_000, gt=0)
    backoff_initial: Duration = 0.5
    backoff_max: Duration = 10.0  #: short: a Collector back after an outage is found quickly
    flush_timeout: Duration = 10.0  #: how long shutdown tries to send what is queued
    #: when the queue's commits are fsynced: ``backlog`` when a payload has to wait (others are
    #: queued, or a send failed), so a power cut can lose only the payload being sent at that
    #: moment; ``always`` every commit; ``never`` only SQLite's checkpoints. Each survives the
    #: agent being killed (SIGKILL).
    fsync: Literal["backlog", "always", "never"] = "backlog"


class OtlpSettings(SinkSettings):
    """``sinks: {otlp: {...}}``: where and how to send OTLP."""

    endpoint: str | None = None
    protocol: Literal["http/protobuf", "grpc"] | None = None
    headers: dict[str, HeaderValue] = Field(default_factory=dict)
    tls: TlsSettings = Field(default_factory=TlsSettings)
    compression: Literal["gzip", "none"] | None = None
    timeout: Duration | None = None
    temporality: Literal["cumulative", "delta"] | None = None
    queue: QueueSettings = Field(default_factory=QueueSettings)

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, HeaderValue]) -> dict[str, HeaderValue]:
        for name, v in value.items():
            if not name or any(c in name for c in " :\r\n\t"):
                raise ValueError(f"invalid header name {name!r}")
            if isinstance(v, str) and ("\r" in v or "\n" in v):
                raise ValueError(f"header {name!r}: value must be one line")  # never echo the value
        return value
