"""A durable FIFO queue of opaque payloads on SQLite, bounded by bytes and by age.

Producers (collection threads) ``put`` payloads; ``put`` returns only once the
payload is committed to disk (see :mod:`sysagent.delivery.store` for why SQLite in
WAL mode, and ``Fsync`` for when commits are fsynced). One consumer per topic ``peek``s the oldest
items, sends them, and then ``ack``s them (delivered) or ``drop``s them (refused
for good, with a reason that is counted); after a failed attempt it calls
``release`` and the items stay queued. Items handed out by ``peek`` are "in
flight" until then: the bounds never drop them, so an item is never both counted
as dropped and delivered (the byte bound may be exceeded by one batch meanwhile).

When a put would exceed ``max_bytes``, or items are older than ``max_age``, the
oldest items are dropped and counted exactly (items and points, per reason), with
one log line when such an episode starts and one when the queue has room again.

With ``lazy_ack``, ``ack`` only forgets the items in memory (they are never
handed out again and no longer count) and deletes them from the file in the next
``put``'s transaction (or at ``close``, or once 1,000 wait): one commit and fsync per collection
instead of two. A crash in between resends them after the restart (delivery is
at least once either way: a crash between a send and its ack does the same);
nothing that was put is lost.

The ``topic`` column lets one file hold several queues, each bounded and
consumed on its own.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Literal, NamedTuple

from sysagent.delivery.droplog import DAMAGED, EXPIRED, FULL, TOO_LARGE, DropCount, DropLog
from sysagent.delivery.store import Synchronous, checksum, open_store

log = logging.getLogger("sysagent.delivery.queue")


class QueueItem(NamedTuple):
    id: int
    payload: bytes
    points: int
    created_ns: int


class QueueStats(NamedTuple):
    items: int
    bytes: int
    oldest_age_s: float
    dropped_items: int
    dropped_points: int
    dropped: dict[str, DropCount]  #: per reason: queue_full, expired, too_large, or a consumer's reason


_Victim = tuple[int, int, int]  # id, size, points
#: When commits reach the disk (fsync). ``always``: every commit. ``backlog``: a put's commit
#: when other items are still waiting or in flight, and whatever is unsynced once a send fails;
#: a payload sent and acknowledged the moment it was queued is never fsynced. ``never``: only
#: SQLite's checkpoints. All three survive the process being killed (SIGKILL); they differ
#: after a power cut or kernel crash (``backlog`` can lose the one payload being sent then).
Fsync = Literal["always", "backlog", "never"]
_MAX_LAZY = 1000  # acknowledged items kept for the next put at most (SQLite caps query parameters)


class DurableQueue:
    """See the module docstring. Thread-safe: all access goes through one connection under a lock."""

    def __init__(
        self,
        path: str,
        *,
        max_bytes: int,
        max_age: float,
        topic: str = "otlp",
        fsync: Fsync = "always",
        clock_ns: Callable[[], int] = time.time_ns,
        lazy_ack: bool = False,
    ) -> None:
        if max_bytes <= 0 or max_age <= 0:
            raise ValueError("max_bytes and max_age must be positive")
        self.path, self.topic = path, topic
        self._max_bytes, self._max_age_ns = max_bytes, int(max_age * 1e9)
        self._clock_ns = clock_ns
        self._lock = threading.Lock()
        self._fsync = fsync
        self._synchronous: Synchronous = "FULL" if fsync == "always" else "NORMAL"
        self._conn = open_store(path, synchronous=self._synchronous)
        self._unsynced = False  # a put was committed without an fsync since the last one
        self._inflight: dict[int, tuple[int, int]] = {}  # id: (size, points)
        self._lazy_ack = lazy_ack
        self._acked: set[int] = set()  # acknowledged, deleted from the file with the next put
        self._drops = DropLog(topic, max_bytes, max_age)
        count, size = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM items WHERE topic = ?", (topic,)
        ).fetchone()
        self._items, self._bytes = int(count), int(size)

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def max_age(self) -> float:
        return self._max_age_ns / 1e9

    def put(self, payload: bytes, *, points: int, created_ns: int) -> None:
        """Append one payload; it is committed when this returns (or counted as dropped); see ``Fsync``."""
        size = len(payload)
        with self._lock:
            if size > self._max_bytes:
                self._drops.count(TOO_LARGE, 1, points)
                return
            expired: list[_Victim] = []
            full: list[_Victim] = []
            # Only items queued before this one can have expired: none waiting (the sender
            # keeps up), no query. Acknowledged rows are not waiting, whatever their age.
            waiting = self._items > 0
            if self._fsync == "backlog":
                # Something is still waiting: this payload may wait too, so it goes to the disk now
                # (with everything committed before it). Otherwise the sender takes it right away.
                self._set_synchronous("FULL" if waiting else "NORMAL")
            with self._transaction():
                self._delete_acked()
                cur = self._conn.execute(
                    "INSERT INTO items (topic, created_ns, points, size, payload, crc) VALUES (?, ?, ?, ?, ?, ?)",
                    (self.topic, created_ns, points, size, payload, checksum(payload)),
                )
                if waiting:
                    expired = self._expired()
                excess = self._bytes + size - sum(v[1] for v in expired) - self._max_bytes
                if excess > 0:
                    full = self._oldest(excess, skip={v[0] for v in expired} | {cur.lastrowid or 0})
                self._delete(v[0] for v in expired + full)
            self._items, self._bytes = self._items + 1, self._bytes + size
            self._unsynced = self._synchronous != "FULL"
            self._account(EXPIRED, expired)
            self._account(FULL, full)

    def peek(self, max_items: int, max_bytes: int) -> list[QueueItem]:
        """The oldest items, at most ``max_items`` and ``max_bytes`` together (but at least one)."""
        with self._lock:
            if not self._items:
                return []
            self._expire_now()
            out: list[QueueItem] = []
            total = 0
            cur = self._conn.execute(
                "SELECT id, payload, points, created_ns, crc FROM items WHERE topic = ? ORDER BY id", (self.topic,)
            )
            damaged: list[int] = []
            for ident, payload, points, created_ns, crc in cur:
                if ident in self._acked:
                    continue
                if crc is not None and crc != checksum(payload):
                    damaged.append(ident)
                    continue
                if out and (len(out) >= max_items or total + len(payload) > max_bytes):
                    break
                out.append(QueueItem(ident, payload, points, created_ns))
                total += len(payload)
            cur.close()
            if damaged:
                self._remove_damaged(damaged)
            self._inflight = {item.id: (len(item.payload), item.points) for item in out}
            return out

    def _remove_damaged(self, ids: list[int]) -> None:
        """Rows whose payload no longer matches its CRC32: never sent, counted, logged."""
        log.error("queue %s: %d items are damaged on disk (CRC mismatch) and were dropped", self.topic, len(ids))
        with self._transaction():
            self._delete_acked()
        points = sum(
            r[0] for r in self._conn.execute(f"SELECT points FROM items WHERE id IN ({','.join('?' * len(ids))})", ids)
        )
        self._conn.execute(f"DELETE FROM items WHERE id IN ({','.join('?' * len(ids))})", ids)
        count, size = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM items WHERE topic = ?", (self.topic,)
        ).fetchone()
        self._items, self._bytes = int(count), int(size)
        self._drops.count(DAMAGED, len(ids), points, episodic=False)

    def ack(self, ids: Sequence[int]) -> None:
        """Remove items the receiver acknowledged."""
        self._remove(ids, None)

    def drop(self, ids: Sequence[int], reason: str) -> None:
        """Remove items that can never be delivered, counting them under ``reason``."""
        self._remove(ids, reason)

    def release(self) -> None:
        """The in-flight items were not delivered: they stay queued and become subject to the bounds again.

        With ``fsync: backlog`` they now wait, so what is not on the disk yet goes there.
        """
        with self._lock:
            self._inflight.clear()
            if self._unsynced and self._fsync == "backlog":
                # In WAL mode with synchronous=NORMAL a checkpoint fsyncs the log, then the database.
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                self._unsynced = False

    def stats(self) -> QueueStats:
        with self._lock:
            oldest = self._oldest_ns()
            age = max(0.0, (self._clock_ns() - oldest) / 1e9) if oldest is not None else 0.0
            drops = self._drops.totals()
            return QueueStats(
                self._items,
                self._bytes,
                age,
                sum(d.items for d in drops.values()),
                sum(d.points for d in drops.values()),
                drops,
            )

    def close(self) -> None:
        with self._lock:
            try:
                if self._acked:
                    with self._transaction():
                        self._delete_acked()
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._conn.close()

    # -- internals; the caller holds the lock ---------------------------------------------

    def _set_synchronous(self, level: Synchronous) -> None:
        if level != self._synchronous:
            self._conn.execute(f"PRAGMA synchronous={level}")
            self._synchronous = level

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction: committed (with synchronous=FULL, fsynced with all before it) or rolled back."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _expired(self) -> list[_Victim]:
        cutoff = self._clock_ns() - self._max_age_ns
        rows = self._conn.execute(
            "SELECT id, size, points FROM items WHERE topic = ? AND created_ns < ? ORDER BY id", (self.topic, cutoff)
        ).fetchall()
        return [r for r in rows if r[0] not in self._inflight and r[0] not in self._acked]

    def _oldest(self, excess: int, skip: set[int]) -> list[_Victim]:
        victims: list[_Victim] = []
        cur = self._conn.execute("SELECT id, size, points FROM items WHERE topic = ? ORDER BY id", (self.topic,))
        for row in cur:
            if excess <= 0:
                break
            if row[0] in skip or row[0] in self._inflight or row[0] in self._acked:
                continue
            victims.append(row)
            excess -= row[1]
        cur.close()
        return victims

    def _delete(self, ids: Iterable[int]) -> None:
        self._conn.executemany("DELETE FROM items WHERE id = ?", ((i,) for i in ids))

    def _delete_acked(self) -> None:
        if self._acked:
            self._delete(self._acked)
            self._acked.clear()

    def _account(self, reason: str, victims: list[_Victim], *, episodic: bool = True) -> None:
        self._items -= len(victims)
        self._bytes -= sum(v[1] for v in victims)
        self._drops.count(reason, len(victims), sum(v[2] for v in victims), episodic=episodic)

    def _expire_now(self) -> None:
        expired = self._expired()
        if expired:
            with self._transaction():
                self._delete(v[0] for v in expired)
            self._account(EXPIRED, expired)

    def _remove(self, ids: Sequence[int], reason: str | None) -> None:
        with self._lock:
            if reason is None and self._lazy_ack and all(i in self._inflight for i in ids):
                for ident in ids:
                    size, _points = self._inflight.pop(ident)
                    self._acked.add(ident)
                    self._items, self._bytes = self._items - 1, self._bytes - size
                if len(self._acked) >= _MAX_LAZY:  # draining a backlog with no puts: delete now and then
                    with self._transaction():
                        self._delete_acked()
                if self._drops.in_episode and self._has_room():
                    self._drops.end_episodes()
                return
            removed: list[_Victim] = []
            with self._transaction():
                for ident in ids:
                    row = self._conn.execute(
                        "DELETE FROM items WHERE id = ? AND topic = ? RETURNING id, size, points", (ident, self.topic)
                    ).fetchone()
                    if row is not None:
                        removed.append(row)
            for ident in ids:
                self._inflight.pop(ident, None)
            if reason is None:
                self._items -= len(removed)
                self._bytes -= sum(v[1] for v in removed)
            else:
                self._account(reason, removed, episodic=False)  # the consumer logs its own reasons
            if self._drops.in_episode and self._has_room():
                self._drops.end_episodes()

    def _oldest_ns(self) -> int | None:
        if not self._items:  # every row left (if any) is acknowledged
            return None
        if self._acked:  # the oldest rows are acknowledged ones waiting for the next put to delete them
            row = self._conn.execute(
                f"SELECT MIN(created_ns) FROM items WHERE topic = ? AND id NOT IN ({','.join('?' * len(self._acked))})",
                (self.topic, *self._acked),
            ).fetchone()
        else:
            row = self._conn.execute("SELECT MIN(created_ns) FROM items WHERE topic = ?", (self.topic,)).fetchone()
        return None if row[0] is None else int(row[0])

    def _has_room(self) -> bool:
        """Hysteresis for the drop log: an episode ends once the queue is below half of both bounds."""
        if self._bytes > self._max_bytes // 2:
            return False
        oldest = self._oldest_ns()
        return oldest is None or self._clock_ns() - oldest <= self._max_age_ns // 2
