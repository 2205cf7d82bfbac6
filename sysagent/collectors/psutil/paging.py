"""Swap usage and swap operations from ``psutil.swap_memory``.

psutil reports swap as a whole, not per device, so ``system.paging.usage`` and
``.utilization`` carry ``system.paging.state`` without ``system.device`` (the
procfs collector's series per device add up to these). Nothing is reported
when the host has no swap. ``system.paging.operations`` is the pages swapped
in and out (psutil's ``sin``/``sout`` bytes divided by the page size it
multiplied them with); Windows has no such counters (psutil returns 0 there), so
they are left out. psutil has no page-fault counts: ``system.paging.faults``
is procfs-only.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable
from typing import Any

from sysagent.model import MetricSpec
from sysagent.registry import PluginContext

from .._settings import PagingSettings
from .._specs import PAGING_OPERATIONS, PAGING_USAGE, PAGING_UTILIZATION, SWAP_IN, SWAP_OUT, paging_attrs
from ._common import LINUX, WINDOWS, Obs, boot_time_ns, load_psutil

_USED, _FREE = paging_attrs(None)


class Collector:
    """Calls ``psutil.swap_memory``."""

    def __init__(
        self, settings: PagingSettings, ctx: PluginContext, psutil: Any = None, windows: bool = WINDOWS
    ) -> None:
        self.settings = settings
        self._ps = load_psutil(ctx, psutil)
        self._windows = windows
        self.metrics: tuple[MetricSpec, ...] = (PAGING_USAGE, PAGING_UTILIZATION)
        if not windows:
            self.metrics += (PAGING_OPERATIONS,)
        self.counter_start_ns = boot_time_ns(self._ps)
        # psutil multiplies /proc/vmstat's pswpin/pswpout by 4 KiB on Linux, by the page size elsewhere.
        self._page = 4096 if LINUX else mmap.PAGESIZE

    def collect(self) -> Iterable[Obs]:
        sw = self._ps.swap_memory()
        out: list[Obs] = []
        total, used = int(sw.total), int(sw.used)
        if total > 0:
            free = total - used
            out += (
                ("system.paging.usage", used, _USED),
                ("system.paging.usage", free, _FREE),
                ("system.paging.utilization", used / total, _USED),
                ("system.paging.utilization", free / total, _FREE),
            )
        if not self._windows:
            out.append(("system.paging.operations", int(sw.sin) // self._page, SWAP_IN))
            out.append(("system.paging.operations", int(sw.sout) // self._page, SWAP_OUT))
        return out
