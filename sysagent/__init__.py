"""sysagent: a pluggable host-metrics agent that speaks OTLP.

The public API. Everything not listed in ``__all__`` is private and may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sysagent._version import __version__
from sysagent.derive import Utilization
from sysagent.hostfs import HostFS
from sysagent.markers import hookimpl
from sysagent.model import (
    Batch,
    ExportResult,
    MetricData,
    MetricKind,
    MetricSpec,
    Observation,
    Point,
    Resource,
    Scope,
    Snapshot,
    counter,
    gauge,
    updowncounter,
)
from sysagent.registry import Collector, PluginContext, Registry, Sink
from sysagent.settings import CollectorSettings, Duration, PluginSettings, SinkSettings

if TYPE_CHECKING:
    from sysagent.agent import Agent
    from sysagent.errors import ConfigError

__all__ = [
    "Agent",
    "Batch",
    "Collector",
    "CollectorSettings",
    "ConfigError",
    "Duration",
    "ExportResult",
    "HostFS",
    "MetricData",
    "MetricKind",
    "MetricSpec",
    "Observation",
    "PluginContext",
    "PluginSettings",
    "Point",
    "Registry",
    "Resource",
    "Scope",
    "Sink",
    "SinkSettings",
    "Snapshot",
    "Utilization",
    "__version__",
    "counter",
    "gauge",
    "hookimpl",
    "updowncounter",
]


def __getattr__(name: str) -> Any:
    # Agent and ConfigError pull in the config machinery; import them on first use
    # so that plugins importing sysagent for its markers and model stay cheap.
    if name == "Agent":
        from sysagent.agent import Agent

        return Agent
    if name == "ConfigError":
        from sysagent.errors import ConfigError

        return ConfigError
    raise AttributeError(f"module 'sysagent' has no attribute {name!r}")
