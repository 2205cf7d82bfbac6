"""Space and inodes per mounted filesystem, from the mount table and statvfs.

Reads the mount table (``/proc/self/mounts`` on the host; ``{host_root}/proc/1/mounts``,
the host init's view, with a host root, statting each mount at
``{host_root}/MOUNTPOINT``) and calls statvfs once per mount, in a worker thread
with a per-mount ``statvfs_timeout`` (see :mod:`._statvfs`). A mountpoint that
appears twice is reported once, for the mount on top.

Usage states: ``used`` = (blocks - bfree), ``free`` = bavail (what non-root users
can still write), ``reserved`` = bfree - bavail (kept for root); they add up to
``system.filesystem.limit``, and utilizations are their shares of it (df's Use%
is used / (used + free)). Mounts of zero size are left out, as are inode counts of
filesystems that report no inodes (btrfs).

Defaults, after node_exporter's: pseudo and read-only image filesystem types
(``DEFAULT_EXCLUDE_TYPES``: proc, sysfs, cgroup, overlay, squashfs, nsfs, ...; tmpfs
is kept, as /run and /tmp fill memory) and mountpoints under /dev, /proc, /sys and
container storage are excluded.
"""

from __future__ import annotations

from collections.abc import Iterable

from sysagent.markers import hookimpl
from sysagent.model import AttrKey, Observation, gauge, updowncounter
from sysagent.registry import PluginContext, Registry
from sysagent.settings import CollectorSettings, Duration

from ._filter import NameFilter
from ._mounts import MountTable
from ._procfs import mounts_path, unescape
from ._statvfs import StatvfsFn, StatvfsPool

FS_USAGE = updowncounter("system.filesystem.usage", "By", "Space used, free and reserved", integer=True)
FS_UTILIZATION = gauge("system.filesystem.utilization", "1", "Share of the filesystem's size in each state")
FS_LIMIT = updowncounter("system.filesystem.limit", "By", "Size of the filesystem", integer=True)
FS_INODES = updowncounter("system.filesystem.inodes.usage", "{inode}", "Inodes used and free", integer=True)

DEFAULT_EXCLUDE_TYPES = (
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs", "efivarfs",
    "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs", "pstore", "ramfs",
    "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "erofs", "sysfs", "tracefs",
)  # fmt: skip
DEFAULT_EXCLUDE_MOUNTPOINTS = (
    "/dev", "/dev/*", "/proc", "/proc/*", "/sys", "/sys/*", "/run/credentials/*", "/run/containerd/*",
    "/run/netns/*", "/var/lib/docker/*", "/var/lib/containers/storage/*", "/var/lib/kubelet/pods/*",
)  # fmt: skip

# One mount's attribute tuples: used, free, reserved (with state), limit and inodes used/free.
_Attrs = tuple[AttrKey, AttrKey, AttrKey, AttrKey, AttrKey, AttrKey]


class FilesystemSettings(CollectorSettings):
    """Include/exclude globs on mountpoints, devices and types; the statvfs timeout per mount."""

    mountpoints: NameFilter = NameFilter(exclude=DEFAULT_EXCLUDE_MOUNTPOINTS)
    devices: NameFilter = NameFilter()
    types: NameFilter = NameFilter(exclude=DEFAULT_EXCLUDE_TYPES)
    statvfs_timeout: Duration = 2.0


def _attrs(device: str, fstype: str, mode: str, mountpoint: str) -> _Attrs:
    base = (("system.device", device),)
    tail = (("system.filesystem.mode", mode), ("system.filesystem.mountpoint", mountpoint))
    fs_type = (("system.filesystem.type", fstype),)

    def state(s: str) -> AttrKey:
        return base + tail + (("system.filesystem.state", s),) + fs_type

    limit = base + tail + fs_type
    return (state("used"), state("free"), state("reserved"), limit, state("used"), state("free"))


class FilesystemCollector:
    """Reads the mount table and statvfs of each mount; see the module docstring."""

    metrics = (FS_USAGE, FS_UTILIZATION, FS_LIMIT, FS_INODES)

    def __init__(self, settings: FilesystemSettings, ctx: PluginContext, statvfs: StatvfsFn | None = None) -> None:
        self.settings = settings
        self._host = ctx.host
        self._table = MountTable(mounts_path(ctx.host))
        self._mounts: dict[str, tuple[str, str, str]] = {}
        self._ok_mountpoint = settings.mountpoints.matcher()
        self._ok_device = settings.devices.matcher()
        self._ok_type = settings.types.matcher()
        self.pool = StatvfsPool(settings.statvfs_timeout, statvfs) if statvfs else StatvfsPool(settings.statvfs_timeout)
        self._attr_cache: dict[tuple[str, str, str, str], _Attrs] = {}

    def mounts(self) -> dict[str, tuple[str, str, str]]:
        """``{mountpoint: (device, type, mode)}`` of the mounts to report (parsed again on change)."""
        text = self._table.changed_text()
        if text is None:
            return self._mounts
        found: dict[str, tuple[str, str, str]] = {}
        for line in text.split("\n"):
            f = line.split(" ")
            if len(f) < 4:
                continue
            fstype = f[2]
            mountpoint = unescape(f[1])
            device = unescape(f[0])
            if self._ok_type(fstype) and self._ok_mountpoint(mountpoint) and self._ok_device(device):
                mode = "ro" if f[3] == "ro" or f[3].startswith("ro,") else "rw"
                found.pop(mountpoint, None)  # re-insert so the mount on top wins and keeps table order
                found[mountpoint] = (device, fstype, mode)
            else:
                found.pop(mountpoint, None)  # an excluded mount hides the one below it
        self._mounts = found
        return found

    def collect(self) -> Iterable[Observation]:
        mounts = self.mounts()
        host_path = self._host.host_path
        paths = {host_path(m): m for m in mounts}
        stats = self.pool.stat_all(list(paths))
        out: list[Observation] = []
        append = out.append
        for path, st in stats.items():
            mountpoint = paths[path]
            if st.f_blocks == 0:
                continue
            key = (*mounts[mountpoint], mountpoint)
            attrs = self._attr_cache.get(key)
            if attrs is None:
                if len(self._attr_cache) > 4096:
                    self._attr_cache.clear()
                device, fstype, mode = mounts[mountpoint]
                attrs = self._attr_cache[key] = _attrs(device, fstype, mode, mountpoint)
            used_a, free_a, reserved_a, limit_a, inodes_used_a, inodes_free_a = attrs
            size = st.f_frsize
            limit = st.f_blocks * size
            used = (st.f_blocks - st.f_bfree) * size
            free = st.f_bavail * size
            reserved = (st.f_bfree - st.f_bavail) * size
            append(Observation("system.filesystem.usage", used, used_a))
            append(Observation("system.filesystem.usage", free, free_a))
            append(Observation("system.filesystem.usage", reserved, reserved_a))
            append(Observation("system.filesystem.utilization", used / limit, used_a))
            append(Observation("system.filesystem.utilization", free / limit, free_a))
            append(Observation("system.filesystem.utilization", reserved / limit, reserved_a))
            append(Observation("system.filesystem.limit", limit, limit_a))
            if st.f_files > 0:
                append(Observation("system.filesystem.inodes.usage", st.f_files - st.f_ffree, inodes_used_a))
                append(Observation("system.filesystem.inodes.usage", st.f_ffree, inodes_free_a))
        return out

    def close(self) -> None:
        self.pool.close()
        self._table.close()


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("filesystem", FilesystemCollector, settings=FilesystemSettings, interval=30.0)
