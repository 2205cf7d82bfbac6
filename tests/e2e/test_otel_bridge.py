"""The SDK bridge end to end: an app's own MeterProvider, OTLP/HTTP, the real Collector, real Prometheus.

The series in Prometheus must be those ``sysagent snapshot`` prints for the same
config: the same metrics (under Prometheus's names), the same attribute sets,
one instrumentation scope per plugin; a few values are checked against a
snapshot taken at the same time.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e._agent import AgentRunner, assert_in_range, point_value, timed_snapshot
from e2e._backends import Prometheus
from e2e._http import wait_for
from e2e._stack import ROOT, Stack

pytestmark = pytest.mark.e2e
HERE = Path(__file__).parent

#: Stable on a live host for the length of a test (connection states come and go).
COLLECTORS: dict[str, Any] = {
    "cpu": {"interval": "1s", "utilization": True},  # opt-in in the conventions
    "memory": {"interval": "1s"},
    "load": {"interval": "1s"},
    "disk": {"interval": "1s"},
    "network": {"interval": "1s"},
    "paging": {"interval": "1s"},
}
#: Labels the Collector's remote write adds (resource and scope); the rest are the points' attributes.
NOT_ATTRIBUTES = {"__name__", "job", "instance", "host_name", "host_arch", "os_type", "container_id"}
NOT_ATTRIBUTES |= {"deployment_environment_name", "deployment_environment", "otel_scope_name", "otel_scope_version"}
UNIT_SUFFIX = {"s": "_seconds", "By": "_bytes", "1": "_ratio", "Hz": "_hertz"}


def prom_name(metric: dict[str, Any]) -> str:
    """The Collector's UnderscoreEscapingWithSuffixes name (system.cpu.time -> system_cpu_time_seconds_total)."""
    name = metric["name"].replace(".", "_") + UNIT_SUFFIX.get(metric["unit"], "")
    return name + "_total" if metric["kind"] == "counter" else name


def label_key(labels: dict[str, Any]) -> frozenset[tuple[str, str]]:
    return frozenset((k.replace(".", "_"), str(v)) for k, v in labels.items() if k not in NOT_ATTRIBUTES)


def config_for(tmp: Path, **extra: Any) -> dict[str, Any]:
    return {
        "agent": {"state_dir": str(tmp / "state"), "status": {"enabled": False}},
        "plugins": {"disable": ["selfmetrics", "alerts", "filesystem", "connections", "system", "host"]},
        "collectors": COLLECTORS,
        "sinks": {},
        **extra,
    }


@pytest.fixture
def apps(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        p.terminate()
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def test_sdk_app_series_match_the_snapshot(
    stack: Stack, prom: Prometheus, agents: AgentRunner, apps: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    config = config_for(tmp_path)
    path = tmp_path / "bridge.yaml"
    path.write_text(yaml.safe_dump(config))
    log = open(tmp_path / "app.log", "wb")  # noqa: SIM115
    app = [sys.executable, str(HERE / "_bridge_app.py"), stack.otlp_http, agents.run_id, str(path)]
    apps.append(subprocess.Popen(app, cwd=ROOT, env=agents.env, stdout=log, stderr=subprocess.STDOUT))
    run = f'deployment_environment_name="{agents.run_id}"'

    used = prom.wait(f'system_memory_usage_bytes{{{run},system_memory_state="used"}}', timeout=45)
    assert used[0].labels["job"] == "bridge-app"
    assert used[0].labels["otel_scope_name"] == "sysagent.collectors.memory"  # one meter per plugin
    # a second export with utilizations, then compare every series with the snapshot
    prom.wait(f"system_cpu_utilization_ratio{{{run}}}", timeout=30)
    snap, seconds = timed_snapshot(agents, {**config, "agent": {**config["agent"], "state_dir": str(tmp_path / "s2")}})

    want: set[tuple[str, str, frozenset[tuple[str, str]]]] = {
        (prom_name(m), m["scope"], label_key(p["attributes"])) for m in snap["metrics"] for p in m["points"]
    }

    assert len({w[0] for w in want}) >= 10, want

    def have() -> set[tuple[str, str, frozenset[tuple[str, str]]]]:
        got = prom.query(f'{{{run},otel_scope_name=~"sysagent.*"}}')
        return {(s.labels["__name__"], s.labels["otel_scope_name"], label_key(s.labels)) for s in got}

    try:
        wait_for("the bridge's series to match the snapshot", lambda: have() == want, timeout=30)
    except AssertionError:
        got = have()
        raise AssertionError(f"missing in Prometheus: {sorted(want - got)}; extra: {sorted(got - want)}") from None

    # values: Prometheus holds what sysagent measures
    window = f'system_memory_usage_bytes{{{run},system_memory_state="used"}}[{seconds}s]'
    low = prom.query(f"min_over_time({window})")[0].value
    high = prom.query(f"max_over_time({window})")[0].value
    assert_in_range(point_value(snap, "system.memory.usage", **{"system.memory.state": "used"}), low, high)
    cpu = f'sum(system_cpu_time_seconds_total{{{run},cpu_mode="user"}})'
    first = prom.wait(cpu)[0].value
    assert first <= point_value(agents.snapshot(config), "system.cpu.time", **{"cpu.mode": "user"}) <= first + 60
    prom.wait(f"{cpu} > {first}", timeout=20)
    assert prom.query(f"resets(system_cpu_time_seconds_total{{{run}}}[5m]) > 0") == []
    assert "Traceback" not in (tmp_path / "app.log").read_text()


def test_opentelemetry_instrument_picks_the_bridge_up(
    stack: Stack, prom: Prometheus, agents: AgentRunner, apps: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    """No code change: ``opentelemetry-instrument python app.py``, the exclusion variable honoured."""
    path = tmp_path / "bridge.yaml"
    path.write_text(yaml.safe_dump(config_for(tmp_path)))
    run_id = f"e2e-{uuid.uuid4().hex[:12]}"
    env = {
        **agents.env,
        "OTEL_SERVICE_NAME": "bridge-auto",
        "OTEL_RESOURCE_ATTRIBUTES": f"deployment.environment.name={run_id}",
        "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": "otel,host",  # host.name, as docs/otel.md says
        "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_ENDPOINT": stack.otlp_http,
        "OTEL_METRIC_EXPORT_INTERVAL": "1000",
        "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "system_metrics",  # the contrib one, if installed too
        "OTEL_PYTHON_SYSAGENT_CONFIG": str(path),
        "OTEL_PYTHON_SYSAGENT_EXCLUDED_METRICS": "system.network.*,system.paging.*",
    }
    run_cli = "from opentelemetry.instrumentation.auto_instrumentation import run; run()"
    cmd = [sys.executable, "-c", run_cli, sys.executable, str(HERE / "_plain_app.py")]
    log = open(tmp_path / "app.log", "wb")  # noqa: SIM115
    apps.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    run = f'deployment_environment_name="{run_id}"'

    used = prom.wait(f'system_memory_usage_bytes{{{run},system_memory_state="used"}}', timeout=45)
    assert used[0].labels["job"] == "bridge-auto"
    assert used[0].labels["host_name"] == socket.gethostname()
    prom.wait(f"system_cpu_utilization_ratio{{{run}}}", timeout=30)
    prom.wait(f"system_disk_io_bytes_total{{{run}}}", timeout=30)
    names = {s.labels["__name__"] for s in prom.query(f"{{{run}}}")}
    assert not {n for n in names if n.startswith(("system_network_", "system_paging_"))}, names
    assert "system_swap_usage" not in " ".join(names)  # the contrib instrumentor's old names are not there
    assert "Traceback" not in (tmp_path / "app.log").read_text()
