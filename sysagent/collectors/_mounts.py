"""The mount table, re-read only when the kernel says that it changed.

/proc/self/mounts (and /proc/PID/mounts) signal a change of the mount table with
POLLPRI|POLLERR on an open descriptor, the way systemd and util-linux watch it.
Polling is one cheap system call; reading and parsing the table is several and
grows with the number of mounts. Regular files (a fake tree in tests) cannot
signal, so they are recognised (procfs files have size 0) and read every time.
"""

from __future__ import annotations

import os
import select

from sysagent.hostfs import read_fd, read_text


class MountTable:
    """Reads a mounts file when it changed since the last read; see the module docstring."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._poll: select.poll | None = None

    def changed_text(self) -> str | None:
        """The table's text if it changed since the last call (always on the first), else None."""
        if self._poll is not None and self._fd is not None:
            if not self._poll.poll(0):
                return None
            return self._read(self._fd)
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        if os.fstat(fd).st_size != 0:  # a regular file: no change events
            os.close(fd)
            return read_text(self.path)
        poll = select.poll()
        poll.register(fd, select.POLLPRI | select.POLLERR)
        poll.poll(0)  # clear a change that happened before we looked
        self._fd, self._poll = fd, poll
        return self._read(fd)

    @staticmethod
    def _read(fd: int) -> str:
        return read_fd(fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = self._poll = None
