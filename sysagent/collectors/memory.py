"""Memory usage by state, available memory and slab, from /proc/meminfo.

Reads ``{host_root}/proc/meminfo`` once per cycle. ``used`` is ``MemTotal -
MemAvailable`` (what applications can no longer get without swapping), so the
states do not add up to the total: ``buffers`` and ``cached`` overlap with
``MemAvailable``. Utilizations are each state's share of ``MemTotal``.
``system.memory.limit`` (the total; opt-in) is reported by the ``host``
collector, which reads it once. Swap is reported by the ``paging`` collector.
"""

from __future__ import annotations

from collections.abc import Iterable

from sysagent.markers import hookimpl
from sysagent.model import gauge, updowncounter
from sysagent.registry import PluginContext, Registry
from sysagent.settings import CollectorSettings

from ._kernelfile import KernelFile
from ._procfs import Obs, keyed_int, proc_path

MEMORY_USAGE = updowncounter("system.memory.usage", "By", "Memory in each state", integer=True)
MEMORY_UTILIZATION = gauge("system.memory.utilization", "1", "Share of total memory in each state")
MEMORY_AVAILABLE = updowncounter(
    "system.memory.linux.available", "By", "MemAvailable: memory available without swapping", integer=True
)
SLAB_USAGE = updowncounter("system.memory.linux.slab.usage", "By", "Kernel slab memory by state", integer=True)

_STATES = ("used", "free", "buffers", "cached")
_STATE_ATTRS = tuple((("system.memory.state", s),) for s in _STATES)
_SLAB_RECLAIMABLE = (("system.memory.linux.slab.state", "reclaimable"),)
_SLAB_UNRECLAIMABLE = (("system.memory.linux.slab.state", "unreclaimable"),)


def meminfo(text: str, key: str) -> int | None:
    """The value of ``key`` in /proc/meminfo text, in bytes (the file gives kB), or None."""
    kb = keyed_int(text, key, ":")
    return None if kb is None else kb * 1024


class MemorySettings(CollectorSettings):
    """No settings beyond ``interval`` and ``timeout``."""


class MemoryCollector:
    """Reads /proc/meminfo."""

    metrics = (MEMORY_USAGE, MEMORY_UTILIZATION, MEMORY_AVAILABLE, SLAB_USAGE)

    def __init__(self, settings: MemorySettings, ctx: PluginContext) -> None:
        self.settings = settings
        self._file = KernelFile(proc_path(ctx.host, "meminfo"), single=True)

    def collect(self) -> Iterable[Obs]:
        text = self._file.read()
        total = meminfo(text, "MemTotal") or 0
        free = meminfo(text, "MemFree") or 0
        buffers = meminfo(text, "Buffers") or 0
        cached = meminfo(text, "Cached") or 0
        available = meminfo(text, "MemAvailable")
        if available is None:  # before Linux 3.14: estimate it as the kernel's docs did
            available = free + buffers + cached
        used = total - available
        used_a, free_a, buffers_a, cached_a = _STATE_ATTRS
        out: list[Obs] = [
            ("system.memory.usage", used, used_a),
            ("system.memory.usage", free, free_a),
            ("system.memory.usage", buffers, buffers_a),
            ("system.memory.usage", cached, cached_a),
        ]
        if total > 0:
            out += (
                ("system.memory.utilization", used / total, used_a),
                ("system.memory.utilization", free / total, free_a),
                ("system.memory.utilization", buffers / total, buffers_a),
                ("system.memory.utilization", cached / total, cached_a),
            )
        out.append(("system.memory.linux.available", available, ()))
        reclaimable = meminfo(text, "SReclaimable")
        if reclaimable is not None:
            out.append(("system.memory.linux.slab.usage", reclaimable, _SLAB_RECLAIMABLE))
            out.append(("system.memory.linux.slab.usage", meminfo(text, "SUnreclaim") or 0, _SLAB_UNRECLAIMABLE))
        return out

    def close(self) -> None:
        self._file.close()


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("memory", MemoryCollector, settings=MemorySettings, interval=5.0)
