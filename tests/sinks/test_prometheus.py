"""The prometheus sink: naming, the /metrics and /healthz endpoint, staleness, promtool."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sysagent.model import MetricSpec, Observation, counter, gauge, updowncounter
from sysagent.registry import Registry
from sysagent.sinks import prometheus as prometheus_sink
from sysagent.sinks._promnames import label_name, metric_name
from sysagent.sinks.prometheus import PrometheusSettings, PrometheusSink

from .builders import LOAD_1M, MEM_USAGE, MEM_UTIL, NET_IO, PROC_COUNT, Machine, context, cpu_machine, cpu_times, net


@pytest.fixture
def sinks(tmp_path: Path) -> Iterator[list[PrometheusSink]]:
    made: list[PrometheusSink] = []
    yield made
    for s in made:
        s.shutdown()


def start(
    sinks: list[PrometheusSink], tmp_path: Path, services: dict[str, Any] | None = None, **settings: Any
) -> PrometheusSink:
    s = PrometheusSink(PrometheusSettings(port=0, **settings), context(tmp_path, services=services))
    sinks.append(s)
    return s


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def scrape(sink: PrometheusSink) -> str:
    status, _, body = get(sink.url + "/metrics")
    assert status == 200
    return body.decode()


def host() -> Machine:
    m = cpu_machine()
    m.add("memory", MEM_USAGE, MEM_UTIL)
    m.add("network", NET_IO)
    m.add("system", PROC_COUNT, LOAD_1M)
    return m


def feed(sink: PrometheusSink, m: Machine, t: float) -> None:
    sink.export(m.tick("cpu", t, cpu_times(100 + t * 0.6, 10 + t * 0.3, 5 + t * 0.1)))
    sink.export(
        m.tick(
            "memory",
            t,
            [
                Observation("system.memory.usage", 1e9, {"system.memory.state": "used"}),
                Observation("system.memory.utilization", 0.25, {"system.memory.state": "used"}),
            ],
        )
    )
    sink.export(m.tick("network", t, net("eth0", 1000 + t * 100, 500)))
    sink.export(
        m.tick(
            "system",
            t,
            [
                Observation("system.process.count", 3, {"process.state": "running"}),
                Observation("system.cpu.load_average.1m", 0.5),
            ],
        )
    )


EXPECTED = """\
# HELP target_info Target metadata
# TYPE target_info gauge
target_info{host_name="web1",os_type="linux",service_name="sysagent"} 1.0
# HELP system_cpu_time_seconds_total Seconds each logical CPU spent on each mode
# TYPE system_cpu_time_seconds_total counter
system_cpu_time_seconds_total{cpu_mode="idle"} 103.0
system_cpu_time_seconds_total{cpu_mode="user"} 11.5
system_cpu_time_seconds_total{cpu_mode="system"} 5.5
# HELP system_cpu_utilization_ratio Share of CPU time spent on each mode
# TYPE system_cpu_utilization_ratio gauge
system_cpu_utilization_ratio{cpu_mode="idle"} 0.6
system_cpu_utilization_ratio{cpu_mode="user"} 0.3
system_cpu_utilization_ratio{cpu_mode="system"} 0.1
# HELP system_memory_usage_bytes Reports memory in use by state
# TYPE system_memory_usage_bytes gauge
system_memory_usage_bytes{system_memory_state="used"} 1e+09
# HELP system_memory_utilization_ratio system.memory.utilization
# TYPE system_memory_utilization_ratio gauge
system_memory_utilization_ratio{system_memory_state="used"} 0.25
# HELP system_network_io_bytes_total The number of bytes transmitted and received
# TYPE system_network_io_bytes_total counter
system_network_io_bytes_total{network_interface_name="eth0",network_io_direction="receive"} 1500.0
system_network_io_bytes_total{network_interface_name="eth0",network_io_direction="transmit"} 500.0
# HELP system_process_count Total number of processes in each state
# TYPE system_process_count untyped
system_process_count{process_state="running"} 3.0
# HELP system_cpu_load_average_1m system.cpu.load_average.1m
# TYPE system_cpu_load_average_1m gauge
system_cpu_load_average_1m 0.5
"""


def test_metrics_endpoint_shows_the_latest_batch_of_each_collector(sinks: list[PrometheusSink], tmp_path: Path) -> None:
    s = start(sinks, tmp_path)
    assert scrape(s) == ""  # nothing collected yet
    m = host()
    feed(s, m, 0)
    feed(s, m, 5)
    assert scrape(s) == EXPECTED


def promtool(text: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("promtool")
    assert exe, "promtool is missing: apt-get install prometheus"
    return subprocess.run([exe, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)


def test_promtool_accepts_the_output(sinks: list[PrometheusSink], tmp_path: Path) -> None:
    s = start(sinks, tmp_path)
    m = host()
    feed(s, m, 0)
    feed(s, m, 5)
    result = promtool(scrape(s))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_promtool_rejects_what_it_should(tmp_path: Path) -> None:
    """The check above can fail: promtool flags a gauge named like a histogram count."""
    result = promtool("# HELP system_process_count x\n# TYPE system_process_count gauge\nsystem_process_count 3\n")
    assert result.returncode != 0
    assert "_count" in result.stdout + result.stderr


# Every metric of FACTS §1 and the hostmetrics extras, with its attribute keys.
SEMCONV: list[tuple[MetricSpec, dict[str, str]]] = [
    (counter("system.cpu.time", "s"), {"cpu.mode": "user", "cpu.logical_number": "0"}),
    (gauge("system.cpu.utilization", "1"), {"cpu.mode": "user"}),
    (updowncounter("system.cpu.logical.count", "{cpu}"), {}),
    (updowncounter("system.cpu.physical.count", "{cpu}"), {}),
    (gauge("system.cpu.frequency", "Hz"), {"cpu.logical_number": "0"}),
    (gauge("system.cpu.load_average.1m", "{thread}"), {}),
    (gauge("system.cpu.load_average.5m", "{thread}"), {}),
    (gauge("system.cpu.load_average.15m", "{thread}"), {}),
    (updowncounter("system.memory.usage", "By"), {"system.memory.state": "used"}),
    (gauge("system.memory.utilization", "1"), {"system.memory.state": "used"}),
    (updowncounter("system.memory.limit", "By"), {}),
    (updowncounter("system.memory.linux.available", "By"), {}),
    (updowncounter("system.memory.linux.slab.usage", "By"), {"system.memory.linux.slab.state": "reclaimable"}),
    (updowncounter("system.paging.usage", "By"), {"system.paging.state": "used", "system.device": "/swap"}),
    (gauge("system.paging.utilization", "1"), {"system.paging.state": "used", "system.device": "/swap"}),
    (counter("system.paging.faults", "{fault}"), {"system.paging.fault.type": "major"}),
    (
        counter("system.paging.operations", "{operation}"),
        {"system.paging.fault.type": "major", "system.paging.direction": "in"},
    ),
    (counter("system.disk.io", "By"), {"system.device": "sda", "disk.io.direction": "read"}),
    (counter("system.disk.operations", "{operation}"), {"system.device": "sda", "disk.io.direction": "read"}),
    (counter("system.disk.io_time", "s"), {"system.device": "sda"}),
    (counter("system.disk.operation_time", "s"), {"system.device": "sda", "disk.io.direction": "read"}),
    (counter("system.disk.merged", "{operation}"), {"system.device": "sda", "disk.io.direction": "read"}),
    (
        updowncounter("system.filesystem.usage", "By"),
        {
            "system.device": "/dev/sda1",
            "system.filesystem.state": "used",
            "system.filesystem.type": "ext4",
            "system.filesystem.mode": "rw",
            "system.filesystem.mountpoint": "/",
        },
    ),
    (gauge("system.filesystem.utilization", "1"), {"system.filesystem.mountpoint": "/"}),
    (updowncounter("system.filesystem.limit", "By"), {"system.filesystem.mountpoint": "/"}),
    (
        updowncounter("system.filesystem.inodes.usage", "{inode}"),
        {"system.filesystem.mountpoint": "/", "system.filesystem.state": "used"},
    ),
    (counter("system.network.io", "By"), {"network.interface.name": "eth0", "network.io.direction": "receive"}),
    (
        counter("system.network.errors", "{error}"),
        {"network.interface.name": "eth0", "network.io.direction": "receive"},
    ),
    (
        counter("system.network.packet.dropped", "{packet}"),
        {"network.interface.name": "eth0", "network.io.direction": "receive"},
    ),
    (counter("system.network.packet.count", "{packet}"), {"system.device": "eth0", "network.io.direction": "receive"}),
    (
        updowncounter("system.network.connection.count", "{connection}"),
        {"network.connection.state": "time_wait", "network.transport": "tcp"},
    ),
    (updowncounter("system.process.count", "{process}"), {"process.state": "running"}),
    (counter("system.process.created", "{process}"), {}),
    (gauge("system.uptime", "s"), {}),
]


def test_promtool_accepts_every_semantic_convention_metric(sinks: list[PrometheusSink], tmp_path: Path) -> None:
    m = Machine()
    m.add("all", *(spec for spec, _ in SEMCONV))
    s = start(sinks, tmp_path)
    for t in (0, 5):
        s.export(m.tick("all", t, [Observation(spec.name, 1.0 + t, attrs) for spec, attrs in SEMCONV]))
    text = scrape(s)
    result = promtool(text)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert text.count("# TYPE ") == len(SEMCONV) + 1  # every metric and target_info


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (counter("system.cpu.time", "s"), ("system_cpu_time_seconds", "counter", "seconds")),
        (gauge("system.cpu.utilization", "1"), ("system_cpu_utilization_ratio", "gauge", "ratio")),
        (updowncounter("system.memory.usage", "By"), ("system_memory_usage_bytes", "gauge", "bytes")),
        (counter("system.network.io", "By"), ("system_network_io_bytes", "counter", "bytes")),
        (counter("system.network.packet.count", "{packet}"), ("system_network_packet_count", "counter", "")),
        (gauge("system.cpu.load_average.1m", "{thread}"), ("system_cpu_load_average_1m", "gauge", "")),
        (updowncounter("system.process.count", "{process}"), ("system_process_count", "unknown", "")),
        (gauge("system.cpu.frequency", "Hz"), ("system_cpu_frequency_hertz", "gauge", "hertz")),
        (updowncounter("system.filesystem.utilization", "1"), ("system_filesystem_utilization", "gauge", "")),
        (gauge("app.transfer.rate", "By/s"), ("app_transfer_rate_bytes_per_second", "gauge", "bytes_per_second")),
        (counter("http.requests.total", "1"), ("http_requests", "counter", "")),  # one _total, added by the client
        (gauge("app.latency.seconds", "s"), ("app_latency_seconds", "gauge", "seconds")),
        (gauge("9lives", "ms"), ("_9lives_milliseconds", "gauge", "milliseconds")),
    ],
)
def test_names_follow_the_collector_exporter(spec: MetricSpec, expected: tuple[str, str, str]) -> None:
    assert tuple(metric_name(spec)) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [("network.io.direction", "network_io_direction"), ("k8s..pod", "k8s_pod"), ("1st", "key_1st"), ("a-b/c", "a_b_c")],
)
def test_label_names(key: str, expected: str) -> None:
    assert label_name(key) == expected


def test_colliding_attribute_keys_join_their_values(sinks: list[PrometheusSink], tmp_path: Path) -> None:
    m = Machine()
    m.add("x", LOAD_1M)
    s = start(sinks, tmp_path, target_info=False)
    s.export(
        m.tick("x", 0, [Observation("system.cpu.load_average.1m", 1.0, {"a.b": "dot", "a_b": "under", "ok": True})])
    )
    assert 'system_cpu_load_average_1m{a_b="dot;under",ok="true"} 1.0' in scrape(s).splitlines()


def test_series_missing_from_the_latest_batch_disappear(sinks: list[PrometheusSink], tmp_path: Path) -> None:
    m = cpu_machine()
    m.add("network", NET_IO)
    s = start(sinks, tmp_path)
    s.export(m.tick("network", 0, net("eth0", 1, 1) + net("veth9", 1, 1)))
    s.export(m.tick("cpu", 0, cpu_times(1, 1, 1)))
    assert 'network_interface_name="veth9"' in scrape(s)
    s.export(m.tick("network", 5, net("eth0", 2, 2)))  # the container's interface is gone
    text = scrape(s)
    assert 'network_interface_name="veth9"' not in text
    assert 'system_network_io_bytes_total{network_interface_name="eth0",network_io_direction="receive"} 2.0' in text
    assert "system_cpu_time_seconds_total" in text  # other collectors keep their latest batch


class Clock:
    """Monotonic time that only moves when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_collector_that_stops_reporting_goes_stale(sinks: list[PrometheusSink], tmp_path: Path) -> None:
    m = cpu_machine()
    m.add("network", NET_IO)
    s = start(sinks, tmp_path, stale_after="30s")
    s.clock = clock = Clock()
    s.export(m.tick("cpu", 0, cpu_times(1, 1, 1)))
    s.export(m.tick("network", 0, net("eth0", 1, 1)))
    clock.now += 29
    s.export(m.tick("cpu", 29, cpu_times(2, 1, 1)))  # the CPU collector keeps reporting
    assert "system_network_io_bytes_total" in scrape(s)
    clock.now += 2
    text = scrape(s)
    assert "system_network_io_bytes_total" not in text
    assert "system_cpu_time_seconds_total" in text
    s.export(m.tick("network", 31, net("eth0", 2, 2)))  # back again
    assert "system_network_io_bytes_total" in scrape(s)


def test_staleness_defaults_to_three_intervals(tmp_path: Path, sinks: list[PrometheusSink]) -> None:
    m = cpu_machine()
    s = start(sinks, tmp_path)
    s.clock = clock = Clock()
    s.export(m.tick("cpu", 0, cpu_times(1, 1, 1)))
    clock.now += prometheus_sink.FIRST_BATCH_STALE_S - 1  # interval unknown after one batch: 5 minutes
    assert "system_cpu_time" in scrape(s)
    s.export(m.tick("cpu", 10, cpu_times(2, 1, 1)))  # a 10 s interval: stale after 30 s
    clock.now += 29
    assert "system_cpu_time" in scrape(s)
    clock.now += 2
    assert scrape(s) == ""


def test_openmetrics_and_gzip_are_negotiated(sinks: list[PrometheusSink], tmp_path: Path) -> None:
    s = start(sinks, tmp_path)
    feed(s, host(), 0)
    status, headers, body = get(s.url + "/metrics", {"Accept": "application/openmetrics-text; version=1.0.0"})
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("application/openmetrics-text")
    assert "# UNIT system_cpu_time_seconds seconds" in text
    assert "# TYPE target info" in text and text.endswith("# EOF\n")
    status, headers, body = get(s.url + "/metrics", {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip"
    assert "system_cpu_time_seconds_total" in gzip.decompress(body).decode()


def test_healthz_says_ok_and_follows_the_agents_health_service(sinks: list[PrometheusSink], tmp_path: Path) -> None:
    services: dict[str, Any] = {}
    s = start(sinks, tmp_path, services=services)
    assert get(s.url + "/healthz")[::2] == (200, b"ok")
    services["health"] = lambda: (False, '{"status": "degraded", "reason": "otlp queue full"}')
    status, headers, body = get(s.url + "/healthz")
    assert (status, headers["Content-Type"], body) == (
        503,
        "application/json",
        b'{"status": "degraded", "reason": "otlp queue full"}',
    )
    services["health"] = lambda: (True, '{"status": "ok"}')
    assert get(s.url + "/healthz")[::2] == (200, b'{"status": "ok"}')

    def broken() -> tuple[bool, str]:
        raise RuntimeError("boom")

    services["health"] = broken
    assert get(s.url + "/healthz")[0] == 503
    assert get(s.url + "/nope")[0] == 404
    assert get(s.url + "/")[0] == 200


def test_a_busy_port_is_a_one_line_error(sinks: list[PrometheusSink], tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}: Address already in use"):
            PrometheusSink(PrometheusSettings(port=port), context(tmp_path))


def test_shutdown_closes_the_port(tmp_path: Path) -> None:
    s = PrometheusSink(PrometheusSettings(port=0), context(tmp_path))
    url = s.url
    assert get(url + "/healthz")[0] == 200
    s.shutdown()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/healthz", timeout=5)


def test_prometheus_client_is_imported_only_when_the_sink_is_created() -> None:
    code = (
        "import sys\n"
        "from sysagent.registry import Registry\n"
        "import sysagent.sinks.prometheus as p\n"
        "p.sysagent_sinks(Registry())\n"
        "assert 'prometheus_client' not in sys.modules, 'imported too early'\n"
        "print('ok')\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "ok", "")


def test_registration_and_settings() -> None:
    registry = Registry()
    prometheus_sink.sysagent_sinks(registry)
    entry = registry.sinks()["prometheus"]
    assert (entry.default_enabled, entry.settings) == (False, PrometheusSettings)
    defaults = PrometheusSettings()
    assert (defaults.host, defaults.port) == ("127.0.0.1", 9464)
    with pytest.raises(ValueError, match="port"):
        PrometheusSettings.model_validate({"port": 70000})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.e2e
def test_a_real_prometheus_scrapes_the_endpoint(sinks: list[PrometheusSink], tmp_path: Path) -> None:
    exe = shutil.which("prometheus")
    assert exe, "prometheus is missing: apt-get install prometheus"
    s = start(sinks, tmp_path)
    m = host()
    feed(s, m, 0)
    feed(s, m, 5)
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: sysagent\n    static_configs: [{{targets: ['127.0.0.1:{s.port}']}}]\n"
    )
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    log = (tmp_path / "prometheus.log").open("w")
    proc = subprocess.Popen(
        [
            exe,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        query = urllib.parse.quote(
            'system_cpu_utilization_ratio{cpu_mode="idle"} * on() group_left(host_name) target_info'
        )
        deadline = time.monotonic() + 60
        result: list[Any] = []
        while time.monotonic() < deadline and not result:
            time.sleep(0.5)
            assert proc.poll() is None, (tmp_path / "prometheus.log").read_text()
            try:
                result = json.loads(get(f"{api}/query?query={query}")[2])["data"]["result"]
            except (OSError, KeyError, ValueError):
                continue
        assert result, "Prometheus never stored the scraped series"
        assert result[0]["metric"]["host_name"] == "web1"
        assert float(result[0]["value"][1]) == pytest.approx(0.6)
        targets = json.loads(get(f"{api}/targets")[2])["data"]["activeTargets"]
        assert [(t["health"], t["lastError"]) for t in targets] == [("up", "")]
        metadata = json.loads(get(f"{api}/metadata")[2])["data"]
        assert metadata["system_process_count"][0]["type"] == "unknown"
        assert metadata["system_network_io_bytes"][0]["type"] == "counter"  # scraped as OpenMetrics
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
