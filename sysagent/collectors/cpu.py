"""CPU time per mode from /proc/stat, in total or per logical CPU; optional utilization and frequency.

Reads ``{host_root}/proc/stat`` once per cycle (only its ``cpu`` lines are
parsed) and, with ``frequency: true``,
``/sys/devices/system/cpu/cpuN/cpufreq/scaling_cur_freq`` of every CPU (a file per
CPU, hence off by default). ``per_cpu`` chooses between the all-CPU total (off,
the default: ``cpu.logical_number`` is opt-in in the conventions) and only the
per-CPU series (on), never both under one name, so a sum over the series is
the host's CPU time. ``system.cpu.utilization`` (opt-in, ``utilization: true``)
is derived by the framework from two cycles of ``system.cpu.time``; the
collector keeps no previous values.
The ``user`` and ``nice`` times include guest time, as the kernel accounts them,
so the modes add up to the elapsed CPU time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from sysagent.derive import Utilization
from sysagent.hostfs import KernelFile
from sysagent.markers import hookimpl
from sysagent.model import AttrKey, MetricSpec
from sysagent.registry import PluginContext, Registry

from ._backend import choose
from ._procfs import USER_HZ, Obs, boot_time_ns, proc_path, read_text
from ._settings import CpuSettings
from ._specs import CPU_FREQUENCY, CPU_MODES, CPU_TIME, CPU_UTILIZATION, UTILIZATION, cpu_attrs, cpu_number_attrs

#: /proc/stat columns (after the name) -> cpu.mode; irq and softirq add up to "interrupt".
_MODES = CPU_MODES
_NAMES = ("system.cpu.time",) * len(_MODES)
__all__ = ["CPU_FREQUENCY", "CPU_TIME", "CPU_UTILIZATION", "CpuCollector", "CpuSettings"]


class CpuCollector:
    """Reads /proc/stat (and cpufreq files when asked); see the module docstring."""

    def __init__(self, settings: CpuSettings, ctx: PluginContext) -> None:
        self.settings = settings
        self.metrics: tuple[MetricSpec, ...] = (CPU_TIME, CPU_FREQUENCY) if settings.frequency else (CPU_TIME,)
        self.derive: tuple[Utilization, ...] = (UTILIZATION,) if settings.utilization else ()
        self._stat = KernelFile(proc_path(ctx.host, "stat"), single=True)
        self._cpufreq_root = os.path.join(ctx.host.sys, "devices", "system", "cpu")
        self.counter_start_ns = boot_time_ns(ctx.host)
        self._total_attrs: tuple[AttrKey, ...] = tuple(cpu_attrs(m, None) for m in _MODES)
        self._cpu_attrs: dict[str, tuple[AttrKey, ...]] = {}
        self._freq_attrs: dict[int, AttrKey] = {}

    def _attrs_of(self, label: str) -> tuple[AttrKey, ...]:
        attrs = self._cpu_attrs.get(label)
        if attrs is None:
            n = int(label[3:])
            attrs = self._cpu_attrs[label] = tuple(cpu_attrs(m, n) for m in _MODES)
        return attrs

    def collect(self) -> Iterable[Obs]:
        text = self._stat.read()
        out: list[Obs] = []
        per_cpu = self.settings.per_cpu
        hz = USER_HZ
        for line in text.split("\n"):
            if not line.startswith("cpu"):
                break
            f = line.split()
            label = f[0]
            if label == "cpu":
                if per_cpu:
                    continue  # the total would double-count the per-CPU series
                attrs = self._total_attrs
            elif per_cpu:
                attrs = self._cpu_attrs.get(label) or self._attrs_of(label)
            else:
                break
            # user nice system idle iowait irq softirq steal [guest guest_nice]
            steal = int(f[8]) / hz if len(f) > 8 else 0.0
            values = (
                int(f[1]) / hz,
                int(f[2]) / hz,
                int(f[3]) / hz,
                int(f[4]) / hz,
                int(f[5]) / hz,
                (int(f[6]) + int(f[7])) / hz,
                steal,
            )
            out += zip(_NAMES, values, attrs, strict=True)
        if self.settings.frequency:
            out.extend(self._frequencies())
        return out

    def close(self) -> None:
        self._stat.close()

    def _frequencies(self) -> list[Obs]:
        out: list[Obs] = []
        root = self._cpufreq_root
        try:
            names = os.listdir(root)
        except OSError:
            return out
        numbers = sorted(int(n[3:]) for n in names if n.startswith("cpu") and n[3:].isdigit())
        for n in numbers:
            try:
                khz = int(read_text(os.path.join(root, f"cpu{n}", "cpufreq", "scaling_cur_freq")))
            except (OSError, ValueError):
                continue  # no cpufreq driver (most VMs), or the CPU is offline
            attrs = self._freq_attrs.get(n)
            if attrs is None:
                attrs = self._freq_attrs[n] = cpu_number_attrs(n)
            out.append(("system.cpu.frequency", khz * 1000.0, attrs))
        return out


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("cpu", choose("cpu", CpuCollector), settings=CpuSettings, interval=5.0)
