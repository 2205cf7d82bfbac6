"""Disk I/O per block device, from /proc/diskstats.

Reads ``{host_root}/proc/diskstats`` once per cycle. Sectors there are always 512
bytes; times are in ms and reported in seconds. By default only whole disks are
reported: partitions (known from ``/sys/class/block/NAME/partition``, or from the
name when /sys is not there) and the ``exclude`` patterns (loop, ram, zram and
floppy devices, as node_exporter does) are left out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from sysagent.markers import hookimpl
from sysagent.model import AttrKey, counter
from sysagent.registry import PluginContext, Registry
from sysagent.settings import CollectorSettings

from ._filter import NameFilter
from ._kernelfile import KernelFile
from ._procfs import Obs, boot_time_ns, proc_path

DISK_IO = counter("system.disk.io", "By", "Bytes read from and written to each disk", integer=True)
DISK_OPERATIONS = counter("system.disk.operations", "{operation}", "Completed reads and writes", integer=True)
DISK_IO_TIME = counter("system.disk.io_time", "s", "Time each disk had I/O in flight")
DISK_OPERATION_TIME = counter("system.disk.operation_time", "s", "Time spent in reads and writes, summed over them")
DISK_MERGED = counter("system.disk.merged", "{operation}", "Adjacent reads and writes merged", integer=True)

DEFAULT_EXCLUDE = ("loop*", "ram*", "zram*", "fd*")
#: Names of partitions, for when /sys/class/block is not there to ask.
_PARTITION_NAME = re.compile(r"^(?:(?:h|s|v|xv)d[a-z]+\d+|(?:nvme\d+n\d+|mmcblk\d+)p\d+)$")


class DiskSettings(CollectorSettings):
    """``devices``: include/exclude globs on device names; ``partitions``: report them too."""

    devices: NameFilter = NameFilter(exclude=DEFAULT_EXCLUDE)
    partitions: bool = False


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
        base = os.path.join(self._sys_block, name)
        if os.path.isdir(base):
            return os.path.exists(os.path.join(base, "partition"))
        return _PARTITION_NAME.match(name) is not None

    def _attrs(self, name: str) -> tuple[AttrKey, AttrKey, AttrKey] | None:
        if name in self._devices:
            return self._devices[name]
        attrs: tuple[AttrKey, AttrKey, AttrKey] | None = None
        if self._match(name) and (self.settings.partitions or not self._is_partition(name)):
            attrs = (
                (("disk.io.direction", "read"), ("system.device", name)),
                (("disk.io.direction", "write"), ("system.device", name)),
                (("system.device", name),),
            )
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
    registry.add_collector("disk", DiskCollector, settings=DiskSettings, interval=5.0)
