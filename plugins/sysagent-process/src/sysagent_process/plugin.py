"""The plugin module named by the ``sysagent`` entry point: registers the ``process`` collector."""

from __future__ import annotations

from sysagent import Registry, hookimpl
from sysagent_process.collector import ProcessCollector
from sysagent_process.settings import ProcessSettings


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("process", ProcessCollector, settings=ProcessSettings, interval=30)
