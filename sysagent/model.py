"""The data model every plugin speaks: metric declarations, observations and batches.

Collectors return :class:`Observation` tuples; the framework turns them into
:class:`Batch` objects (one per collection, one instrumentation scope each) that
sinks receive. Everything here is immutable so a batch can be handed to several
sinks and threads without copying.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

AttrValue = str | int | float | bool
#: Attributes as a sorted tuple of ``(key, value)`` pairs: hashable and cheap to reuse.
AttrKey = tuple[tuple[str, AttrValue], ...]
#: What a collector may pass as attributes: a mapping, or an already sorted AttrKey.
Attributes = Mapping[str, AttrValue] | AttrKey

NO_ATTRIBUTES: AttrKey = ()


class MetricKind(enum.StrEnum):
    """The OpenTelemetry instrument kind a metric is exported as."""

    COUNTER = "counter"  #: monotonic cumulative sum
    UPDOWNCOUNTER = "updowncounter"  #: non-monotonic sum (a level, in semconv terms)
    GAUGE = "gauge"  #: a sampled value


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """Declares one metric: its name, kind, unit and value type.

    ``integer`` selects OTLP's ``as_int`` for the points; otherwise ``as_double``.
    """

    name: str
    kind: MetricKind
    unit: str
    description: str = ""
    integer: bool = False

    @property
    def monotonic(self) -> bool:
        return self.kind is MetricKind.COUNTER


def counter(name: str, unit: str, description: str = "", *, integer: bool = False) -> MetricSpec:
    """Declare a monotonic counter (cumulative; the framework tracks start times)."""
    return MetricSpec(name, MetricKind.COUNTER, unit, description, integer)


def updowncounter(name: str, unit: str, description: str = "", *, integer: bool = False) -> MetricSpec:
    """Declare an up-down counter: a level such as bytes used."""
    return MetricSpec(name, MetricKind.UPDOWNCOUNTER, unit, description, integer)


def gauge(name: str, unit: str, description: str = "", *, integer: bool = False) -> MetricSpec:
    """Declare a gauge: a sampled value such as a utilization."""
    return MetricSpec(name, MetricKind.GAUGE, unit, description, integer)


class Observation(NamedTuple):
    """One value of one series, as a collector returns it."""

    name: str
    value: float
    attributes: Attributes = NO_ATTRIBUTES


class Point(NamedTuple):
    """One data point in a batch.

    ``start_time_ns`` is set for counters and up-down counters (0 for gauges) and
    stays stable until the series resets. ``delta`` is the change since this
    series' previous point in the previous batch of the same collector, or None
    on its first point or after a reset; ``rate`` is that delta per second.
    """

    attributes: AttrKey
    value: float
    start_time_ns: int = 0
    delta: float | None = None
    rate: float | None = None


@dataclass(frozen=True, slots=True)
class MetricData:
    """All points of one metric in one batch."""

    spec: MetricSpec
    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Scope:
    """The instrumentation scope: which plugin produced a batch."""

    name: str
    version: str = ""


@dataclass(frozen=True, slots=True)
class Resource:
    """Attributes of the entity measured (host.name, service.name, ...)."""

    attributes: AttrKey = NO_ATTRIBUTES

    def get(self, key: str, default: AttrValue | None = None) -> AttrValue | None:
        for k, v in self.attributes:
            if k == key:
                return v
        return default

    def as_dict(self) -> dict[str, AttrValue]:
        return dict(self.attributes)


@dataclass(frozen=True, slots=True)
class Batch:
    """The result of one collection of one collector: what a sink receives.

    ``previous_time_ns`` is when the same collector last produced a batch (0 on
    its first), so deltas cover ``time_ns - previous_time_ns``.
    """

    scope: Scope
    resource: Resource
    time_ns: int
    metrics: tuple[MetricData, ...]
    previous_time_ns: int = 0
    collector: str = ""

    def metric(self, name: str) -> MetricData | None:
        for m in self.metrics:
            if m.spec.name == name:
                return m
        return None

    @property
    def point_count(self) -> int:
        return sum(len(m.points) for m in self.metrics)


class ExportResult(enum.Enum):
    """What a sink's ``export`` returns, after the OpenTelemetry SDK's contract."""

    SUCCESS = 0
    FAILURE = 1


def attr_key(attributes: Attributes) -> AttrKey:
    """Normalise attributes to a sorted tuple of pairs (a tuple passes unchanged)."""
    if type(attributes) is tuple:
        return attributes
    assert isinstance(attributes, Mapping)
    return tuple(sorted(attributes.items()))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Several batches collected together (``Agent.collect_once``)."""

    resource: Resource
    batches: tuple[Batch, ...] = field(default_factory=tuple)

    def metric(self, name: str) -> MetricData | None:
        for b in self.batches:
            m = b.metric(name)
            if m is not None:
                return m
        return None

    def to_json_obj(self) -> dict[str, object]:
        """The ``sysagent snapshot --format json`` shape."""
        metrics: list[dict[str, object]] = []
        for b in self.batches:
            for m in b.metrics:
                metrics.append(
                    {
                        "name": m.spec.name,
                        "unit": m.spec.unit,
                        "kind": m.spec.kind.value,
                        "scope": b.scope.name,
                        "points": [{"attributes": dict(p.attributes), "value": p.value} for p in m.points],
                    }
                )
        return {"resource": self.resource.as_dict(), "metrics": metrics}
