"""A custom plugin's collector with many series: what a high-cardinality plugin hands the framework."""

from __future__ import annotations

from _common import REPO  # noqa: F401 - puts the repository on sys.path

from sysagent.model import AttrKey, Observation, Resource, Scope, counter
from sysagent.runner import CollectorRunner

SPEC = counter("bench.http.requests", "{request}", "Requests served, per route")


class ManySeries:
    """``n`` series of one counter, 3 attributes each (pre-built sorted tuples, as plugins should)."""

    metrics = (SPEC,)

    def __init__(self, n: int) -> None:
        self._attrs: list[AttrKey] = [
            (("http.request.method", "GET"), ("http.route", f"/api/v1/items/{i}"), ("shard", i % 16)) for i in range(n)
        ]
        self._base = [float(i) for i in range(n)]
        self._step = 0

    def collect(self) -> list[Observation]:
        self._step += 1
        step = self._step * 3.0
        name = SPEC.name
        return [Observation(name, v + step, a) for v, a in zip(self._base, self._attrs, strict=True)]


def many_series_runner(n: int, resource: Resource) -> CollectorRunner:
    return CollectorRunner("manyseries", ManySeries(n), Scope("bench.manyseries", "1.0.0"), resource)
