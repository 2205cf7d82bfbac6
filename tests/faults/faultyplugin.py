"""A plugin for ``sysagent run`` in the fault tests (``plugins: {modules: [faults.faultyplugin]}``).

- ``raiser``: every collection raises;
- ``hanger``: the first collection never returns;
- ``stuckfs``: the built-in filesystem collector, whose statvfs (the machine,
  faked here) never answers for the mountpoint ``/`` and answers for the others.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

from sysagent import CollectorSettings, Observation, PluginContext, Registry, gauge, hookimpl
from sysagent.collectors.filesystem import FilesystemCollector, FilesystemSettings

HUNG_MOUNT = "/"
_NEVER = threading.Event()


class Raiser:
    metrics = (gauge("faults.raiser", "1"),)

    def __init__(self, settings: CollectorSettings, ctx: PluginContext) -> None:
        self.calls = 0

    def collect(self) -> Iterator[Observation]:
        self.calls += 1
        raise RuntimeError("sensor unplugged")


class Hanger:
    metrics = (gauge("faults.hanger", "1"),)

    def __init__(self, settings: CollectorSettings, ctx: PluginContext) -> None:
        pass

    def collect(self) -> list[Observation]:
        _NEVER.wait()
        return [Observation("faults.hanger", 1.0)]


def hanging_statvfs(path: str) -> os.statvfs_result:
    if path == HUNG_MOUNT:
        _NEVER.wait()  # a dead NFS server
    return os.statvfs(path)


def stuck_filesystem(settings: FilesystemSettings, ctx: PluginContext) -> FilesystemCollector:
    return FilesystemCollector(settings, ctx, statvfs=hanging_statvfs)


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("raiser", Raiser, interval=1.0)
    registry.add_collector("hanger", Hanger, interval=1.0, timeout=2.0)
    registry.add_collector("stuckfs", stuck_filesystem, settings=FilesystemSettings, interval=1.0)
