"""One process per host emits the host's metrics: an exclusive lock on a file in sysagent's state dir.

Every worker of a prefork server (gunicorn, uWSGI, multiprocessing) runs the
bridge; host metrics describe the host, so only the process holding
``<state_dir>/otel-host.lock`` (``flock(LOCK_EX)``) collects and emits them.
The others collect nothing and poll the lock. The kernel releases a lock when
its holder's file is closed, which happens when the holder exits or is
killed, so the next poll of another process takes over.

A lock taken before a fork stays with the parent: the child closes its copy of
the descriptor (closing, unlike ``LOCK_UN``, never releases the parent's lock)
and competes like any other process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LOCK_NAME = "otel-host.lock"


class HostLease:
    """A non-blocking exclusive lock on ``path``; ``held`` says whether this process holds it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._pid = 0

    @property
    def held(self) -> bool:
        return self._fd is not None and self._pid == os.getpid()

    def try_acquire(self) -> bool:
        """Take the lock if no live process holds it; True when this process holds it now.

        Raises OSError when the lock file cannot be created (a read-only state dir).
        """
        if self.held:
            return True
        self.forget()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        # Who holds it, for a person looking at the file; the lock itself is the flock.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd, self._pid = fd, os.getpid()
        return True

    def holder(self) -> int | None:
        """The pid written by the current holder, if the file says one."""
        try:
            text = self.path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        """Give the lock up (only the process that took it can)."""
        if self.held and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.forget()

    def forget(self) -> None:
        """Close this process's descriptor without unlocking: after a fork, the lock stays the parent's."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
