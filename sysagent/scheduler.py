"""Runs collectors on their own intervals, aligned to the clock, isolated from each other.

Each periodic collector has a worker thread of its own. One scheduler thread
wakes at each due time (a multiple of the interval in wall-clock time, so ticks
never drift with collection time) and hands the tick to the worker, unless the
worker is still busy with an earlier one: then the tick is skipped and counted.
A collector that raises or hangs therefore never delays another; a hang only
costs its own thread, and it is reported once when it passes its timeout.
"""

from __future__ import annotations

import heapq
import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sysagent.errorlog import ErrorLog
from sysagent.model import Batch
from sysagent.runner import CollectorRunner

log = logging.getLogger("sysagent.scheduler")


@dataclass
class JobStats:
    """Counters a job keeps; read by self-metrics and status."""

    runs: int = 0
    errors: int = 0
    timeouts: int = 0
    skipped: int = 0
    consecutive_errors: int = 0
    last_duration_s: float = 0.0
    last_success_ns: int = 0
    durations: list[float] = field(default_factory=list)


class Job:
    """One periodic collector: its runner, interval, timeout and worker thread."""

    def __init__(
        self,
        runner: CollectorRunner,
        interval: float,
        timeout: float,
        deliver: Callable[[Batch], None],
        errors: ErrorLog,
    ) -> None:
        self.runner = runner
        self.name = runner.name
        self.interval = interval
        self.timeout = timeout
        self._deliver = deliver
        self._errors = errors
        self.stats = JobStats()
        self.busy_since: float | None = None
        self._reported_hang = False
        self._ticks: queue.SimpleQueue[float | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name=f"sysagent-{self.name}", daemon=True)
        self._thread.start()

    def submit(self, now: float) -> bool:
        """Hand a tick to the worker; False (and counted) if it is still busy."""
        if self.busy_since is not None:
            self.stats.skipped += 1
            if not self._reported_hang and now - self.busy_since > self.timeout:
                self._reported_hang = True
                self.stats.timeouts += 1
                self._errors.error(
                    f"collector {self.name!r}", f"has not returned after {self.timeout:g}s", kind="timeout"
                )
            return False
        self.busy_since = now
        self._ticks.put(now)
        return True

    def run_once(self) -> Batch | None:
        """Collect now in the calling thread; errors are counted and logged once."""
        start = time.perf_counter()
        try:
            batch = self.runner.run()
        except Exception as e:
            self.stats.errors += 1
            self.stats.consecutive_errors += 1
            self._errors.error(f"collector {self.name!r}", "failed", e)
            return None
        finally:
            self.stats.runs += 1
            self.stats.last_duration_s = time.perf_counter() - start
        if self.stats.last_duration_s > self.timeout:
            self.stats.timeouts += 1
            self._errors.error(
                f"collector {self.name!r}", f"took longer than its {self.timeout:g}s timeout", kind="slow"
            )
        else:
            self._errors.success(f"collector {self.name!r}")
        self.stats.last_success_ns = batch.time_ns
        self.stats.consecutive_errors = 0
        return batch

    def _work(self) -> None:
        while True:
            tick = self._ticks.get()
            if tick is None:
                return
            try:
                batch = self.run_once()
                if batch is not None:
                    self._deliver(batch)
            finally:
                self.busy_since = None
                self._reported_hang = False

    def close(self) -> None:
        self._ticks.put(None)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def next_aligned(now: float, interval: float) -> float:
    """The first multiple of ``interval`` (in seconds since the epoch) after ``now``."""
    return (math.floor(now / interval) + 1) * interval


class Scheduler:
    """Wakes at due times and submits ticks to jobs. Start once, stop once."""

    def __init__(self, jobs: list[Job], clock: Callable[[], float] = time.time) -> None:
        self.jobs = jobs
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sysagent-scheduler", daemon=True)

    def start(self, *, immediately: bool = True) -> None:
        """Start ticking. With ``immediately``, every job runs once now (priming rates)."""
        if immediately:
            now = self._clock()
            for job in self.jobs:
                job.submit(now)
        self._thread.start()

    def _loop(self) -> None:
        now = self._clock()
        heap = [(next_aligned(now, j.interval), i) for i, j in enumerate(self.jobs)]
        heapq.heapify(heap)
        while heap and not self._stop.is_set():
            due, i = heap[0]
            wait = due - self._clock()
            if wait > 0 and self._stop.wait(wait):
                return
            heapq.heappop(heap)
            job = self.jobs[i]
            job.submit(due)
            now = self._clock()
            nxt = due + job.interval
            if nxt <= now:  # fell behind (machine suspended?): skip to the next aligned tick
                nxt = next_aligned(now, job.interval)
            heapq.heappush(heap, (nxt, i))

    def stop(self, timeout: float = 5.0) -> None:
        """Stop ticking and let workers finish their current collection (bounded)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        deadline = time.monotonic() + timeout
        for job in self.jobs:
            job.close()
        for job in self.jobs:
            job.join(max(0.0, deadline - time.monotonic()))
