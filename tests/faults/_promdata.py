"""Raw samples from Prometheus, keyed like the ground truth (see :mod:`faults._truth`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from e2e._http import get_json, wait_for

from faults._truth import Comparison, Samples, SeriesKey, compare

#: Labels that come from the resource, the scope or the exporter rather than from a point's attributes.
NOT_ATTRIBUTES = frozenset(
    {
        "__name__",
        "job",
        "instance",
        "otel_scope_name",
        "otel_scope_version",
        "otel_scope_schema_url",
        "host_name",
        "host_arch",
        "os_type",
        "container_id",
        "deployment_environment",
        "deployment_environment_name",
    }
)


def _metric_name(prom_name: str, names: Iterable[str]) -> str | None:
    """The OpenTelemetry name behind a Prometheus name (``system_cpu_time_seconds_total``): longest prefix."""
    best: str | None = None
    for name in names:
        flat = name.replace(".", "_")
        if (prom_name == flat or prom_name.startswith(flat + "_")) and (best is None or len(name) > len(best)):
            best = name
    return best


def samples(url: str, run_id: str, names: Iterable[str], window: str = "3h") -> Samples:
    """Every raw sample of the run's series named in ``names``, per series: timestamp (ms) -> value."""
    known = set(names)
    query = f'{{deployment_environment_name="{run_id}"}}[{window}]'
    body = get_json(f"{url}/api/v1/query", {"query": query}, timeout=30)
    assert body["status"] == "success", body
    out: Samples = {}
    for series in body["data"]["result"]:
        labels: dict[str, str] = series["metric"]
        name = _metric_name(labels["__name__"], known)
        if name is None:
            continue  # target_info and the like
        key: SeriesKey = (name, tuple(sorted((k, v) for k, v in labels.items() if k not in NOT_ATTRIBUTES)))
        points = out.setdefault(key, {})
        for ts, value in series["values"]:
            points[round(float(ts) * 1000)] = float(value)
    return out


def wait_complete(url: str, run_id: str, produced: Samples, timeout: float) -> Comparison:
    """Poll Prometheus until every produced point is there (or ``timeout``); the last comparison."""
    names = {key[0] for key in produced}
    last: list[Comparison] = []

    def probe() -> bool:
        last[:] = [compare(produced, samples(url, run_id, names))]
        return not last[0].missing

    with contextlib.suppress(AssertionError):
        wait_for("every produced point in Prometheus", probe, timeout=timeout, interval=2.0)
    return last[0]
