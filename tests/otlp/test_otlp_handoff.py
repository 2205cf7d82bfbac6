"""The hand-off between collection threads and the durable queue."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from sysagent.delivery import DurableQueue
from sysagent.model import Batch, MetricData, Point, Resource, Scope, gauge
from sysagent.otlp.encode import Encoded, MetricsEncoder
from sysagent.otlp.handoff import Handoff
from sysagent.otlp.split import encode_bounded

HOST = Resource((("host.name", "h1"),))
LOAD = gauge("system.cpu.load_average.1m", "{thread}")


def batch(scope: str, points: int, resource: Resource = HOST) -> Batch:
    pts = tuple(Point((("i", i),), float(i)) for i in range(points))
    return Batch(Scope(scope), resource, time.time_ns(), (MetricData(LOAD, pts),))


def encode(batches: list[Batch]) -> list[Encoded]:
    return encode_bounded(MetricsEncoder(), batches, 1 << 20)


class StalledDisk:
    """The real durable queue behind a disk that stalls until ``release`` is set."""

    def __init__(self, path: Path) -> None:
        self.queue = DurableQueue(str(path), max_bytes=1 << 20, max_age=3600)
        self.release = threading.Event()
        self.puts: list[int] = []

    def put(self, payload: bytes, *, points: int, created_ns: int) -> None:
        self.release.wait(10)
        self.puts.append(points)
        self.queue.put(payload, points=points, created_ns=created_ns)


def test_batches_of_one_tick_become_one_queue_item_with_one_resource(tmp_path: Path) -> None:
    disk = StalledDisk(tmp_path / "q.sqlite")
    disk.release.set()
    woken = threading.Event()
    h = Handoff(disk, woken.set, encode, linger=0.5)
    other = Resource((("host.name", "h2"),))
    for i in range(5):
        h.offer(batch(f"plugin{i}", i + 1))
    h.offer(batch("remote", 2, other))
    assert h.flush(5.0) and woken.is_set()
    assert disk.puts == [17]
    (item,) = disk.queue.peek(10, 1 << 20)
    msg = ExportMetricsServiceRequest()
    msg.ParseFromString(item.payload)
    assert [rm.resource.attributes[0].value.string_value for rm in msg.resource_metrics] == ["h1", "h2"]
    assert [sm.scope.name for sm in msg.resource_metrics[0].scope_metrics] == [f"plugin{i}" for i in range(5)]
    h.close(5.0)


def test_a_stalled_disk_never_blocks_offer_and_the_oldest_are_dropped(tmp_path: Path) -> None:
    disk = StalledDisk(tmp_path / "q.sqlite")
    h = Handoff(disk, lambda: None, encode, max_pending=3, linger=0.0)
    h.offer(batch("first", 1))  # the writer takes this one and stalls in put
    assert not h.flush(0.2)
    for _ in range(6):
        h.offer(batch("next", 10))  # returns at once although the disk is stuck
    assert h.dropped_points == 30
    disk.release.set()
    assert h.flush(5.0)
    assert sum(disk.puts) == 1 + 30
    h.close(5.0)


def test_after_a_tick_end_the_writer_waits_for_the_next_one_not_the_linger(tmp_path: Path) -> None:
    disk = StalledDisk(tmp_path / "q.sqlite")
    disk.release.set()
    h = Handoff(disk, lambda: None, encode, linger=0.05)
    h.tick_end()  # the scheduler signals ticks from now on
    h.offer(batch("cpu", 2))
    h.offer(batch("memory", 3))
    time.sleep(0.3)  # six lingers: without the signal the writer would have written by now
    assert disk.puts == []
    start = time.monotonic()
    h.tick_end()
    deadline = start + 5
    while not disk.puts and time.monotonic() < deadline:
        time.sleep(0.005)
    assert disk.puts == [5]  # the tick's batches, in one put
    assert time.monotonic() - start < 0.04  # at once, not after a linger
    h.close(5.0)


def test_without_tick_ends_the_writer_lingers_then_writes(tmp_path: Path) -> None:
    disk = StalledDisk(tmp_path / "q.sqlite")
    disk.release.set()
    h = Handoff(disk, lambda: None, encode, linger=0.05)
    h.offer(batch("cpu", 2))
    h.offer(batch("memory", 3))
    deadline = time.monotonic() + 5
    while not disk.puts and time.monotonic() < deadline:
        time.sleep(0.005)
    assert disk.puts == [5]
    h.close(5.0)


def test_close_writes_what_waits_for_a_tick_end(tmp_path: Path) -> None:
    disk = StalledDisk(tmp_path / "q.sqlite")
    disk.release.set()
    h = Handoff(disk, lambda: None, encode, linger=0.05)
    h.tick_end()
    h.offer(batch("cpu", 4))
    h.close(5.0)
    assert disk.puts == [4]
