"""Moves batches from collection threads into the durable queue, off their path.

``DurableQueue.put`` commits to disk (an fsync), and a slow or hung disk must not
stall collection. ``offer`` only appends the batch to a short in-memory list; a
writer thread takes everything pending, encodes it as one request (one
ResourceMetrics per resource, one ScopeMetrics per plugin) of at most
``max_bytes`` (more requests only when that bound needs them), puts it, and wakes
the sender. With the collectors of a tick finishing together, that is one disk
commit and one request per tick instead of one per collector. Once the
scheduler has called ``tick_end`` (every batch of a tick handed over), the
writer sleeps until the next ``tick_end`` and writes then: one wake-up per tick.
Without it (batches offered outside the scheduler), the writer wakes on the
first batch and waits ``linger`` for the rest. If the disk stalls for long, the
list is bounded: the oldest batches are dropped and counted.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Protocol

from sysagent.model import Batch
from sysagent.otlp.encode import Encoded

log = logging.getLogger("sysagent.otlp")
#: Pending batches that wake the writer even between tick ends.
_WAKE_BACKLOG = 1000


class _Queue(Protocol):
    def put(self, payload: bytes, *, points: int, created_ns: int) -> None: ...


class Handoff:
    """A bounded in-memory hand-off to a durable queue; see the module docstring."""

    def __init__(
        self,
        queue: _Queue,
        on_put: Callable[[], None],
        encode: Callable[[list[Batch]], list[Encoded]],
        *,
        max_pending: int = 10_000,
        linger: float = 0.05,
    ) -> None:
        self._queue, self._on_put, self._encode = queue, on_put, encode
        self._linger = linger
        self._pending: deque[Batch] = deque()
        self._max_pending = max_pending
        self._cond = threading.Condition()
        self._busy = self._urgent = self._stopping = False
        #: Set by the first ``tick_end``: from then on the writer waits for ticks' ends, not ``linger``.
        self._ticked = False
        self.dropped_points = 0
        self._thread = threading.Thread(target=self._run, name="sysagent-otlp-handoff", daemon=True)
        self._thread.start()

    def offer(self, batch: Batch) -> None:
        """Queue a batch for the writer; never waits for the disk. Empty batches are left out."""
        if not any(m.points for m in batch.metrics):
            return
        with self._cond:
            if len(self._pending) >= self._max_pending:
                lost = self._pending.popleft().point_count
                if not self.dropped_points:
                    log.warning("otlp: the disk queue is not keeping up; dropping the oldest batches")
                self.dropped_points += lost
            self._pending.append(batch)
            # With tick ends signalled, tick_end wakes the writer; a backlog that far
            # past a tick's worth wakes it anyway.
            if (len(self._pending) == 1 and not self._ticked) or len(self._pending) == _WAKE_BACKLOG:
                self._cond.notify()

    def tick_end(self) -> None:
        """Every batch of this tick was offered: write them now, without lingering."""
        with self._cond:
            self._ticked = True
            if self._pending:
                self._urgent = True
                self._cond.notify()

    def flush(self, timeout: float) -> bool:
        """Wait until everything offered so far is in the durable queue."""
        with self._cond:
            self._urgent = True
            self._cond.notify_all()
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def close(self, timeout: float) -> None:
        """Write what is pending, then stop the writer thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._pending) or self._stopping)
                if not self._pending and self._stopping:
                    return
                # Let the other collectors of this tick finish: one commit for all of them.
                if not self._urgent:
                    self._cond.wait_for(lambda: self._stopping or self._urgent, self._linger)
                items = list(self._pending)
                self._pending.clear()
                self._urgent = False
                self._busy = True
            try:
                self._write(items)
            except Exception:
                log.exception("otlp: cannot write to the disk queue; %d batches lost", len(items))
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _write(self, items: list[Batch]) -> None:
        wrote = False
        for encoded in self._encode(items):
            if encoded.points:
                created = min(b.time_ns for b in items)
                self._queue.put(encoded.payload, points=encoded.points, created_ns=created)
                wrote = True
        if wrote:
            self._on_put()
