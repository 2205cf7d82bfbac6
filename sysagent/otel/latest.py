"""The bridge's sysagent sink: it keeps each collector's latest batch, ready for the SDK's callbacks.

sysagent's scheduler collects in its own threads and hands every batch to this
sink, which turns it into OpenTelemetry ``Observation`` lists there and then.
The SDK's callbacks, which run under the SDK's collect lock, only look those
lists up: an export never reads /proc and never waits for a collection.

The sink registers like any third-party sink (``sysagent_sinks`` on a plugin
object), under the name ``otel_bridge``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry.metrics import Observation

from sysagent import Batch, ExportResult, MetricKind, Registry, SinkSettings, hookimpl

SINK_NAME = "otel_bridge"
#: A collector's latest values are dropped once they are this many intervals old
#: (the collector keeps failing or hangs): stale values are worse than none.
STALE_INTERVALS = 2.5

#: (collector, metric name) -> observations, and when they expire (ns since the epoch)
_Table = dict[tuple[str, str], tuple[list[Observation], int]]


class LatestSink:
    """A sysagent sink keeping the latest observations of every (collector, metric).

    ``on_batch`` is called (in sysagent's collection thread) with every batch
    before it is stored: the bridge creates instruments for metrics it has not
    seen yet there. ``keep`` says whether a metric is wanted at all.
    """

    def __init__(self, keep: Callable[[str], bool], on_batch: Callable[[Batch], None]) -> None:
        self._keep = keep
        self._on_batch = on_batch
        self._table: _Table = {}
        self._intervals: dict[str, float] = {}
        self._lock = threading.Lock()
        self.batches = 0

    def set_intervals(self, intervals: dict[str, float]) -> None:
        """Each collector's interval in seconds: how long its values stay fresh."""
        self._intervals = dict(intervals)

    def export(self, batch: Batch) -> ExportResult:
        interval = self._intervals.get(batch.collector) or 0.0
        if not interval and batch.previous_time_ns:
            interval = (batch.time_ns - batch.previous_time_ns) / 1e9
        expires = batch.time_ns + int(STALE_INTERVALS * max(interval, 1.0) * 1e9)
        fresh: _Table = {}
        for metric in batch.metrics:
            spec = metric.spec
            if not self._keep(spec.name):
                continue
            cast: Callable[[float], Any] = int if spec.integer else float
            fresh[(batch.collector, spec.name)] = (
                [Observation(cast(p.value), dict(p.attributes)) for p in metric.points],
                expires,
            )
        self._on_batch(batch)
        with self._lock:
            # A metric missing from this batch keeps its last values until they expire:
            # a utilization has no points in a batch right after another (no CPU time
            # passed), and that must not blank it. A series missing from a metric that
            # is present (a device that went away) is gone at once.
            table = dict(self._table)
            table.update(fresh)
            self._table = table  # readers see either the old or the new table, never a mix
            self.batches += 1
        return ExportResult.SUCCESS

    def observations(self, sources: Iterable[tuple[str, str]]) -> list[Observation]:
        """What a callback returns: the latest observations of these (collector, metric) pairs."""
        table = self._table
        now = time.time_ns()
        out: list[Observation] = []
        for key in sources:
            entry = table.get(key)
            if entry is not None and entry[1] > now:
                out += entry[0]
        return out

    def clear(self) -> None:
        with self._lock:
            self._table = {}

    def reset_after_fork(self) -> None:
        """In a forked child: a lock some parent thread held at the fork would never be released."""
        self._lock = threading.Lock()
        self._table = {}

    def force_flush(self, timeout: float = 10.0) -> bool:
        return True

    def shutdown(self, timeout: float = 10.0) -> None:
        self.clear()


class SinkPlugin:
    """A sysagent plugin object that registers one :class:`LatestSink` instance as ``otel_bridge``."""

    name = "otel_bridge"

    def __init__(self, sink: LatestSink) -> None:
        self._sink = sink

    @hookimpl
    def sysagent_sinks(self, registry: Registry) -> None:
        registry.add_sink(SINK_NAME, lambda _settings, _ctx: self._sink, settings=SinkSettings)


def instrument_kind(kind: MetricKind) -> str:
    """The SDK ``Meter`` method that creates the observable instrument for a sysagent kind."""
    return {
        MetricKind.COUNTER: "create_observable_counter",
        MetricKind.UPDOWNCOUNTER: "create_observable_up_down_counter",
        MetricKind.GAUGE: "create_observable_gauge",
    }[kind]
