"""Collector of the kernel's file-handle table: how many are allocated, and the limit."""

from __future__ import annotations

from collections.abc import Iterator

from sysagent import CollectorSettings, Observation, PluginContext, Registry, hookimpl, updowncounter


class FileHandleSettings(CollectorSettings):
    """No settings of its own; interval and timeout come from CollectorSettings."""


class FileHandles:
    metrics = (
        updowncounter("system.linux.file_handles.usage", "{handle}", "Allocated file handles", integer=True),
        updowncounter("system.linux.file_handles.limit", "{handle}", "Maximum file handles", integer=True),
    )

    def __init__(self, settings: FileHandleSettings, ctx: PluginContext) -> None:
        self.host = ctx.host

    def collect(self) -> Iterator[Observation]:
        allocated, _unused, maximum = self.host.read("/proc/sys/fs/file-nr").split()
        yield Observation("system.linux.file_handles.usage", int(allocated))
        yield Observation("system.linux.file_handles.limit", int(maximum))


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("filehandles", FileHandles, settings=FileHandleSettings, interval=30)
