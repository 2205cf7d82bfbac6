"""The agent over OTLP/HTTP and OTLP/gRPC, through the gateway Collector, into Prometheus.

The values in Prometheus must be the ones the agent collected: each is checked
against ``sysagent snapshot --format json`` taken around the same time.
"""

from __future__ import annotations

import os
import socket

import pytest

from e2e._agent import AgentRunner, assert_in_range, point_value, timed_snapshot
from e2e._backends import Prometheus
from e2e._stack import Stack

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_agent_metrics_in_prometheus(stack: Stack, prom: Prometheus, agents: AgentRunner, protocol: str) -> None:
    endpoint = stack.otlp_grpc if protocol == "grpc" else stack.otlp_http
    config = agents.config({"otlp": {"endpoint": endpoint, "protocol": protocol}})
    agent = agents.start(config)
    run = f'deployment_environment_name="{agents.run_id}"'

    used = prom.wait(f'system_memory_usage_bytes{{{run},system_memory_state="used"}}', timeout=45)
    assert agent.alive(), agent.log()
    labels = used[0].labels
    assert labels["host_name"] == socket.gethostname()
    assert labels["job"] == "sysagent"
    assert labels["otel_scope_name"] == "sysagent.collectors.memory"  # one scope per plugin
    states = {s.labels["system_memory_state"] for s in prom.query(f"system_memory_usage_bytes{{{run}}}")}
    assert {"used", "free", "cached", "buffers"} <= states

    # the value Prometheus holds is what the agent measures: compare with a
    # snapshot taken now, against the range of the last few seconds' samples
    snap, seconds = timed_snapshot(agents, config)
    window = f'system_memory_usage_bytes{{{run},system_memory_state="used"}}[{seconds}s]'
    low = prom.query(f"min_over_time({window})")[0].value
    high = prom.query(f"max_over_time({window})")[0].value
    assert_in_range(point_value(snap, "system.memory.usage", **{"system.memory.state": "used"}), low, high)

    # counters rise, and stay below what the machine can have done since
    cpu = f'sum(system_cpu_time_seconds_total{{{run},cpu_mode="user"}})'
    first = prom.wait(cpu)[0].value
    snap_cpu = point_value(agents.snapshot(config), "system.cpu.time", **{"cpu.mode": "user"})
    assert first <= snap_cpu <= first + 30 * (os.cpu_count() or 1)
    prom.wait(f"{cpu} > {first}", timeout=20)

    # loopback traffic (these very queries) makes lo's received bytes rise
    lo = f'system_network_io_bytes_total{{{run},network_interface_name="lo",network_io_direction="receive"}}'
    lo_first = prom.wait(lo)[0].value
    prom.wait(f"{lo} > {lo_first}", timeout=20)
    directions = {s.labels["network_io_direction"] for s in prom.query(f"system_network_io_bytes_total{{{run}}}")}
    assert directions == {"receive", "transmit"}

    disks = prom.query(f"system_disk_io_bytes_total{{{run}}}")
    assert disks and all(
        s.labels["system_device"] and s.labels["disk_io_direction"] in ("read", "write") for s in disks
    )
    assert prom.query(f"resets(system_cpu_time_seconds_total{{{run}}}[5m]) > 0") == []
    assert "Traceback" not in agent.log()
