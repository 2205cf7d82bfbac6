"""Swap usage per device, page faults and swap operations, from /proc/swaps and /proc/vmstat.

Reads ``{host_root}/proc/swaps`` and ``{host_root}/proc/vmstat`` once per cycle.

- ``system.paging.usage``/``utilization``: per swap device or file of /proc/swaps
  (``system.device`` is its path); nothing when the host has no swap.
- ``system.paging.faults``: ``major`` = ``pgmajfault``, ``minor`` = ``pgfault - pgmajfault``.
- ``system.paging.operations``: pages swapped in (``pswpin``) and out (``pswpout``), as
  ``system.paging.fault.type=major`` (swapping is the I/O that a major fault waits
  for). ``pgpgin``/``pgpgout`` are not emitted: they count KiB of all block I/O,
  not paging operations, and that traffic is already in ``system.disk.io``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sysagent.hostfs import KernelFile
from sysagent.markers import hookimpl
from sysagent.model import AttrKey
from sysagent.registry import PluginContext, Registry

from ._backend import choose
from ._procfs import Obs, boot_time_ns, keyed_int, proc_path, unescape
from ._settings import PagingSettings
from ._specs import (
    FAULT_MAJOR,
    FAULT_MINOR,
    PAGING_FAULTS,
    PAGING_OPERATIONS,
    PAGING_USAGE,
    PAGING_UTILIZATION,
    SWAP_IN,
    SWAP_OUT,
    paging_attrs,
)

_MAJOR, _MINOR, _SWAP_IN, _SWAP_OUT = FAULT_MAJOR, FAULT_MINOR, SWAP_IN, SWAP_OUT


class PagingCollector:
    """Reads /proc/swaps and /proc/vmstat."""

    metrics = (PAGING_USAGE, PAGING_UTILIZATION, PAGING_FAULTS, PAGING_OPERATIONS)

    def __init__(self, settings: PagingSettings, ctx: PluginContext) -> None:
        self.settings = settings
        self._swaps = KernelFile(proc_path(ctx.host, "swaps"))
        self._vmstat = KernelFile(proc_path(ctx.host, "vmstat"))
        self.counter_start_ns = boot_time_ns(ctx.host)
        self._device_attrs: dict[str, tuple[AttrKey, AttrKey]] = {}

    def _attrs(self, device: str) -> tuple[AttrKey, AttrKey]:
        attrs = self._device_attrs.get(device)
        if attrs is None:
            attrs = self._device_attrs[device] = paging_attrs(device)
        return attrs

    def collect(self) -> Iterable[Obs]:
        out: list[Obs] = []
        append = out.append
        # Filename Type Size Used Priority; sizes in KiB; the first line is the header.
        swaps = self._swaps.read()
        if swaps.count("\n") > 1:
            for line in swaps.split("\n")[1:]:
                f = line.split()
                if len(f) < 4:
                    continue
                size, used = int(f[2]) * 1024, int(f[3]) * 1024
                used_attrs, free_attrs = self._attrs(unescape(f[0]))
                append(("system.paging.usage", used, used_attrs))
                append(("system.paging.usage", size - used, free_attrs))
                if size > 0:
                    append(("system.paging.utilization", used / size, used_attrs))
                    append(("system.paging.utilization", (size - used) / size, free_attrs))
        vmstat = self._vmstat.read()
        faults = keyed_int(vmstat, "pgfault")
        major = keyed_int(vmstat, "pgmajfault")
        if faults is not None and major is not None:
            append(("system.paging.faults", major, _MAJOR))
            append(("system.paging.faults", faults - major, _MINOR))
        swap_in = keyed_int(vmstat, "pswpin")
        swap_out = keyed_int(vmstat, "pswpout")
        if swap_in is not None and swap_out is not None:
            append(("system.paging.operations", swap_in, _SWAP_IN))
            append(("system.paging.operations", swap_out, _SWAP_OUT))
        return out

    def close(self) -> None:
        self._swaps.close()
        self._vmstat.close()


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("paging", choose("paging", PagingCollector), settings=PagingSettings, interval=5.0)
