"""A pytest plugin for plugin authors (entry point ``pytest11``), and an in-memory sink.

Use the ``sysagent_harness`` fixture to run a collector through the real
framework (start times, rates, derivations) and assert on what a sink receives::

    def test_queue_depth(sysagent_harness):
        h = sysagent_harness(QueueDepth, settings={"path": "/tmp/q"})
        h.collect()
        h.assert_metric("app.queue.depth", value=3, attributes={"queue": "a"}, kind="updowncounter")
        h.assert_all_metrics_covered()

The harness has its own clock: ``h.collect(times=3, every=5.0)`` collects three
times, five simulated seconds apart (no sleeping), so counters get real deltas
and per-second rates; ``before_each(i)`` may change the fake machine between
collections. ``h.check_declared()`` compares what was collected with the
collector's declared ``metrics``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from sysagent.config import Config
from sysagent.hostfs import HostFS
from sysagent.model import AttrValue, Batch, ExportResult, Point, Resource, Scope
from sysagent.registry import PluginContext
from sysagent.runner import CollectorRunner
from sysagent.settings import CollectorSettings


class InMemorySink:
    """A sink that keeps every batch it receives (thread-safe)."""

    def __init__(self, settings: Any = None, ctx: PluginContext | None = None) -> None:
        self.batches: list[Batch] = []
        self._lock = threading.Lock()
        self.closed = False

    def export(self, batch: Batch) -> ExportResult:
        with self._lock:
            self.batches.append(batch)
        return ExportResult.SUCCESS

    def force_flush(self, timeout: float = 10.0) -> bool:
        return True

    def shutdown(self, timeout: float = 10.0) -> None:
        self.closed = True

    def points(self, name: str) -> list[Point]:
        """Every point of metric ``name`` received so far, oldest first."""
        with self._lock:
            batches = list(self.batches)
        return [p for b in batches for m in b.metrics if m.spec.name == name for p in m.points]


class Harness:
    """Runs one collector through a CollectorRunner into an InMemorySink."""

    def __init__(self, collector: Any) -> None:
        self.collector = collector
        self.runner = CollectorRunner("harness", collector, Scope("harness"), Resource())
        self.sink = InMemorySink()
        self._asserted: set[str] = set()
        #: the simulated clock, in ns; starts at the real time
        self.now_ns = time.time_ns()

    def collect(self, times: int = 1, every: float = 5.0, before_each: Callable[[int], None] | None = None) -> Batch:
        """Collect ``times`` times, ``every`` simulated seconds apart; returns the last batch."""
        batch: Batch | None = None
        for i in range(times):
            if i or self.sink.batches:
                self.now_ns += int(every * 1e9)
            if before_each is not None:
                before_each(i)
            batch = self.runner.run(self.now_ns)
            self.sink.export(batch)
        assert batch is not None
        return batch

    def assert_metric(
        self,
        name: str,
        value: float | None = None,
        attributes: Mapping[str, AttrValue] | None = None,
        *,
        rel: float = 1e-9,
        count: int | None = None,
        kind: str | None = None,
        unit: str | None = None,
        rate: float | None = None,
        delta: float | None = None,
    ) -> list[Point]:
        """Assert that the last batch has ``name`` with a point matching value and attributes.

        ``kind`` (``counter``, ``updowncounter``, ``gauge``) and ``unit`` check the
        metric; ``rate`` and ``delta`` check a counter point's (needs two collections).
        """
        last = self.sink.batches[-1] if self.sink.batches else None
        metric = last.metric(name) if last else None
        assert metric is not None, f"metric {name!r} not collected; got {self._names()}"
        if kind is not None:
            assert metric.spec.kind.value == kind, f"{name}: kind {metric.spec.kind.value}, expected {kind}"
        if unit is not None:
            assert metric.spec.unit == unit, f"{name}: unit {metric.spec.unit!r}, expected {unit!r}"
        matched = [p for p in metric.points if attributes is None or _contains(p.attributes, attributes)]
        got = [dict(p.attributes) for p in metric.points]
        assert matched, f"{name}: no point with attributes {dict(attributes or {})}; got {got}"
        if value is not None:
            values = [p.value for p in matched]
            assert any(math.isclose(v, value, rel_tol=rel, abs_tol=1e-12) for v in values), (
                f"{name}: {values} != {value}"
            )
        for what, wanted in (("rate", rate), ("delta", delta)):
            if wanted is not None:
                got_values = [getattr(p, what) for p in matched]
                assert any(g is not None and math.isclose(g, wanted, rel_tol=rel, abs_tol=1e-12) for g in got_values), (
                    f"{name}: {what} {got_values} != {wanted}"
                )
        if count is not None:
            assert len(matched) == count, f"{name}: {len(matched)} points, expected {count}"
        self._asserted.add(name)
        return matched

    def check_declared(self) -> None:
        """Assert that everything collected was declared, and every declared metric was collected."""
        declared = set(self.runner.specs)
        collected = set(self._names())
        assert collected <= declared, f"collected but not declared: {sorted(collected - declared)}"
        assert declared <= collected, f"declared but never collected: {sorted(declared - collected)}"

    def assert_all_metrics_covered(self) -> None:
        """Assert that every metric collected was checked by an ``assert_metric``."""
        missing = sorted(set(self._names()) - self._asserted)
        assert not missing, f"metrics collected but never asserted: {missing}"

    def _names(self) -> list[str]:
        return sorted({m.spec.name for b in self.sink.batches for m in b.metrics})


def _contains(attrs: tuple[tuple[str, AttrValue], ...], wanted: Mapping[str, AttrValue]) -> bool:
    have = dict(attrs)
    return all(have.get(k) == v for k, v in wanted.items())


def make_context(host_root: str = "/", state_dir: str = "/tmp/sysagent-test") -> PluginContext:
    """A PluginContext for constructing a collector outside an agent."""
    cfg = Config()
    return PluginContext(cfg, HostFS(host_root), Resource(), state_dir)


@pytest.fixture
def sysagent_harness(tmp_path: Any) -> Iterator[Callable[..., Harness]]:
    """Factory: ``sysagent_harness(CollectorClass | instance, settings={...}, host_root="/")``."""
    made: list[Harness] = []

    def make(collector: Any, settings: Mapping[str, Any] | None = None, host_root: str = "/") -> Harness:
        if isinstance(collector, type):
            model = _settings_model(collector)
            collector = collector(model.model_validate(dict(settings or {})), make_context(host_root, str(tmp_path)))
        h = Harness(collector)
        made.append(h)
        return h

    yield make
    for h in made:
        close = getattr(h.collector, "close", None)
        if callable(close):
            close()


def _settings_model(cls: type) -> type[CollectorSettings]:
    hint = getattr(cls, "__init__").__annotations__.get("settings")  # noqa: B009
    if isinstance(hint, str):
        module = __import__(cls.__module__, fromlist=["_"])
        hint = getattr(module, hint, None)
    if isinstance(hint, type) and issubclass(hint, CollectorSettings):
        return hint
    return CollectorSettings
