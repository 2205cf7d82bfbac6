"""Reading the agent's queue file (``<state_dir>/otlp-queue.sqlite``) from outside, as the test's ground truth.

The file is copied first (with its -wal companion, which holds the last commits)
so that reading it can never change what the agent will find on its next start.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from faults._truth import Samples, series_key

QUEUE_FILE = "otlp-queue.sqlite"


@dataclass(frozen=True)
class Row:
    id: int
    points: int
    created_ns: int
    samples: Samples


def _value(v: AnyValue) -> object:
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else ""


def decode(payload: bytes) -> Samples:
    """The points of a (possibly concatenated) ExportMetricsServiceRequest, keyed like the ground truth."""
    req = ExportMetricsServiceRequest()
    req.ParseFromString(payload)
    out: Samples = {}
    for rm in req.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                data = m.gauge if m.HasField("gauge") else m.sum
                for p in data.data_points:
                    attrs = {kv.key: _value(kv.value) for kv in p.attributes}
                    value = p.as_double if p.HasField("as_double") else float(p.as_int)
                    out.setdefault(series_key(m.name, attrs), {})[p.time_unix_nano // 1_000_000] = value
    return out


def snapshot(state_dir: Path, dest: Path) -> Path:
    """Copy the queue file and its companions to ``dest``; the copy's path."""
    dest.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        src = state_dir / (QUEUE_FILE + suffix)
        if src.exists():
            shutil.copyfile(src, dest / (QUEUE_FILE + suffix))
    return dest / QUEUE_FILE


def rows(path: Path) -> list[Row]:
    """Every queued item of a queue file (or of a copy), oldest first."""
    conn = sqlite3.connect(path)
    try:
        found = conn.execute("SELECT id, payload, points, created_ns FROM items ORDER BY id").fetchall()
    finally:
        conn.close()
    return [Row(int(i), int(n), int(c), decode(bytes(p))) for i, p, n, c in found]


def merged(found: list[Row]) -> Samples:
    out: Samples = {}
    for row in found:
        for key, points in row.samples.items():
            out.setdefault(key, {}).update(points)
    return out
