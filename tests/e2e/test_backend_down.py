"""Something down at start: the agent warns in one line and keeps collecting; data flows once it is up."""

from __future__ import annotations

import re
import time
import urllib.request
from pathlib import Path

import pytest

from e2e._agent import AgentRunner
from e2e._backends import Prometheus
from e2e._http import free_ports, wait_for
from e2e._otelcol import collector
from e2e._stack import Stack

pytestmark = pytest.mark.e2e


def _cpu_seconds(port: int) -> float | None:
    """The agent's total CPU time, read from its own /metrics endpoint (None before the first cycle)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    values = re.findall(r"^system_cpu_time_seconds_total\{[^}]*\} (\S+)$", text, re.MULTILINE)
    return sum(float(v) for v in values) if values else None


def _accepted_points(url: str) -> float:
    """otelcol_receiver_accepted_metric_points, from the Collector's own metrics."""
    with urllib.request.urlopen(url, timeout=5) as resp:
        text = resp.read().decode()
    values = re.findall(r"^otelcol_receiver_accepted_metric_points(?:_total)?\{[^}]*\} (\S+)$", text, re.MULTILINE)
    return sum(float(v) for v in values)


def test_collector_down_at_start(
    otelcol_bin: Path, stack: Stack, prom: Prometheus, agents: AgentRunner, tmp_path: Path
) -> None:
    otlp_port, metrics_port = free_ports(2)
    endpoint = f"http://127.0.0.1:{otlp_port}"
    agent = agents.start(agents.config({"otlp": {"endpoint": endpoint}, "prometheus": {"port": metrics_port}}))

    def warned() -> str | None:
        assert agent.alive(), agent.log()
        lines = [line for line in agent.log().splitlines() if f"127.0.0.1:{otlp_port}" in line and "WARNING" in line]
        return lines[0] if lines else None

    warning = wait_for("a warning naming the unreachable endpoint", warned, timeout=30)
    assert len(warning) < 400, "one short line"
    first = wait_for("CPU time on the agent's /metrics", lambda: _cpu_seconds(metrics_port), timeout=15)
    wait_for("the agent to keep collecting", lambda: (_cpu_seconds(metrics_port) or 0) > first, timeout=15)
    log = agent.log()
    assert "Traceback" not in log
    assert sum(f"127.0.0.1:{otlp_port}" in line for line in log.splitlines()) <= 5, "not a warning per retry"

    # the Collector comes up on that port: the agent's metrics reach Prometheus
    env = {
        "SYSAGENT_OTELCOL_HTTP_PORT": str(otlp_port),
        "SYSAGENT_PROMETHEUS_URL": stack.prometheus_url,
        "SYSAGENT_INFLUXDB_URL": stack.influxdb_url,
    }
    with collector(otelcol_bin, ["gateway.yaml"], tmp_path, env):
        prom.wait(f'system_memory_usage_bytes{{deployment_environment_name="{agents.run_id}"}}', timeout=60)
    assert agent.alive()


def test_prometheus_down_at_start(stack: Stack, agents: AgentRunner, tmp_path: Path) -> None:
    # a second stack: its own Collector and Prometheus, the session's InfluxDB
    own = Stack.allocate(tmp_path / "stack", **stack.extra_env)
    own.ports["INFLUXDB_PORT"] = stack.ports["INFLUXDB_PORT"]
    try:
        own.run("start", "otelcol")
        agent = agents.start(agents.config({"otlp": {"endpoint": own.otlp_http}}))
        accepted = f"http://127.0.0.1:{own.ports['SYSAGENT_OTELCOL_METRICS_PORT']}/metrics"
        wait_for("the Collector to accept the agent's points", lambda: _accepted_points(accepted) > 0, timeout=30)
        time.sleep(2)
        prometheus_started = time.time()
        own.run("start", "prometheus")

        # the Collector's write-ahead log delivers what came in while Prometheus was down
        prom = Prometheus(own.prometheus_url)
        used = f'system_memory_usage_bytes{{deployment_environment_name="{agents.run_id}",system_memory_state="used"}}'
        prom.wait(used, timeout=60)
        oldest = prom.query(f"min_over_time(timestamp({used})[5m:1s])")
        assert oldest and oldest[0].value < prometheus_started - 1, (oldest, prometheus_started)
        assert agent.alive(), agent.log()
        sink_warnings = [line for line in agent.log().splitlines() if "WARNING" in line and "otlp" in line]
        assert sink_warnings == [], "the Collector accepted everything while Prometheus was down"
    finally:
        own.run("stop")
