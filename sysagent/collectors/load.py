"""Load averages over 1, 5 and 15 minutes, from /proc/loadavg.

Reads ``{host_root}/proc/loadavg`` once per cycle. The names and unit follow the
OpenTelemetry Collector's hostmetrics receiver (the semantic conventions have no
load average): ``system.cpu.load_average.1m|5m|15m``, gauges in ``{thread}``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sysagent.hostfs import KernelFile
from sysagent.markers import hookimpl
from sysagent.registry import PluginContext, Registry

from ._backend import choose
from ._procfs import Obs, proc_path
from ._settings import LoadSettings
from ._specs import LOAD_1M, LOAD_5M, LOAD_15M


class LoadCollector:
    """Reads /proc/loadavg."""

    metrics = (LOAD_1M, LOAD_5M, LOAD_15M)

    def __init__(self, settings: LoadSettings, ctx: PluginContext) -> None:
        self.settings = settings
        self._file = KernelFile(proc_path(ctx.host, "loadavg"), single=True)

    def collect(self) -> Iterable[Obs]:
        f = self._file.read().split(None, 3)
        return (
            ("system.cpu.load_average.1m", float(f[0]), ()),
            ("system.cpu.load_average.5m", float(f[1]), ()),
            ("system.cpu.load_average.15m", float(f[2]), ()),
        )

    def close(self) -> None:
        self._file.close()


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("load", choose("load", LoadCollector), settings=LoadSettings, interval=5.0)
