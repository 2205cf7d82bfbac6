"""Push metrics with the OpenTelemetry SDK's own OTLP exporters: a standard client for the Collector."""

from __future__ import annotations

from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpExporter
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource


def push(
    endpoint: str,
    protocol: str,
    resource: dict[str, str],
    rounds: list[tuple[int, int]],
    headers: dict[str, str] | None = None,
) -> None:
    """Export ``rounds`` of (counter increment, gauge value) as system.network.io and system.memory.usage.

    Each round is one export, so the backends get one point per round.
    """
    exporter: MetricExporter
    if protocol == "grpc":
        exporter = GrpcExporter(endpoint=endpoint.removeprefix("http://"), insecure=True, headers=headers)
    else:
        exporter = HttpExporter(endpoint=f"{endpoint}/v1/metrics", headers=headers)
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(metric_readers=[reader], resource=Resource.create(resource))
    meter = provider.get_meter("sysagent.e2e", "1.0")
    io = meter.create_counter("system.network.io", unit="By")
    state = {"value": 0}

    def observe(_options: CallbackOptions) -> list[Observation]:
        return [Observation(state["value"], {"system.memory.state": "used"})]

    meter.create_observable_gauge("system.memory.usage", unit="By", callbacks=[observe])
    for increment, gauge in rounds:
        io.add(increment, {"network.io.direction": "transmit", "network.interface.name": "eth0"})
        state["value"] = gauge
        assert provider.force_flush(10_000), "the SDK could not export"
    provider.shutdown()
