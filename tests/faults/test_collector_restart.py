"""Prometheus down, and the gateway Collector restarted meanwhile: nothing is lost on that hop either.

This tests our gateway config (otel-collector/gateway.yaml): its remote-write
exporter keeps what it could not send in a write-ahead log under the storage
folder, which must survive the Collector's restart and be sent once
Prometheus is back. The agent's own queue only bridges the seconds the
Collector is restarting.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from e2e._http import wait_for
from e2e._stack import Stack

from faults._agents import fault_agent
from faults._gateway import Gateway
from faults._promdata import wait_complete
from faults._truth import expected

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
DOWN_BEFORE_RESTART_S = 20.0
DOWN_AFTER_RESTART_S = 20.0


def test_prometheus_down_collector_restarted_nothing_lost(otelcol_bin: Path, backends: Stack, tmp_path: Path) -> None:
    own = Stack.allocate(tmp_path / "stack", **backends.extra_env)
    own.ports["INFLUXDB_PORT"] = backends.ports["INFLUXDB_PORT"]
    own.run("start", "prometheus")
    gw = Gateway(otelcol_bin, tmp_path / "gateway", own.prometheus_url, backends.influxdb_url)
    agent = fault_agent(tmp_path / "agent", gw.otlp_http)
    try:
        gw.start()
        agent.start()
        wait_for("points in Prometheus", lambda: agent.sent() > 0, timeout=60)
        wait_complete(own.prometheus_url, agent.run_id, expected(agent.lines()[:3]), timeout=60)

        own.run("stop", "prometheus")
        down = time.time()
        time.sleep(DOWN_BEFORE_RESTART_S)
        # the agent has handed everything to the Collector: from here on only the Collector holds it
        wait_for("the agent's queue to be empty", lambda: agent.otlp_status()["queue_items"] == 0, timeout=30)
        handed = agent.lines()
        gw.stop()  # SIGTERM: the exporter's write-ahead log holds what Prometheus has not got
        gw.start()
        time.sleep(DOWN_AFTER_RESTART_S)
        own.run("start", "prometheus")
        up = time.time()

        time.sleep(3)
        assert agent.process is not None and agent.process.stop() == 0, agent.log()[-3000:]
        lines = agent.lines()
        produced = expected(lines)
        during = expected(line for line in lines if down <= line.time_ns / 1e9 <= up)
        result = wait_complete(own.prometheus_url, agent.run_id, produced, timeout=90)
        lost_during = sum(1 for _, ts in result.missing if down * 1000 <= ts <= up * 1000)
        held = expected(line for line in handed if line.time_ns / 1e9 >= down)
        assert sum(map(len, held.values())) > 0
        print(
            f"collector restart: {result.summary(3)}; {sum(map(len, during.values()))} points produced while "
            f"Prometheus was down ({sum(map(len, held.values()))} of them held by the Collector across its restart), "
            f"{lost_during} of them missing"
        )
        assert result.complete, f"{result.summary()}\nCollector log:\n{gw.log()[-4000:]}"
    finally:
        agent.runner.close()
        gw.stop()
        own.run("stop")
