"""Disk I/O per block device, from /proc/diskstats.

Reads ``{host_root}/proc/diskstats`` once per cycle. Sectors there are always 512
bytes; times are in ms and reported in seconds. By default only whole disks are
reported: partitions (known from ``/sys/class/block/NAME/partition``, or from the
name when /sys is not there) and the ``exclude`` patterns (loop, ram, zram and
floppy devices, as node_exporter does) are left out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from sysagent.hostfs import KernelFile
from sysagent.markers import hookimpl
from sysagent.model import AttrKey
from sysagent.registry import PluginContext, Registry

from ._backend import choose
from ._partition import looks_like_partition
from ._procfs import Obs, boot_time_ns, proc_path
from ._settings import DISK_DEFAULT_EXCLUDE as DEFAULT_EXCLUDE
from ._settings import DiskSettings
from ._specs import DISK_IO, DISK_IO_TIME, DISK_MERGED, DISK_OPERATION_TIME, DISK_OPERATIONS, disk_attrs

__all__ = ["DEFAULT_EXCLUDE", "DiskCollector", "DiskSettings"]


class DiskCollector:
    """Reads /proc/diskstats."""

    metrics = (DISK_IO, DISK_OPERATIONS, DISK_IO_TIME, DISK_OPERATION_TIME, DISK_MERGED)

    def __init__(self, settings: DiskSettings, ctx: PluginContext) -> None:
        self.settings = settings
        self._file = KernelFile(proc_path(ctx.host, "diskstats"))
        self._sys_block = os.path.join(ctx.host.sys, "class", "block")
        self._match = settings.devices.matcher()
        self.counter_start_ns = boot_time_ns(ctx.host)
        # device -> (read, write, device-only) attributes, or None when it is left out
        self._devices: dict[str, tuple[AttrKey, AttrKey, AttrKey] | None] = {}

    def _is_partition(self, name: str) -> bool:
        return looks_like_partition(self._sys_block, name)

    def _attrs(self, name: str) -> tuple[AttrKey, AttrKey, AttrKey] | None:
        if name in self._devices:
            return self._devices[name]
        attrs: tuple[AttrKey, AttrKey, AttrKey] | None = None
        if self._match(name) and (self.settings.partitions or not self._is_partition(name)):
            attrs = disk_attrs(name)
        if len(self._devices) > 4096:
            self._devices.clear()
        self._devices[name] = attrs
        return attrs

    def collect(self) -> Iterable[Obs]:
        out: list[Obs] = []
        devices = self._devices
        for line in self._file.read().split("\n"):
            f = line.split()
            if len(f) < 14:
                continue
            name = f[2]
            attrs = devices[name] if name in devices else self._attrs(name)
            if attrs is None:
                continue
            read, write, device = attrs
            out += (
                ("system.disk.io", int(f[5]) * 512, read),
                ("system.disk.io", int(f[9]) * 512, write),
                ("system.disk.operations", int(f[3]), read),
                ("system.disk.operations", int(f[7]), write),
                ("system.disk.io_time", int(f[12]) / 1000, device),
                ("system.disk.operation_time", int(f[6]) / 1000, read),
                ("system.disk.operation_time", int(f[10]) / 1000, write),
                ("system.disk.merged", int(f[4]), read),
                ("system.disk.merged", int(f[8]), write),
            )
        return out

    def close(self) -> None:
        self._file.close()


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("disk", choose("disk", DiskCollector), settings=DiskSettings, interval=5.0)
