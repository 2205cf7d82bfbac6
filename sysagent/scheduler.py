"""Runs collectors on their own intervals, aligned to the clock, isolated from each other.

One scheduler thread wakes at each due time (a multiple of the interval in
wall-clock time, so ticks never drift with collection time) and hands every job
due then to one worker thread, which runs them one after another: a tick costs
one wake-up, not one per collector. A job still busy from an earlier tick is
skipped and counted.

While the worker is busy the scheduler looks at it every WATCH_INTERVAL (the
worker wakes it when the tick is done, so a quick tick costs no timed wake). A job
that has run longer than HANDOFF keeps the worker it is stuck in; the jobs
queued behind it move to a fresh worker, so a slow or hanging collector delays
the others by a fraction of a second, never by its timeout. A job that passes
its timeout is counted and reported once.

Whenever a worker has run everything handed to it (the end of a tick, or a slow
job's late finish) it calls ``on_tick_end``: the agent tells its sinks, so one
that coalesces a tick's batches writes them at once instead of waiting.
"""

from __future__ import annotations

import collections
import heapq
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sysagent.errorlog import ErrorLog
from sysagent.model import Batch
from sysagent.runner import CollectorRunner

log = logging.getLogger("sysagent.scheduler")

#: How often the scheduler looks at a busy worker.
WATCH_INTERVAL = 0.1
#: A job running longer than this leaves the jobs queued behind it to a new worker.
HANDOFF = 0.2


@dataclass
class JobStats:
    """Counters a job keeps; read by self-metrics, health and status."""

    runs: int = 0
    errors: int = 0
    timeouts: int = 0
    skipped: int = 0
    consecutive_errors: int = 0
    last_duration_s: float = 0.0
    last_success_ns: int = 0


class Job:
    """One periodic collector: its runner, interval, timeout, and where its batches go."""

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
        #: Wall-clock time the job was handed a tick it has not finished; None when idle.
        self.busy_since: float | None = None
        #: Monotonic time its current collection started; None when not running.
        self.running_since: float | None = None
        #: Whether the current run's overrun was already counted and reported.
        self.overrun_reported = False

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
            if not self.overrun_reported:
                self.stats.timeouts += 1
            self._errors.error(
                f"collector {self.name!r}", f"took longer than its {self.timeout:g}s timeout", kind="slow"
            )
        else:
            self._errors.success(f"collector {self.name!r}")
        self.stats.last_success_ns = batch.time_ns
        self.stats.consecutive_errors = 0
        return batch

    def execute(self) -> None:
        """Run one tick: collect, deliver, and become idle again."""
        self.overrun_reported = False
        self.running_since = time.monotonic()
        try:
            batch = self.run_once()
            if batch is not None:
                self._deliver(batch)
        finally:
            self.running_since = None
            self.busy_since = None

    def running_for(self, now: float) -> float:
        started = self.running_since
        return 0.0 if started is None else now - started


class _Worker:
    """A thread that runs the jobs handed to it, in order, until retired."""

    def __init__(self, number: int, on_idle: Callable[[], None] | None = None) -> None:
        self._on_idle = on_idle
        self._queue: collections.deque[Job] = collections.deque()
        self._cond = threading.Condition()
        self.current: Job | None = None
        self.retired = False
        self._thread = threading.Thread(target=self._run, name=f"sysagent-worker-{number}", daemon=True)
        self._thread.start()

    def submit(self, jobs: list[Job]) -> None:
        with self._cond:
            self._queue.extend(jobs)
            self._cond.notify()

    @property
    def idle(self) -> bool:
        return self.current is None and not self._queue

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self.retired:
                    self._cond.wait()
                if self.retired:
                    return
                job = self.current = self._queue.popleft()
            try:
                job.execute()
            finally:
                with self._cond:
                    self.current = None
                    drained = not self._queue
            if drained and self._on_idle is not None:
                try:
                    self._on_idle()
                except Exception:
                    log.exception("scheduler: the end-of-tick callback failed")

    def retire(self) -> list[Job]:
        """Stop taking work; return the jobs it had not started."""
        with self._cond:
            self.retired = True
            rest = list(self._queue)
            self._queue.clear()
            self._cond.notify()
        return rest

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def next_aligned(now: float, interval: float) -> float:
    """The first multiple of ``interval`` (in seconds since the epoch) after ``now``."""
    return (math.floor(now / interval) + 1) * interval


class Scheduler:
    """Wakes at due times and hands ticks to the worker. Start once, stop once."""

    def __init__(
        self,
        jobs: list[Job],
        errors: ErrorLog | None = None,
        clock: Callable[[], float] = time.time,
        on_tick_end: Callable[[], None] | None = None,
    ) -> None:
        self.jobs = jobs
        self._on_tick_end = on_tick_end
        self._errors = errors or ErrorLog(log)
        self._clock = clock
        #: Wakes the scheduler: ``stop``, and a worker that ran everything handed to it.
        self._cond = threading.Condition()
        self._stopping = False
        self._workers = 0
        self._worker = self._new_worker()
        self._retired: list[_Worker] = []
        self._thread = threading.Thread(target=self._loop, name="sysagent-scheduler", daemon=True)

    def _new_worker(self) -> _Worker:
        self._workers += 1
        return _Worker(self._workers, self._worker_idle)

    def _worker_idle(self) -> None:
        """A worker ran everything handed to it: tell the sinks, and wake a scheduler watching it.

        While a tick runs the scheduler waits at most WATCH_INTERVAL; woken here when the
        tick is done (a futex wake), it goes back to sleep until the next due time instead
        of waking on its timer to find the worker idle. A timed wake costs several times a
        woken one on this project's VMs (docs/scaling.md).
        """
        try:
            if self._on_tick_end is not None:
                self._on_tick_end()
        finally:
            with self._cond:
                self._cond.notify()

    def start(self, *, immediately: bool = True) -> None:
        """Start ticking. With ``immediately``, every job runs once now (priming rates)."""
        if immediately:
            self._submit(self.jobs, self._clock())
        self._thread.start()

    def _submit(self, due: list[Job], now: float) -> None:
        ready = []
        for job in due:
            if job.busy_since is not None:
                job.stats.skipped += 1
                continue
            job.busy_since = now
            ready.append(job)
        if ready:
            self._worker.submit(ready)

    def _watch(self) -> None:
        """Move the jobs queued behind a slow one to a new worker; report overruns once."""
        now = time.monotonic()
        current = self._worker.current
        if current is not None and current.running_for(now) > HANDOFF:
            rest = self._worker.retire()
            self._retired.append(self._worker)
            self._worker = self._new_worker()
            self._worker.submit(rest)
        self._retired = [w for w in self._retired if w.current is not None]
        for worker in self._retired:
            job = worker.current
            if job is not None and not job.overrun_reported and job.running_for(now) > job.timeout:
                job.overrun_reported = True
                job.stats.timeouts += 1
                self._errors.error(
                    f"collector {job.name!r}", f"has not returned after {job.timeout:g}s", kind="timeout"
                )

    @staticmethod
    def _first_due(now: float, interval: float) -> float:
        """The first aligned tick, at least half an interval after the priming run at start."""
        due = next_aligned(now, interval)
        return due + interval if due - now < interval / 2 else due

    def _loop(self) -> None:
        now = self._clock()
        heap = [(self._first_due(now, j.interval), i) for i, j in enumerate(self.jobs)]
        heapq.heapify(heap)
        while heap:
            due_at = heap[0][0]
            with self._cond:
                # Under the lock: a worker going idle after this check wakes the wait below.
                wait = due_at - self._clock()
                if not self._worker.idle or any(w.current and not w.current.overrun_reported for w in self._retired):
                    wait = min(wait, WATCH_INTERVAL)
                if wait > 0 and not self._stopping:
                    self._cond.wait(wait)
                if self._stopping:
                    return
            self._watch()
            if self._clock() < due_at:
                continue
            due: list[Job] = []
            while heap and heap[0][0] == due_at:
                _, i = heapq.heappop(heap)
                job = self.jobs[i]
                due.append(job)
                nxt = due_at + job.interval
                now = self._clock()
                if nxt <= now:  # fell behind (machine suspended?): skip to the next aligned tick
                    nxt = next_aligned(now, job.interval)
                heapq.heappush(heap, (nxt, i))
            self._submit(due, due_at)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop ticking and let the worker finish its current collection (bounded)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._worker.retire()
        self._worker.join(timeout)
