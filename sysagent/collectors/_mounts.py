"""The mount table, re-read only when the kernel says that it changed.

/proc/self/mounts (and /proc/PID/mounts) signal a change of the mount table with
POLLPRI|POLLERR on an open descriptor, the way systemd and util-linux watch it.
Polling is one cheap system call; reading and parsing the table is several and
grows with the number of mounts. Regular files (a fake tree in tests) cannot
signal, so they are recognised (procfs files have size 0) and read every time.

:class:`HostMounts` picks which table describes the host (see its docstring) and
hands it on in the /proc/mounts form, without the container runtimes' mounts.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import re
import select

from sysagent.hostfs import HostFS, read_fd, read_text

from ._procfs import unescape

log = logging.getLogger("sysagent.collectors.filesystem")


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


#: Mounts that container runtimes and the kubelet make for each container (its
#: root, /dev/shm, secrets, network namespaces). They are the containers', not
#: the host's, and come and go with them, so they are never reported.
RUNTIME_MOUNTS = (
    "/run/containerd/*", "/run/containers/*", "/run/docker/*", "/run/crio/*", "/run/k3s/*", "/run/netns/*",
    "/run/user/*/containers/*", "/run/user/*/netns/*", "/var/run/containerd/*", "/var/run/docker/*",
    "/var/run/netns/*", "/var/lib/docker/*", "/var/lib/containers/storage/*", "/var/lib/containerd/*",
    "/var/lib/kubelet/pods/*", "/var/lib/kubelet/plugins/*", "/var/lib/rancher/k3s/agent/containerd/*",
    "/home/*/.local/share/containers/storage/*",
)  # fmt: skip
_RUNTIME = re.compile("|".join(fnmatch.translate(p) for p in RUNTIME_MOUNTS))


def is_runtime_mount(mountpoint: str) -> bool:
    """Whether a (unescaped) mountpoint is one a container runtime made (both backends leave these out)."""
    return _RUNTIME.match(mountpoint) is not None


def _escape(path: str) -> str:
    """A path as the kernel writes it in mount tables (space, tab, newline and backslash in octal)."""
    return "".join(f"\\{ord(c):03o}" if c in " \t\n\\" else c for c in path)


class HostMounts:
    """The host's mount table, in /proc/mounts form, re-read only when it changed.

    On the host (``host_root`` "/") it is /proc/self/mounts. Under a host root it
    is, of the first that can be read:

    1. ``{root}/proc/1/mountinfo``: the mounts of the host's init, named as the
       host names them (node_exporter reads the same);
    2. ``{root}/proc/1/mounts``: the same table in the older form;
    3. the agent's own ``/proc/self/mountinfo``, for when pid 1 is hidden
       (``hidepid``): there the host's mounts are those under the host root
       (``/hostfs/data``), and the root prefix is taken off (``/data``) so that
       it is added once, not twice (``/hostfs/hostfs/data``), when the mount is
       statted. The container's own mounts (its /, /etc/hosts, volumes) are not
       under the prefix and are left out.

    Mounts of container runtimes (:data:`RUNTIME_MOUNTS`) are always left out.
    """

    def __init__(self, host: HostFS, self_proc: str = "/proc/self") -> None:
        self.prefix = ""
        if host.root == "/":
            self.path, self.mountinfo = os.path.join(self_proc, "mounts"), False
        else:
            root = os.path.realpath(host.root).rstrip("/")
            candidates = [
                (os.path.join(root, "proc", "1", "mountinfo"), True, ""),
                (os.path.join(root, "proc", "1", "mounts"), False, ""),
                (os.path.join(self_proc, "mountinfo"), True, root),
            ]
            path, mountinfo, prefix = next((c for c in candidates if _readable(c[0])), candidates[-1])
            if prefix:
                log.info("cannot read %s/proc/1/mountinfo (hidepid?): reading the host's mounts under %s from %s",
                         root, root, path)  # fmt: skip
            self.path, self.mountinfo, self.prefix = path, mountinfo, prefix
        self._table = MountTable(self.path)

    def changed_text(self) -> str | None:
        """The table (in /proc/mounts form) if it changed since the last call (always on the first), else None."""
        text = self._table.changed_text()
        if text is None:
            return None
        return self.convert(text)

    def convert(self, text: str) -> str:
        """The host's mounts of a mountinfo or mounts ``text``, as /proc/mounts lines."""
        out: list[str] = []
        prefix = _escape(self.prefix)
        for line in text.split("\n"):
            f = line.split(" ")
            if self.mountinfo:
                try:
                    sep = f.index("-", 6)
                    mountpoint, options, fstype, source = f[4], f[5], f[sep + 1], f[sep + 2]
                except (ValueError, IndexError):
                    continue
            elif len(f) >= 4:
                source, mountpoint, fstype, options = f[:4]
            else:
                continue
            if prefix:
                if mountpoint == prefix:
                    mountpoint = "/"
                elif mountpoint.startswith(prefix + "/"):
                    mountpoint = mountpoint[len(prefix) :]
                else:
                    continue
            if _RUNTIME.match(unescape(mountpoint)):
                continue
            out.append(f"{source} {mountpoint} {fstype} {options} 0 0")
        return "\n".join(out) + "\n"

    def close(self) -> None:
        self._table.close()


def _readable(path: str) -> bool:
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
    except OSError:
        return False
    return True
