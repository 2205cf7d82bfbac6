"""A collector whose counter rises by a known step each collection."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from sysagent import CollectorSettings, Observation, PluginContext, Registry, counter, gauge, hookimpl


class CountingSettings(CollectorSettings):
    step: int = 10


class Counting:
    metrics = (counter("test.ticks", "{tick}", integer=True), gauge("test.level", "1"))

    def __init__(self, settings: CountingSettings, ctx: PluginContext) -> None:
        self._values = itertools.count(0, settings.step)

    def collect(self) -> Iterator[Observation]:
        yield Observation("test.ticks", next(self._values), {"kind": "a"})
        yield Observation("test.level", 0.5)


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("counting", Counting, settings=CountingSettings, interval=1.0)
