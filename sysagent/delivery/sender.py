"""The thread that drains a :class:`DurableQueue` into a :class:`Transport`, oldest first.

Each step peeks the oldest items and sends them as one request: when a backlog
has built up, up to ``max_batch_bytes`` of queued payloads are concatenated (two
serialized ``ExportMetricsServiceRequest`` messages concatenated are one valid
request holding both), so a backlog drains many times faster than it built up.
Nothing newer is sent before older items are acknowledged, so a replay after an
outage reaches the backend in time order. Outcomes:

- success: the items are acknowledged; rejected points of a partial success are
  counted under ``partial_success`` (retrying would not make them acceptable);
- retryable (connection errors, 429/502/503/504, UNAVAILABLE...): the items stay
  queued; the next attempt waits an exponential backoff with full jitter, capped,
  and at least the server's Retry-After;
- refused for good (other 4xx): a single item is dropped and counted under
  ``rejected``; a combined request is split and its items retried one by one, so
  one bad item cannot take good ones down with it.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from sysagent.delivery.backoff import Backoff
from sysagent.delivery.counters import PARTIAL, REJECTED, ExportCounters, SenderStats
from sysagent.delivery.queue import DurableQueue
from sysagent.otlp.transport import SendOutcome, Transport

log = logging.getLogger("sysagent.delivery.sender")
_IDLE_POLL = 5.0  # seconds between looks at an idle queue, in case a producer forgot wake()


class Sender:
    """Sends queued payloads on a background thread; see the module docstring."""

    def __init__(
        self,
        queue: DurableQueue,
        transport: Transport,
        *,
        name: str,
        max_batch_bytes: int = 4 << 20,
        max_batch_items: int = 10_000,
        combine: bool = True,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        retry_after_max: float = 600.0,
        send_timeout: float = 10.0,
        flush_timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self._queue, self._transport = queue, transport
        self._max_bytes, self._max_items = max_batch_bytes, max_batch_items if combine else 1
        self._send_timeout, self._flush_timeout = send_timeout, flush_timeout
        self._clock, self._wall, self._sleep = clock, wall, sleep
        self._backoff = Backoff(backoff_initial, backoff_max, retry_after_max=retry_after_max, rng=rng)
        self._counters = ExportCounters(name)
        self._isolate_through: int | None = None  # after a refused combined request: one item at a time
        self._wake, self._stop = threading.Event(), threading.Event()
        self._progress = threading.Condition()
        self._deadline = float("inf")
        self._thread: threading.Thread | None = None
        self._queue_error: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"sysagent-sender-{self.name}", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """New items were queued: send them now (unless waiting out a backoff)."""
        self._wake.set()

    def stop(self, timeout: float) -> None:
        """Keep sending for at most ``timeout`` seconds while there is work and sending works; the rest stays queued.

        A send that fails during shutdown ends it at once: waiting out a backoff for a
        receiver that is down would only delay the shutdown.
        """
        self._deadline = self._clock() + timeout
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            self._run()  # never started: flush inline
        else:
            self._thread.join(timeout + 1.0)
            if self._thread.is_alive():
                log.warning("%s: a request was still running at shutdown; its items stay queued", self.name)
        left = self._queue.stats()
        if left.items:
            log.info("%s: %d items (%d bytes) stay queued for the next start", self.name, left.items, left.bytes)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the queue is empty (True) or ``timeout`` (default ``flush_timeout``) has passed (False)."""
        end = self._clock() + (self._flush_timeout if timeout is None else timeout)
        self.wake()
        with self._progress:
            while self._queue.stats().items:
                remaining = end - self._clock()
                if remaining <= 0 or self._thread is None or not self._thread.is_alive():
                    return False
                self._progress.wait(min(remaining, 0.5))
        return True

    # -- one step ----------------------------------------------------------------------------

    def run_once(self, timeout: float | None = None) -> float | None:
        """Send the oldest batch once. None: the queue was empty; else the delay before the next step."""
        items = self._queue.peek(self._max_items, self._max_bytes)
        if not items:
            return None
        if self._isolate_through is not None:
            if items[0].id <= self._isolate_through:
                items = items[:1]
            else:
                self._isolate_through = None
        ids = [item.id for item in items]
        points = sum(item.points for item in items)
        payload = items[0].payload if len(items) == 1 else b"".join(item.payload for item in items)
        started = self._clock()
        try:
            outcome = self._transport.send(payload, self._send_timeout if timeout is None else timeout)
        except Exception as exc:  # a transport bug must not kill the sender: treat as retryable
            outcome = SendOutcome(False, True, None, 0, f"{type(exc).__name__}: {exc}")
        self._counters.attempt(self._clock() - started)
        if outcome.ok:
            self._queue.ack(ids)
            self._backoff.reset()
            self._counters.success(len(ids), points, min(outcome.rejected_points, points), outcome.error, self._wall())
            return 0.0
        self._queue.release()
        if outcome.retryable:
            self._counters.failure(points, outcome.error, self._wall(), retryable=True)
            return self._backoff.next(outcome.retry_after)
        if len(items) > 1:  # which item was refused? retry them one by one
            self._isolate_through = ids[-1]
            return 0.0
        self._queue.drop(ids, REJECTED)
        self._counters.failure(points, outcome.error, self._wall(), retryable=False)
        return 0.0

    def stats(self) -> SenderStats:
        q = self._queue.stats()
        c = self._counters
        with c.lock:
            dropped = {reason: n.points for reason, n in q.dropped.items()}
            if c.points_partial:
                dropped[PARTIAL] = c.points_partial
            return SenderStats(
                c.requests,
                c.items_sent,
                c.points_sent,
                c.retries,
                c.points_retried,
                dropped,
                c.last_error,
                c.last_success,
                c.failing_since,
                c.last_latency,
                c.latency_sum,
                q.items,
                q.bytes,
                q.oldest_age_s,
            )

    # -- the loop ----------------------------------------------------------------------------

    def _run(self) -> None:
        while not (self._stop.is_set() and self._clock() >= self._deadline):
            self._wake.clear()
            timeout = self._send_timeout
            if self._stop.is_set():
                timeout = max(0.001, min(timeout, self._deadline - self._clock()))
            try:
                delay = self.run_once(timeout)
            except Exception as exc:  # the queue's disk failed: log (once per distinct error), back off, retry
                if str(exc) != self._queue_error:
                    log.exception("%s: queue access failed", self.name)
                    self._queue_error = str(exc)
                delay = self._backoff.next()
            with self._progress:
                self._progress.notify_all()
            if delay is None:
                if self._stop.is_set():
                    return
                self._wake.wait(_IDLE_POLL)
            elif delay > 0 and not self._pause(delay):
                return

    def _pause(self, delay: float) -> bool:
        """Wait out a backoff; False if stopping: at shutdown a failed attempt ends the flush
        (the receiver is down or refusing), and what is left stays queued for the next start."""
        if not self._stop.is_set():
            self._stop.wait(delay)
        return not self._stop.is_set()
