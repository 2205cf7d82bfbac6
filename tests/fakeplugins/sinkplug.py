"""Registers the in-memory sink as ``memory`` so agent tests can see batches."""

from __future__ import annotations

from sysagent import Registry, hookimpl
from sysagent.testing import InMemorySink

SINKS: list[InMemorySink] = []


def make(settings: object, ctx: object) -> InMemorySink:
    sink = InMemorySink()
    SINKS.append(sink)
    return sink


@hookimpl
def sysagent_sinks(registry: Registry) -> None:
    registry.add_sink("memory", make)
