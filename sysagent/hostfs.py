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
        return os.path.join(self.root, mountpoint.lstrip("/"))

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
