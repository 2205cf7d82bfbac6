"""The Prometheus side of the ``prometheus`` sink: a custom collector and the HTTP server.

Imported only when a prometheus sink is created: prometheus_client costs about
9 MB of memory, which an agent without this sink should not pay.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from sysagent.model import AttrKey, Batch, MetricSpec
from sysagent.sinks._promnames import PromName, label_name, label_value, metric_name

Labels = dict[str, str]
#: () -> (healthy, JSON reason); see :class:`sysagent.sinks.prometheus.PrometheusSink`.
HealthCheck = Callable[[], tuple[bool, str]]


class BatchCollector(Collector):
    """Renders the latest batch of each collector as Prometheus metric families.

    ``batches`` returns those batches at scrape time; series missing from a
    collector's latest batch are therefore gone from the next scrape.
    """

    def __init__(self, batches: Callable[[], list[Batch]], target_info: bool = True) -> None:
        self._batches = batches
        self._target_info = target_info
        self._names: dict[MetricSpec, PromName] = {}
        self._labels: dict[AttrKey, Labels] = {}

    def _name(self, spec: MetricSpec) -> PromName:
        name = self._names.get(spec)
        if name is None:
            name = self._names[spec] = metric_name(spec)
        return name

    def labels(self, attributes: AttrKey) -> Labels:
        """Label names and values for attributes; keys that collide after escaping are joined with ``;``."""
        cached = self._labels.get(attributes)
        if cached is not None:
            return cached
        out: Labels = {}
        for key, value in attributes:  # sorted by key, so a collision joins values in key order
            name = label_name(key)
            out[name] = f"{out[name]};{label_value(value)}" if name in out else label_value(value)
        if len(self._labels) > 50_000:  # attribute tuples are reused; bound the cache anyway
            self._labels.clear()
        self._labels[attributes] = out
        return out

    def collect(self) -> Iterator[Metric]:
        batches = self._batches()
        if not batches:
            return
        if self._target_info:
            resource = max(batches, key=lambda b: b.time_ns).resource
            if resource.attributes:
                yield InfoMetricFamily("target", "Target metadata", value=self.labels(resource.attributes))
        families: dict[str, Metric] = {}
        series: dict[str, set[tuple[tuple[str, str], ...]]] = {}
        for batch in batches:
            for m in batch.metrics:
                name = self._name(m.spec)
                family = families.get(name.family)
                if family is None:
                    help_text = m.spec.description or m.spec.name
                    family = families[name.family] = Metric(name.family, help_text, name.type, name.unit)
                    series[name.family] = set()
                elif family.type != name.type:
                    continue  # two plugins disagree on a metric's kind: the first one wins
                sample = name.family + "_total" if name.type == "counter" else name.family
                seen = series[name.family]
                for p in m.points:
                    labels = self.labels(p.attributes)
                    key = tuple(labels.items())
                    if key in seen:
                        continue
                    seen.add(key)
                    family.add_sample(sample, labels, p.value)
        yield from families.values()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not worth a log line each."""


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a stuck scraper never blocks shutdown


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_app(registry: CollectorRegistry, health: Callable[[], HealthCheck | None]) -> Callable[..., Iterable[bytes]]:
    """The WSGI app: ``/metrics`` (prometheus_client's, with gzip and OpenMetrics), ``/healthz``."""
    metrics_app = make_wsgi_app(registry)

    def app(environ: Mapping[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/metrics":
            result: Iterable[bytes] = metrics_app(environ, start_response)
            return result
        if path == "/healthz":
            check = health()
            try:
                ok, body = (True, "") if check is None else check()
            except Exception:  # a broken health check is itself a reason to be unhealthy
                ok, body = False, '{"status": "error", "reason": "health check failed"}'
            body = body or ("ok" if ok else "unhealthy")
            ctype = "application/json" if body.startswith(("{", "[")) else "text/plain; charset=utf-8"
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", ctype)])
            return [body.encode("utf-8")]
        if path == "/":
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [b'<html><body><a href="/metrics">/metrics</a> <a href="/healthz">/healthz</a></body></html>']
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"not found\n"]

    return app


def serve(host: str, port: int, app: Callable[..., Iterable[bytes]]) -> tuple[WSGIServer, threading.Thread]:
    """Listen on ``host:port`` (port 0: any free port) and serve ``app`` from a daemon thread."""
    server_class = _Server6 if ":" in host else _Server
    server = make_server(host, port, app, server_class=server_class, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="sysagent-prometheus", daemon=True)
    thread.start()
    return server, thread


def stop(server: WSGIServer, thread: threading.Thread, timeout: float) -> None:
    """Stop serving and close the port, without waiting out ``serve_forever``'s poll interval."""
    stopper = threading.Thread(target=server.shutdown, daemon=True)
    stopper.start()
    host, port = server.server_address[:2]
    if host in ("0.0.0.0", "::", ""):
        host = "::1" if server.address_family == socket.AF_INET6 else "127.0.0.1"
    with contextlib.suppress(OSError):  # a connection wakes select(); the loop then sees the request
        socket.create_connection((str(host), int(port)), timeout=0.5).close()
    stopper.join(timeout)
    server.server_close()
    thread.join(timeout)
