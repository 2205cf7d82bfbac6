"""Helpers for the built-in collector tests: the semconv table, a harness, lookups.

``fakehost/`` holds a committed fake /proc and /sys (what a host root looks like
to the collectors); tests that change files copy it to ``tmp_path`` first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sysagent.hostfs import HostFS
from sysagent.model import AttrKey, Batch, MetricKind, Resource, Scope
from sysagent.registry import PluginContext
from sysagent.runner import CollectorRunner

FAKEHOST = Path(__file__).parent / "fakehost"

UDC, COUNTER, GAUGE = MetricKind.UPDOWNCOUNTER, MetricKind.COUNTER, MetricKind.GAUGE

#: FACTS §1: name -> (kind, unit, attribute keys a point may carry).
SEMCONV: dict[str, tuple[MetricKind, str, frozenset[str]]] = {
    "system.cpu.time": (COUNTER, "s", frozenset({"cpu.mode", "cpu.logical_number"})),
    "system.cpu.utilization": (GAUGE, "1", frozenset({"cpu.mode", "cpu.logical_number"})),
    "system.cpu.logical.count": (UDC, "{cpu}", frozenset()),
    "system.cpu.physical.count": (UDC, "{cpu}", frozenset()),
    "system.cpu.frequency": (GAUGE, "Hz", frozenset({"cpu.logical_number"})),
    "system.cpu.load_average.1m": (GAUGE, "{thread}", frozenset()),
    "system.cpu.load_average.5m": (GAUGE, "{thread}", frozenset()),
    "system.cpu.load_average.15m": (GAUGE, "{thread}", frozenset()),
    "system.memory.usage": (UDC, "By", frozenset({"system.memory.state"})),
    "system.memory.utilization": (GAUGE, "1", frozenset({"system.memory.state"})),
    "system.memory.limit": (UDC, "By", frozenset()),
    "system.memory.linux.available": (UDC, "By", frozenset()),
    "system.memory.linux.slab.usage": (UDC, "By", frozenset({"system.memory.linux.slab.state"})),
    "system.paging.usage": (UDC, "By", frozenset({"system.paging.state", "system.device"})),
    "system.paging.utilization": (GAUGE, "1", frozenset({"system.paging.state", "system.device"})),
    "system.paging.faults": (COUNTER, "{fault}", frozenset({"system.paging.fault.type"})),
    "system.paging.operations": (
        COUNTER, "{operation}", frozenset({"system.paging.fault.type", "system.paging.direction"})
    ),
    "system.disk.io": (COUNTER, "By", frozenset({"system.device", "disk.io.direction"})),
    "system.disk.operations": (COUNTER, "{operation}", frozenset({"system.device", "disk.io.direction"})),
    "system.disk.io_time": (COUNTER, "s", frozenset({"system.device"})),
    "system.disk.operation_time": (COUNTER, "s", frozenset({"system.device", "disk.io.direction"})),
    "system.disk.merged": (COUNTER, "{operation}", frozenset({"system.device", "disk.io.direction"})),
    "system.filesystem.usage": (UDC, "By", frozenset({
        "system.device", "system.filesystem.state", "system.filesystem.type", "system.filesystem.mode",
        "system.filesystem.mountpoint",
    })),
    "system.filesystem.utilization": (GAUGE, "1", frozenset({
        "system.device", "system.filesystem.state", "system.filesystem.type", "system.filesystem.mode",
        "system.filesystem.mountpoint",
    })),
    "system.filesystem.limit": (UDC, "By", frozenset({
        "system.device", "system.filesystem.type", "system.filesystem.mode", "system.filesystem.mountpoint",
    })),
    "system.filesystem.inodes.usage": (UDC, "{inode}", frozenset({
        "system.device", "system.filesystem.state", "system.filesystem.type", "system.filesystem.mode",
        "system.filesystem.mountpoint",
    })),
    "system.network.io": (COUNTER, "By", frozenset({"network.interface.name", "network.io.direction"})),
    "system.network.errors": (COUNTER, "{error}", frozenset({"network.interface.name", "network.io.direction"})),
    "system.network.packet.dropped": (
        COUNTER, "{packet}", frozenset({"network.interface.name", "network.io.direction"})
    ),
    "system.network.packet.count": (COUNTER, "{packet}", frozenset({"system.device", "network.io.direction"})),
    "system.network.connection.count": (
        UDC, "{connection}", frozenset({"network.connection.state", "network.transport"})
    ),
    "system.process.count": (UDC, "{process}", frozenset({"process.state"})),
    "system.process.created": (COUNTER, "{process}", frozenset()),
    "system.uptime": (GAUGE, "s", frozenset()),
}  # fmt: skip


def make_ctx(root: str | Path) -> PluginContext:
    """A plugin context whose host root is ``root`` (the collectors use nothing else of it)."""
    return PluginContext(config=None, host=HostFS(str(root)), resource=Resource(), state_dir="/nonexistent")  # type: ignore[arg-type]


class Harness:
    """Builds a collector over a host root and runs it through the real CollectorRunner."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.made: list[Any] = []

    def runner(self, cls: Callable[..., Any], settings: Any, **kwargs: Any) -> CollectorRunner:
        collector = cls(settings, make_ctx(self.root), **kwargs)
        self.made.append(collector)
        return CollectorRunner("test", collector, Scope("test"), Resource())

    def batch(self, cls: Callable[..., Any], settings: Any, **kwargs: Any) -> Batch:
        return self.runner(cls, settings, **kwargs).run()

    def close(self) -> None:
        for c in self.made:
            close = getattr(c, "close", None)
            if close is not None:
                close()


def series(batch: Batch, name: str) -> dict[AttrKey, float]:
    """``{attributes: value}`` of one metric in a batch (empty if absent)."""
    m = batch.metric(name)
    return {} if m is None else {p.attributes: p.value for p in m.points}


def kv(**attrs: Any) -> AttrKey:
    """An attribute key from keyword arguments; ``__`` stands for ``.`` in the names."""
    return tuple(sorted((k.replace("__", "."), v) for k, v in attrs.items()))
