"""A plain-text table of metrics with their verdict against the conventions (what the tests print)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sysagent.model import MetricSpec

from .check import Disagreement, Points, _normalise
from .model import Model, load


@dataclass(frozen=True, slots=True)
class Row:
    """One metric: ``verdict`` is ``ok``, ``extension`` (not in the model) or the disagreements."""

    metric: str
    instrument: str
    unit: str
    attributes: str
    verdict: str


def rows(
    specs: Iterable[MetricSpec],
    points: Points | None,
    disagreements: Iterable[Disagreement],
    *,
    model: Model | None = None,
) -> list[Row]:
    """One row per metric name (the first spec of a name wins), sorted by name."""
    model = model or load()
    seen = _normalise(points)
    problems: dict[str, list[str]] = {}
    for d in disagreements:
        problems.setdefault(d.metric, []).append(f"{d.what}: {d.detail}")
    out: dict[str, Row] = {}
    for spec in specs:
        if spec.name in out:
            continue
        keys = sorted({k for attrs in seen.get(spec.name, ()) for k, _ in attrs})
        if spec.name in problems:
            verdict = "DISAGREES: " + "; ".join(problems[spec.name])
        else:
            verdict = "ok" if spec.name in model.metrics else "extension"
        out[spec.name] = Row(spec.name, spec.kind.value, spec.unit, ", ".join(keys) or "-", verdict)
    return [out[n] for n in sorted(out)]


def format_table(table: Iterable[Row]) -> str:
    """Columns padded to their widest cell, with a header line."""
    header = Row("metric", "instrument", "unit", "attributes", "verdict")
    lines = [header, *table]
    cols = [[r.metric, r.instrument, r.unit, r.attributes, r.verdict] for r in lines]
    widths = [max(len(c[i]) for c in cols) for i in range(4)]
    return "\n".join("  ".join(c[i].ljust(widths[i]) for i in range(4)) + "  " + c[4] for c in cols)
