"""What plugins register into: collectors, sinks, alert channels and evaluators.

The hooks in :mod:`sysagent.hookspecs` hand each plugin a :class:`Registry`; the
plugin adds factories, each with the pydantic model of its settings. The agent
later validates the config section of each name against that model and calls
the factory with the validated settings and a :class:`PluginContext`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sysagent.derive import Derivation
from sysagent.hostfs import HostFS
from sysagent.model import Attributes, Batch, ExportResult, MetricSpec, Observation, Resource
from sysagent.settings import CollectorSettings, PluginSettings, SinkSettings

if TYPE_CHECKING:
    from sysagent.config import Config


@runtime_checkable
class Collector(Protocol):
    """A source of observations. ``metrics`` declares every metric it may return.

    Optional attributes the framework honours: ``derive`` (a sequence of
    :mod:`sysagent.derive` derivations), ``counter_start_ns`` (start time for its
    counters, e.g. boot time) and ``close()``.
    """

    metrics: Sequence[MetricSpec]

    def collect(self) -> Iterable[Observation] | Iterable[tuple[str, float, Attributes]]:
        """Return this cycle's observations (or plain ``(name, value, attributes)`` tuples,
        which cost less to build). May raise; the framework isolates it."""
        ...


@runtime_checkable
class Sink(Protocol):
    """A destination for batches, after the OpenTelemetry SDK's exporter contract.

    ``export`` is called from collection threads and must not block for long:
    a sink that talks to the network queues the batch and sends it elsewhere.
    """

    def export(self, batch: Batch) -> ExportResult: ...

    def force_flush(self, timeout: float = 10.0) -> bool: ...

    def shutdown(self, timeout: float = 10.0) -> None: ...


@dataclass(frozen=True)
class PluginContext:
    """What a factory gets besides its settings."""

    config: Config
    host: HostFS
    resource: Resource
    state_dir: str
    #: The registry of all plugins (the alert plugin looks up channel types here).
    registry: Registry | None = None
    #: Arbitrary shared services (e.g. the agent's self-metrics); keyed by name.
    services: dict[str, Any] = field(default_factory=dict)


Factory = Callable[[Any, PluginContext], Any]


@dataclass(frozen=True)
class Entry:
    """One registered factory.

    ``interval``/``timeout`` only apply to collectors; ``interval`` 0 means once at start.
    """

    kind: str
    name: str
    factory: Factory
    settings: type[PluginSettings]
    plugin: str
    interval: float = 0.0
    timeout: float | None = None
    default_enabled: bool = True


class Registry:
    """Collects registrations from all plugins; names are unique per kind."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Entry]] = {"collector": {}, "sink": {}, "channel": {}, "evaluator": {}}
        self.current_plugin = ""

    def _add(self, entry: Entry) -> None:
        table = self.entries[entry.kind]
        if entry.name in table:
            other = table[entry.name].plugin
            raise ValueError(f"{entry.kind} {entry.name!r} is registered by both {other!r} and {entry.plugin!r}")
        table[entry.name] = entry

    def add_collector(
        self,
        name: str,
        factory: Factory,
        *,
        settings: type[CollectorSettings] = CollectorSettings,
        interval: float = 5.0,
        timeout: float | None = None,
    ) -> None:
        """Register a collector. ``interval`` is the default in seconds (0: once at start,
        and its observations become resource attributes)."""
        self._add(Entry("collector", name, factory, settings, self.current_plugin, interval, timeout))

    def add_sink(
        self,
        name: str,
        factory: Factory,
        *,
        settings: type[SinkSettings] = SinkSettings,
        default_enabled: bool = False,
    ) -> None:
        """Register a sink. It runs when named under ``sinks:`` in the config, or, when
        the config has no ``sinks:`` section, when ``default_enabled`` is true."""
        self._add(Entry("sink", name, factory, settings, self.current_plugin, default_enabled=default_enabled))

    def add_alert_channel(self, name: str, factory: Factory, *, settings: type[PluginSettings]) -> None:
        """Register an alert notification channel type (slack, email, ...)."""
        self._add(Entry("channel", name, factory, settings, self.current_plugin))

    def add_alert_evaluator(self, name: str, factory: Factory, *, settings: type[PluginSettings]) -> None:
        """Register an alert evaluator: something that turns batches into alert states."""
        self._add(Entry("evaluator", name, factory, settings, self.current_plugin))

    def collectors(self) -> dict[str, Entry]:
        return self.entries["collector"]

    def sinks(self) -> dict[str, Entry]:
        return self.entries["sink"]

    def by_plugin(self, plugin: str) -> list[Entry]:
        return [e for table in self.entries.values() for e in table.values() if e.plugin == plugin]


def bind(cls: type[Any]) -> Factory:
    """A factory for a class whose constructor takes ``(settings, context)``."""
    return lambda settings, ctx: cls(settings, ctx)


__all__ = ["Collector", "Derivation", "Entry", "Factory", "PluginContext", "Registry", "Sink", "bind"]
