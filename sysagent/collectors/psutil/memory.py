"""Memory by state from ``psutil.virtual_memory``.

``used`` is ``total - available`` on every platform, as the procfs collector
computes it (psutil's own ``used`` differs per OS). ``buffers`` and ``cached``
exist on Linux and the BSDs only. On Linux psutil's ``cached`` includes
``SReclaimable`` (as free(1) shows it), so it is larger than the procfs
collector's ``Cached`` by the reclaimable slab. ``system.memory.linux.available``
is reported on Linux; ``system.memory.linux.slab.usage`` is not (psutil gives
only the slab total, not its reclaimable/unreclaimable split).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sysagent.model import MetricSpec
from sysagent.registry import PluginContext

from .._settings import MemorySettings
from .._specs import MEMORY_AVAILABLE, MEMORY_STATE_ATTRS, MEMORY_USAGE, MEMORY_UTILIZATION
from ._common import LINUX, Obs, load_psutil


class Collector:
    """Calls ``psutil.virtual_memory``."""

    def __init__(self, settings: MemorySettings, ctx: PluginContext, psutil: Any = None, linux: bool = LINUX) -> None:
        self.settings = settings
        self._ps = load_psutil(ctx, psutil)
        self._linux = linux
        self.metrics: tuple[MetricSpec, ...] = (MEMORY_USAGE, MEMORY_UTILIZATION)
        if linux:
            self.metrics += (MEMORY_AVAILABLE,)

    def collect(self) -> Iterable[Obs]:
        vm = self._ps.virtual_memory()
        total = int(vm.total)
        available = int(vm.available)
        states = {"used": total - available, "free": int(vm.free)}
        for state in ("buffers", "cached"):
            value = getattr(vm, state, None)
            if value is not None:
                states[state] = int(value)
        out: list[Obs] = [("system.memory.usage", v, MEMORY_STATE_ATTRS[s]) for s, v in states.items()]
        if total > 0:
            out += [("system.memory.utilization", v / total, MEMORY_STATE_ATTRS[s]) for s, v in states.items()]
        if self._linux:
            out.append(("system.memory.linux.available", available, ()))
        return out
