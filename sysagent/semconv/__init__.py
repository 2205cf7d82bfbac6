"""Checks metrics against the OpenTelemetry semantic conventions (v1.44.0, vendored).

For plugin tests, first-party and third-party alike::

    from sysagent import semconv

    problems = semconv.check(collector.metrics, points=batches, defaults=True)
    print(semconv.report(collector.metrics, batches, problems))
    assert problems == []

``vendor/`` holds the conventions' model YAML and system docs, unchanged, with
their README and LICENSE (Apache-2.0). See :mod:`sysagent.semconv.check` for
what is checked.
"""

from __future__ import annotations

from collections.abc import Iterable

from sysagent.model import MetricSpec

from .aliases import filesystem_type
from .check import Disagreement, Points, check, points_of
from .model import VERSION, AttributeDef, MetricDef, Model, load
from .table import Row, format_table, rows


def report(specs: Iterable[MetricSpec], points: Points | None, disagreements: Iterable[Disagreement]) -> str:
    """The table (metric, instrument, unit, attributes, verdict) and a count line."""
    specs = list(specs)
    found = list(disagreements)
    table = format_table(rows(specs, points, found))
    return f"{table}\n{len(specs)} metrics, {len(found)} disagreements with semconv v{VERSION}"


__all__ = [
    "VERSION",
    "AttributeDef",
    "Disagreement",
    "MetricDef",
    "Model",
    "Row",
    "check",
    "filesystem_type",
    "format_table",
    "load",
    "points_of",
    "report",
    "rows",
]
