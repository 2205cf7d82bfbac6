"""The console's one-line summary: the latest headline figures from whatever batches came.

Batches arrive one per collector per tick, each collector on its own interval.
:class:`Summary` keeps the latest value of each headline figure and says when a
cycle is complete, so the console prints one line per cycle, not per batch: a
cycle ends with each CPU batch that has deltas of ``system.cpu.time`` (every
one but the first). If no collector reports CPU time, a cycle ends when some
collector reports a second time since the last line.

Totals come from aggregation, so they hold whichever series the collectors
emit: the CPU busy share is 1 - (sum of the idle deltas of ``system.cpu.time``
over every series) / (sum of all its deltas), the same with the all-CPU total
(``per_cpu: false``) and with per-CPU series only (``per_cpu: true``), and
needs no ``system.cpu.utilization`` (opt-in). Without CPU time, the mean of
``system.cpu.utilization``'s per-series busy shares is used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sysagent.model import Batch, MetricData

CPU = "system.cpu.utilization"
MEMORY = "system.memory.utilization"
FILESYSTEM = "system.filesystem.utilization"
NETWORK = "system.network.io"
LOAD = "system.cpu.load_average.1m"
#: Present in every CPU collector batch, even the first (which has no utilization yet).
CPU_TIME = "system.cpu.time"


@dataclass
class Figures:
    """The latest headline figures; an attribute is None when not known (yet)."""

    cpu: float | None = None
    memory: float | None = None
    fullest: tuple[str, float] | None = None
    rx: float | None = None
    tx: float | None = None
    load: float | None = None
    #: (firing alerts, worst severity) from the alert states a plugin exports
    alerts: tuple[int, str] = (0, "")


def cpu_busy_from_time(m: MetricData) -> float | None:
    """1 - idle / all of the CPU time that passed since the previous batch, over every series."""
    idle = total = 0.0
    known = False
    for p in m.points:
        if p.delta is None:
            continue
        known = True
        total += p.delta
        if ("cpu.mode", "idle") in p.attributes:
            idle += p.delta
    if not known or total <= 0:
        return None
    return 1.0 - idle / total


def cpu_busy(m: MetricData) -> float | None:
    """1 - the idle share of ``system.cpu.utilization``, averaged over its series (CPUs or the total)."""
    groups: dict[object, float] = {}
    for p in m.points:
        cpu = next((v for k, v in p.attributes if k == "cpu.logical_number"), None)
        groups.setdefault(cpu, 0.0)
        if ("cpu.mode", "idle") in p.attributes:
            groups[cpu] += p.value
    if not groups:
        return None
    return 1.0 - sum(groups.values()) / len(groups)


def _with(m: MetricData, key: str, value: str) -> list[float]:
    return [p.value for p in m.points if (key, value) in p.attributes]


def fullest(m: MetricData) -> tuple[str, float] | None:
    """(mountpoint, used share) of the fullest filesystem."""
    best: tuple[str, float] | None = None
    for p in m.points:
        attrs = dict(p.attributes)
        if attrs.get("system.filesystem.state", "used") != "used":
            continue
        if best is None or p.value > best[1]:
            best = (str(attrs.get("system.filesystem.mountpoint", "?")), p.value)
    return best


def network_rates(m: MetricData) -> tuple[float | None, float | None]:
    """Sum of the per-second rates over interfaces, (receive, transmit); None until known."""
    sums: dict[str, float | None] = {}
    for p in m.points:
        direction = str(dict(p.attributes).get("network.io.direction", ""))
        so_far = sums.get(direction, 0.0)
        sums[direction] = None if so_far is None or p.rate is None else so_far + p.rate
    return sums.get("receive"), sums.get("transmit")


#: Alert states as a metric: 2 is firing (the alert plugin's public series, read like any other).
ALERT_STATE = "sysagent.alert.state"
_SEVERITY_RANK = {"warning": 1, "nodata": 1, "critical": 2}


def firing(m: MetricData) -> tuple[int, str]:
    """How many series are firing, and the worst severity among them."""
    count, worst = 0, ""
    for p in m.points:
        if p.value >= 2:
            count += 1
            severity = str(dict(p.attributes).get("alert.severity", ""))
            if _SEVERITY_RANK.get(severity, 0) > _SEVERITY_RANK.get(worst, 0):
                worst = severity
    return count, worst


class Summary:
    """Headline figures and cycle detection. Not thread-safe: the console holds a lock."""

    def __init__(self) -> None:
        self.figures = Figures()
        #: Which figures some batch has carried at least once (the others are not shown).
        self.seen: set[str] = set()
        self.time_ns = 0
        self._cpu_paced = False
        self._since_line: set[str] = set()

    def update(self, batch: Batch) -> bool:
        """Take the batch's figures; True when a line is due now."""
        f = self.figures
        has_time = batch.metric(CPU_TIME) is not None
        for m in batch.metrics:
            name = m.spec.name
            if name == CPU_TIME:
                f.cpu = cpu_busy_from_time(m)
                name = CPU
            elif name == CPU and not has_time:
                f.cpu = cpu_busy(m)
            elif name == MEMORY:
                used = _with(m, "system.memory.state", "used")
                f.memory = used[0] if used else None
            elif name == FILESYSTEM:
                f.fullest = fullest(m)
            elif name == NETWORK:
                f.rx, f.tx = network_rates(m)
            elif name == LOAD:
                f.load = m.points[0].value if m.points else None
            elif name == ALERT_STATE:
                f.alerts = firing(m)
            else:
                continue
            self.seen.add(name)
        self.time_ns = max(self.time_ns, batch.time_ns)
        if has_time or batch.metric(CPU) is not None:
            self._cpu_paced = True
            return f.cpu is not None
        if self._cpu_paced:
            return False
        key = batch.collector or batch.scope.name
        due = key in self._since_line
        if due:
            self._since_line.clear()
        self._since_line.add(key)
        return due

    def line(self) -> str:
        """The one-line summary of the latest figures, with the local time of the latest batch."""
        f = self.figures
        parts = [time.strftime("%H:%M:%S", time.localtime(self.time_ns / 1e9))]
        if CPU in self.seen:
            parts.append(f"cpu {_pct(f.cpu)}")
        if MEMORY in self.seen:
            parts.append(f"mem {_pct(f.memory)}")
        if FILESYSTEM in self.seen:
            parts.append("disk -" if f.fullest is None else f"disk {_pct(f.fullest[1])} {f.fullest[0]}")
        if NETWORK in self.seen:
            parts.append(f"net rx {_rate(f.rx)} tx {_rate(f.tx)}")
        if LOAD in self.seen:
            parts.append("load -" if f.load is None else f"load {f.load:.2f}")
        if f.alerts[0]:
            parts.append(f"ALERTS {f.alerts[0]} firing ({f.alerts[1] or 'unknown'})")
        return "  ".join(parts)


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:5.1f}%"


def _rate(bytes_per_s: float | None) -> str:
    """Human bytes per second, binary units: ``512 B/s``, ``1.5 KiB/s``, ``12.0 MiB/s``."""
    if bytes_per_s is None:
        return "-"
    value = bytes_per_s
    for unit in ("B/s", "KiB/s", "MiB/s", "GiB/s"):
        if abs(value) < 1024 or unit == "GiB/s":
            return f"{value:.0f} {unit}" if unit == "B/s" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
