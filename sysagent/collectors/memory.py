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

from sysagent.hostfs import KernelFile
from sysagent.markers import hookimpl
from sysagent.registry import PluginContext, Registry

from ._backend import choose
from ._procfs import Obs, keyed_int, proc_path
from ._settings import MemorySettings
from ._specs import (
    MEMORY_AVAILABLE,
    MEMORY_STATE_ATTRS,
    MEMORY_STATES,
    MEMORY_USAGE,
    MEMORY_UTILIZATION,
    SLAB_RECLAIMABLE,
    SLAB_UNRECLAIMABLE,
    SLAB_USAGE,
)

_STATE_ATTRS = tuple(MEMORY_STATE_ATTRS[s] for s in MEMORY_STATES)
_SLAB_RECLAIMABLE = SLAB_RECLAIMABLE
_SLAB_UNRECLAIMABLE = SLAB_UNRECLAIMABLE


def meminfo(text: str, key: str) -> int | None:
    """The value of ``key`` in /proc/meminfo text, in bytes (the file gives kB), or None."""
    kb = keyed_int(text, key, ":")
    return None if kb is None else kb * 1024


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
    registry.add_collector("memory", choose("memory", MemoryCollector), settings=MemorySettings, interval=5.0)
