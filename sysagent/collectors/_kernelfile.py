"""A /proc file kept open between cycles and read again from offset 0 with ``pread``.

Opening a /proc file costs more than reading it (here 12 us for open, read and
close of /proc/loadavg against 3 us for one ``pread`` on a kept descriptor). A
read at offset 0 makes the kernel generate the content again, so a kept
descriptor always sees fresh values. Regular files (a fake /proc tree in tests;
procfs files have size 0) are opened on every read instead, so that a test that
replaces such a file is seen.

``single`` marks files the kernel generates whole on each read (``single_open``:
stat, meminfo, loadavg, uptime, net/snmp, net/sockstat, /proc/PID/stat...): a
read shorter than the buffer is the whole file, and the read that would confirm
the end is saved. Files made of records (diskstats, net/dev, vmstat, mounts)
return about a page per read, so they are read until a read returns nothing.
"""

from __future__ import annotations

import os

_CHUNK = 1 << 16
_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)  # Windows has no O_CLOEXEC: the module must import there


class KernelFile:
    """One kernel file read each cycle; see the module docstring. Not for concurrent use."""

    __slots__ = ("_fd", "path", "single")

    def __init__(self, path: str, *, single: bool = False) -> None:
        self.path = path
        self.single = single
        self._fd = -1

    def read(self) -> str:
        """The file's whole content, as text."""
        fd = self._fd
        if fd < 0:
            fd = os.open(self.path, _FLAGS)
            if os.fstat(fd).st_size != 0:  # a regular file: read it and let go
                try:
                    return _read_rest(fd, os.pread(fd, _CHUNK, 0))
                finally:
                    os.close(fd)
            self._fd = fd
        try:
            data = os.pread(fd, _CHUNK, 0)
            if self.single and len(data) < _CHUNK:
                return data.decode("utf-8", "replace")
            return _read_rest(fd, data)
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def __del__(self) -> None:
        self.close()


def _read_rest(fd: int, data: bytes) -> str:
    """``data`` (the first read) and what follows it, until a read returns nothing."""
    if data:
        parts = [data]
        offset = len(data)
        while chunk := os.pread(fd, _CHUNK, offset):
            parts.append(chunk)
            offset += len(chunk)
        data = b"".join(parts)
    return data.decode("utf-8", "replace")
