"""CPU cost of the hand-written OTLP encoder (sysagent.otlp.encode).

Usage: ``python bench/otlp_encode.py [SECONDS]``. Prints, in one run:

- throughput for a high-cardinality custom plugin: one batch of 10,000 series
  (3 attributes each), cumulative and delta;
- CPU per encode of this host's real default collection (``Agent.collect_once``,
  second cycle so utilizations and deltas are present), and per collect+encode;
- for scale, the same host batches through the official protobuf classes
  (build + SerializeToString, as the OpenTelemetry exporter does).

CPU is ``time.process_time``; figures are for this machine, compare ratios in one run.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from sysagent.agent import Agent
from sysagent.model import Batch, MetricData, Point, Resource, Scope, counter
from sysagent.otlp.encode import MetricsEncoder
from sysagent.resource import detect


def cpu_per_call(fn: Callable[[], object], seconds: float) -> float:
    """Median CPU seconds per call over batches of calls lasting ``seconds`` in all."""
    fn()
    samples: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.process_time()
        for _ in range(10):
            fn()
        samples.append((time.process_time() - start) / 10)
    return statistics.median(samples)


def custom_batch(resource: Resource, n: int = 10_000) -> Batch:
    spec = counter("app.requests", "{request}", "Requests served")
    now = time.time_ns()
    points = tuple(
        Point(
            (("http.route", f"/api/v1/items/{i}"), ("http.request.method", "GET"), ("shard", i % 16)),
            float(i * 3),
            now - 60_000_000_000,
            3.0,
            0.6,
        )
        for i in range(n)
    )
    return Batch(Scope("custom", "1.0.0"), resource, now, (MetricData(spec, points),), now - 5_000_000_000)


def official(batches: tuple[Batch, ...]) -> Callable[[], bytes]:
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

    def kv(k: str, v: object) -> KeyValue:
        if isinstance(v, str):
            return KeyValue(key=k, value=AnyValue(string_value=v))
        if isinstance(v, bool):
            return KeyValue(key=k, value=AnyValue(bool_value=v))
        if isinstance(v, int):
            return KeyValue(key=k, value=AnyValue(int_value=v))
        return KeyValue(key=k, value=AnyValue(double_value=float(v)))  # type: ignore[arg-type]

    def run() -> bytes:
        req = ExportMetricsServiceRequest()
        rm = req.resource_metrics.add()
        rm.resource.attributes.extend(kv(k, v) for k, v in batches[0].resource.attributes)
        for b in batches:
            sm = rm.scope_metrics.add()
            sm.scope.name = b.scope.name
            for m in b.metrics:
                metric = sm.metrics.add(name=m.spec.name, unit=m.spec.unit)
                dps = metric.gauge.data_points if m.spec.kind.value == "gauge" else metric.sum.data_points
                for p in m.points:
                    dp = dps.add(time_unix_nano=b.time_ns, start_time_unix_nano=p.start_time_ns, as_double=p.value)
                    dp.attributes.extend(kv(k, v) for k, v in p.attributes)
        return bytes(req.SerializeToString())

    return run


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    agent = Agent.from_config({"sinks": {}})
    resource = Resource(tuple(sorted(detect(agent.host, {}).items())))

    big = custom_batch(resource)
    for temporality in ("cumulative", "delta"):
        enc = MetricsEncoder(temporality)
        per = cpu_per_call(lambda e=enc: e.encode((big,)), seconds)  # type: ignore[misc]
        size = len(enc.encode((big,)).payload)
        print(
            f"10,000-series batch, {temporality:>10}: {per * 1e3:6.2f} ms CPU -> {10_000 / per:,.0f} points/s "
            f"({size / 10_000:.0f} bytes/point)"
        )

    agent.collect_once()
    time.sleep(1.0)
    snapshot = agent.collect_once()
    batches = tuple(
        Batch(b.scope, resource, b.time_ns, b.metrics, b.previous_time_ns, b.collector) for b in snapshot.batches
    )
    points = sum(b.point_count for b in batches)
    enc = MetricsEncoder()
    per_encode = cpu_per_call(lambda: enc.encode(batches), seconds)
    print(f"host collection: {len(batches)} batches, {points} points, {len(enc.encode(batches).payload)} bytes encoded")
    print(f"  encode (one request):     {per_encode * 1e3:.3f} ms CPU ({per_encode / points * 1e6:.2f} us/point)")
    per_batch = cpu_per_call(lambda: [enc.encode((b,)) for b in batches], seconds)
    print(f"  encode (one per batch):   {per_batch * 1e3:.3f} ms CPU  <- what the otlp sink does")
    collect_and_encode = cpu_per_call(lambda: [enc.encode((b,)) for b in agent.collect_once().batches], seconds)
    print(f"  collect + encode a cycle: {collect_and_encode * 1e3:.3f} ms CPU")
    per_official = cpu_per_call(official(batches), seconds)
    print(
        f"  official protobuf classes, built + serialized: {per_official * 1e3:.3f} ms CPU "
        f"({per_official / per_encode:.0f}x)"
    )


if __name__ == "__main__":
    main()
