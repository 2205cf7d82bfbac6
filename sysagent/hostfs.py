"""Where the host's kernel files live: ``/`` normally, ``/hostfs`` in a container.

Every built-in collector reads through a :class:`HostFS` it gets in its
constructor, so the ``agent.host_root`` setting points all of them at the host,
and tests point them at a fake tree of /proc and /sys files.

Paths are always the host's: ``host.read("/proc/pressure/cpu")`` and
``host.read("proc", "pressure", "cpu")`` both read ``<root>/proc/pressure/cpu``.
A path that would leave the root (``..``) is refused with :class:`ValueError`.

This module is the one way sysagent reads kernel files: :func:`read_text` for a
file read now and then, :class:`KernelFile` for one read every cycle, kept open
and read again with ``pread``.

:class:`KernelFile`: A /proc file kept open between cycles and read again from offset 0 with ``pread``.

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
from dataclasses import dataclass

_CHUNK = 1 << 16
_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)  # Windows has no O_CLOEXEC: the module must import there


def read_text(path: str) -> str:
    """The whole content of a kernel file, read until end of file.

    /proc files made of records (net/tcp, net/dev, diskstats, mounts) return at
    most about a page per read, whatever the buffer, so one read would cut them short.
    """
    fd = os.open(path, _FLAGS)
    try:
        data = os.read(fd, _CHUNK)
        if data:
            parts = [data]
            while chunk := os.read(fd, _CHUNK):
                parts.append(chunk)
            if len(parts) > 1:
                data = b"".join(parts)
    finally:
        os.close(fd)
    return data.decode("utf-8", "replace")


def read_fd(fd: int) -> str:
    """What an open kernel file holds from offset 0 to its end, as text (Unix: ``pread``)."""
    return _read_rest(fd, os.pread(fd, _CHUNK, 0))


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


@dataclass(frozen=True, slots=True)
class HostFS:
    """Paths under the host root. ``root`` is ``/`` unless the agent runs in a container."""

    root: str = "/"

    def path(self, *parts: str) -> str:
        """The path of a host file here: ``parts`` (``"proc", "stat"`` or ``"/proc/stat"``) under the root.

        Absolute parts stay under the root, unlike :func:`os.path.join`, which
        would drop everything before them (and so read the container's own file).
        """
        joined = "/".join(parts)
        if ".." in joined.split("/"):
            raise ValueError(f"path {joined!r} leaves the host root")
        rel = joined.lstrip("/")
        return os.path.join(self.root, rel)

    @property
    def proc(self) -> str:
        return self.path("proc")

    @property
    def sys(self) -> str:
        return self.path("sys")

    def read(self, *parts: str) -> str:
        """Read a kernel file under the root as text, to its end (see :func:`read_text`)."""
        return read_text(self.path(*parts))

    def open(self, *parts: str, single: bool = False) -> KernelFile:
        """A :class:`KernelFile` under the root, for a file read every cycle."""
        return KernelFile(self.path(*parts), single=single)

    def host_path(self, mountpoint: str) -> str:
        """The path at which a host mountpoint is visible from here (for statvfs)."""
        if self.root == "/":
            return mountpoint
        return self.path(mountpoint)

    def resolve(self, path: str) -> str:
        """Where the host's absolute ``path`` is, from here, following symlinks as the host would.

        Under a host root, an absolute symlink (Debian's /var/lib/dbus/machine-id
        -> /etc/machine-id, NixOS's /etc/hostname -> /etc/static/...) points into
        the host's tree, not the container's: it is followed inside the root. The
        result may not exist. Without a host root the path is returned as is.
        """
        if self.root == "/":
            return path
        root = self.root.rstrip("/")
        todo = [p for p in path.split("/") if p]
        done: list[str] = []
        hops = 0
        while todo:
            part = todo.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            here = root + "/" + "/".join([*done, part])
            try:
                link = os.readlink(here)
            except OSError:  # not a link, or not there
                done.append(part)
                continue
            hops += 1
            if hops > 40:  # a loop, as the kernel's ELOOP
                done.append(part)
                break
            if link.startswith("/"):
                done = []
            todo = [p for p in link.split("/") if p] + todo
        return root + "/" + "/".join(done)
