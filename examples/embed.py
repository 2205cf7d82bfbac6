"""Embedding sysagent in your own program: collect once, then run in the background.

Run it as ``python examples/embed.py``. It prints a few host figures from a
snapshot, then runs the agent for two seconds with an in-process sink.
"""

from __future__ import annotations

import time

from sysagent import Agent, Batch, ExportResult, Registry, hookimpl


class PrintingSink:
    """A sink that prints how many points each batch carried."""

    def __init__(self, settings: object, ctx: object) -> None:
        self.batches = 0

    def export(self, batch: Batch) -> ExportResult:
        self.batches += 1
        print(f"batch from {batch.collector}: {batch.point_count} points")
        return ExportResult.SUCCESS

    def force_flush(self, timeout: float = 10.0) -> bool:
        return True

    def shutdown(self, timeout: float = 10.0) -> None:
        print(f"sink received {self.batches} batches")


class EmbedPlugin:
    """A plugin can be any object; this one registers the sink above."""

    name = "embed"

    @hookimpl
    def sysagent_sinks(self, registry: Registry) -> None:
        registry.add_sink("printing", PrintingSink)


def main() -> None:
    config = {
        "collectors": {"cpu": {"interval": "1s"}, "memory": {"interval": "1s"}},
        "sinks": {},
        "plugins": {"autoload": False},
        # An embedded agent needs no local /status endpoint of its own.
        "agent": {"status": {"enabled": False}},
    }
    agent = Agent.from_config(config)
    snapshot = agent.collect_once()
    memory = snapshot.metric("system.memory.utilization")
    if memory is not None:
        used = next(p.value for p in memory.points if dict(p.attributes).get("system.memory.state") == "used")
        print(f"memory used: {used:.1%}")
    print(f"host: {snapshot.resource.get('host.name')}, {len(snapshot.batches)} collectors")

    with Agent.from_config({**config, "sinks": {"printing": {}}}, plugins=[EmbedPlugin()]) as running:
        time.sleep(2)
    print(f"collected by {len(running.runners)} collectors")


if __name__ == "__main__":
    main()
