"""A plugin with a bug: its registration hook raises."""

from __future__ import annotations

from sysagent import Registry, hookimpl


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    settings: dict[str, str] = {}
    registry.add_collector(settings["name"], object)
