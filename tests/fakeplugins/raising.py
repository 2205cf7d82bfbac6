"""A collector that always raises."""

from __future__ import annotations

from collections.abc import Iterator

from sysagent import CollectorSettings, Observation, PluginContext, Registry, gauge, hookimpl


class Raising:
    metrics = (gauge("test.raising", "1"),)

    def __init__(self, settings: CollectorSettings, ctx: PluginContext) -> None:
        pass

    def collect(self) -> Iterator[Observation]:
        raise OSError("sensor unplugged")


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("raising", Raising, interval=0.2)
