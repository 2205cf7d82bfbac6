"""The Collector configs with a standard client: the OpenTelemetry SDK's OTLP exporters.

These prove gateway.yaml, vendor.yaml and debug.yaml on their own, whatever the
agent does: what goes in over OTLP comes out, named as documented, in
Prometheus (remote write) and InfluxDB (line protocol).
"""

from __future__ import annotations

import uuid

import pytest

from e2e._backends import InfluxDB, Prometheus
from e2e._sdk import push
from e2e._stack import Stack

pytestmark = pytest.mark.e2e
ROUNDS = [(100, 1000), (250, 1500), (50, 1200)]


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_sdk_metrics_reach_prometheus(stack: Stack, prom: Prometheus, protocol: str) -> None:
    job = f"gw-{uuid.uuid4().hex[:8]}"
    endpoint = stack.otlp_grpc if protocol == "grpc" else stack.otlp_http
    push(endpoint, protocol, {"service.name": job, "host.name": "gw-host", "os.type": "linux"}, ROUNDS)

    counter = prom.wait(f'system_network_io_bytes_total{{job="{job}"}} == 400')
    assert len(counter) == 1
    labels = counter[0].labels
    assert labels["network_io_direction"] == "transmit"
    assert labels["network_interface_name"] == "eth0"
    assert labels["host_name"] == "gw-host"  # resource attribute copied onto the series
    assert labels["os_type"] == "linux"
    assert labels["otel_scope_name"] == "sysagent.e2e"

    gauge = prom.wait(f'system_memory_usage_bytes{{job="{job}",system_memory_state="used"}} == 1200')
    assert gauge[0].labels["host_name"] == "gw-host"
    # every round arrived, in order: the counter only rose, the gauge took each value
    assert prom.query(f'max_over_time(system_memory_usage_bytes{{job="{job}"}}[5m])')[0].value == 1500
    assert prom.query(f'resets(system_network_io_bytes_total{{job="{job}"}}[5m])')[0].value == 0
    info = prom.query(f'target_info{{job="{job}"}}')
    assert info and info[0].labels["telemetry_sdk_language"] == "python"


def test_sdk_metrics_reach_influxdb(stack: Stack, influx: InfluxDB) -> None:
    job = f"gw-{uuid.uuid4().hex[:8]}"
    push(stack.otlp_http, "http/protobuf", {"service.name": job, "host.name": "gw-host"}, ROUNDS)

    where = f"WHERE \"service.name\" = '{job}'"
    counters = influx.wait(f'SELECT "counter" FROM "system.network.io" {where}', min_count=3)
    # one point per export; the SDK's shutdown exports the last values once more
    assert [r["counter"] for r in counters][:3] == [100, 350, 400]
    assert {r["counter"] for r in counters[3:]} <= {400}
    gauges = influx.wait(f'SELECT "gauge", "host.name" FROM "system.memory.usage" {where}', min_count=3)
    assert [r["gauge"] for r in gauges][:3] == [1000, 1500, 1200]
    assert {r["host.name"] for r in gauges} == {"gw-host"}
    tags = influx.query(f'SHOW TAG VALUES FROM "system.network.io" WITH KEY = "network.io.direction" {where}')
    assert [t["value"] for t in tags] == ["transmit"]
    # the default retention policy, where the Collector writes, keeps raw points for 24 h
    policies = {r["name"]: r for r in influx.query("SHOW RETENTION POLICIES ON sysagent")}
    assert policies["raw"]["default"] is True and policies["raw"]["duration"] == "24h0m0s"
    assert policies["one_week"]["duration"] == "168h0m0s"
    assert policies["one_month"]["duration"] == "720h0m0s"


def test_influxdb_continuous_query_makes_one_minute_means(stack: Stack, influx: InfluxDB) -> None:
    job = f"gw-{uuid.uuid4().hex[:8]}"
    push(stack.otlp_http, "http/protobuf", {"service.name": job}, ROUNDS)
    where = f"WHERE \"service.name\" = '{job}'"
    raw = influx.wait(f'SELECT "gauge" FROM "system.memory.usage" {where}', min_count=3)

    # the test stack runs cq_1m every 2 s (SYSAGENT_INFLUX_CQ_EVERY) instead of every minute
    rows = influx.wait(f'SELECT "mean_gauge" FROM "one_week"."system.memory.usage" {where}', timeout=20)
    minute = {r["time"] // 60_000 for r in rows}
    assert len(minute) <= 2  # the three points may straddle a minute boundary
    for row in rows:
        assert row["time"] % 60_000 == 0, "a 1-minute bucket starts on the minute"
        in_bucket = [r["gauge"] for r in raw if r["time"] // 60_000 == row["time"] // 60_000]
        assert in_bucket and min(in_bucket) <= row["mean_gauge"] <= max(in_bucket)
