"""CPU counts and (opt-in) total memory from ``psutil.cpu_count`` and ``virtual_memory``.

Read once, on the first collection, then the cached values are reported every
cycle, as the procfs collector does. ``psutil.cpu_count()`` counts the logical
CPUs the OS has configured (procfs counts those online: they differ only while
CPUs are offline); the physical count is missing where psutil cannot tell
(it returns None, e.g. on some BSDs and in some VMs), and is then not reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sysagent.model import MetricSpec
from sysagent.registry import PluginContext

from .._settings import HostSettings
from .._specs import LOGICAL_COUNT, MEMORY_LIMIT, PHYSICAL_COUNT
from ._common import Obs, load_psutil


class Collector:
    """Calls ``psutil.cpu_count`` (and ``virtual_memory``) once; see the module docstring."""

    def __init__(self, settings: HostSettings, ctx: PluginContext, psutil: Any = None) -> None:
        self.settings = settings
        self._ps = load_psutil(ctx, psutil)
        self.metrics: tuple[MetricSpec, ...] = (LOGICAL_COUNT, PHYSICAL_COUNT)
        if settings.memory_limit:
            self.metrics += (MEMORY_LIMIT,)
        self._cached: tuple[Obs, ...] | None = None

    def collect(self) -> Iterable[Obs]:
        if self._cached is None:
            out: list[Obs] = []
            logical = self._ps.cpu_count(logical=True)
            if logical:
                out.append(("system.cpu.logical.count", int(logical), ()))
            physical = self._ps.cpu_count(logical=False)
            if physical:
                out.append(("system.cpu.physical.count", int(physical), ()))
            if self.settings.memory_limit:
                out.append(("system.memory.limit", int(self._ps.virtual_memory().total), ()))
            self._cached = tuple(out)
        return self._cached
