"""Helpers for the bridge tests: an SDK app with an in-memory reader, and its points as plain tuples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import Gauge, InMemoryMetricReader, MetricsData, Sum

FAKEHOST = Path(__file__).parents[1] / "collectors" / "fakehost"

#: The filesystem collector statvfs()es the real file system under the fake root: its values move.
MOVING = ("system.filesystem.*",)


@dataclass(frozen=True)
class SdkPoint:
    """One exported point, flattened: enough to compare with a sysagent snapshot."""

    scope: str
    version: str
    name: str
    unit: str
    kind: str  # counter, updowncounter or gauge, from the SDK's data type
    attributes: tuple[tuple[str, Any], ...]
    value: float
    start_time_ns: int
    time_ns: int


def kind_of(data: Any) -> str:
    if isinstance(data, Sum):
        return "counter" if data.is_monotonic else "updowncounter"
    assert isinstance(data, Gauge), data
    return "gauge"


def points(data: MetricsData | None) -> list[SdkPoint]:
    out: list[SdkPoint] = []
    for rm in data.resource_metrics if data else ():
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                for p in m.data.data_points:
                    out.append(
                        SdkPoint(
                            sm.scope.name,
                            sm.scope.version or "",
                            m.name,
                            m.unit or "",
                            kind_of(m.data),
                            tuple(sorted(dict(p.attributes or {}).items())),
                            p.value,
                            p.start_time_unix_nano or 0,
                            p.time_unix_nano,
                        )
                    )
    return out


def app() -> tuple[MeterProvider, InMemoryMetricReader]:
    """An app's MeterProvider with an in-memory reader (cumulative, the SDK's default)."""
    reader = InMemoryMetricReader()
    return MeterProvider(metric_readers=[reader]), reader


def fake_config(state_dir: Path, **sections: Any) -> dict[str, Any]:
    """A sysagent config reading the committed fake host tree."""
    cfg: dict[str, Any] = {"agent": {"host_root": str(FAKEHOST), "state_dir": str(state_dir)}}
    cfg.update(sections)
    return cfg
