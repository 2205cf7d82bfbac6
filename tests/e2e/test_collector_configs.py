"""vendor.yaml and debug.yaml, run by our Collector and fed by the OpenTelemetry SDK."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from e2e._http import wait_for
from e2e._otelcol import collector
from e2e._receiver import otlp_receiver
from e2e._sdk import push

pytestmark = pytest.mark.e2e


def test_vendor_config_forwards_with_api_key_header(otelcol_bin: Path, tmp_path: Path) -> None:
    key = uuid.uuid4().hex
    with otlp_receiver() as vendor:
        env = {"SYSAGENT_VENDOR_ENDPOINT": vendor.url, "SYSAGENT_VENDOR_HEADERS": f'{{x-api-key: "{key}"}}'}
        with collector(otelcol_bin, ["vendor.yaml"], tmp_path, env) as col:
            push(col.http, "http/protobuf", {"service.name": "vendor-test"}, [(5, 7)])
            wait_for("the vendor endpoint to receive metrics", lambda: "system.network.io" in vendor.metric_names())
    first = vendor.requests[0]
    assert first.path == "/v1/metrics"
    assert first.headers["x-api-key"] == key
    assert first.headers["content-encoding"] == "gzip"
    assert vendor.metric_names() == {"system.network.io", "system.memory.usage"}


def test_debug_config_prints_each_metric(otelcol_bin: Path, tmp_path: Path) -> None:
    with collector(otelcol_bin, ["debug.yaml"], tmp_path) as col:
        push(col.grpc, "grpc", {"service.name": "debug-test"}, [(11, 4242)])
        text = wait_for("the debug exporter's output", lambda: col.log() if "4242" in col.log() else None)
    assert "system.memory.usage" in text
    assert "system.memory.state: Str(used)" in text
    assert "service.name: Str(debug-test)" in text
