"""The durable queue on a real SQLite file: order, durability, bounds and exact drop counts."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from sysagent.delivery import EXPIRED, FULL, TOO_LARGE, DropCount, DurableQueue
from sysagent.delivery.queue import Fsync
from sysagent.delivery.store import CACHE_KIB

T0 = time.time_ns()  # items are created 'now' unless a test moves the queue's clock


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        return self.now


def payload(i: int, size: int = 100) -> bytes:
    return f"item-{i:06d}:".encode().ljust(size, b".")


def fill(q: DurableQueue, n: int, *, start: int = 0, size: int = 100, created_ns: int = T0) -> None:
    for i in range(start, start + n):
        q.put(payload(i, size), points=i + 1, created_ns=created_ns)


def contents(q: DurableQueue) -> list[bytes]:
    items = q.peek(10**9, 10**12)
    q.release()
    return [item.payload for item in items]


def test_items_survive_close_and_reopen_in_order(tmp_path: Path) -> None:
    path = str(tmp_path / "q.db")
    q = DurableQueue(path, max_bytes=10**6, max_age=3600)
    fill(q, 5)
    q.close()
    q = DurableQueue(path, max_bytes=10**6, max_age=3600)
    items = q.peek(100, 10**6)
    assert [i.payload for i in items] == [payload(i) for i in range(5)]
    assert [i.points for i in items] == [1, 2, 3, 4, 5]
    assert [i.id for i in items] == sorted(i.id for i in items)
    q.ack([items[0].id, items[1].id])
    q.close()
    q = DurableQueue(path, max_bytes=10**6, max_age=3600)
    assert contents(q) == [payload(i) for i in range(2, 5)]
    s = q.stats()
    assert (s.items, s.bytes, s.dropped_items) == (3, 300, 0)
    q.close()


def test_peek_respects_item_and_byte_limits_but_returns_at_least_one(tmp_path: Path) -> None:
    q = DurableQueue(str(tmp_path / "q.db"), max_bytes=10**6, max_age=3600)
    fill(q, 10)
    assert len(q.peek(3, 10**6)) == 3
    assert len(q.peek(100, 450)) == 4
    assert [i.payload for i in q.peek(100, 10)] == [payload(0)]  # larger than the limit, yet sent
    q.close()


def test_full_queue_drops_exactly_the_oldest_and_counts_them(tmp_path: Path) -> None:
    q = DurableQueue(str(tmp_path / "q.db"), max_bytes=1000, max_age=3600)
    fill(q, 15)  # 1500 bytes into 1000: items 0..4 must go, holding 1+2+3+4+5 points
    assert contents(q) == [payload(i) for i in range(5, 15)]
    s = q.stats()
    assert (s.items, s.bytes, q.max_bytes) == (10, 1000, 1000)
    assert (s.dropped_items, s.dropped_points) == (5, 15)
    assert s.dropped == {FULL: DropCount(5, 15)}
    q.put(payload(99, 250), points=7, created_ns=T0)  # needs three 100-byte items' room
    assert contents(q)[0] == payload(8)
    assert q.stats().dropped[FULL] == DropCount(8, 15 + 6 + 7 + 8)
    q.close()


def test_items_older_than_max_age_are_dropped_and_counted(tmp_path: Path) -> None:
    clock = Clock()
    q = DurableQueue(str(tmp_path / "q.db"), max_bytes=10**6, max_age=60, clock_ns=clock)
    for i in range(6):
        q.put(payload(i), points=10, created_ns=T0 + i * 20 * 10**9)  # 0s, 20s, ... 100s
    clock.now = T0 + 130 * 10**9  # items created before 70s are too old: 0, 20, 40, 60
    items = q.peek(100, 10**6)
    assert [i.payload for i in items] == [payload(4), payload(5)]
    s = q.stats()
    assert s.dropped == {EXPIRED: DropCount(4, 40)}
    assert s.oldest_age_s == pytest.approx(50.0)
    q.release()
    clock.now = T0 + 150 * 10**9  # cutoff 90s: item 4 (80s) goes, item 5 (100s) stays
    q.put(payload(6), points=3, created_ns=clock.now)  # a put expires too
    assert contents(q) == [payload(5), payload(6)]
    assert q.stats().dropped[EXPIRED] == DropCount(5, 50)
    q.close()


def test_in_flight_items_are_not_dropped_until_released(tmp_path: Path) -> None:
    q = DurableQueue(str(tmp_path / "q.db"), max_bytes=500, max_age=3600)
    fill(q, 5)
    in_flight = q.peek(2, 10**6)
    fill(q, 2, start=5)  # must make room: 0 and 1 are being sent, so 2 and 3 go
    assert q.stats().dropped[FULL] == DropCount(2, 3 + 4)
    q.ack([i.id for i in in_flight])
    assert contents(q) == [payload(i) for i in (4, 5, 6)]
    q.release()
    q.peek(1, 10**6)
    q.release()
    fill(q, 3, start=7)  # nothing in flight any more: exactly the oldest go
    assert contents(q) == [payload(i) for i in (5, 6, 7, 8, 9)]
    assert q.stats().dropped[FULL] == DropCount(3, 3 + 4 + 5)
    q.close()


def test_an_item_larger_than_the_queue_is_dropped_and_counted(tmp_path: Path) -> None:
    q = DurableQueue(str(tmp_path / "q.db"), max_bytes=500, max_age=3600)
    fill(q, 2)
    q.put(b"x" * 501, points=42, created_ns=T0)
    assert contents(q) == [payload(0), payload(1)]
    assert q.stats().dropped == {TOO_LARGE: DropCount(1, 42)}
    q.close()


def test_drop_counts_under_the_callers_reason(tmp_path: Path) -> None:
    q = DurableQueue(str(tmp_path / "q.db"), max_bytes=10**6, max_age=3600)
    fill(q, 3)
    first = q.peek(1, 10**6)
    q.drop([first[0].id], "rejected")
    q.drop([first[0].id], "rejected")  # already gone: not counted twice
    assert q.stats().dropped == {"rejected": DropCount(1, 1)}
    assert contents(q) == [payload(1), payload(2)]
    q.close()


def test_topics_share_a_file_but_not_items_or_bounds(tmp_path: Path) -> None:
    path = str(tmp_path / "q.db")
    metrics = DurableQueue(path, max_bytes=300, max_age=3600)
    alerts = DurableQueue(path, max_bytes=10**6, max_age=3600, topic="alerts/slack")
    fill(metrics, 3)
    alerts.put(b'{"text": "disk full"}', points=0, created_ns=T0)
    fill(metrics, 1, start=3)
    assert contents(alerts) == [b'{"text": "disk full"}']
    assert contents(metrics) == [payload(1), payload(2), payload(3)]
    assert alerts.stats().dropped == {}
    metrics.close()
    alerts.close()
    reopened = DurableQueue(path, max_bytes=10**6, max_age=3600, topic="alerts/slack")
    assert (reopened.stats().items, reopened.stats().bytes) == (1, 21)
    reopened.close()


def test_a_drop_episode_is_logged_once_when_it_starts_and_once_when_it_ends(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sysagent.delivery")
    q = DurableQueue(str(tmp_path / "q.db"), max_bytes=1000, max_age=3600)
    fill(q, 60)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1
    assert "reached its limit of 1000 bytes" in lines[0]
    items = q.peek(100, 10**6)
    q.ack([i.id for i in items[:4]])  # 600 bytes left: above half the limit, still in the episode
    assert len(caplog.records) == 1
    q.ack([i.id for i in items[4:]])
    assert len(caplog.records) == 2
    assert "50 items" in caplog.records[1].getMessage()
    q.close()


def test_lazy_ack_deletes_with_the_next_put_and_a_reopen_resends_only_what_was_not_deleted(tmp_path: Path) -> None:
    path = str(tmp_path / "q.db")
    q = DurableQueue(path, max_bytes=10**6, max_age=3600, lazy_ack=True)
    for i in range(3):
        q.put(b"p%d" % i, points=2, created_ns=time.time_ns())
    first = q.peek(2, 10**6)
    q.ack([i.id for i in first])
    assert (q.stats().items, q.stats().bytes) == (1, 2)
    assert [i.payload for i in q.peek(10, 10**6)] == [b"p2"]  # acknowledged items are never handed out again
    q.release()
    # a crash now (no close): the acknowledged rows are still in the file and would be sent again, nothing lost
    crashed = DurableQueue(path, max_bytes=10**6, max_age=3600)
    assert [i.payload for i in crashed.peek(10, 10**6)] == [b"p0", b"p1", b"p2"]
    crashed.release()
    q.put(b"p3", points=1, created_ns=time.time_ns())  # this transaction deletes p0 and p1
    assert [i.payload for i in crashed.peek(10, 10**6)] == [b"p2", b"p3"]
    crashed.close()
    q.ack([i.id for i in q.peek(10, 10**6)])
    q.close()  # close deletes what is acknowledged
    again = DurableQueue(path, max_bytes=10**6, max_age=3600)
    assert again.peek(10, 10**6) == [] and again.stats().items == 0
    again.close()


def test_lazy_acks_of_a_long_drain_are_deleted_in_rounds(tmp_path: Path) -> None:
    path = str(tmp_path / "q.db")
    q = DurableQueue(path, max_bytes=10**7, max_age=3600, lazy_ack=True)
    for i in range(1500):
        q.put(b"p%d" % i, points=1, created_ns=time.time_ns())
    while items := q.peek(100, 10**6):
        q.ack([i.id for i in items])  # no put in between, as when draining a backlog at shutdown
    other = DurableQueue(path, max_bytes=10**7, max_age=3600)
    assert len(other.peek(10**4, 10**8)) == 500  # 1,000 were deleted without waiting for a put
    other.close()
    assert q.stats().items == 0 and q.stats().oldest_age_s == 0.0
    q.close()


def test_the_page_cache_is_bounded_so_a_backlog_does_not_grow_memory(tmp_path: Path) -> None:
    # SQLite's default cache (2,000 KiB per connection) filled up with a backlog's pages that are
    # read once each; the queue keeps CACHE_KIB whatever the file holds.
    q = DurableQueue(str(tmp_path / "q.sqlite"), max_bytes=1 << 30, max_age=3600)
    for _ in range(200):
        q.put(b"x" * 30_000, points=1, created_ns=time.time_ns())
    assert q._conn.execute("PRAGMA cache_size").fetchone() == (-CACHE_KIB,)
    assert CACHE_KIB < 2000
    q.close()


def test_fsync_backlog_fsyncs_a_put_only_when_something_still_waits(tmp_path: Path) -> None:
    # SQLite's synchronous level of the commit: FULL (2) fsyncs it and everything before it, NORMAL (1) does not.
    q = DurableQueue(str(tmp_path / "q.sqlite"), max_bytes=1 << 20, max_age=3600, fsync="backlog", lazy_ack=True)

    def level() -> int:
        return int(q._conn.execute("PRAGMA synchronous").fetchone()[0])

    q.put(payload(0), points=1, created_ns=T0)  # nothing waited: the sender takes it right away
    assert (level(), q._unsynced) == (1, True)
    q.ack([item.id for item in q.peek(10, 10**6)])
    q.put(payload(1), points=1, created_ns=T0)  # the one before was delivered: still no fsync
    assert level() == 1
    q.put(payload(2), points=1, created_ns=T0)  # payload 1 still waits: fsynced, and 1 with it
    assert (level(), q._unsynced) == (2, False)
    q.ack([item.id for item in q.peek(10, 10**6)])
    q.put(payload(3), points=1, created_ns=T0)
    assert (level(), q._unsynced) == (1, True)
    assert [i.payload for i in q.peek(10, 10**6)] == [payload(3)]
    q.release()  # the send failed: payload 3 waits now, so it goes to the disk
    assert not q._unsynced
    q.close()
    assert contents(DurableQueue(str(tmp_path / "q.sqlite"), max_bytes=1 << 20, max_age=3600)) == [payload(3)]


@pytest.mark.parametrize(("fsync", "levels"), [("always", {2}), ("never", {1})])
def test_fsync_always_and_never_do_not_depend_on_the_backlog(tmp_path: Path, fsync: Fsync, levels: set[int]) -> None:
    q = DurableQueue(str(tmp_path / "q.sqlite"), max_bytes=1 << 20, max_age=3600, fsync=fsync)
    seen = set()
    for i in range(3):
        q.put(payload(i), points=1, created_ns=T0)
        seen.add(int(q._conn.execute("PRAGMA synchronous").fetchone()[0]))
    q.peek(10, 10**6)
    q.release()
    assert seen == levels
    q.close()
