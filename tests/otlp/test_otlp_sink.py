"""The ``otlp`` sink end to end against a real loopback OTLP/HTTP receiver."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from otlp.servers import HttpReceiver, Reply, free_port
from sysagent.model import Batch, ExportResult, MetricData, Point, Resource, Scope, counter
from sysagent.otlp.settings import OtlpSettings
from sysagent.registry import Registry
from sysagent.sinks.otlp import OtlpSink, sysagent_sinks
from sysagent.testing import make_context

TOKEN = "tok-9f8e7d6c5b4a"
HOST = Resource((("host.name", "h1"),))
NOW = time.time_ns()


def batch(scope: str, n: int, t: int = NOW) -> Batch:
    spec = counter(f"{scope}.ops", "{operation}", integer=True)
    points = tuple(Point((("i", i),), float(i), t - 10**9) for i in range(n))
    return Batch(Scope(scope, "0.1.0"), HOST, t, (MetricData(spec, points),))


def sink(tmp_path: Path, url: str, **settings: object) -> OtlpSink:
    config = OtlpSettings.model_validate({"endpoint": url, "queue": {"backoff_initial": 0.05}, **settings})
    return OtlpSink(config, make_context(state_dir=str(tmp_path / "state")), environ={})


def test_registers_as_a_default_sink() -> None:
    registry = Registry()
    sysagent_sinks(registry)
    entry = registry.sinks()["otlp"]
    assert (entry.settings, entry.default_enabled) == (OtlpSettings, True)


def test_exported_batches_arrive_as_one_scope_each(tmp_path: Path, receiver: HttpReceiver) -> None:
    s = sink(tmp_path, receiver.url, compression="gzip")
    try:
        for name, n in (("cpu", 3), ("memory", 2), ("disk", 4)):
            assert s.export(batch(name, n)) is ExportResult.SUCCESS
        assert s.export(Batch(Scope("empty"), HOST, 1, ())) is ExportResult.SUCCESS
        assert s.force_flush(10.0)
    finally:
        s.shutdown(5.0)
    scopes: dict[str, list[int]] = {}
    for got in receiver.received:
        for rm in got.request().resource_metrics:
            assert rm.resource.attributes[0].value.string_value == "h1"
            for sm in rm.scope_metrics:
                scopes[sm.scope.name] = [p.as_int for p in sm.metrics[0].sum.data_points]
    assert scopes == {"cpu": [0, 1, 2], "memory": [0, 1], "disk": [0, 1, 2, 3]}
    assert s.stats().points_sent == 9
    assert s.export(batch("late", 1)) is ExportResult.FAILURE  # after shutdown


@pytest.mark.parametrize(("fsync", "level"), [("always", 2), ("backlog", 1), ("never", 1)])  # FULL 2, NORMAL 1
def test_queue_fsync_sets_how_each_commit_reaches_the_disk(
    tmp_path: Path, receiver: HttpReceiver, fsync: str, level: int
) -> None:
    s = sink(tmp_path, receiver.url, queue={"backoff_initial": 0.05, "fsync": fsync})
    try:
        assert s.queue._conn.execute("PRAGMA synchronous").fetchone() == (level,)
        assert s.export(batch("cpu", 3)) is ExportResult.SUCCESS
        assert s.force_flush(10.0)
    finally:
        s.shutdown(5.0)
    assert s.stats().points_sent == 3


def test_a_refusal_is_logged_once_without_the_token(
    tmp_path: Path, receiver: HttpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):
        receiver.replies.put(Reply(401, b"unauthorized", {"Content-Type": "text/plain"}))
    caplog.set_level(logging.WARNING)
    s = sink(tmp_path, receiver.url, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        for i in range(3):
            s.export(batch("cpu", 2, NOW + i))
            assert s.force_flush(10.0)  # refused for good: dropped, not retried forever
    finally:
        s.shutdown(5.0)
    assert len(receiver.received) == 3
    refusals = [r.getMessage() for r in caplog.records if "401" in r.getMessage()]
    assert len(refusals) == 1 and "HTTP 401 Unauthorized" in refusals[0]
    assert not any(TOKEN in r.getMessage() for r in caplog.records)
    assert s.stats().dropped_points["rejected"] == 6


def test_a_collector_down_at_start_warns_once_and_the_batches_wait_on_disk(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    caplog.set_level(logging.WARNING)
    s = sink(tmp_path, f"http://127.0.0.1:{port}")
    for i in range(3):
        assert s.export(batch("cpu", 2, NOW + i)) is ExportResult.SUCCESS
    assert not s.force_flush(0.5)
    s.shutdown(0.2)
    warnings = [r.getMessage() for r in caplog.records if "cannot reach" in r.getMessage()]
    assert len(warnings) == 1 and f"127.0.0.1:{port}" in warnings[0]

    receiver = HttpReceiver()
    try:
        again = sink(tmp_path, receiver.url)
        assert again.force_flush(10.0)
        again.shutdown(2.0)
        times = sorted(
            sm.metrics[0].sum.data_points[0].time_unix_nano
            for got in receiver.received
            for rm in got.request().resource_metrics
            for sm in rm.scope_metrics
        )
        assert times == [NOW, NOW + 1, NOW + 2]
    finally:
        receiver.close()
