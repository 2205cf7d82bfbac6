"""Every query of every Grafana dashboard, run against real data.

The real agent sends through the real gateway Collector into Prometheus (remote
write) and InfluxDB; then each target of each panel runs with its template
variables resolved from the backend and ``$__rate_interval``/``$__interval``
substituted: no error, data, values in the unit's range (tests/e2e/_dashboards.py).
The InfluxDB dashboard runs once per retention policy; ``one_month`` is filled
by running cq_5m's own statement (its 5-minute schedule is too slow for a test),
and while the agent's data spans a single 5-minute bucket its rate queries
(which need two buckets) may come back empty; they must still run without error.
A summary line per dashboard goes to tmp/artifacts/dashboards.txt.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from e2e._agent import AgentRunner, subprocess_env
from e2e._backends import InfluxDB, Prometheus
from e2e._dashboards import InfluxRunner, PromRunner, load, write_summary
from e2e._stack import ROOT, Stack

pytestmark = pytest.mark.e2e
SUMMARY = ROOT / "tmp" / "artifacts" / "dashboards.txt"
#: Every collector the dashboards read, every second; per-CPU series for CPU busy and the core count.
COLLECTORS: dict[str, Any] = {
    "cpu": {"interval": "1s", "per_cpu": True},
    "memory": {"interval": "1s"},
    "paging": {"interval": "1s"},
    "load": {"interval": "1s"},
    "filesystem": {"interval": "1s"},
    "disk": {"interval": "1s"},
    "network": {"interval": "1s", "interfaces": {"exclude": []}},
    "connections": {"interval": "1s"},
    "system": {"interval": "1s"},
    "sysagent": {"interval": "1s"},
}


@pytest.fixture(scope="module")
def fed(stack: Stack, prom: Prometheus, influx: InfluxDB, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An agent feeding the stack for the whole module; yields its host name (the run id, unique)."""
    tmp = tmp_path_factory.mktemp("dashboards")
    runner = AgentRunner(tmp, subprocess_env(tmp))
    host = runner.run_id
    cfg = runner.config(
        {"otlp": {"endpoint": stack.otlp_http}},
        collectors=COLLECTORS,
        # a threshold every host crosses, so the fleet's "firing alerts" has a firing alert to count
        alerts={"rules": [{"name": "uptime_low", "metric": "system.uptime", "warning": {"threshold": 1}}]},
    )
    cfg["agent"]["resource"]["host.name"] = host
    cfg["agent"]["status"] = {"enabled": False}
    agent = runner.start(cfg)
    try:
        prom.wait(f'sysagent_alert_state_ratio{{host_name="{host}"}}', timeout=60)
        influx.wait(f'SELECT * FROM "system.uptime" WHERE "host.name" = \'{host}\' LIMIT 1', timeout=60)
        time.sleep(25)  # enough samples for every rate window ($__rate_interval = 20s)
        assert agent.alive(), agent.log()
        yield host
    finally:
        runner.close()


@pytest.mark.parametrize("name", ["fleet.json", "host.json", "agent.json"])
def test_prometheus_dashboard(name: str, fed: str, prom: Prometheus) -> None:
    checked = PromRunner(prom, {"job": "sysagent", "host": fed}).run(load(name))
    write_summary(SUMMARY, f"{name} (Prometheus)", checked)
    assert checked.panels and checked.queries
    assert not checked.failures, "\n".join(checked.failures)


@pytest.mark.parametrize(("rp", "interval"), [("raw", "5s"), ("one_week", "1m"), ("one_month", "5m")])
def test_influxdb_dashboard(rp: str, interval: str, fed: str, influx: InfluxDB) -> None:
    if rp != "raw":
        # the downsampled policies need two buckets for a rate: wait for the agent's second minute
        influx.wait(
            f'SELECT count(*) FROM "system.uptime" WHERE "host.name" = \'{fed}\' AND time > now() - 3m '
            "GROUP BY time(1m) fill(none)",
            timeout=150,
            min_count=3,
        )
    if rp == "one_month":
        q = (
            'SELECT mean(*) INTO "sysagent"."one_month".:MEASUREMENT FROM "sysagent"."raw"./.*/ '
            "WHERE time > now() - 30m GROUP BY time(5m), *"
        )
        result = InfluxRunner(influx, {}, rp, interval).query(q)
        assert "error" not in result, result
    spans = influx.query(
        f'SELECT count("gauge") FROM "raw"."system.uptime" WHERE "host.name" = \'{fed}\''
        " AND time > now() - 30m GROUP BY time(5m) fill(none)"
    )
    one_bucket = rp == "one_month" and len(spans) < 2
    runner = InfluxRunner(influx, {"job": "sysagent", "host": fed}, rp, interval, rates_may_be_empty=one_bucket)
    checked = runner.run(load("host-influxdb.json"))
    note = f", {runner.empty_rates} rate queries empty (data spans one 5-minute bucket)" if runner.empty_rates else ""
    write_summary(SUMMARY, f"host-influxdb.json (InfluxDB, {rp}{note})", checked)
    assert checked.panels and checked.queries
    assert not checked.failures, "\n".join(checked.failures)


def test_a_query_naming_a_metric_the_agent_does_not_emit_fails(fed: str, prom: Prometheus) -> None:
    dashboard = load("host.json")
    dashboard["panels"] = [
        {
            "type": "timeseries",
            "title": "bogus",
            "fieldConfig": {"defaults": {"unit": "percent"}},
            "targets": [{"refId": "A", "expr": 'system_cpu_bogus_seconds_total{host_name=~"$host"}'}],
        }
    ]
    checked = PromRunner(prom, {"job": "sysagent", "host": fed}).run(dashboard)
    assert any("does not emit system_cpu_bogus_seconds_total" in f for f in checked.failures), checked.failures
