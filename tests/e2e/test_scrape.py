"""Prometheus scraping the agent's own /metrics endpoint (the prometheus sink), no Collector involved."""

from __future__ import annotations

import socket

import pytest

from e2e._agent import AgentRunner, assert_in_range, point_value, timed_snapshot
from e2e._backends import Prometheus
from e2e._stack import Stack

pytestmark = pytest.mark.e2e


def test_prometheus_scrapes_the_agent(stack: Stack, prom: Prometheus, agents: AgentRunner) -> None:
    # backends/prometheus/prometheus.yml's job "sysagent" scrapes this port (every 1 s in the test stack)
    config = agents.config({"prometheus": {"port": stack.agent_metrics_port}})
    agent = agents.start(config)
    target = f'job="sysagent",instance="127.0.0.1:{stack.agent_metrics_port}"'

    prom.wait(f"up{{{target}}} == 1", timeout=30)
    info = prom.wait(f'target_info{{{target},deployment_environment_name="{agents.run_id}"}}', timeout=30)
    assert info[0].labels["host_name"] == socket.gethostname()
    assert info[0].labels["service_name"] == "sysagent"

    used = f'system_memory_usage_bytes{{{target},system_memory_state="used"}}'
    prom.wait(used)
    snap, seconds = timed_snapshot(agents, config)
    low = prom.query(f"min_over_time({used}[{seconds}s])")[0].value
    high = prom.query(f"max_over_time({used}[{seconds}s])")[0].value
    assert_in_range(point_value(snap, "system.memory.usage", **{"system.memory.state": "used"}), low, high)

    cpu = f'sum(system_cpu_time_seconds_total{{{target},cpu_mode="user"}})'
    first = prom.wait(cpu)[0].value
    prom.wait(f"{cpu} > {first}", timeout=20)
    assert prom.query(f"scrape_samples_scraped{{{target}}} > 50"), "a full host collection per scrape"
    assert agent.alive(), agent.log()
