"""An app instrumented by hand: the OpenTelemetry SDK, a PeriodicExportingMetricReader, OTLP/HTTP, and the bridge.

    python _bridge_app.py OTLP_ENDPOINT RUN_ID SYSAGENT_CONFIG

Exports every second to the Collector; runs until killed.
"""

from __future__ import annotations

import signal
import socket
import sys
import time
from types import FrameType

from opentelemetry import metrics
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

import sysagent.otel

endpoint, run_id, config = sys.argv[1:4]
reader = PeriodicExportingMetricReader(
    OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics"), export_interval_millis=1000
)
resource = Resource.create(
    {"service.name": "bridge-app", "deployment.environment.name": run_id, "host.name": socket.gethostname()}
)
provider = MeterProvider(metric_readers=[reader], resource=resource)
metrics.set_meter_provider(provider)
sysagent.otel.instrument(config=config)  # on the global MeterProvider


def stop(_signum: int, _frame: FrameType | None) -> None:
    sysagent.otel.uninstrument()
    provider.shutdown()
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
while True:
    time.sleep(1)
