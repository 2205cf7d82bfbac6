"""The built-in sinks: where batches go. Each module here is a plugin of its own.

The plugin manager imports these modules (in this order) and calls their
``sysagent_sinks`` hook; a module must stay cheap to import, so a sink's heavy
dependencies (prometheus_client, grpc) are imported when the sink is created.
"""

from __future__ import annotations

BUILTIN_SINKS: tuple[str, ...] = (
    "sysagent.sinks.console",
    "sysagent.sinks.file",
    "sysagent.sinks.prometheus",
    "sysagent.sinks.otlp",
)

__all__ = ["BUILTIN_SINKS"]
