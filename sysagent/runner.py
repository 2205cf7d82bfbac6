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
    Attributes,
    AttrKey,
    Batch,
    MetricData,
    MetricKind,
    MetricSpec,
    Point,
    Resource,
    Scope,
)

_GAUGE, _COUNTER, _UPDOWN = 0, 1, 2
_CODES = {MetricKind.GAUGE: _GAUGE, MetricKind.COUNTER: _COUNTER, MetricKind.UPDOWNCOUNTER: _UPDOWN}


_NO_SERIES: dict[AttrKey, list[Any]] = {}  # gauges keep no state


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
        #: its first batch lacks something a second one has (rates, derived utilizations)
        self.needs_priming = bool(self.derivations) or any(s.kind is MetricKind.COUNTER for s in self.specs.values())
        # metric -> series -> [start_time_ns, last value, cycle it was last seen, and the
        # start and value before that cycle (None: new in it), to undo a failed build]
        self._state: dict[str, dict[AttrKey, list[Any]]] = {}
        self._cycle = 0
        self._previous_time_ns = 0
        # derivation's ``over`` -> a source series' attributes -> those of its group
        self._groups: dict[str, dict[AttrKey, AttrKey]] = {}

    def run(self, time_ns: int | None = None) -> Batch:
        """Collect once and return the batch (raises whatever the collector raises)."""
        observations = self.collector.collect()
        if time_ns is None:
            time_ns = time.time_ns()
        return self.build(observations, time_ns)

    def build(self, observations: Iterable[tuple[str, float, Attributes]], time_ns: int) -> Batch:
        """Turn observations taken at ``time_ns`` into a batch and remember the values."""
        specs = self.specs
        state = self._state
        cycle = self._cycle = self._cycle + 1
        prev_time = self._previous_time_ns
        elapsed = (time_ns - prev_time) / 1e9 if prev_time else 0.0
        default_start = -1  # looked up when a new counter series needs it
        grouped: dict[str, list[Point]] = {}
        new = tuple.__new__
        touched = 0  # series of state seen this cycle, to know whether some vanished
        # Observations of one metric usually come together: look the metric up once per run.
        current: str | None = None
        kind = _GAUGE
        points: list[Point] = []
        series: dict[AttrKey, list[Any]] = {}
        slots: dict[str, tuple[int, list[Point], dict[AttrKey, list[Any]]]] = {}
        try:
            for name, value, attrs in observations:
                if name != current:
                    slot = slots.get(name)
                    if slot is None:
                        slot = slots[name] = self._slot(name, grouped)
                    kind, points, series = slot
                    current = name
                if type(attrs) is not tuple:
                    attrs = tuple(sorted(attrs.items()))  # type: ignore[union-attr]
                if kind == _GAUGE:
                    points.append(new(Point, (attrs, value, 0, None, None)))
                    continue
                entry = series.get(attrs)
                if entry is not None:
                    start, last, seen, old_start, old_last = entry
                    if seen != cycle:  # its first point in this cycle: keep the state before it
                        touched += 1
                        entry[2] = cycle
                        entry[3] = start
                        entry[4] = last
                    else:  # rare: twice in one batch; each point goes against the state before it
                        start, last = old_start, old_last
                        entry[0] = old_start
                    if start is not None:
                        entry[1] = value
                        delta = value - last
                        if delta < 0 and kind == _COUNTER:
                            # The counter reset: a new start, and no delta across the reset.
                            entry[0] = time_ns
                            points.append(new(Point, (attrs, value, time_ns, None, None)))
                            continue
                        rate = delta / elapsed if elapsed > 0 else None
                        points.append(new(Point, (attrs, value, start, delta, rate)))
                        continue
                # A new series (or, rarely, one new in this cycle seen twice).
                if kind == _COUNTER:
                    if default_start < 0:
                        default_start = getattr(self.collector, "counter_start_ns", 0) or time_ns
                    start = default_start
                else:
                    start = time_ns
                if entry is None:
                    series[attrs] = [start, value, cycle, None, None]
                    touched += 1
                else:
                    entry[:2] = start, value
                points.append(new(Point, (attrs, value, start, None, None)))
        except BaseException:
            self._roll_back(cycle)
            raise
        if touched != sum(map(len, state.values())):
            self._forget_vanished(cycle)
        for d in self.derivations:
            source = grouped.get(d.source)
            if source:
                derived = self._utilization(source, d.over)
                if derived:
                    grouped[d.target.name] = derived
        self._previous_time_ns = time_ns
        metrics = tuple([MetricData(specs[n], tuple(p)) for n, p in grouped.items() if p])
        return Batch(self.scope, self.resource, time_ns, metrics, prev_time, self.name)

    def _slot(self, name: str, grouped: dict[str, list[Point]]) -> tuple[int, list[Point], dict[AttrKey, list[Any]]]:
        """A metric's kind, its points in this batch, and its series state."""
        spec = self.specs.get(name)
        if spec is None:
            raise UnknownMetricError(f"collector {self.name!r} returned undeclared metric {name!r}")
        kind = _CODES[spec.kind]
        points = grouped[name] = []
        if kind == _GAUGE:
            return kind, points, _NO_SERIES
        series = self._state.get(name)
        if series is None:
            series = self._state[name] = {}
        return kind, points, series

    def _roll_back(self, cycle: int) -> None:
        """Undo what a failed build changed: its batch is never sent, so the state stays as before."""
        for name, series in list(self._state.items()):
            for key, e in list(series.items()):
                if e[2] != cycle:
                    continue
                if e[3] is None:
                    del series[key]
                else:
                    e[:3] = e[3], e[4], cycle - 1
            if not series:
                del self._state[name]

    def _forget_vanished(self, cycle: int) -> None:
        """Drop the series that this cycle's observations did not have."""
        kept: dict[str, dict[AttrKey, list[Any]]] = {}
        for name, series in self._state.items():
            alive = {k: e for k, e in series.items() if e[2] == cycle}
            if alive:
                kept[name] = alive
        self._state = kept

    def _utilization(self, points: Sequence[Point], over: str) -> list[Point]:
        """Each point's share of its group's deltas (the group: every attribute but ``over``)."""
        cache = self._groups.get(over)
        if cache is None:
            cache = self._groups[over] = {}
        groups: dict[AttrKey, list[Point]] = {}
        for p in points:
            if p[3] is None:  # no delta yet
                continue
            attrs = p[0]
            rest = cache.get(attrs)
            if rest is None:
                if len(cache) > 65536:
                    cache.clear()
                rest = cache[attrs] = tuple(kv for kv in attrs if kv[0] != over)
            members = groups.get(rest)
            if members is None:
                groups[rest] = [p]
            else:
                members.append(p)
        out: list[Point] = []
        new = tuple.__new__
        for members in groups.values():
            total = sum([p[3] for p in members])  # type: ignore[misc]
            if total <= 0:
                continue
            out += [new(Point, (p[0], p[3] / total, 0, None, None)) for p in members]  # type: ignore[operator]
        return out

    @property
    def previous_time_ns(self) -> int:
        """When the last batch was built (0 before the first)."""
        return self._previous_time_ns

    def reset(self) -> None:
        """Forget all series state (the next batch has no deltas)."""
        self._state = {}
        self._previous_time_ns = 0
