"""The agent through the gateway Collector into InfluxDB 1.x, read back with InfluxQL."""

from __future__ import annotations

import socket
import time

import pytest

from e2e._agent import AgentRunner, assert_in_range, point_value, timed_snapshot
from e2e._backends import InfluxDB
from e2e._stack import Stack

pytestmark = pytest.mark.e2e


def test_agent_metrics_in_influxdb(stack: Stack, influx: InfluxDB, agents: AgentRunner) -> None:
    config = agents.config({"otlp": {"endpoint": stack.otlp_http, "protocol": "http/protobuf"}})
    agent = agents.start(config)
    run = f"\"deployment.environment.name\" = '{agents.run_id}'"

    used = f'FROM "system.memory.usage" WHERE {run} AND "system.memory.state" = \'used\''
    rows = influx.wait(f'SELECT "gauge", "host.name", "otel.library.name" {used}', timeout=45, min_count=3)
    assert agent.alive(), agent.log()
    assert {r["host.name"] for r in rows} == {socket.gethostname()}
    assert {r["otel.library.name"] for r in rows} == {"sysagent.collectors.memory"}
    times = [r["time"] for r in rows]
    assert times == sorted(times) and len(set(times)) == len(times), "one point per collection"

    snap, seconds = timed_snapshot(agents, config)
    recent = influx.query(f'SELECT min("gauge"), max("gauge") {used} AND time > now() - {seconds}s')[0]
    measured = point_value(snap, "system.memory.usage", **{"system.memory.state": "used"})
    assert_in_range(measured, recent["min"], recent["max"])

    # counters: field "counter", rising from one point to the next
    cpu = f'FROM "system.cpu.time" WHERE {run} AND "cpu.mode" = \'user\''
    series = influx.wait(f'SELECT sum("counter") {cpu} GROUP BY time(1s) fill(none)', min_count=3)
    sums = [r["sum"] for r in series[:-1]]  # the newest second may be partly written
    assert sums == sorted(sums) and sums[-1] > sums[0], sums
    directions = influx.query(f'SHOW TAG VALUES FROM "system.network.io" WITH KEY = "network.io.direction" WHERE {run}')
    assert {d["value"] for d in directions} == {"receive", "transmit"}
    devices = influx.query(f'SHOW TAG VALUES FROM "system.disk.io" WITH KEY = "system.device" WHERE {run}')
    assert devices, "disk series carry their device"


def test_continuous_query_makes_one_minute_rows(stack: Stack, influx: InfluxDB, agents: AgentRunner) -> None:
    config = agents.config({"otlp": {"endpoint": stack.otlp_grpc, "protocol": "grpc"}})
    agents.start(config)
    run = f"\"deployment.environment.name\" = '{agents.run_id}'"
    used = f'FROM "system.memory.usage" WHERE {run} AND "system.memory.state" = \'used\''
    influx.wait(f'SELECT "gauge" {used}', timeout=45, min_count=3)
    time.sleep(1)

    # cq_1m (run every 2 s by the test stack) writes 1-minute means into one_week
    means = influx.wait(
        f'SELECT "mean_gauge" FROM "one_week"."system.memory.usage" WHERE {run} AND "system.memory.state" = \'used\'',
        timeout=20,
    )
    raw = influx.query(f'SELECT "gauge" {used}')
    for row in means:
        assert row["time"] % 60_000 == 0
        bucket = [r["gauge"] for r in raw if r["time"] // 60_000 == row["time"] // 60_000]
        assert bucket and min(bucket) <= row["mean_gauge"] <= max(bucket)
    # tags survive the downsampling (GROUP BY *), so the 1-minute rows are still per host and state
    host = influx.query(f'SHOW TAG VALUES FROM "one_week"."system.memory.usage" WITH KEY = "host.name" WHERE {run}')
    assert [h["value"] for h in host] == [socket.gethostname()]
