"""Space and inodes per mounted filesystem: ``psutil.disk_partitions`` and a timed statvfs.

The mounts come from ``psutil.disk_partitions(all=True)`` and pass the same
include/exclude filters as the procfs collector (a mountpoint listed twice is
reported once, for the mount on top). Sizes come from ``os.statvfs`` on POSIX
systems (the call ``psutil.disk_usage`` makes, which would hide the inode
counts) and from ``psutil.disk_usage`` on Windows, which has no inode counts.
Both run through the same :class:`~sysagent.collectors._statvfs.StatvfsPool`
with its per-mount ``statvfs_timeout``, except for local types (and never for
Windows drives psutil marks ``remote``), so a dead network mount cannot hang
the agent. States and utilizations are computed as the procfs collector does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from sysagent.model import MetricSpec
from sysagent.registry import PluginContext

from .._mounts import is_runtime_mount
from .._settings import LOCAL_TYPES, FilesystemSettings
from .._specs import FS_INODES, FS_LIMIT, FS_USAGE, FS_UTILIZATION, FsAttrs, filesystem_attrs
from .._statvfs import StatvfsFn, StatvfsPool, space_observations
from ._common import WINDOWS, Obs, load_psutil


def usage_as_statvfs(ps: Any) -> StatvfsFn:
    """A statvfs-shaped call over ``psutil.disk_usage`` (1-byte blocks, no inodes), for Windows."""

    def statvfs(path: str) -> os.statvfs_result:
        u = ps.disk_usage(path)
        return os.statvfs_result((1, 1, u.total, u.total - u.used, u.free, 0, 0, 0, 0, 255))

    return statvfs


class Collector:
    """Lists mounts with psutil and stats each in time; see the module docstring."""

    def __init__(
        self,
        settings: FilesystemSettings,
        ctx: PluginContext,
        statvfs: StatvfsFn | None = None,
        psutil: Any = None,
        windows: bool = WINDOWS,
    ) -> None:
        self.settings = settings
        self._ps = load_psutil(ctx, psutil)
        self._host = ctx.host
        self.metrics: tuple[MetricSpec, ...] = (FS_USAGE, FS_UTILIZATION, FS_INODES)
        if settings.limit:
            self.metrics += (FS_LIMIT,)
        self._ok_mountpoint = settings.mountpoints.matcher()
        self._ok_device = settings.devices.matcher()
        self._ok_type = settings.types.matcher()
        fn: StatvfsFn = statvfs or (usage_as_statvfs(self._ps) if windows else os.statvfs)
        self.pool = StatvfsPool(settings.statvfs_timeout, fn)
        # a statvfs passed in (a fake of the machine) always goes through the worker, as in procfs
        self._direct: Callable[[str], os.statvfs_result] | None = None if statvfs else fn
        self._attr_cache: dict[tuple[str, str, str, str], FsAttrs] = {}

    def _mounts(self) -> list[tuple[str, FsAttrs, bool]]:
        found: dict[str, tuple[str, FsAttrs, bool]] = {}
        for p in self._ps.disk_partitions(all=True):
            mountpoint, device, fstype = p.mountpoint, p.device, p.fstype
            found.pop(mountpoint, None)  # re-insert: the mount on top wins; an excluded one hides the one below
            if is_runtime_mount(mountpoint):
                continue
            if not (self._ok_type(fstype) and self._ok_mountpoint(mountpoint) and self._ok_device(device)):
                continue
            opts = p.opts.split(",")
            mode = "ro" if "ro" in opts else "rw"
            key = (device, fstype, mode, mountpoint)
            attrs = self._attr_cache.get(key)
            if attrs is None:
                if len(self._attr_cache) > 4096:
                    self._attr_cache.clear()
                attrs = self._attr_cache[key] = filesystem_attrs(device, fstype, mode, mountpoint)
            local = fstype.lower() in LOCAL_TYPES and "remote" not in opts
            found[mountpoint] = (self._host.host_path(mountpoint), attrs, not (local and self._direct is not None))
        return list(found.values())

    def collect(self) -> Iterable[Obs]:
        plan = self._mounts()
        pooled = [path for path, _, timed in plan if timed]
        stats = self.pool.stat_all(pooled) if pooled else {}
        out: list[Obs] = []
        for path, attrs, timed in plan:
            if timed:
                st = stats.get(path)
                if st is None:
                    continue
            else:
                assert self._direct is not None
                try:
                    st = self._direct(path)
                except OSError:
                    continue
            out += space_observations(st, attrs, self.settings.limit)
        return out

    def close(self) -> None:
        self.pool.close()
