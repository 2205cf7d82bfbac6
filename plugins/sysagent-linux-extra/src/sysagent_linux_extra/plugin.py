"""The plugin module named by the ``sysagent`` entry point: three collectors."""

from __future__ import annotations

from sysagent import Registry, hookimpl
from sysagent_linux_extra.hwmon import HwmonCollector, HwmonSettings
from sysagent_linux_extra.nic import NicCollector, NicSettings
from sysagent_linux_extra.pressure import PressureCollector, PressureSettings


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("pressure", PressureCollector, settings=PressureSettings, interval=10)
    registry.add_collector("hwmon", HwmonCollector, settings=HwmonSettings, interval=30)
    registry.add_collector("nic", NicCollector, settings=NicSettings, interval=60)
