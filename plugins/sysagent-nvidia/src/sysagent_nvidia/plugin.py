"""The entry point: registers the ``nvidia`` collector when NVML finds a GPU, else nothing.

Without a driver (or without a GPU) the plugin registers no collector and logs one
line, so the agent runs unchanged on machines with no GPU. The line is logged when
the agent has started (``sysagent_started``), as ``sysagent run`` sets up logging
only after the plugins are loaded; it is logged once per load (start or reload).
"""

from __future__ import annotations

import logging
from typing import Any

from sysagent import Registry, hookimpl
from sysagent_nvidia import nvml as nvml_mod
from sysagent_nvidia.collector import GpuCollector, NvidiaSettings

log = logging.getLogger("sysagent.nvidia")

#: Default interval in seconds: NVML queries are cheap, and utilization is sampled by the driver.
INTERVAL = 10.0

#: Why nothing was registered at the last load, until it is logged.
_unavailable: list[str] = []


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    _unavailable.clear()
    try:
        nvml, count = nvml_mod.load()
    except nvml_mod.Unavailable as e:
        _unavailable.append(str(e))
        return
    nvml.nvmlShutdown()  # the collector initialises NVML again for as long as it runs
    log.debug("nvidia: %d GPU(s) found", count)
    registry.add_collector("nvidia", GpuCollector, settings=NvidiaSettings, interval=INTERVAL)


@hookimpl
def sysagent_started(agent: Any) -> None:
    while _unavailable:
        log.info("nvidia: not collecting GPU metrics: %s", _unavailable.pop())
