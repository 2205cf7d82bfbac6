"""The entry point: registers the ``nvidia`` collector when NVML finds a GPU, else nothing.

Without a driver (or without a GPU) the plugin logs one line at start-up and
registers no collector, so the agent runs unchanged on machines with no GPU.
"""

from __future__ import annotations

import logging

from sysagent import Registry, hookimpl
from sysagent_nvidia import nvml as nvml_mod
from sysagent_nvidia.collector import GpuCollector, NvidiaSettings

log = logging.getLogger("sysagent.nvidia")

#: Default interval in seconds: NVML queries are cheap, and utilization is sampled by the driver.
INTERVAL = 10.0


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    try:
        nvml, count = nvml_mod.load()
    except nvml_mod.Unavailable as e:
        log.info("nvidia: not collecting GPU metrics: %s", e)
        return
    nvml.nvmlShutdown()  # the collector initialises NVML again for as long as it runs
    log.debug("nvidia: %d GPU(s) found", count)
    registry.add_collector("nvidia", GpuCollector, settings=NvidiaSettings, interval=INTERVAL)
