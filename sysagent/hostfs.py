"""Where the host's kernel files live: ``/`` normally, ``/hostfs`` in a container.

Every built-in collector reads through a :class:`HostFS` it gets in its
constructor, so the ``agent.host_root`` setting points all of them at the host,
and tests point them at a fake tree of /proc and /sys files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HostFS:
    """Paths under the host root. ``root`` is ``/`` unless the agent runs in a container."""

    root: str = "/"

    def path(self, *parts: str) -> str:
        """Join ``parts`` (e.g. ``"proc", "stat"``) under the root."""
        return os.path.join(self.root, *parts)

    @property
    def proc(self) -> str:
        return self.path("proc")

    @property
    def sys(self) -> str:
        return self.path("sys")

    def read(self, *parts: str) -> str:
        """Read a small kernel file under the root as text, in one system call."""
        with open(self.path(*parts), "rb", buffering=0) as f:
            return f.read(1 << 20).decode("ascii", "replace")

    def host_path(self, mountpoint: str) -> str:
        """The path at which a host mountpoint is visible from here (for statvfs)."""
        if self.root == "/":
            return mountpoint
        return os.path.join(self.root, mountpoint.lstrip("/"))
