"""The JSON form of a batch, shared by the console (``format: json``) and file sinks.

One batch is one JSON object on one line (NDJSON)::

    {"time": "2024-05-01T12:00:05.000Z", "time_unix_nano": 1714564805000000000,
     "collector": "cpu", "scope": {"name": "sysagent.collectors.cpu", "version": "0.1.0"},
     "resource": {"host.name": "web1"},
     "metrics": [{"name": "system.cpu.time", "unit": "s", "kind": "counter",
                  "points": [{"attributes": {"cpu.mode": "idle"}, "value": 1234.5,
                              "start_time_unix_nano": 1714500000000000000, "rate": 0.98}]}]}

``start_time_unix_nano`` is given for counters and up-down counters, ``rate``
(per second, computed by the framework) where known. Non-finite values are null.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from sysagent.model import Batch

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def iso_time(time_ns: int) -> str:
    """``2024-05-01T12:00:05.000Z``: UTC with milliseconds."""
    t = datetime.fromtimestamp(time_ns / 1e9, UTC)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _number(value: float, integer: bool) -> float | int | None:
    if not math.isfinite(value):
        return None
    return int(value) if integer else value


def batch_to_obj(batch: Batch) -> dict[str, Any]:
    """The batch as plain JSON-ready objects."""
    metrics: list[dict[str, Any]] = []
    for m in batch.metrics:
        spec = m.spec
        points: list[dict[str, Any]] = []
        for p in m.points:
            point: dict[str, Any] = {"attributes": dict(p.attributes), "value": _number(p.value, spec.integer)}
            if p.start_time_ns:
                point["start_time_unix_nano"] = p.start_time_ns
            if p.rate is not None:
                point["rate"] = _number(p.rate, False)
            points.append(point)
        metrics.append({"name": spec.name, "unit": spec.unit, "kind": spec.kind.value, "points": points})
    return {
        "time": iso_time(batch.time_ns),
        "time_unix_nano": batch.time_ns,
        "collector": batch.collector,
        "scope": {"name": batch.scope.name, "version": batch.scope.version},
        "resource": batch.resource.as_dict(),
        "metrics": metrics,
    }


def batch_to_line(batch: Batch) -> str:
    """The batch as one line of JSON, newline included."""
    return _encode(batch_to_obj(batch)) + "\n"
