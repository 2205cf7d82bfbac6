"""Settings plus ``OTEL_EXPORTER_OTLP_*`` environment variables to one exporter setup.

Precedence, per field: the config file, then the metrics-specific variable
(``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT``), then the generic one
(``OTEL_EXPORTER_OTLP_ENDPOINT``), then the OpenTelemetry default. Headers
merge: the variables' headers, overridden key by key by the config's. As in the
OpenTelemetry SDKs, a generic endpoint for OTLP/HTTP gets ``/v1/metrics``
appended and a metrics-specific one is used as written; a config endpoint gets
it appended unless it already ends with it. The timeout variables are in
milliseconds.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

from sysagent.errors import ConfigError
from sysagent.otlp.encode import Temporality
from sysagent.otlp.settings import EnvRef, FileRef, OtlpSettings

HTTP, GRPC = "http/protobuf", "grpc"
DEFAULT_HTTP = "http://localhost:4318"
DEFAULT_GRPC = "http://localhost:4317"
_PATH = "/v1/metrics"
_FIELD = "sinks.otlp"


@dataclass(frozen=True)
class Endpoint:
    """Everything a transport needs. ``url`` is the full POST URL for HTTP; for gRPC
    ``target`` is host:port and ``secure`` says whether to use TLS."""

    protocol: str
    url: str
    target: str
    secure: bool
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # may hold tokens
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure_skip_verify: bool = False
    compression: str = "none"
    timeout: float = 10.0
    temporality: Temporality = Temporality.CUMULATIVE


def resolve(settings: OtlpSettings, environ: Mapping[str, str] | None = None) -> Endpoint:
    """Combine the settings and the environment; raises ConfigError naming the field at fault."""
    env = os.environ if environ is None else environ

    def pick(name: str) -> str | None:
        for key in (f"OTEL_EXPORTER_OTLP_METRICS_{name}", f"OTEL_EXPORTER_OTLP_{name}"):
            value = env.get(key, "").strip()
            if value:
                return value
        return None

    protocol = settings.protocol or pick("PROTOCOL") or HTTP
    if protocol not in (HTTP, GRPC):
        raise ConfigError(f"unsupported OTLP protocol {protocol!r} (use http/protobuf or grpc)", field=_FIELD)

    if settings.endpoint:
        raw, append = settings.endpoint.strip(), True
    elif value := env.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "").strip():
        raw, append = value, False
    elif value := env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip():
        raw, append = value, True
    else:
        raw, append = (DEFAULT_GRPC if protocol == GRPC else DEFAULT_HTTP), True

    tls = settings.tls
    insecure = tls.insecure if tls.insecure is not None else _flag(pick("INSECURE"))
    url, target, secure = _parse(raw, protocol, append, insecure)

    compression = settings.compression or (pick("COMPRESSION") or "none").lower()
    if compression not in ("gzip", "none"):
        raise ConfigError(f"unsupported compression {compression!r} (use gzip or none)", field=f"{_FIELD}.compression")

    timeout = settings.timeout
    if timeout is None:
        text = pick("TIMEOUT")
        try:
            timeout = float(text) / 1000.0 if text else 10.0
        except ValueError:
            raise ConfigError("OTEL_EXPORTER_OTLP_TIMEOUT must be milliseconds", field=_FIELD) from None

    temporality = settings.temporality or env.get("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "").lower()
    # "lowmemory" keeps asynchronous counters (all of sysagent's) cumulative.
    chosen = Temporality.DELTA if temporality == "delta" else Temporality.CUMULATIVE

    headers = parse_headers(pick("HEADERS") or "")
    for name, ref in settings.headers.items():
        headers[name] = _header_value(name, ref, env)
    for name, text in headers.items():
        _check_header(name, text)

    return Endpoint(
        protocol=protocol,
        url=url,
        target=target,
        secure=secure,
        headers={k.lower() if protocol == GRPC else k: v for k, v in headers.items()},
        ca_file=tls.ca_file or pick("CERTIFICATE"),
        cert_file=tls.cert_file or pick("CLIENT_CERTIFICATE"),
        key_file=tls.key_file or pick("CLIENT_KEY"),
        insecure_skip_verify=tls.insecure_skip_verify,
        compression=compression,
        timeout=timeout,
        temporality=chosen,
    )


def _parse(raw: str, protocol: str, append: bool, insecure: bool) -> tuple[str, str, bool]:
    has_scheme = "://" in raw
    parts = urllib.parse.urlsplit(raw if has_scheme else f"{'http' if insecure else 'https'}://{raw}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"endpoint {raw!r} is not an http(s) URL or host:port", field=f"{_FIELD}.endpoint")
    secure = parts.scheme == "https"
    try:
        port = parts.port or (443 if secure else 80)
    except ValueError:
        raise ConfigError(f"endpoint {raw!r} has an invalid port", field=f"{_FIELD}.endpoint") from None
    host = parts.hostname
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if protocol == GRPC:
        return "", target, secure
    path = parts.path.rstrip("/")
    if append and not path.endswith(_PATH):
        path += _PATH
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path or "/", parts.query, "")), target, secure


def parse_headers(text: str) -> dict[str, str]:
    """``OTEL_EXPORTER_OTLP_HEADERS``: ``k=v,k2=v2`` with percent-encoded values."""
    headers: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError("OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas", field=_FIELD)
        headers[urllib.parse.unquote(name.strip())] = urllib.parse.unquote(value.strip())
    return headers


def _header_value(name: str, value: str | EnvRef | FileRef, env: Mapping[str, str]) -> str:
    where = f"{_FIELD}.headers.{name}"
    if isinstance(value, EnvRef):
        if value.env not in env:
            raise ConfigError(f"environment variable {value.env} is not set", field=where)
        text = env[value.env]
    elif isinstance(value, FileRef):
        try:
            with open(value.file, encoding="utf-8") as f:
                text = f.read().strip()
        except OSError as e:
            raise ConfigError(f"cannot read {value.file}: {e.strerror}", field=where) from None
    else:
        text = value
    if "\r" in text or "\n" in text:
        raise ConfigError("value must be one line", field=where)
    return text


def _check_header(name: str, text: str) -> None:
    """A header must be one line of Latin-1 on the wire; the value is never echoed (it may be a token)."""
    where = f"{_FIELD}.headers.{name}"
    if not name or any(c in name for c in "\r\n\0:") or not name.isascii() or name != name.strip():
        raise ConfigError("not a valid header name", field=where)
    if any(c in text for c in "\r\n\0"):
        raise ConfigError("value must be one line", field=where)
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        raise ConfigError("value must be Latin-1 text (percent-encode other characters)", field=where) from None


def _flag(text: str | None) -> bool:
    return (text or "").lower() == "true"
