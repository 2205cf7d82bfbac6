"""The Prometheus side of the ``prometheus`` sink: a custom collector and its routes on :mod:`sysagent.http`.

Imported only when a prometheus sink is created: prometheus_client costs about
9 MB of memory, which an agent without this sink should not pay.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import InfoMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from sysagent.http.routes import Request, Response, Routes
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


def routes(registry: CollectorRegistry, health: Callable[[], HealthCheck | None]) -> Routes:
    """``/metrics`` (text or OpenMetrics, gzip when asked), ``/healthz`` and an index, on the agent's one server."""
    out = Routes()

    def metrics(req: Request) -> Response:
        encoder, content_type = choose_encoder(req.headers.get("accept", ""))
        body = encoder(registry)
        headers: tuple[tuple[str, str], ...] = ()
        if "gzip" in req.headers.get("accept-encoding", ""):
            body, headers = gzip.compress(body, compresslevel=1), (("Content-Encoding", "gzip"),)
        return Response(200, body, content_type, headers)

    def healthz(req: Request) -> Response:
        check = health()
        try:
            ok, body = (True, "") if check is None else check()
        except Exception:  # a broken health check is itself a reason to be unhealthy
            ok, body = False, '{"status": "error", "reason": "health check failed"}'
        body = body or ("ok" if ok else "unhealthy")
        ctype = "application/json" if body.startswith(("{", "[")) else "text/plain; charset=utf-8"
        return Response(200 if ok else 503, body.encode("utf-8"), ctype)

    def index(req: Request) -> Response:
        page = b'<html><body><a href="/metrics">/metrics</a> <a href="/healthz">/healthz</a></body></html>'
        return Response(200, page, "text/html; charset=utf-8")

    out.add("/metrics", metrics)
    out.add("/healthz", healthz)
    out.add("/", index)
    return out
