"""The host now, and its last 15 minutes: what the live page and /api/v1/metrics/* serve.

Each batch the agent dispatches updates a few headline values (CPU, memory,
fullest filesystem, network and disk rates, load, uptime). Totals are computed
by aggregation, so the page works whichever way the collectors are set: CPU
busy comes from ``system.cpu.time`` rates (the per-CPU series summed when
there are any, else the total), never from the opt-in ``system.cpu.utilization``.
Each value keeps a ring of (time, value) pairs in two fixed ``array('d')``
buffers of :data:`CAPACITY` entries: 16 bytes a sample, so the whole history
costs ``len(SERIES) * CAPACITY * 16`` bytes (under 200 KiB) however long it runs.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sysagent.model import AttrKey, Batch, MetricData

WINDOW_S = 900.0
#: Samples kept per series: 15 minutes at one collection a second, with room to spare.
CAPACITY = 1024


@dataclass(frozen=True)
class Series:
    key: str
    title: str
    unit: str  #: UCUM-ish, as the page formats it: "%", "By/s", "s", "{thread}", "{cpu}"


SERIES: tuple[Series, ...] = (
    Series("cpu.busy", "CPU busy", "%"),
    Series("memory.used", "Memory used", "%"),
    Series("filesystem.fullest", "Fullest filesystem", "%"),
    Series("network.receive", "Network in", "By/s"),
    Series("network.transmit", "Network out", "By/s"),
    Series("disk.read", "Disk read", "By/s"),
    Series("disk.write", "Disk write", "By/s"),
    Series("load.1m", "Load 1m", "{thread}"),
    Series("load.5m", "Load 5m", "{thread}"),
    Series("load.15m", "Load 15m", "{thread}"),
    Series("uptime", "Uptime", "s"),
    Series("cpu.count", "Logical CPUs", "{cpu}"),
)
BY_KEY = {s.key: s for s in SERIES}


class Ring:
    """The last CAPACITY (time, value) samples of one series."""

    __slots__ = ("_next", "_size", "times", "values")

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.times = array("d", bytes(8 * capacity))
        self.values = array("d", bytes(8 * capacity))
        self._next = self._size = 0

    def append(self, t: float, v: float) -> None:
        cap = len(self.times)
        self.times[self._next], self.values[self._next] = t, v
        self._next = (self._next + 1) % cap
        self._size = min(self._size + 1, cap)

    def since(self, t0: float) -> list[tuple[float, float]]:
        cap = len(self.times)
        start = (self._next - self._size) % cap
        idx = ((start + i) % cap for i in range(self._size))
        return [(self.times[i], self.values[i]) for i in idx if self.times[i] >= t0]


def _attr(attrs: AttrKey, key: str) -> object:
    for k, v in attrs:
        if k == key:
            return v
    return None


def _cpu(m: MetricData) -> dict[str, float]:
    per_cpu = [p for p in m.points if _attr(p.attributes, "cpu.logical_number") is not None]
    points = per_cpu or m.points
    total = sum(p.rate or 0.0 for p in points)
    if not total or any(p.rate is None for p in points):
        return {}
    idle = sum(p.rate or 0.0 for p in points if _attr(p.attributes, "cpu.mode") == "idle")
    out = {"cpu.busy": max(0.0, min(100.0, 100.0 * (1 - idle / total)))}
    if per_cpu:
        out["cpu.count"] = float(len({_attr(p.attributes, "cpu.logical_number") for p in per_cpu}))
    return out


def _by(m: MetricData, key: str, *, rate: bool) -> dict[object, float]:
    sums: dict[object, float] = {}
    for p in m.points:
        v = p.rate if rate else p.value
        if v is None:
            continue
        k = _attr(p.attributes, key)
        sums[k] = sums.get(k, 0.0) + v
    return sums


def _memory(m: MetricData) -> dict[str, float]:
    states = _by(m, "system.memory.state", rate=False)
    total = sum(states.values())
    return {"memory.used": 100.0 * states.get("used", 0.0) / total} if total else {}


def _filesystem(m: MetricData) -> dict[str, float]:
    mounts: dict[object, dict[object, float]] = {}
    for p in m.points:
        states = mounts.setdefault(_attr(p.attributes, "system.filesystem.mountpoint"), {})
        states[_attr(p.attributes, "system.filesystem.state")] = p.value
    shares = [
        100.0 * s.get("used", 0.0) / (s.get("used", 0.0) + s.get("free", 0.0))
        for s in mounts.values()
        if s.get("used", 0.0) + s.get("free", 0.0) > 0
    ]
    return {"filesystem.fullest": max(shares)} if shares else {}


def _directions(m: MetricData, key: str, names: dict[str, str]) -> dict[str, float]:
    sums = _by(m, key, rate=True)
    return {out: sums[d] for d, out in names.items() if d in sums}


def _single(key: str) -> Callable[[MetricData], dict[str, float]]:
    return lambda m: {key: m.points[0].value} if m.points else {}


DERIVE: dict[str, Callable[[MetricData], dict[str, float]]] = {
    "system.cpu.time": _cpu,
    "system.memory.usage": _memory,
    "system.filesystem.usage": _filesystem,
    "system.network.io": lambda m: _directions(
        m, "network.io.direction", {"receive": "network.receive", "transmit": "network.transmit"}
    ),
    "system.disk.io": lambda m: _directions(m, "disk.io.direction", {"read": "disk.read", "write": "disk.write"}),
    "system.cpu.load_average.1m": _single("load.1m"),
    "system.cpu.load_average.5m": _single("load.5m"),
    "system.cpu.load_average.15m": _single("load.15m"),
    "system.uptime": _single("uptime"),
    "system.cpu.logical.count": _single("cpu.count"),
}


class LiveHost:
    """Headline values and their history, fed by :meth:`observe`; readers wait on :meth:`wait`."""

    def __init__(self) -> None:
        self._rings = {s.key: Ring() for s in SERIES}
        self._now: dict[str, float] = {}
        self._time = 0.0
        self._host = ""
        self.seq = 0
        self._cond = threading.Condition()

    def observe(self, batch: Batch) -> None:
        """Take the headline values out of one batch (a few microseconds; no I/O)."""
        found: dict[str, float] = {}
        for m in batch.metrics:
            fn = DERIVE.get(m.spec.name)
            if fn is not None:
                found.update(fn(m))
        count = batch.resource.get("system.cpu.logical.count")  # a resource attribute in older collectors
        if isinstance(count, int) and "cpu.count" not in self._now:
            found.setdefault("cpu.count", float(count))
        if not found:
            return
        t = batch.time_ns / 1e9
        with self._cond:
            for k, v in found.items():
                self._rings[k].append(t, v)
            self._now.update(found)
            self._time = max(self._time, t)
            self._host = str(batch.resource.get("host.name") or self._host)
            self.seq += 1
            self._cond.notify_all()

    def current(self) -> dict[str, object]:
        with self._cond:
            return {"host": self._host, "time": self._time or None, "values": dict(self._now), "units": _UNITS}

    def history(self, key: str, since: float, step: float) -> list[tuple[float, float]]:
        """Samples after ``since`` (wall-clock s), averaged over buckets of ``step`` seconds (0: raw)."""
        with self._cond:
            points = self._rings[key].since(since)
        if step <= 0:
            return points
        buckets: dict[float, list[float]] = {}
        for t, v in points:
            buckets.setdefault(t - t % step, []).append(v)
        return [(t, sum(vs) / len(vs)) for t, vs in sorted(buckets.items())]

    def wait(self, seen: int, timeout: float) -> int:
        """Block until an update newer than ``seen`` arrives (or ``timeout``); returns the latest sequence."""
        with self._cond:
            self._cond.wait_for(lambda: self.seq != seen, timeout)
            return self.seq

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def series(self) -> Iterable[Series]:
        return SERIES


_UNITS = {s.key: s.unit for s in SERIES}
