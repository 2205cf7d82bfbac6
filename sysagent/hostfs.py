"""Where the host's kernel files live: ``/`` normally, ``/hostfs`` in a container.

Every built-in collector reads through a :class:`HostFS` it gets in its
constructor, so the ``agent.host_root`` setting points all of them at the host,
and tests point them at a fake tree of /proc and /sys files.

Paths are always the host's: ``host.read("/proc/pressure/cpu")`` and
``host.read("proc", "pressure", "cpu")`` both read ``<root>/proc/pressure/cpu``.
A path that would leave the root (``..``) is refused with :class:`ValueError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


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
        """Read a kernel file under the root as text, to its end.

        /proc files made of records return about a page per read, so one read
        would cut a long /proc/net/dev or mounts short.
        """
        with open(self.path(*parts), "rb", buffering=0) as f:
            chunks = [f.read(65536)]
            while chunks[-1]:
                chunks.append(f.read(65536))
        return b"".join(chunks).decode("ascii", "replace")

    def host_path(self, mountpoint: str) -> str:
        """The path at which a host mountpoint is visible from here (for statvfs)."""
        if self.root == "/":
            return mountpoint
        return self.path(mountpoint)
