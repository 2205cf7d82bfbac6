"""Turns a collector's observations into a batch: start times, deltas, rates, derivations.

One :class:`CollectorRunner` wraps one collector and holds the only per-series
state in the agent (previous value and start time), so that collectors stay
stateless. It is not thread-safe: the scheduler never runs one runner twice at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from sysagent.derive import Utilization
from sysagent.model import (
    AttrKey,
    Batch,
    MetricData,
    MetricKind,
    MetricSpec,
    Observation,
    Point,
    Resource,
    Scope,
)


class UnknownMetricError(ValueError):
    """A collector returned an observation for a metric it did not declare."""


class CollectorRunner:
    """Runs one collector and keeps the series state between its batches."""

    def __init__(self, name: str, collector: Any, scope: Scope, resource: Resource) -> None:
        self.name = name
        self.collector = collector
        self.scope = scope
        self.resource = resource
        self.specs: dict[str, MetricSpec] = {s.name: s for s in collector.metrics}
        self.derivations: tuple[Utilization, ...] = tuple(getattr(collector, "derive", ()))
        for d in self.derivations:
            self.specs.setdefault(d.target.name, d.target)
        # series -> (start_time_ns, last value)
        self._state: dict[tuple[str, AttrKey], tuple[int, float]] = {}
        self._previous_time_ns = 0

    def run(self, time_ns: int | None = None) -> Batch:
        """Collect once and return the batch (raises whatever the collector raises)."""
        observations = self.collector.collect()
        if time_ns is None:
            time_ns = time.time_ns()
        return self.build(observations, time_ns)

    def build(self, observations: Iterable[Observation], time_ns: int) -> Batch:
        """Turn observations taken at ``time_ns`` into a batch and remember the values."""
        specs = self.specs
        state = self._state
        prev_time = self._previous_time_ns
        elapsed = (time_ns - prev_time) / 1e9 if prev_time else 0.0
        default_start = getattr(self.collector, "counter_start_ns", 0) or time_ns
        grouped: dict[str, list[Point]] = {}
        new_state: dict[tuple[str, AttrKey], tuple[int, float]] = {}
        for name, value, attrs in observations:
            spec = specs.get(name)
            if spec is None:
                raise UnknownMetricError(f"collector {self.name!r} returned undeclared metric {name!r}")
            if type(attrs) is not tuple:
                attrs = tuple(sorted(attrs.items()))  # type: ignore[union-attr]
            points = grouped.get(name)
            if points is None:
                points = grouped[name] = []
            if spec.kind is MetricKind.GAUGE:
                points.append(Point(attrs, value))
                continue
            key = (name, attrs)
            previous = state.get(key)
            if previous is None:
                start = default_start if spec.kind is MetricKind.COUNTER else time_ns
                new_state[key] = (start, value)
                points.append(Point(attrs, value, start))
                continue
            start, last = previous
            delta = value - last
            if delta < 0 and spec.kind is MetricKind.COUNTER:
                # The counter reset: a new start, and no delta across the reset.
                start = time_ns
                new_state[key] = (start, value)
                points.append(Point(attrs, value, start))
                continue
            new_state[key] = (start, value)
            points.append(Point(attrs, value, start, delta, delta / elapsed if elapsed > 0 else None))
        for d in self.derivations:
            source = grouped.get(d.source)
            if source:
                derived = _utilization(source, d.over)
                if derived:
                    grouped[d.target.name] = derived
        self._state = new_state
        self._previous_time_ns = time_ns
        metrics = tuple(MetricData(specs[n], tuple(p)) for n, p in grouped.items() if p)
        return Batch(self.scope, self.resource, time_ns, metrics, prev_time, self.name)

    @property
    def previous_time_ns(self) -> int:
        """When the last batch was built (0 before the first)."""
        return self._previous_time_ns

    def reset(self) -> None:
        """Forget all series state (the next batch has no deltas)."""
        self._state = {}
        self._previous_time_ns = 0


def _utilization(points: Sequence[Point], over: str) -> list[Point]:
    groups: dict[AttrKey, list[tuple[AttrKey, float]]] = {}
    for p in points:
        if p.delta is None:
            continue
        rest = tuple(kv for kv in p.attributes if kv[0] != over)
        groups.setdefault(rest, []).append((p.attributes, p.delta))
    out: list[Point] = []
    for members in groups.values():
        total = sum(d for _, d in members)
        if total <= 0:
            continue
        out.extend(Point(attrs, d / total) for attrs, d in members)
    return out
