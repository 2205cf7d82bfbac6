"""statvfs with a per-mount timeout, so a dead NFS or FUSE mount cannot hang the agent.

node_exporter stalls on such mounts (node_exporter #244, #1353). Here all of a
cycle's statvfs calls run, one after another, in a worker thread (one thread
hand-off per cycle, not per mount). The caller waits at most ``timeout`` for
each call. When a call overruns, its path is marked hung and skipped (with one
warning) until that call returns; the stuck worker is abandoned and a new one
takes the rest of the paths. A stuck worker exits once its call returns.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

StatvfsFn = Callable[[str], os.statvfs_result]
log = logging.getLogger("sysagent.collectors.filesystem")


class _Job:
    __slots__ = ("abandoned", "done", "index", "lock", "paths", "results", "started")

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = paths
        self.results: list[os.statvfs_result | None] = [None] * len(paths)
        self.index = 0  # the path being worked on
        self.started = time.monotonic()  # when work on it began
        self.abandoned = False
        self.lock = threading.Lock()
        self.done = threading.Lock()  # held until the job is done: cheaper to wait on than an Event
        self.done.acquire()


class StatvfsPool:
    """Runs statvfs for many paths with a timeout per path; see the module docstring."""

    def __init__(self, timeout: float, statvfs: StatvfsFn | None = None) -> None:
        self.timeout = timeout
        # os.statvfs is looked up here, not as a default argument: Windows has none (the psutil backend passes its own)
        self._statvfs = statvfs or os.statvfs
        self._lock = threading.Lock()
        #: path -> monotonic time its stuck call started
        self.hung: dict[str, float] = {}
        self._inbox: queue.SimpleQueue[_Job | None] | None = None

    def stat_all(self, paths: Sequence[str]) -> dict[str, os.statvfs_result]:
        """statvfs of each path that answered in time (paths that failed or hang are left out)."""
        with self._lock:
            todo = [p for p in paths if p not in self.hung]
        out: dict[str, os.statvfs_result] = {}
        while todo:
            job = _Job(todo)
            self._submit(job)
            stuck = self._wait(job)
            for path, result in zip(todo, job.results, strict=True):
                if result is not None:
                    out[path] = result
            todo = todo[stuck + 1 :] if stuck is not None else []
        return out

    def _submit(self, job: _Job) -> None:
        if self._inbox is None:
            self._inbox = queue.SimpleQueue()
            threading.Thread(target=self._work, args=(self._inbox,), name="sysagent-statvfs", daemon=True).start()
        self._inbox.put(job)

    def _wait(self, job: _Job) -> int | None:
        """Wait for ``job``; return the index of a path that overran, after abandoning the job."""
        wait = self.timeout
        while not job.done.acquire(timeout=wait):
            with job.lock:
                if job.index >= len(job.paths):
                    continue  # finished just now
                overrun = time.monotonic() - job.started
                if overrun < self.timeout:
                    wait = self.timeout - overrun
                    continue
                job.abandoned = True
                path = job.paths[job.index]
                with self._lock:
                    self.hung[path] = job.started
                self._inbox = None  # that worker is stuck; the next job gets a new one
                log.warning("statvfs(%s) did not answer within %.3gs; skipping that mount until it does",
                            path, self.timeout)  # fmt: skip
                return job.index
        return None

    def _work(self, inbox: queue.SimpleQueue[_Job | None]) -> None:
        statvfs = self._statvfs
        while (job := inbox.get()) is not None:
            with job.lock:
                job.started = time.monotonic()
            for i, path in enumerate(job.paths):
                try:
                    result: os.statvfs_result | None = statvfs(path)
                except OSError:
                    result = None
                with job.lock:
                    if job.abandoned:
                        break
                    job.results[i] = result
                    job.index = i + 1
                    job.started = time.monotonic()
            else:
                job.done.release()
                continue
            with self._lock:
                since = self.hung.pop(job.paths[job.index], None)
            if since is not None:
                log.info("statvfs(%s) answered after %.1fs; reporting that mount again",
                            job.paths[job.index], time.monotonic() - since)  # fmt: skip
            return

    def close(self) -> None:
        """Stop the idle worker (a stuck one exits when its call returns)."""
        if self._inbox is not None:
            self._inbox.put(None)
            self._inbox = None


def space_observations(st: Sequence[int], attrs: Sequence[Any], limit: bool) -> list[tuple[str, float, Any]]:
    """The observations of one mount's statvfs result, the same for both backends.

    ``attrs`` are the attribute keys of (used, free, reserved, limit, inodes used,
    inodes free); ``limit`` also reports ``system.filesystem.limit`` (opt-in).
    Nothing for a filesystem of no blocks.
    """
    _bsize, size, blocks, bfree, bavail, files, ffree = st[:7]
    if blocks == 0:
        return []
    used_a, free_a, reserved_a, limit_a, inodes_used_a, inodes_free_a = attrs
    total = blocks * size
    used, free, reserved = (blocks - bfree) * size, bavail * size, (bfree - bavail) * size
    out: list[tuple[str, float, Any]] = [
        ("system.filesystem.usage", used, used_a),
        ("system.filesystem.usage", free, free_a),
        ("system.filesystem.usage", reserved, reserved_a),
        ("system.filesystem.utilization", used / total, used_a),
        ("system.filesystem.utilization", free / total, free_a),
        ("system.filesystem.utilization", reserved / total, reserved_a),
    ]
    if limit:
        out.append(("system.filesystem.limit", total, limit_a))
    if files > 0:
        out.append(("system.filesystem.inodes.usage", files - ffree, inodes_used_a))
        out.append(("system.filesystem.inodes.usage", ffree, inodes_free_a))
    return out
