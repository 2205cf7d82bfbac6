"""In-process split for bench/bridge.py: what each side costs in the thread that pays for it.

The bridge's collection runs in sysagent's thread, outside the SDK; the SDK's
collect (callbacks, aggregation) runs under the SDK's collect lock; the OTLP
encoding follows. The contrib instrumentor reads psutil inside its callbacks,
under that lock. Figures are medians of ``time.thread_time`` per call.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import sysagent.otel
from sysagent import Agent


def per_call(fn: Callable[[], object], n: int) -> float:
    out = []
    for _ in range(n):
        start = time.thread_time()
        fn()
        out.append(time.thread_time() - start)
        time.sleep(0.01)
    return statistics.median(out)


def encode_cost(reader: InMemoryMetricReader, n: int) -> tuple[float, int]:
    data = reader.get_metrics_data()
    assert data is not None
    points = sum(len(m.data.data_points) for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics)
    return per_call(lambda: encode_metrics(data).SerializeToString(), n), points


def bridge_split(config: dict[str, Any], n: int) -> dict[str, float]:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    bridge = sysagent.otel.instrument(provider, config, host_lock=False)
    try:
        assert bridge.ready.wait(10)
        time.sleep(2.5)  # utilizations need a second collection
        # the same collectors, run here (the bridge's own scheduler keeps its runners)
        twin = Agent.from_config({**config, "sinks": {}})
        runners = [r for r, _, _ in twin.runners.values()]

        def cycle() -> None:
            for r in runners:
                bridge.sink.export(r.run())

        collect = per_call(cycle, n)
        sdk = per_call(reader.get_metrics_data, n)
        encode, points = encode_cost(reader, n)
    finally:
        sysagent.otel.uninstrument()
    return {"collect": collect, "sdk": sdk, "encode": encode, "points": points}


def contrib_split(n: int) -> dict[str, float]:
    from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    instrumentor = SystemMetricsInstrumentor()
    instrumentor.instrument(meter_provider=provider)
    try:
        reader.get_metrics_data()  # its first utilization
        sdk = per_call(reader.get_metrics_data, n)
        encode, points = encode_cost(reader, n)
    finally:
        instrumentor.uninstrument()
    return {"collect": 0.0, "sdk": sdk, "encode": encode, "points": points}
