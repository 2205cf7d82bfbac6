"""CPU time per mode from ``psutil.cpu_times``, in total or per logical CPU; optional frequency.

Modes are the procfs collector's where the platform has them: ``interrupt`` is
irq + softirq (Linux), irq (BSD) or interrupt + dpc (Windows). macOS has only
user, nice, system and idle; Windows has no nice, iowait or steal; the BSDs no
iowait or steal: those series are absent there. ``system.cpu.frequency`` comes
from ``psutil.cpu_freq(percpu=True)`` only where it lists each logical CPU
(Linux, FreeBSD); on Linux it falls back to /proc/cpuinfo's ``cpu MHz`` where
the procfs collector reports nothing (no cpufreq driver).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sysagent.model import AttrKey, MetricSpec
from sysagent.registry import PluginContext

from .._settings import CpuSettings
from .._specs import CPU_FREQUENCY, CPU_TIME, UTILIZATION, cpu_attrs, cpu_number_attrs
from ._common import Obs, boot_time_ns, load_psutil

#: cpu.mode -> the psutil fields that add up to it (those a platform lacks are skipped).
_FIELDS = (
    ("user", ("user",)),
    ("nice", ("nice",)),
    ("system", ("system",)),
    ("idle", ("idle",)),
    ("iowait", ("iowait",)),
    ("interrupt", ("irq", "softirq", "interrupt", "dpc")),
    ("steal", ("steal",)),
)


class Collector:
    """Calls ``psutil.cpu_times`` (and ``cpu_freq`` when asked); see the module docstring."""

    def __init__(self, settings: CpuSettings, ctx: PluginContext, psutil: Any = None) -> None:
        self.settings = settings
        self._ps = load_psutil(ctx, psutil)
        self.metrics: tuple[MetricSpec, ...] = (CPU_TIME, CPU_FREQUENCY) if settings.frequency else (CPU_TIME,)
        self.derive = (UTILIZATION,) if settings.utilization else ()
        self.counter_start_ns = boot_time_ns(self._ps)
        self._plans: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = {}
        self._attrs: dict[int | None, dict[str, AttrKey]] = {}

    def _plan(self, fields: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
        plan = self._plans.get(fields)
        if plan is None:
            have = set(fields)
            plan = self._plans[fields] = [(m, tuple(f for f in fs if f in have)) for m, fs in _FIELDS if have & set(fs)]
        return plan

    def _attrs_of(self, cpu: int | None) -> dict[str, AttrKey]:
        attrs = self._attrs.get(cpu)
        if attrs is None:
            attrs = self._attrs[cpu] = {m: cpu_attrs(m, cpu) for m, _ in _FIELDS}
        return attrs

    def collect(self) -> Iterable[Obs]:
        out: list[Obs] = []
        if self.settings.per_cpu:
            for n, times in enumerate(self._ps.cpu_times(percpu=True)):
                out += self._modes(times, n)
        else:
            out += self._modes(self._ps.cpu_times(percpu=False), None)
        if self.settings.frequency:
            freqs = self._ps.cpu_freq(percpu=True) or []
            if len(freqs) > 1 or (len(freqs) == 1 and self._ps.cpu_count() == 1):
                out += [("system.cpu.frequency", f.current * 1e6, cpu_number_attrs(n)) for n, f in enumerate(freqs)]
        return out

    def _modes(self, times: Any, cpu: int | None) -> list[Obs]:
        attrs = self._attrs_of(cpu)
        return [
            ("system.cpu.time", float(sum(getattr(times, f) for f in fields)), attrs[mode])
            for mode, fields in self._plan(times._fields)
        ]
