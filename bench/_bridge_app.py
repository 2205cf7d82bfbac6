"""One app process for bench/bridge.py: the OpenTelemetry SDK exporting OTLP/HTTP every INTERVAL seconds.

    python bench/_bridge_app.py MODE ENDPOINT INTERVAL STATE_DIR

MODE: ``none`` (the SDK with the app's one metric: the floor), ``bridge`` (sysagent.otel, every
built-in collector at INTERVAL) or ``contrib``
(opentelemetry-instrumentation-system-metrics, its defaults). After each
export it prints ``export N POINTS`` on stdout.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    MetricsData,
    PeriodicExportingMetricReader,
)


class Counting(MetricExporter):
    """The real OTLP exporter, counting exports and points."""

    def __init__(self, inner: OTLPMetricExporter) -> None:
        super().__init__(
            preferred_temporality=inner._preferred_temporality, preferred_aggregation=inner._preferred_aggregation
        )
        self.inner = inner
        self.exports = 0

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        result = self.inner.export(metrics_data, timeout_millis=timeout_millis)
        self.exports += 1
        n = sum(
            len(m.data.data_points)
            for rm in metrics_data.resource_metrics
            for sm in rm.scope_metrics
            for m in sm.metrics
        )
        print(f"export {self.exports} {n}", flush=True)
        return result

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self.inner.force_flush(timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self.inner.shutdown(timeout_millis=timeout_millis)


def main(argv: Sequence[str]) -> None:
    mode, endpoint, interval, state_dir = argv[0], argv[1], float(argv[2]), argv[3]
    exporter = Counting(OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics"))
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=interval * 1000)
    provider = MeterProvider(metric_readers=[reader])
    # the app's own metric, in every mode (the SDK exports nothing without one)
    provider.get_meter("app").create_observable_gauge("app.queue.length", callbacks=[lambda _o: [Observation(1)]])
    if mode == "bridge":
        from bridge import bridge_config

        import sysagent.otel

        sysagent.otel.instrument(provider, bridge_config(state_dir))
    elif mode == "contrib":
        from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor

        SystemMetricsInstrumentor().instrument(meter_provider=provider)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main(sys.argv[1:])
