"""The agent's whole-process cost beside its peers, all in one run at one interval.

Runs side by side, every contender collecting every ``--interval`` seconds:

- ``sysagent run``: every built-in host collector, the otlp sink (alerts off; its own metrics at their default 5 s);
- the OpenTelemetry Collector with only the hostmetrics receiver (the same
  scrapers: cpu, load, memory, paging, filesystem, disk, network, processes,
  system), built on demand from ``otel-collector/manifest-hostmetrics.yaml``;
- opentelemetry-instrumentation-system-metrics with the SDK's OTLP/HTTP exporter;
- node_exporter, scraped by this bench (the scraper's cost is not counted).

The three OTLP senders export to one real Collector, each on its own receiver
and pipeline with its own debug exporter, so the Collector's log counts each
sender's requests and points. For every process it prints CPU (utime+stime of
the whole process) per collection over ``--duration`` seconds, RSS, points per
collection, and sysagent's ratios against the targets. ``--baseline DIR`` runs
a second ``sysagent run`` from another checkout (e.g. ``git archive`` of an
older commit) in the same run, for before/after figures. ``--fsync-always`` adds
``sysagent run`` with ``sinks.otlp.queue.fsync: always`` (an fsync per tick) as
``always``, beside the default ``backlog`` (an fsync only when a batch waits). ``--growth`` adds ``sysagent run`` over
10,000 cycles for the RSS growth (bench/_rss.py). A last line gives the RSS
floor: Python with pydantic and the standard library sysagent uses, no sysagent.

    python bench/whole_process.py [--duration 180] [--interval 1] [--growth] [--quick] [--fsync-always]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml
from _common import REPO, Report, default_agent, free_port
from _rss import long_run
from _services import AgentProcess, NodeExporter, Process, collector_binary

SCRAPERS = ("cpu", "load", "memory", "paging", "filesystem", "disk", "network", "processes", "system")
SENDERS = ("sysagent", "baseline", "always", "hostmetrics", "sdk")
_LINE = re.compile(rb'"otelcol.component.id": "debug/(\w+)".*"data points": (\d+)')

_SDK = """
import sys, time
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor
from opentelemetry.metrics import set_meter_provider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

exporter = OTLPMetricExporter(endpoint=sys.argv[1] + "/v1/metrics")
reader = PeriodicExportingMetricReader(exporter, export_interval_millis=float(sys.argv[2]) * 1000)
set_meter_provider(MeterProvider(metric_readers=[reader]))
SystemMetricsInstrumentor().instrument()
while True:
    time.sleep(3600)
"""


# The RSS floor of any agent built like sysagent: the interpreter, pydantic with one model
# validated (settings, including plugins' own, are pydantic models: the plugin contract), the
# standard-library modules the agent needs anyway, and five idle threads. No sysagent code.
_FLOOR = """
import logging, sqlite3, socket, threading, json, time, importlib.metadata
import yaml, pluggy
from pydantic import BaseModel
class Settings(BaseModel):
    interval: float = 10.0
Settings(interval=1)
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE t (x)")
for _ in range(5):
    threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
time.sleep(3600)
"""


def _write(folder: Path, name: str, config: dict[str, object]) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(config))
    return path


class SinkCollector(Process):
    """The real Collector all senders export to: one OTLP/HTTP receiver and debug exporter per sender."""

    def __init__(self, folder: Path) -> None:
        self.ports = {name: free_port() for name in SENDERS}
        config = {
            "receivers": {
                f"otlp/{n}": {"protocols": {"http": {"endpoint": f"127.0.0.1:{p}"}}} for n, p in self.ports.items()
            },
            "exporters": {f"debug/{n}": {"verbosity": "basic"} for n in SENDERS},
            "service": {
                "pipelines": {
                    f"metrics/{n}": {"receivers": [f"otlp/{n}"], "exporters": [f"debug/{n}"]} for n in SENDERS
                },
                "telemetry": {"metrics": {"level": "none"}, "logs": {"sampling": {"enabled": False}}},
            },
        }
        super().__init__([collector_binary(), "--config", str(_write(folder, "sink.yaml", config))], "sink")
        for port in self.ports.values():
            self.wait_port(port)

    def url(self, sender: str) -> str:
        return f"http://127.0.0.1:{self.ports[sender]}"

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per sender: requests and data points received so far."""
        out = {n: (0, 0) for n in SENDERS}
        for name, points in _LINE.findall(self.log.read_bytes()):
            requests, total = out[name.decode()]
            out[name.decode()] = (requests + 1, total + int(points))
        return out


def hostmetrics(folder: Path, url: str, interval: float) -> Process:
    import subprocess

    binary = subprocess.run(
        ["bash", str(REPO / "otel-collector" / "build.sh"), "manifest-hostmetrics.yaml"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    config = {
        "receivers": {"hostmetrics": {"collection_interval": f"{interval}s", "scrapers": {s: {} for s in SCRAPERS}}},
        "exporters": {"otlphttp": {"endpoint": url}},
        "service": {
            "pipelines": {"metrics": {"receivers": ["hostmetrics"], "exporters": ["otlphttp"]}},
            "telemetry": {"metrics": {"level": "none"}},
        },
    }
    return Process([binary, "--config", str(_write(folder, "hostmetrics.yaml", config))], "hostmetrics")


def sysagent_config(url: str, interval: float, *, fsync: str | None = None) -> dict[str, object]:
    # Every host collector at the bench's interval. Left at their defaults: host (resource facts,
    # every 60 s), alerts (its plugin is off) and sysagent's own metrics (every 5 s; the peers'
    # own telemetry is off in this bench).
    names = [n for n in default_agent().runners if n not in ("host", "alerts", "sysagent")]
    return {
        "agent": {"status": {"port": free_port()}, "log_level": "WARNING"},
        "collectors": {n: {"interval": interval} for n in names},
        "sinks": {"otlp": {"endpoint": url, **({"queue": {"fsync": fsync}} if fsync else {})}},
        # alerts off: with `alerts: {enabled: false}` the evaluator would still see every batch
        # (plugins installed beside sysagent, e.g. plugins/, are off: AgentProcess disables autoload)
        "plugins": {"disable": ["alerts", "console"]},
    }


class Scraper(threading.Thread):
    """Scrapes node_exporter every ``interval`` seconds, aligned like a Prometheus scrape."""

    def __init__(self, ne: NodeExporter, interval: float) -> None:
        super().__init__(daemon=True)
        self.ne, self.interval, self.count = ne, interval, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval - time.time() % self.interval):
            self.ne.scrape()
            self.count += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=180.0, help="seconds measured after warm-up")
    parser.add_argument("--interval", type=float, default=1.0, help="collection interval of every contender")
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--growth", action="store_true", help="also sysagent run over 10,000 cycles (RSS growth)")
    parser.add_argument("--baseline", type=Path, help="a checkout whose sysagent also runs, as 'baseline'")
    parser.add_argument("--fsync-always", action="store_true", help="also sysagent with an fsync per tick")
    parser.add_argument("--quick", action="store_true", help="30 s, no growth run")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup, args.growth = 30.0, 8.0, False
    rep = Report(f"bench/whole_process.py --duration {args.duration:g} --interval {args.interval:g}")
    folder = Path(tempfile.mkdtemp(prefix="bench-whole-"))
    with SinkCollector(folder) as sink:
        procs: dict[str, Process] = {
            "sysagent": AgentProcess(sysagent_config(sink.url("sysagent"), args.interval)),
            **(
                {"baseline": AgentProcess(sysagent_config(sink.url("baseline"), args.interval), args.baseline)}
                if args.baseline
                else {}
            ),
            **(
                {"always": AgentProcess(sysagent_config(sink.url("always"), args.interval, fsync="always"))}
                if args.fsync_always
                else {}
            ),
            "hostmetrics": hostmetrics(folder, sink.url("hostmetrics"), args.interval),
            "sdk": Process([sys.executable, "-c", _SDK, sink.url("sdk"), str(args.interval)], "sdk"),
            "node_exporter": NodeExporter(),
        }
        floor = Process([sys.executable, "-c", _FLOOR], "floor")
        scraper = Scraper(procs["node_exporter"], args.interval)  # type: ignore[arg-type]
        try:
            scraper.start()
            time.sleep(args.warmup)
            for name, p in procs.items():
                if p.proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {p.tail()}")
            cpu0 = {n: p.cpu() for n, p in procs.items()}
            counts0, scrapes0, start = sink.counts(), scraper.count, time.monotonic()
            rss: dict[str, list[float]] = {n: [] for n in procs}
            while time.monotonic() - start < args.duration:
                time.sleep(min(10.0, args.duration / 6))
                for n, p in procs.items():
                    rss[n].append(p.rss())
            cpu = {n: p.cpu() - cpu0[n] for n, p in procs.items()}
            counts, scrapes, elapsed = sink.counts(), scraper.count - scrapes0, time.monotonic() - start
            series = procs["node_exporter"].series()  # type: ignore[attr-defined]
            floor_rss = floor.rss()
        finally:
            scraper.stop.set()
            floor.stop()
            for p in procs.values():
                p.stop()
    ticks = elapsed / args.interval
    rows: dict[str, tuple[float, float, float, str]] = {}
    for n in procs:
        if n == "node_exporter":
            per, points = cpu[n] / max(scrapes, 1), f"{series} series"
        else:
            per = cpu[n] / ticks
            requests, total = (a - b for a, b in zip(counts[n], counts0[n], strict=True))
            points = f"{total / ticks:.0f} ({requests / ticks:.2f} requests)"
        rows[n] = (per, max(rss[n]), rss[n][-1] - rss[n][0], points)
    print(f"\n{rep.title}: {elapsed:.0f} s measured, {ticks:.0f} collections, {scrapes} scrapes")
    print("| process | CPU per collection | RSS max | RSS drift | points per collection |\n|---|---|---|---|---|")
    for n, (per, top, drift, points) in rows.items():
        unit = " per scrape" if n == "node_exporter" else ""
        print(f"| {n} | {per * 1e3:.2f} ms{unit} | {top:.1f} MB | {drift:+.1f} MB | {points} |")
    print(
        f"\nRSS floor (Python {sys.version_info.major}.{sys.version_info.minor} + pydantic, one model, the stdlib"
        f" sysagent uses, 5 idle threads; no sysagent code): {floor_rss:.1f} MB;"
        f" sysagent is {rows['sysagent'][1] - floor_rss:+.1f} MB above it"
    )
    sa = rows["sysagent"][0]
    rep.target("sysagent / hostmetrics receiver, CPU per collection", sa / rows["hostmetrics"][0], "<=", 0.1)
    rep.target("sysagent / instrumentation + SDK, CPU per collection", sa / rows["sdk"][0], "<=", 0.1)
    rep.target("sysagent per collection / node_exporter per scrape", sa / rows["node_exporter"][0], "<=", 0.2)
    rep.target("sysagent steady RSS (MB, max of samples)", rows["sysagent"][1], "<=", 32.0, "{:.1f}")
    if args.growth:
        long_run(rep, cycles=10_000, names=[n for n in default_agent().runners if n != "host"])
    return rep.summary()


if __name__ == "__main__":
    sys.exit(main())
