"""Observable instruments on an app's MeterProvider: one meter per sysagent plugin, one instrument per metric.

sysagent's kinds map onto the SDK's observable instruments as the semantic
conventions name them: a Counter becomes an ObservableCounter, an
UpDownCounter an ObservableUpDownCounter, a Gauge an ObservableGauge. The
instrumentation scope of each meter is the plugin's (module name and version),
exactly as sysagent's own OTLP sink sends it.

The SDK cannot remove an instrument, and creating one twice only returns the
first. So the instruments made on a provider are remembered per provider, and
their callbacks read through a :class:`Slot` that a later ``instrument()`` on
the same provider points at its own sink.
"""

from __future__ import annotations

import fnmatch
import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, MeterProvider, Observation

from sysagent import Batch, MetricSpec
from sysagent.otel.latest import LatestSink, instrument_kind

#: The environment variable that excludes metrics, as the contrib instrumentor's
#: OTEL_PYTHON_SYSTEM_METRICS_EXCLUDED_METRICS does: comma-separated fnmatch
#: patterns over the metric names (``system.network.*,system.cpu.utilization``).
EXCLUDED_METRICS_ENV = "OTEL_PYTHON_SYSAGENT_EXCLUDED_METRICS"


def parse_patterns(text: str | None) -> tuple[str, ...]:
    """Patterns from the variable's value: split on commas, blanks dropped."""
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


class Exclusion:
    """Decides whether a metric name is excluded; remembers each answer (names are few)."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        self._known: dict[str, bool] = {}

    def keep(self, name: str) -> bool:
        known = self._known.get(name)
        if known is None:
            known = self._known[name] = not any(fnmatch.fnmatchcase(name, p) for p in self.patterns)
        return known


class Slot:
    """What one instrument's callback reads: the (collector, metric) pairs feeding it, and the current sink."""

    def __init__(self) -> None:
        self.sources: tuple[tuple[str, str], ...] = ()
        self.sink: LatestSink | None = None

    def read(self, _options: CallbackOptions) -> Iterable[Observation]:
        sink = self.sink
        return sink.observations(self.sources) if sink is not None else ()


#: provider -> (scope name, metric name) -> slot; weak, so a provider the app drops is not kept alive.
_MADE: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Slot]] = weakref.WeakKeyDictionary()
_MADE_LOCK = threading.Lock()


class Instruments:
    """Creates instruments on ``provider`` as batches reveal metrics, and points their slots at ``sink``."""

    def __init__(self, provider: MeterProvider, exclusion: Exclusion) -> None:
        self.provider = provider
        self.exclusion = exclusion
        self.sink: LatestSink | None = None
        self._meters: dict[tuple[str, str], Meter] = {}
        self._seen: set[tuple[str, str]] = set()  # (collector, metric) pairs already wired
        self._lock = threading.Lock()
        with _MADE_LOCK:
            self._slots = _MADE.setdefault(provider, {})

    def attach(self, sink: LatestSink) -> None:
        """Make ``sink`` the source of every instrument this provider has (from earlier bridges too)."""
        self.sink = sink
        with self._lock:
            for slot in self._slots.values():
                slot.sink = sink
                slot.sources = ()
            self._seen.clear()

    def detach(self) -> None:
        """Callbacks return nothing from now on; the instruments stay (the SDK cannot drop them)."""
        with self._lock:
            for slot in self._slots.values():
                if slot.sink is self.sink:
                    slot.sink = None
        self.sink = None

    def reset_after_fork(self) -> None:
        """In a forked child: new locks (a parent thread may have held one at the fork)."""
        global _MADE_LOCK
        self._lock = threading.Lock()
        _MADE_LOCK = threading.Lock()

    def on_batch(self, batch: Batch) -> None:
        """Called in sysagent's collection thread for every batch: wire metrics not seen yet."""
        new = [m.spec for m in batch.metrics if (batch.collector, m.spec.name) not in self._seen]
        if new:
            with self._lock:
                for spec in new:
                    self._wire(batch, spec)

    def _wire(self, batch: Batch, spec: MetricSpec) -> None:
        pair = (batch.collector, spec.name)
        if pair in self._seen:
            return
        self._seen.add(pair)
        if not self.exclusion.keep(spec.name):
            return
        key = (batch.scope.name, spec.name)
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = Slot()
            meter = self._meter(batch.scope.name, batch.scope.version)
            create = getattr(meter, instrument_kind(spec.kind))
            create(spec.name, callbacks=[slot.read], unit=spec.unit, description=spec.description)
        slot.sink = self.sink
        if pair not in slot.sources:
            slot.sources = (*slot.sources, pair)

    def _meter(self, name: str, version: str) -> Meter:
        meter = self._meters.get((name, version))
        if meter is None:
            meter = self._meters[(name, version)] = self.provider.get_meter(name, version or None)
        return meter
