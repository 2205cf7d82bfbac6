"""Disk I/O per device from ``psutil.disk_io_counters(perdisk=True)``.

Same device filter as the procfs collector. On Linux psutil lists partitions
too; they are left out unless ``partitions: true`` (known from
``/sys/class/block/NAME/partition``, or from the name). macOS lists whole disks
only, Windows ``PhysicalDriveN``. ``system.disk.io_time`` needs ``busy_time``
(Linux, FreeBSD) and ``system.disk.merged`` the merged counts (Linux only);
elsewhere those series are absent. psutil already multiplies sectors by 512 and
reports times in ms, as /proc/diskstats does.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from sysagent.model import AttrKey
from sysagent.registry import PluginContext

from .._partition import looks_like_partition
from .._settings import DiskSettings
from .._specs import DISK_IO, DISK_IO_TIME, DISK_MERGED, DISK_OPERATION_TIME, DISK_OPERATIONS, disk_attrs
from ._common import LINUX, Obs, boot_time_ns, load_psutil


class Collector:
    """Calls ``psutil.disk_io_counters(perdisk=True)``."""

    metrics = (DISK_IO, DISK_OPERATIONS, DISK_IO_TIME, DISK_OPERATION_TIME, DISK_MERGED)

    def __init__(self, settings: DiskSettings, ctx: PluginContext, psutil: Any = None, linux: bool = LINUX) -> None:
        self.settings = settings
        self._ps = load_psutil(ctx, psutil)
        self._linux = linux
        self._sys_block = os.path.join(ctx.host.sys, "class", "block")
        self._match = settings.devices.matcher()
        self.counter_start_ns = boot_time_ns(self._ps)
        self._devices: dict[str, tuple[AttrKey, AttrKey, AttrKey] | None] = {}

    def _attrs(self, name: str) -> tuple[AttrKey, AttrKey, AttrKey] | None:
        if name in self._devices:
            return self._devices[name]
        ok = self._match(name)
        if ok and self._linux and not self.settings.partitions:
            ok = not looks_like_partition(self._sys_block, name)
        if len(self._devices) > 4096:
            self._devices.clear()
        attrs = self._devices[name] = disk_attrs(name) if ok else None
        return attrs

    def collect(self) -> Iterable[Obs]:
        out: list[Obs] = []
        for name, d in (self._ps.disk_io_counters(perdisk=True) or {}).items():
            attrs = self._attrs(name)
            if attrs is None:
                continue
            read, write, device = attrs
            out += (
                ("system.disk.io", d.read_bytes, read),
                ("system.disk.io", d.write_bytes, write),
                ("system.disk.operations", d.read_count, read),
                ("system.disk.operations", d.write_count, write),
                ("system.disk.operation_time", d.read_time / 1000, read),
                ("system.disk.operation_time", d.write_time / 1000, write),
            )
            busy = getattr(d, "busy_time", None)
            if busy is not None:
                out.append(("system.disk.io_time", busy / 1000, device))
            merged_read = getattr(d, "read_merged_count", None)
            if merged_read is not None:
                out.append(("system.disk.merged", merged_read, read))
                out.append(("system.disk.merged", d.write_merged_count, write))
        return out
