"""The hand-off between collection threads and the durable queue."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sysagent.delivery import DurableQueue
from sysagent.otlp.handoff import Handoff


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


def test_payloads_of_one_cycle_become_one_queue_item(tmp_path: Path) -> None:
    disk = StalledDisk(tmp_path / "q.sqlite")
    disk.release.set()
    woken = threading.Event()
    h = Handoff(disk, woken.set, linger=0.2)
    for i in range(5):
        h.offer(b"\x0a\x00", i + 1, time.time_ns())
    assert h.flush(5.0) and woken.is_set()
    assert disk.puts == [15]
    (item,) = disk.queue.peek(10, 1 << 20)
    assert item.payload == b"\x0a\x00" * 5
    h.close(5.0)


def test_a_stalled_disk_never_blocks_offer_and_the_oldest_are_dropped(tmp_path: Path) -> None:
    disk = StalledDisk(tmp_path / "q.sqlite")
    h = Handoff(disk, lambda: None, max_pending=3, linger=0.0)
    h.offer(b"\x0a\x00", 1, time.time_ns())  # the writer takes this one and stalls in put
    assert not h.flush(0.2)
    for _ in range(6):
        h.offer(b"\x0a\x00", 10, time.time_ns())  # returns at once although the disk is stuck
    assert h.dropped_points == 30
    disk.release.set()
    assert h.flush(5.0)
    assert sum(disk.puts) == 1 + 30
    h.close(5.0)
