"""The bridge's sink on hand-made batches: what a callback returns, and when values stop being returned."""

from __future__ import annotations

import time

from opentelemetry.metrics import Observation

from sysagent import Batch, MetricData, Point, Resource, Scope, counter, gauge
from sysagent.otel.latest import LatestSink

TICKS = counter("test.ticks", "{tick}", integer=True)
LEVEL = gauge("test.level", "1")


def batch(time_ns: int, *metrics: MetricData, previous: int = 0) -> Batch:
    return Batch(Scope("plug", "1.0"), Resource(), time_ns, metrics, previous, "plug")


def test_latest_values_and_types() -> None:
    seen: list[Batch] = []
    sink = LatestSink(lambda name: name != "test.hidden", seen.append)
    now = time.time_ns()
    ticks = MetricData(TICKS, (Point((("kind", "a"),), 7.0, now), Point((("kind", "b"),), 9.0, now)))
    sink.export(batch(now, ticks, MetricData(LEVEL, (Point((), 0.25),))))
    got = sink.observations([("plug", "test.ticks")])
    assert got == [Observation(7, {"kind": "a"}), Observation(9, {"kind": "b"})]
    assert all(type(o.value) is int for o in got)  # integer metrics stay integers
    assert sink.observations([("plug", "test.level")]) == [Observation(0.25, {})]
    assert sink.observations([("other", "test.level")]) == []
    assert len(seen) == 1


def test_a_missing_metric_keeps_its_values_until_they_expire() -> None:
    sink = LatestSink(lambda name: True, lambda b: None)
    sink.set_intervals({"plug": 1.0})
    now = time.time_ns()
    level = MetricData(LEVEL, (Point((), 1.0),))
    ticks = MetricData(TICKS, (Point((("dev", "a"),), 1.0, now), Point((("dev", "b"),), 1.0, now)))
    sink.export(batch(now - int(2e9), level, ticks))
    sink.export(batch(now, MetricData(TICKS, (Point((("dev", "a"),), 2.0, now),)), previous=now - int(2e9)))
    assert sink.observations([("plug", "test.level")]) == [Observation(1.0, {})]  # 2 of its 2.5 s
    assert sink.observations([("plug", "test.ticks")]) == [Observation(2, {"dev": "a"})]  # b went away
    time.sleep(0.6)
    assert sink.observations([("plug", "test.level")]) == []


def test_stale_values_are_dropped() -> None:
    """A collector that stops producing (it hangs or fails) must not look alive for ever."""
    sink = LatestSink(lambda name: True, lambda b: None)
    sink.set_intervals({"plug": 10.0})
    now = time.time_ns()
    sink.export(batch(now - int(24e9), MetricData(LEVEL, (Point((), 1.0),))))  # 2.4 intervals old
    assert sink.observations([("plug", "test.level")]) == [Observation(1.0, {})]
    sink.export(batch(now - int(26e9), MetricData(LEVEL, (Point((), 1.0),))))  # 2.6 intervals old
    assert sink.observations([("plug", "test.level")]) == []


def test_excluded_metrics_are_not_kept() -> None:
    sink = LatestSink(lambda name: name != "test.level", lambda b: None)
    sink.export(batch(time.time_ns(), MetricData(LEVEL, (Point((), 1.0),))))
    assert sink.observations([("plug", "test.level")]) == []
