"""Batches made by the real runner from tiny fake collectors, for the sink tests.

The fakes stand in for the machine only: each returns the values a test sets,
and :class:`sysagent.runner.CollectorRunner` computes start times, deltas,
rates and the CPU utilization exactly as it does in the agent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sysagent.config import Config
from sysagent.derive import Utilization
from sysagent.hostfs import HostFS
from sysagent.model import AttrValue, Batch, MetricSpec, Observation, Resource, Scope, counter, gauge, updowncounter
from sysagent.registry import PluginContext
from sysagent.runner import CollectorRunner

SECOND = 1_000_000_000
#: 2024-05-01T12:00:00Z
T0 = 1_714_564_800 * SECOND
RESOURCE = Resource((("host.name", "web1"), ("os.type", "linux"), ("service.name", "sysagent")))

CPU_TIME = counter("system.cpu.time", "s", "Seconds each logical CPU spent on each mode")
CPU_UTIL = gauge("system.cpu.utilization", "1", "Share of CPU time spent on each mode")
MEM_USAGE = updowncounter("system.memory.usage", "By", "Reports memory in use by state", integer=True)
MEM_UTIL = gauge("system.memory.utilization", "1")
FS_UTIL = gauge("system.filesystem.utilization", "1")
NET_IO = counter("system.network.io", "By", "The number of bytes transmitted and received", integer=True)
LOAD_1M = gauge("system.cpu.load_average.1m", "{thread}")
PROC_COUNT = updowncounter("system.process.count", "{process}", "Total number of processes in each state", integer=True)


class FakeCollector:
    """Returns whatever observations the test put in ``values`` (the machine, faked)."""

    def __init__(self, metrics: Iterable[MetricSpec], derive: Iterable[Utilization] = ()) -> None:
        self.metrics = tuple(metrics)
        self.derive = tuple(derive)
        self.values: list[Observation] = []

    def collect(self) -> list[Observation]:
        return list(self.values)


class Machine:
    """One runner per fake collector, as the agent has; ``tick`` makes a real batch."""

    def __init__(self, resource: Resource = RESOURCE) -> None:
        self.resource = resource
        self.runners: dict[str, CollectorRunner] = {}

    def add(self, name: str, *metrics: MetricSpec, derive: Iterable[Utilization] = ()) -> FakeCollector:
        collector = FakeCollector(metrics, derive)
        scope = Scope(f"sysagent.collectors.{name}", "0.1.0")
        self.runners[name] = CollectorRunner(name, collector, scope, self.resource)
        return collector

    def tick(self, name: str, at_s: float, values: Iterable[Observation]) -> Batch:
        runner = self.runners[name]
        runner.collector.values = list(values)
        return runner.run(time_ns=T0 + int(at_s * SECOND))


def cpu_machine() -> Machine:
    """A machine with the CPU collector (time per mode, utilization derived by the framework)."""
    m = Machine()
    m.add("cpu", CPU_TIME, derive=[Utilization(CPU_UTIL, "system.cpu.time", "cpu.mode")])
    return m


def cpu_times(idle: float, user: float, system: float, **extra: AttrValue) -> list[Observation]:
    def obs(mode: str, v: float) -> Observation:
        return Observation("system.cpu.time", v, {"cpu.mode": mode, **extra})

    return [obs("idle", idle), obs("user", user), obs("system", system)]


def net(iface: str, rx: float, tx: float) -> list[Observation]:
    return [
        Observation("system.network.io", rx, {"network.interface.name": iface, "network.io.direction": "receive"}),
        Observation("system.network.io", tx, {"network.interface.name": iface, "network.io.direction": "transmit"}),
    ]


def context(
    tmp_path: Path, sinks: Mapping[str, Any] | None = None, services: dict[str, Any] | None = None
) -> PluginContext:
    """A plugin context; ``sinks`` is the config's ``sinks:`` section (None: not in the config)."""
    config = Config(sinks=dict(sinks) if sinks is not None else None)
    return PluginContext(
        config, HostFS(), RESOURCE, str(tmp_path / "state"), services=services if services is not None else {}
    )
