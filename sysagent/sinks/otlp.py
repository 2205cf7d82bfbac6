"""The ``otlp`` sink: batches to OTLP (HTTP/protobuf or gRPC), through a durable queue.

``export`` runs on collection threads and only hands the batch over; a writer
thread encodes everything due on a tick as one request (one ResourceMetrics per
resource, one ScopeMetrics per plugin; about a microsecond a point), commits it
to the on-disk queue (``<state_dir>/otlp-queue.sqlite``) and the delivery layer's sender
thread sends them with retries and backoff. Settings and the
``OTEL_EXPORTER_OTLP_*`` variables are combined by :mod:`sysagent.otlp.resolve`;
with neither, metrics go to OTLP/HTTP at http://localhost:4318.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping

from sysagent.delivery import DurableQueue, Sender, SenderStats
from sysagent.errors import ConfigError
from sysagent.markers import hookimpl
from sysagent.model import Batch, ExportResult
from sysagent.otlp.encode import Encoded, MetricsEncoder
from sysagent.otlp.handoff import Handoff
from sysagent.otlp.resolve import GRPC, Endpoint, resolve
from sysagent.otlp.settings import OtlpSettings
from sysagent.otlp.split import encode_bounded
from sysagent.otlp.transport import Transport
from sysagent.registry import PluginContext, Registry

log = logging.getLogger("sysagent.otlp")
QUEUE_FILE = "otlp-queue.sqlite"


def open_transport(endpoint: Endpoint) -> Transport:
    """The transport for the endpoint's protocol (grpcio is imported only for gRPC)."""
    if endpoint.protocol == GRPC:
        from sysagent.otlp.grpc import GrpcTransport

        return GrpcTransport(endpoint)
    from sysagent.otlp.http import HttpTransport

    return HttpTransport(endpoint)


class OtlpSink:
    """Encodes each batch and queues it durably for the sender thread."""

    def __init__(self, settings: OtlpSettings, ctx: PluginContext, *, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.endpoint = resolve(settings, environ)
        self.encoder = MetricsEncoder(self.endpoint.temporality)
        q = settings.queue
        self.transport = open_transport(self.endpoint)  # first: it may raise ConfigError (TLS files)
        try:
            os.makedirs(ctx.state_dir, exist_ok=True)
            self.queue = DurableQueue(
                os.path.join(ctx.state_dir, QUEUE_FILE),
                max_bytes=q.max_bytes,
                max_age=q.max_age,
                lazy_ack=True,
                fsync=q.fsync,
            )
        except OSError as e:
            self.transport.close()
            raise ConfigError(f"cannot open the OTLP queue in {ctx.state_dir}: {e}", field="agent.state_dir") from None
        self.sender = Sender(
            self.queue,
            self.transport,
            name="otlp",
            max_batch_bytes=q.max_batch_bytes,
            backoff_initial=q.backoff_initial,
            backoff_max=q.backoff_max,
            send_timeout=self.endpoint.timeout,
            flush_timeout=q.flush_timeout,
        )
        self._handoff: Handoff | None = None  # its thread and the sender's start in start()
        self._start_lock = threading.Lock()
        self._closed = False
        self._final_stats: SenderStats | None = None
        where = self.endpoint.target if self.endpoint.protocol == GRPC else self.endpoint.url
        log.info("otlp: exporting to %s over %s", where, self.endpoint.protocol)

    def start(self) -> None:
        """Start the handoff and sender threads (the agent calls it; a first export does too)."""
        with self._start_lock:
            if self._handoff is None and not self._closed:
                self._handoff = Handoff(self.queue, self.sender.wake, self._encode)
                self.sender.start()

    @property
    def handoff(self) -> Handoff:
        if self._handoff is None:
            self.start()
        assert self._handoff is not None
        return self._handoff

    def export(self, batch: Batch) -> ExportResult:
        if self._closed:
            return ExportResult.FAILURE
        self.handoff.offer(batch)
        return ExportResult.SUCCESS

    def tick_end(self) -> None:
        """The scheduler's tick is dispatched: the handoff writes it now (see :mod:`sysagent.otlp.handoff`)."""
        handoff = self._handoff
        if handoff is not None:
            handoff.tick_end()

    def _encode(self, batches: list[Batch]) -> list[Encoded]:
        try:
            return encode_bounded(self.encoder, batches, self.settings.queue.max_batch_bytes)
        except Exception:
            # One bad batch must not take the tick down with it: encode them one by one.
            out: list[Encoded] = []
            for batch in batches:
                try:
                    out += encode_bounded(self.encoder, batch, self.settings.queue.max_batch_bytes)
                except Exception:
                    log.exception("otlp: cannot encode the batch of %s", batch.scope.name)
            return out

    def force_flush(self, timeout: float = 10.0) -> bool:
        """Send everything exported so far; False if that did not finish within ``timeout``."""
        end = time.monotonic() + timeout
        if not self.handoff.flush(timeout):
            return False
        return self.sender.flush(max(0.0, end - time.monotonic()))

    def shutdown(self, timeout: float = 10.0) -> None:
        """Commit what is pending, send what can be sent in ``timeout``; the rest stays on disk."""
        if self._closed:
            return
        end = time.monotonic() + timeout
        with self._start_lock:
            self._closed = True
            handoff = self._handoff
        if handoff is not None:  # never started: nothing to send, no thread to stop
            handoff.close(timeout)
            self.sender.stop(max(0.0, end - time.monotonic()))
        self._final_stats = self.sender.stats()
        self.transport.close()
        self.queue.close()

    def stats(self) -> SenderStats:
        """What the sender has done (for self-metrics and ``sysagent status``); frozen at shutdown."""
        return self._final_stats if self._final_stats is not None else self.sender.stats()


def requirements(settings: OtlpSettings) -> list[tuple[str, str]]:
    """What the sink needs to start with these settings and this environment.

    Resolving the endpoint reads header files and environment variables, and the
    TLS files must be readable: all of it is checked by ``config validate`` too.
    """
    endpoint = resolve(settings)
    for key in ("ca_file", "cert_file", "key_file"):
        path = getattr(endpoint, key)
        if path:
            try:
                with open(path, "rb"):
                    pass
            except OSError as e:
                raise ConfigError(f"cannot read {path}: {e.strerror or e}", field=f"sinks.otlp.tls.{key}") from None
    return [("grpc", "sysagent[grpc]")] if endpoint.protocol == GRPC else []


@hookimpl
def sysagent_sinks(registry: Registry) -> None:
    registry.add_sink("otlp", OtlpSink, settings=OtlpSettings, default_enabled=True, requires=requirements)
