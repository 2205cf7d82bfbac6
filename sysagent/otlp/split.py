"""Splitting batches whose encoding is too large for one request.

Receivers cap request sizes (gRPC's default is 4 MiB), and a refused oversize
request would be retried in vain. Batches due together are encoded as one
request (one ResourceMetrics per resource); when that is too large they are
split into groups of whole batches, and a single batch with very many series
into requests holding whole points of the same scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sysagent.model import Batch, MetricData
from sysagent.otlp.encode import Encoded, MetricsEncoder


def halves(batch: Batch) -> tuple[Batch, Batch]:
    """Two batches with about half the points each (a batch of at least two points)."""
    half = batch.point_count // 2
    first: list[MetricData] = []
    second: list[MetricData] = []
    taken = 0
    for m in batch.metrics:
        room = half - taken
        if room <= 0:
            second.append(m)
        elif room >= len(m.points):
            first.append(m)
            taken += len(m.points)
        else:
            first.append(MetricData(m.spec, m.points[:room]))
            second.append(MetricData(m.spec, m.points[room:]))
            taken += room
    return replace(batch, metrics=tuple(first)), replace(batch, metrics=tuple(second))


def encode_bounded(encoder: MetricsEncoder, batch: Batch | Sequence[Batch], max_bytes: int) -> list[Encoded]:
    """Encode the batches as few requests of at most ``max_bytes`` as it takes (a lone point may exceed it)."""
    batches = [batch] if isinstance(batch, Batch) else list(batch)
    encoded = encoder.encode(batches)
    if len(encoded.payload) <= max_bytes:
        return [encoded] if encoded.points else []
    if len(batches) > 1:
        mid = len(batches) // 2
        return encode_bounded(encoder, batches[:mid], max_bytes) + encode_bounded(encoder, batches[mid:], max_bytes)
    if batches[0].point_count < 2:
        return [encoded] if encoded.points else []
    a, b = halves(batches[0])
    return encode_bounded(encoder, a, max_bytes) + encode_bounded(encoder, b, max_bytes)
