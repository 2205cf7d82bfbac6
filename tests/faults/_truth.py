"""Ground truth: what the agent produced (its ``file`` sink's NDJSON) against what Prometheus holds.

A point is identified by its series (metric name and attributes) and its
timestamp in milliseconds, as Prometheus stores it. Prometheus keeps one sample
per series and timestamp, so a batch the agent sent twice counts once: the
comparison is exact, with no tolerance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: (OpenTelemetry metric name, sorted (Prometheus label name, value) of the point's attributes)
SeriesKey = tuple[str, tuple[tuple[str, str], ...]]
Samples = dict[SeriesKey, dict[int, float]]


def label(attribute: str) -> str:
    """An attribute key as the gateway's remote-write exporter names the label."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in attribute)


def series_key(name: str, attributes: dict[str, Any]) -> SeriesKey:
    return name, tuple(sorted((label(k), _text(v)) for k, v in attributes.items()))


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class Line:
    """One batch as the file sink wrote it."""

    time_ns: int
    collector: str
    points: dict[SeriesKey, float]

    @property
    def ts_ms(self) -> int:
        return self.time_ns // 1_000_000


def read_ndjson(*paths: Path) -> list[Line]:
    """Every batch in the files, in file order."""
    out: list[Line] = []
    for path in paths:
        for raw in path.read_text().splitlines():
            if not raw.strip():
                continue
            obj = json.loads(raw)
            points: dict[SeriesKey, float] = {}
            for metric in obj["metrics"]:
                for p in metric["points"]:
                    value = math.nan if p["value"] is None else float(p["value"])
                    points[series_key(metric["name"], p["attributes"])] = value
            out.append(Line(int(obj["time_unix_nano"]), obj["collector"], points))
    return out


def expected(lines: Iterable[Line]) -> Samples:
    """Per series, timestamp (ms) -> value."""
    out: Samples = {}
    for line in lines:
        for key, value in line.points.items():
            out.setdefault(key, {})[line.ts_ms] = value
    return out


def count(samples: Samples) -> int:
    return sum(len(v) for v in samples.values())


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@dataclass
class Comparison:
    """What arrived of what was produced; ``missing``/``unexpected``/``wrong`` list (series, ts) pairs."""

    produced: int
    arrived: int
    missing: list[tuple[SeriesKey, int]] = field(default_factory=list)
    unexpected: list[tuple[SeriesKey, int]] = field(default_factory=list)
    wrong: list[tuple[SeriesKey, int, float, float]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unexpected and not self.wrong

    def summary(self, limit: int = 8) -> str:
        def first(items: list[Any]) -> str:
            return "; ".join(repr(i) for i in items[:limit])

        return (
            f"produced {self.produced} points, {self.arrived} arrived; {len(self.missing)} missing: "
            f"{first(self.missing)}; {len(self.unexpected)} unexpected: {first(self.unexpected)}; "
            f"{len(self.wrong)} with another value: {first(self.wrong)}"
        )


def compare(produced: Samples, stored: Samples) -> Comparison:
    """Every produced point must be stored with its value; nothing else of these series may be stored."""
    result = Comparison(count(produced), 0)
    for key, points in produced.items():
        have = stored.get(key, {})
        for ts, value in points.items():
            if ts not in have:
                result.missing.append((key, ts))
                continue
            result.arrived += 1
            if not _same(have[ts], value):
                result.wrong.append((key, ts, value, have[ts]))
        result.unexpected.extend((key, ts) for ts in have if ts not in points)
    result.unexpected.extend((key, ts) for key, have in stored.items() if key not in produced for ts in have)
    result.missing.sort(key=lambda m: m[1])
    return result


def batch_times(lines: Iterable[Line], collector: str) -> Iterator[float]:
    """The batch times (s) of one collector, in order."""
    for line in lines:
        if line.collector == collector:
            yield line.time_ns / 1e9
