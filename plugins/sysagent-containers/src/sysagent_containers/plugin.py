"""The plugin module named by the ``sysagent`` entry point: registers the ``containers`` collector."""

from __future__ import annotations

from sysagent import Registry, hookimpl
from sysagent_containers.collector import ContainersCollector
from sysagent_containers.settings import ContainersSettings


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("containers", ContainersCollector, settings=ContainersSettings, interval=10)
