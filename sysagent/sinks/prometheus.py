"""The ``prometheus`` sink: an HTTP endpoint that Prometheus scrapes, like node_exporter.

It is served by the agent's one HTTP server (:mod:`sysagent.http`).
``/metrics`` shows the latest batch of each collector, named as the
OpenTelemetry Collector's Prometheus exporter names them (see
:mod:`sysagent.sinks._promnames`), with the resource attributes on a
``target_info`` metric. ``/healthz`` answers 200 ``ok``; when the agent provides
a ``health`` service (``ctx.services["health"]``, a callable returning
``(healthy, reason_json)``), it answers with that reason, and 503 when unhealthy.

A collector's series vanish when its latest batch no longer has them, and all
of its series vanish when it stops reporting for ``stale_after`` (by default
three of its intervals), so Prometheus marks them stale instead of repeating
old values. prometheus_client is imported only when this sink is created.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import Field

from sysagent.http.server import Server
from sysagent.markers import hookimpl
from sysagent.model import Batch, ExportResult
from sysagent.registry import PluginContext, Registry
from sysagent.settings import Duration, SinkSettings

if TYPE_CHECKING:
    from sysagent.sinks._promexport import HealthCheck

#: A collector whose interval is unknown (it has reported once) goes stale after this long.
FIRST_BATCH_STALE_S = 300.0


class PrometheusSettings(SinkSettings):
    """``sinks.prometheus``."""

    host: str = "127.0.0.1"
    #: 9464 is the port the OpenTelemetry Prometheus exporters use; 0 picks a free one.
    port: int = Field(default=9464, ge=0, le=65535)
    #: Drop a collector's series when it has not reported for this long (default: 3 intervals).
    stale_after: Duration | None = None
    #: Expose resource attributes (host.name, os.type, ...) as ``target_info``.
    target_info: bool = True


class PrometheusSink:
    """Keeps the latest batch per collector and serves it over HTTP."""

    def __init__(self, settings: PrometheusSettings, ctx: PluginContext) -> None:
        from prometheus_client import CollectorRegistry

        from sysagent.sinks import _promexport

        self.settings = settings
        self._services = ctx.services
        #: Monotonic seconds; staleness is measured with it (tests move it forward).
        self.clock: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()
        # collector name -> (batch, monotonic time it arrived)
        self._latest: dict[str, tuple[Batch, float]] = {}
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_promexport.BatchCollector(self.current, settings.target_info))
        routes = _promexport.routes(self.registry, self._health)
        try:
            self._server = Server(settings.host, settings.port, routes, name="sysagent-prometheus")
        except OSError as e:
            raise OSError(f"cannot listen on {settings.host}:{settings.port}: {e.strerror or e}") from None
        self.port: int = self._server.port

    @property
    def url(self) -> str:
        return self._server.url

    def _health(self) -> HealthCheck | None:
        check: Any = self._services.get("health")
        return check if callable(check) else None

    def export(self, batch: Batch) -> ExportResult:
        with self._lock:
            self._latest[batch.collector or batch.scope.name] = (batch, self.clock())
        return ExportResult.SUCCESS

    def current(self) -> list[Batch]:
        """The latest batch of each collector that has not gone stale, by collector name."""
        now = self.clock()
        with self._lock:
            for key, (batch, arrived) in list(self._latest.items()):
                if now - arrived > self._stale_after(batch):
                    del self._latest[key]
            return [self._latest[k][0] for k in sorted(self._latest)]

    def _stale_after(self, batch: Batch) -> float:
        if self.settings.stale_after is not None:
            return self.settings.stale_after
        if batch.previous_time_ns:
            return 3 * (batch.time_ns - batch.previous_time_ns) / 1e9
        return FIRST_BATCH_STALE_S

    def force_flush(self, timeout: float = 10.0) -> bool:
        return True  # nothing is buffered: scrapes read the latest batches

    def shutdown(self, timeout: float = 10.0) -> None:
        self._server.close()


@hookimpl
def sysagent_sinks(registry: Registry) -> None:
    registry.add_sink(
        "prometheus",
        PrometheusSink,
        settings=PrometheusSettings,
        default_enabled=False,
        requires=[("prometheus_client", "sysagent[prometheus]")],
    )
