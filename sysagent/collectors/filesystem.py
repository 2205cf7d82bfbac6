"""Space and inodes per mounted filesystem, from the mount table and statvfs.

Reads the mount table (``/proc/self/mounts`` on the host; with a host root, the
host's table as :class:`~._mounts.HostMounts` finds it, statting each mount at
``{host_root}/MOUNTPOINT``) and calls statvfs once per mount. Local filesystems
(``LOCAL_TYPES``: ext4, xfs, btrfs, tmpfs...) are statted directly; every other
type (nfs, cifs, fuse.*, ceph, 9p, and types this module does not know) in a
worker thread with a per-mount ``statvfs_timeout`` (see :mod:`._statvfs`), as such
a mount can hang on a dead server. A ``statvfs`` function passed in (a fake of
the machine, in tests) is always called through the worker. A mountpoint that
appears twice is reported once, for the mount on top.

Usage states: ``used`` = (blocks - bfree), ``free`` = bavail (what non-root users
can still write), ``reserved`` = bfree - bavail (kept for root); they add up to
the size (``system.filesystem.limit``, opt-in: ``limit: true``), and
utilizations are their shares of it (df's Use% is used / (used + free)).
``system.filesystem.type`` uses the conventions' member where one applies
(``vfat`` is ``fat32``, ``ntfs3`` is ``ntfs``; see :mod:`sysagent.semconv.aliases`).
Mounts of zero size are left out, as are inode counts of
filesystems that report no inodes (btrfs).

Defaults, after node_exporter's: pseudo and read-only image filesystem types
(``DEFAULT_EXCLUDE_TYPES``: proc, sysfs, cgroup, overlay, squashfs, nsfs, ...; tmpfs
is kept, as /run and /tmp fill memory) and mountpoints under /dev, /proc, /sys and
container storage are excluded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from sysagent.markers import hookimpl
from sysagent.model import MetricSpec
from sysagent.registry import PluginContext, Registry

from ._backend import choose
from ._mounts import HostMounts
from ._procfs import Obs, unescape
from ._settings import DEFAULT_EXCLUDE_MOUNTPOINTS, DEFAULT_EXCLUDE_TYPES, LOCAL_TYPES, FilesystemSettings
from ._specs import FS_INODES, FS_LIMIT, FS_USAGE, FS_UTILIZATION, filesystem_attrs
from ._specs import FsAttrs as _Attrs
from ._statvfs import StatvfsFn, StatvfsPool, space_observations

__all__ = ["DEFAULT_EXCLUDE_MOUNTPOINTS", "DEFAULT_EXCLUDE_TYPES", "LOCAL_TYPES", "FilesystemCollector",
           "FilesystemSettings"]  # fmt: skip


class FilesystemCollector:
    """Reads the mount table and statvfs of each mount; see the module docstring."""

    def __init__(self, settings: FilesystemSettings, ctx: PluginContext, statvfs: StatvfsFn | None = None) -> None:
        self.settings = settings
        self.metrics: tuple[MetricSpec, ...] = (FS_USAGE, FS_UTILIZATION, FS_INODES)
        if settings.limit:
            self.metrics += (FS_LIMIT,)
        self._limit = settings.limit
        self._host = ctx.host
        self._table = HostMounts(ctx.host)
        self._mounts: dict[str, tuple[str, str, str]] = {}
        self._ok_mountpoint = settings.mountpoints.matcher()
        self._ok_device = settings.devices.matcher()
        self._ok_type = settings.types.matcher()
        self.pool = StatvfsPool(settings.statvfs_timeout, statvfs) if statvfs else StatvfsPool(settings.statvfs_timeout)
        self._attr_cache: dict[tuple[str, str, str, str], _Attrs] = {}
        self._direct: StatvfsFn | None = os.statvfs if statvfs is None else None
        # for the mounts dict it was made from: (path to stat, attributes, through the worker?)
        self._plan: tuple[object, list[tuple[str, _Attrs, bool]]] = (None, [])

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

    def _planned(self) -> list[tuple[str, _Attrs, bool]]:
        """What to stat this cycle, remade only when the mount table changed."""
        mounts = self.mounts()
        made_from, plan = self._plan
        if made_from is mounts:
            return plan
        host_path = self._host.host_path
        direct = self._direct is not None
        plan = []
        for mountpoint, (device, fstype, mode) in mounts.items():
            key = (device, fstype, mode, mountpoint)
            attrs = self._attr_cache.get(key)
            if attrs is None:
                if len(self._attr_cache) > 4096:
                    self._attr_cache.clear()
                attrs = self._attr_cache[key] = filesystem_attrs(device, fstype, mode, mountpoint)
            plan.append((host_path(mountpoint), attrs, not (direct and fstype in LOCAL_TYPES)))
        self._plan = (mounts, plan)
        return plan

    def collect(self) -> Iterable[Obs]:
        plan = self._planned()
        pooled = [path for path, _, timed in plan if timed]
        stats = self.pool.stat_all(pooled) if pooled else {}
        direct = self._direct
        out: list[Obs] = []
        for path, attrs, timed in plan:
            if timed:
                st = stats.get(path)
                if st is None:
                    continue
            else:
                assert direct is not None
                try:
                    st = direct(path)
                except OSError:
                    continue
            out += space_observations(st, attrs, self._limit)
        return out

    def close(self) -> None:
        self.pool.close()
        self._table.close()


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector(
        "filesystem", choose("filesystem", FilesystemCollector), settings=FilesystemSettings, interval=30.0
    )
