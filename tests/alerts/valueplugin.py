"""A tiny collector plugin for the end-to-end tests: reports the number written in a file.

Load it with ``plugins: {modules: [alerts.valueplugin]}`` (tests/ on PYTHONPATH).
A missing or empty file reports nothing, which is how a test makes data go missing.
"""

from __future__ import annotations

from collections.abc import Iterator

from sysagent import CollectorSettings, Observation, PluginContext, Registry, gauge, hookimpl

VALUE = gauge("test.file.value", "1", "The number in the file")


class FileValueSettings(CollectorSettings):
    path: str


class FileValue:
    metrics = (VALUE,)

    def __init__(self, settings: FileValueSettings, ctx: PluginContext) -> None:
        self.path = settings.path

    def collect(self) -> Iterator[Observation]:
        try:
            with open(self.path) as f:
                text = f.read().strip()
        except FileNotFoundError:
            return
        if text:
            yield Observation(VALUE.name, float(text), (("source", "file"),))


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("filevalue", FileValue, settings=FileValueSettings, interval=1.0)
