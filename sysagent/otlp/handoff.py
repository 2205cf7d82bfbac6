"""Moves encoded payloads from collection threads into the durable queue, off their path.

``DurableQueue.put`` commits to disk (an fsync), and a slow or hung disk must not
stall collection. ``offer`` only appends to a short in-memory list; a writer
thread takes everything pending, concatenates it (concatenated requests are one
valid request) into payloads of at most ``max_bytes``, puts them, and wakes the
sender. With the collectors of a cycle finishing together, that is one disk
commit per cycle instead of one per collector. If the disk stalls for long, the
list is bounded: the oldest payloads are dropped and counted.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("sysagent.otlp")


class _Queue(Protocol):
    def put(self, payload: bytes, *, points: int, created_ns: int) -> None: ...


class Handoff:
    """A bounded in-memory hand-off to a durable queue; see the module docstring."""

    def __init__(
        self,
        queue: _Queue,
        on_put: Callable[[], None],
        *,
        max_bytes: int = 4 << 20,
        max_pending: int = 10_000,
        linger: float = 0.05,
    ) -> None:
        self._queue, self._on_put = queue, on_put
        self._max_bytes, self._linger = max_bytes, linger
        self._pending: deque[tuple[bytes, int, int]] = deque()
        self._max_pending = max_pending
        self._cond = threading.Condition()
        self._busy = self._urgent = self._stopping = False
        self.dropped_points = 0
        self._thread = threading.Thread(target=self._run, name="sysagent-otlp-handoff", daemon=True)
        self._thread.start()

    def offer(self, payload: bytes, points: int, created_ns: int) -> None:
        """Queue a payload for the writer; never waits for the disk."""
        with self._cond:
            if len(self._pending) >= self._max_pending:
                _, lost, _ = self._pending.popleft()
                if not self.dropped_points:
                    log.warning("otlp: the disk queue is not keeping up; dropping the oldest batches")
                self.dropped_points += lost
            self._pending.append((payload, points, created_ns))
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
                # Let the other collectors of this cycle finish: one commit for all of them.
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

    def _write(self, items: list[tuple[bytes, int, int]]) -> None:
        chunk: list[bytes] = []
        size = points = 0
        created = 0
        for payload, n, created_ns in items:
            if chunk and size + len(payload) > self._max_bytes:
                self._queue.put(b"".join(chunk), points=points, created_ns=created)
                chunk, size, points = [], 0, 0
            if not chunk:
                created = created_ns
            chunk.append(payload)
            size += len(payload)
            points += n
        if chunk:
            self._queue.put(b"".join(chunk), points=points, created_ns=created)
        self._on_put()
