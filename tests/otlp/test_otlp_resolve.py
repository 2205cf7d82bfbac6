"""Settings and the standard OTEL_EXPORTER_OTLP_* variables, combined as in OpenTelemetry SDKs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sysagent.errors import ConfigError
from sysagent.otlp.encode import Temporality
from sysagent.otlp.resolve import parse_headers, resolve
from sysagent.otlp.settings import OtlpSettings


def r(config: dict[str, object] | None = None, **env: str):  # type: ignore[no-untyped-def]
    return resolve(OtlpSettings.model_validate(config or {}), environ=env)


def test_defaults_are_otlp_http_to_localhost_4318() -> None:
    e = r()
    assert (e.protocol, e.url, e.compression, e.timeout, e.headers) == (
        "http/protobuf",
        "http://localhost:4318/v1/metrics",
        "none",
        10.0,
        {},
    )
    assert e.temporality is Temporality.CUMULATIVE and not e.secure


def test_grpc_default_is_localhost_4317_in_plaintext() -> None:
    e = r(OTEL_EXPORTER_OTLP_PROTOCOL="grpc")
    assert (e.protocol, e.target, e.secure) == ("grpc", "localhost:4317", False)


def test_generic_endpoint_gets_the_path_and_the_metrics_one_is_used_as_is() -> None:
    assert r(OTEL_EXPORTER_OTLP_ENDPOINT="https://otel.example:4318/").url == "https://otel.example:4318/v1/metrics"
    assert r(OTEL_EXPORTER_OTLP_ENDPOINT="http://gw:4318/prefix").url == "http://gw:4318/prefix/v1/metrics"
    both = r(OTEL_EXPORTER_OTLP_ENDPOINT="http://a:1", OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://b:2/ingest")
    assert both.url == "http://b:2/ingest"


def test_the_config_file_wins_over_the_environment() -> None:
    e = r(
        {"endpoint": "http://127.0.0.1:9999", "protocol": "http/protobuf", "compression": "none", "timeout": "3s"},
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://b:2/ingest",
        OTEL_EXPORTER_OTLP_PROTOCOL="grpc",
        OTEL_EXPORTER_OTLP_COMPRESSION="gzip",
        OTEL_EXPORTER_OTLP_TIMEOUT="500",
    )
    assert (e.url, e.protocol) == ("http://127.0.0.1:9999/v1/metrics", "http/protobuf")
    assert (e.compression, e.timeout) == ("none", 3.0)


def test_signal_specific_variables_win_over_generic_ones() -> None:
    e = r(
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL="grpc",
        OTEL_EXPORTER_OTLP_TIMEOUT="1000",
        OTEL_EXPORTER_OTLP_METRICS_TIMEOUT="2500",
        OTEL_EXPORTER_OTLP_COMPRESSION="gzip",
        OTEL_EXPORTER_OTLP_CERTIFICATE="/generic.pem",
        OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE="/metrics.pem",
        OTEL_EXPORTER_OTLP_CLIENT_KEY="/k.pem",
        OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE="/c.pem",
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="delta",
    )
    assert (e.protocol, e.timeout, e.compression) == ("grpc", 2.5, "gzip")
    assert (e.ca_file, e.cert_file, e.key_file) == ("/metrics.pem", "/c.pem", "/k.pem")
    assert e.temporality is Temporality.DELTA


def test_grpc_endpoint_without_scheme_is_tls_unless_insecure() -> None:
    assert r({"protocol": "grpc", "endpoint": "collector:4317"}).secure
    assert not r({"protocol": "grpc", "endpoint": "collector:4317"}, OTEL_EXPORTER_OTLP_INSECURE="true").secure
    assert not r({"protocol": "grpc", "endpoint": "collector:4317", "tls": {"insecure": True}}).secure
    assert r({"protocol": "grpc", "endpoint": "https://collector:4317"}, OTEL_EXPORTER_OTLP_INSECURE="true").secure


def test_headers_from_env_then_config_with_env_and_file_references(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    headers = {"X-File": {"file": str(token_file)}, "X-Env": {"env": "MY_TOKEN"}, "X-B": "config"}
    config: dict[str, object] = {"headers": headers}
    e = r(config, OTEL_EXPORTER_OTLP_HEADERS="X-A=a%20b,X-B=env", MY_TOKEN="Bearer abc")
    assert e.headers == {"X-A": "a b", "X-B": "config", "X-File": "from-file", "X-Env": "Bearer abc"}
    assert "abc" not in repr(e)


def test_a_missing_header_source_names_the_field_not_a_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        r({"headers": {"Authorization": {"env": "NOPE_TOKEN"}}})
    assert str(err.value) == "sinks.otlp.headers.Authorization: environment variable NOPE_TOKEN is not set"
    with pytest.raises(ConfigError, match="cannot read"):
        r({"headers": {"Authorization": {"file": str(tmp_path / "missing")}}})


def test_bad_values_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="http/json"):
        r(OTEL_EXPORTER_OTLP_PROTOCOL="http/json")
    with pytest.raises(ConfigError, match="endpoint"):
        r({"endpoint": "ftp://x"})
    with pytest.raises(ConfigError, match="key=value"):
        parse_headers("novalue")
    with pytest.raises(ValidationError):
        OtlpSettings.model_validate({"headers": {"A": "x\r\nInjected: y"}})
    with pytest.raises(ValidationError):
        OtlpSettings.model_validate({"protocol": "udp"})
    with pytest.raises(ValidationError):
        OtlpSettings.model_validate({"endpoint": "http://x", "unknown": 1})
