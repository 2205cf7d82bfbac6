"""Pressure stall information from /proc/pressure/{cpu,memory,io,irq}, as counters.

Each file has a ``some`` line (and ``full`` for memory, io and irq; cpu's ``full``
is 0 at the system level) whose ``total=`` is the stall time in microseconds
since boot. It is reported as a counter in seconds, so the framework's rate is
the share of time stalled. The kernel's avg10/avg60/avg300 are left out: they
are rates the framework computes exactly over the collection interval.

Semantic conventions v1.44.0 have no PSI metrics; the names follow the latest
proposal (semantic-conventions PR #3528): ``system.{cpu,memory,io,irq}.linux.pressure.total``
with ``system.linux.pressure.stall_type`` (``some``, ``full``).
"""

from __future__ import annotations

import logging

from sysagent import CollectorSettings, PluginContext, counter

log = logging.getLogger("sysagent.pressure")
RESOURCES = ("cpu", "memory", "io", "irq")
SPECS = {
    r: counter(f"system.{r}.linux.pressure.total", "s", f"Time tasks were stalled on {r} (PSI), since boot")
    for r in RESOURCES
}
_STALL = "system.linux.pressure.stall_type"


class PressureSettings(CollectorSettings):
    """No settings of its own."""


class PressureCollector:
    """Reads the pressure files the kernel has (none: one log line, no points)."""

    metrics = tuple(SPECS.values())

    def __init__(self, settings: PressureSettings, ctx: PluginContext) -> None:
        self.host = ctx.host
        self.resources = [r for r in RESOURCES if _readable(ctx, r)]
        self.counter_start_ns = _boot_time_ns(ctx)
        self._keys = {(r, k): ((_STALL, k),) for r in RESOURCES for k in ("some", "full")}
        if not self.resources:
            log.info("pressure: %s has no pressure files (kernel without PSI); no points", ctx.host.path("proc"))

    def collect(self) -> list[tuple[str, float, tuple[tuple[str, str], ...]]]:
        out: list[tuple[str, float, tuple[tuple[str, str], ...]]] = []
        for resource in self.resources:
            name = SPECS[resource].name
            for line in self.host.read("proc", "pressure", resource).splitlines():
                kind, _, rest = line.partition(" ")
                total = rest.rpartition("total=")[2]
                if kind in ("some", "full") and total:
                    out.append((name, int(total) / 1e6, self._keys[resource, kind]))
        return out


def _readable(ctx: PluginContext, resource: str) -> bool:
    try:
        ctx.host.read("proc", "pressure", resource)
    except OSError:  # absent, or EOPNOTSUPP when booted with psi=0
        return False
    return True


def _boot_time_ns(ctx: PluginContext) -> int:
    """When the PSI counters started: boot time, from /proc/stat's ``btime`` (0 if unknown)."""
    try:
        for line in ctx.host.read("proc", "stat").splitlines():
            if line.startswith("btime "):
                return int(line.split()[1]) * 1_000_000_000
    except OSError:
        pass
    return 0
