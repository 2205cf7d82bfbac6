"""The fleet's receiving side as real processes on loopback: the gateway Collector, Prometheus, VictoriaMetrics.

The gateway runs ``otel-collector/gateway.yaml`` plus ``gateway-victoriametrics.yaml``
(remote write to both backends), with its ports and storage from the
environment. Each process keeps its port and data folder across a restart, so
the fault runs can stop and start one. ``Probe`` polls both backends for the
newest sample of every host (lag), and ``stored`` counts each series' samples
(loss per series).
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from _common import REPO, free_port, proc_cpu, rss_mb
from _services import Process, collector_binary

CONFIGS = REPO / "otel-collector"
#: A gauge every host sends once per tick; its newest timestamp per host measures the lag.
PROBE_METRIC = "system_uptime_seconds"


class Restartable:
    """A server process with a fixed port and data folder; ``stop`` and ``start`` at will."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name, self.folder = name, folder
        self.port = free_port()
        self.proc: Process | None = None
        self.cpu_before = 0.0  # CPU of earlier incarnations, so cpu() covers the whole run

    def argv(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def start(self) -> None:
        self.proc = Process(self.argv(), self.name, env=self.env())
        self.proc.wait_port(self.port, 60.0)

    def stop(self) -> None:
        if self.proc is not None:
            self.cpu_before += self.proc.cpu()
            self.proc.stop()
            self.proc = None

    def cpu(self) -> float:
        return self.cpu_before + (self.proc.cpu() if self.proc else 0.0)

    def rss(self) -> float:
        return self.proc.rss() if self.proc else 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class PrometheusServer(Restartable):
    def argv(self) -> list[str]:
        config = self.folder / "prometheus.yml"
        config.write_text("global: {}\n")
        return [
            "/usr/bin/prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={self.folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-remote-write-receiver",
            "--storage.tsdb.retention.time=1d",
        ]


class VictoriaMetrics(Restartable):
    def argv(self) -> list[str]:
        # latencyOffset: VictoriaMetrics hides samples younger than 30 s from queries by default;
        # 1 s lets the probe see when a sample becomes queryable. The result cache is off for the same reason.
        return [
            "/usr/bin/victoria-metrics",
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-storageDataPath={self.folder / 'data'}",
            "-retentionPeriod=1d",
            "-search.latencyOffset=1s",
            "-search.disableCache",
            "-loggerLevel=ERROR",
        ]


class Gateway(Restartable):
    """A Collector from otel-collector/ configs: OTLP/HTTP in on ``port`` (the gateway, or the load balancer)."""

    def __init__(
        self,
        name: str,
        folder: Path,
        prometheus: str,
        victoria: str,
        configs: tuple[str, ...],
        extra: dict[str, str] | None = None,
    ) -> None:
        super().__init__(name, folder)
        self.prometheus, self.victoria, self.configs = prometheus, victoria, configs
        self.others = {k: free_port() for k in ("GRPC", "HEALTH", "METRICS")}
        self.extra = extra or {}
        self.binary = collector_binary()

    def argv(self) -> list[str]:
        args = [self.binary]
        for c in self.configs:
            args += ["--config", str(CONFIGS / c)]
        return args

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({f"SYSAGENT_OTELCOL_{k}_PORT": str(v) for k, v in self.others.items()})
        env.update(
            {
                "SYSAGENT_OTELCOL_HTTP_PORT": str(self.port),
                "SYSAGENT_OTELCOL_STORAGE_DIR": str(self.folder / "storage"),
                "SYSAGENT_PROMETHEUS_URL": self.prometheus,
                "SYSAGENT_VICTORIAMETRICS_URL": self.victoria,
                "SYSAGENT_OTELCOL_LOG_LEVEL": "warn",
                **self.extra,
            }
        )
        return env

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.others['GRPC']}"


def query(url: str, promql: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    """An instant query against Prometheus's (or VictoriaMetrics') /api/v1/query."""
    data = urllib.parse.urlencode({"query": promql}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{url}/api/v1/query", data=data), timeout=timeout) as r:
        body = json.loads(r.read())
    assert body["status"] == "success", body
    return list(body["data"]["result"])


def stored(url: str, run_id: str, names: list[str], window_s: int) -> dict[tuple[str, str], int]:
    """Samples stored per series of the run, keyed by (host, series labels), one query per metric name."""
    out: dict[tuple[str, str], int] = {}
    for name in names:
        sel = f'{{__name__="{name}",deployment_environment_name="{run_id}"}}'
        for r in query(url, f"count_over_time({sel}[{window_s}s])"):
            labels = r["metric"]
            host = labels.get("host_name", "")
            key = ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in ("instance", "job"))
            out[(host, f"{name}{{{key}}}")] = int(float(r["value"][1]))
    return out


def metric_names(url: str, run_id: str) -> list[str]:
    res = query(url, f'count by (__name__) ({{deployment_environment_name="{run_id}"}})')
    return sorted(r["metric"]["__name__"] for r in res if r["metric"]["__name__"] != "target_info")


class Probe(threading.Thread):
    """Polls a backend every ``every`` s for each host's newest probe sample; records when each first shows up."""

    def __init__(self, url: str, run_id: str, every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.url, self.run_id, self.every = url, run_id, every
        self.seen: dict[str, float] = {}
        self.lags: list[float] = []
        self.errors = 0
        self.stop = threading.Event()

    def run(self) -> None:
        sel = f'{PROBE_METRIC}{{deployment_environment_name="{self.run_id}"}}'
        while not self.stop.wait(self.every):
            try:
                now = time.time()
                rows = query(self.url, f"timestamp({sel})", timeout=10)
            except OSError:
                self.errors += 1
                continue
            for r in rows:
                host, ts = r["metric"].get("host_name", ""), float(r["value"][1])
                if ts > self.seen.get(host, 0.0):
                    if host in self.seen:  # the first sighting may be of an old sample
                        self.lags.append(now - ts)
                    self.seen[host] = ts


def usage(procs: dict[str, Restartable | int]) -> dict[str, tuple[float, float]]:
    """CPU seconds so far and RSS (MB) of each named process (a Restartable or a pid)."""
    out: dict[str, tuple[float, float]] = {}
    for name, p in procs.items():
        if isinstance(p, int):
            out[name] = (proc_cpu(p), rss_mb(p))
        else:
            out[name] = (p.cpu(), p.rss())
    return out
