"""Static facts about the host as metrics: CPU counts and (opt-in) memory size.

The conventions define ``system.cpu.logical.count``, ``system.cpu.physical.count``
and ``system.memory.limit`` as metrics (up-down counters), so this is an ordinary
periodic collector; the values are read once, on the first collection, and
the cached values are reported every cycle (no file is read again). ``system.memory.limit``
is opt-in (``memory_limit: true``). Reads ``{host_root}/sys/devices/system/cpu/online``
(logical CPUs; /proc/stat's ``cpuN`` lines when it is missing), ``/proc/cpuinfo``
(physical cores: distinct ``physical id``/``core id`` pairs; the sysfs topology's
``core_cpus_list`` on machines whose cpuinfo lacks them) and ``/proc/meminfo``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from sysagent.markers import hookimpl
from sysagent.model import MetricSpec
from sysagent.registry import PluginContext, Registry

from ._backend import choose
from ._procfs import Obs, proc_path, read_text
from ._settings import HostSettings
from ._specs import LOGICAL_COUNT, MEMORY_LIMIT, PHYSICAL_COUNT
from .memory import meminfo


def parse_cpu_list(text: str) -> list[int]:
    """CPUs of a sysfs list such as ``0-3,8,10-11``."""
    cpus: list[int] = []
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        cpus.extend(range(int(lo), int(hi or lo) + 1))
    return cpus


class HostCollector:
    """Reads the CPU topology and MemTotal once, then reports the cached values."""

    def __init__(self, settings: HostSettings, ctx: PluginContext) -> None:
        self.settings = settings
        self.metrics: tuple[MetricSpec, ...] = (LOGICAL_COUNT, PHYSICAL_COUNT)
        if settings.memory_limit:
            self.metrics += (MEMORY_LIMIT,)
        self._host = ctx.host
        self._cpu_dir = os.path.join(ctx.host.sys, "devices", "system", "cpu")
        self._cached: tuple[Obs, ...] | None = None

    def collect(self) -> Iterable[Obs]:
        if self._cached is None:
            self._cached = self._read()
        return self._cached

    def _read(self) -> tuple[Obs, ...]:
        logical = self._logical()
        out: list[Obs] = [
            ("system.cpu.logical.count", len(logical), ()),
            ("system.cpu.physical.count", self._physical(logical), ()),
        ]
        if self.settings.memory_limit:
            total = meminfo(read_text(proc_path(self._host, "meminfo")), "MemTotal")
            if total is not None:
                out.append(("system.memory.limit", total, ()))
        return tuple(out)

    def _logical(self) -> list[int]:
        try:
            return parse_cpu_list(read_text(os.path.join(self._cpu_dir, "online")))
        except OSError:
            stat = read_text(proc_path(self._host, "stat"))
            return [int(line.split()[0][3:]) for line in stat.split("\n") if line[:3] == "cpu" and line[3:4].isdigit()]

    def _physical(self, logical: list[int]) -> int:
        cores: set[tuple[str, str]] = set()
        physical_id = ""
        for line in read_text(proc_path(self._host, "cpuinfo")).split("\n"):
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "physical id":
                physical_id = value.strip()
            elif key == "core id":
                cores.add((physical_id, value.strip()))
        if cores:
            return len(cores)
        siblings: set[str] = set()
        for n in logical:
            try:
                siblings.add(read_text(os.path.join(self._cpu_dir, f"cpu{n}", "topology", "core_cpus_list")).strip())
            except OSError:
                return len(logical)
        return len(siblings) or len(logical)


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("host", choose("host", HostCollector), settings=HostSettings, interval=60.0)
