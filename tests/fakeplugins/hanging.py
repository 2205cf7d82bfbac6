"""A collector that hangs until RELEASE is set."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from sysagent import CollectorSettings, Observation, PluginContext, Registry, gauge, hookimpl

#: Set it to let the hanging collector return.
RELEASE = threading.Event()


class Hanging:
    metrics = (gauge("test.hanging", "1"),)

    def __init__(self, settings: CollectorSettings, ctx: PluginContext) -> None:
        pass

    def collect(self) -> Iterator[Observation]:
        RELEASE.wait(60)
        yield Observation("test.hanging", 1.0)


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("hanging", Hanging, interval=0.2, timeout=0.3)
