"""What a sender counts about its exports, and the log lines it writes (once per error, not per attempt)."""

from __future__ import annotations

import logging
import threading
from typing import NamedTuple

log = logging.getLogger("sysagent.delivery.sender")

#: Reasons under which the sender's points are dropped (queue reasons are in sysagent.delivery.droplog).
REJECTED = "rejected"  #: the receiver refused the request for good (HTTP 4xx, gRPC INVALID_ARGUMENT...)
PARTIAL = "partial_success"  #: the receiver accepted the request but rejected some points in it
_MAX_REMEMBERED = 64


class SenderStats(NamedTuple):
    requests: int  #: send attempts, successful or not
    items_sent: int  #: queue items acknowledged by the receiver
    points_sent: int  #: points the receiver accepted
    retries: int  #: attempts that failed with a retryable outcome
    points_retried: int  #: points in those attempts (a point retried twice counts twice)
    dropped_points: dict[str, int]  #: per reason, the queue's drops included
    last_error: str
    last_success: float | None  #: wall-clock time of the last acknowledged request
    failing_since: float | None  #: wall-clock time of the first failure of the current streak
    last_latency_s: float  #: duration of the last request
    latency_sum_s: float  #: total duration of all requests, with ``requests`` as the count
    queue_items: int
    queue_bytes: int
    queue_oldest_age_s: float


class ExportCounters:
    """Counters updated by the sender thread and read by anyone; logging with de-duplication."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lock = threading.Lock()
        self.requests = self.items_sent = self.points_sent = 0
        self.retries = self.points_retried = self.points_partial = 0
        self.last_error = ""
        self.last_success: float | None = None
        self.failing_since: float | None = None
        self.failed_attempts = 0
        self.last_latency = self.latency_sum = 0.0
        self._streak_errors: set[str] = set()
        self._refusals: set[str] = set()

    def attempt(self, latency: float) -> None:
        with self.lock:
            self.requests += 1
            self.last_latency = latency
            self.latency_sum += latency

    def success(self, items: int, points: int, rejected: int, error: str, now: float) -> None:
        with self.lock:
            self.items_sent += items
            self.points_sent += points - rejected
            self.points_partial += rejected
            self.last_success = now
            if self.failing_since is not None:
                log.warning(
                    "%s: exports work again after %.1fs and %d failed attempts",
                    self.name,
                    now - self.failing_since,
                    self.failed_attempts,
                )
            self.failing_since, self.failed_attempts = None, 0
            self._streak_errors.clear()
        if rejected:
            self._once(
                self._refusals,
                f"partial:{error}",
                "%s: the receiver rejected %d of %d points: %s",
                self.name,
                rejected,
                points,
                error or "(no message)",
            )

    def failure(self, points: int, error: str, now: float, *, retryable: bool) -> None:
        with self.lock:
            self.last_error = error
            self.failed_attempts += 1
            if self.failing_since is None:
                self.failing_since = now
            if retryable:
                self.retries += 1
                self.points_retried += points
        if retryable:
            self._once(self._streak_errors, error, "%s: export failed, retrying with backoff: %s", self.name, error)
        else:
            self._once(
                self._refusals,
                error,
                "%s: the receiver refused a request for good, dropping its %d points (this error is logged once): %s",
                self.name,
                points,
                error,
            )

    @staticmethod
    def _once(seen: set[str], key: str, fmt: str, *args: object) -> None:
        if key in seen:
            return
        if len(seen) >= _MAX_REMEMBERED:
            seen.clear()
        seen.add(key)
        log.warning(fmt, *args)
