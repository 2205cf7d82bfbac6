"""What plugins register into: collectors, sinks, and kinds plugins define themselves.

The hooks in :mod:`sysagent.hookspecs` hand each plugin a :class:`Registry`; the
plugin adds factories, each with the pydantic model of its settings. The agent
later validates the config section of each name against that model and calls
the factory with the validated settings and a :class:`PluginContext`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    Optional: ``tick_end()``, called from a collection thread once every batch
    of a scheduler tick was exported (a sink that coalesces a tick's batches
    writes them then); it must not block either.
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
    #: The sinks built so far, by name: collectors are built after the sinks, so a
    #: plugin's collector can report on its own sink (the alert plugin's state metric).
    sinks: Mapping[str, Any] = field(default_factory=dict)


Factory = Callable[[Any, PluginContext], Any]
#: What a plugin needs importable: ``(module, pip requirement)`` pairs, or a function of
#: its validated settings returning them (e.g. grpcio only for ``protocol: grpc``).
Requires = Sequence[tuple[str, str]] | Callable[[Any], Iterable[tuple[str, str]]]


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
    #: A sink configured by a top-level config section of this name instead of ``sinks.<name>``.
    section: str | None = None
    requires: Requires = ()

    def requirements(self, settings: Any) -> list[tuple[str, str]]:
        """The ``(module, pip requirement)`` pairs this entry needs with these settings."""
        return list(self.requires(settings) if callable(self.requires) else self.requires)


class Registry:
    """Collects registrations from all plugins; names are unique per kind."""

    def __init__(self, owners: Mapping[Any, str] | None = None) -> None:
        self.entries: dict[str, dict[str, Entry]] = {"collector": {}, "sink": {}}
        #: hook implementation code objects -> plugin name, to know who registers what
        self.owners: Mapping[Any, str] = owners or {}

    @property
    def current_plugin(self) -> str:
        """The plugin whose hook implementation is registering right now.

        Registration hooks are called through pluggy (so wrappers, ``tryfirst`` and
        implementations taking fewer arguments work as pluggy documents); the caller
        is found on the stack among the known hook implementations.
        """
        frame = sys._getframe(1)
        while frame is not None:
            owner = self.owners.get(frame.f_code)
            if owner is not None:
                return owner
            frame = frame.f_back  # type: ignore[assignment]
        return ""

    def _add(self, entry: Entry) -> None:
        table = self.entries.setdefault(entry.kind, {})
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
        requires: Requires = (),
    ) -> None:
        """Register a collector. ``interval`` is the default in seconds (0: once at start,
        and its observations become resource attributes). A factory may return None:
        the collector then does not run (e.g. its plugin's sink is off)."""
        self._add(
            Entry("collector", name, factory, settings, self.current_plugin, interval, timeout, requires=requires)
        )

    def add_sink(
        self,
        name: str,
        factory: Factory,
        *,
        settings: type[PluginSettings] = SinkSettings,
        default_enabled: bool = False,
        section: str | None = None,
        requires: Requires = (),
    ) -> None:
        """Register a sink. It runs when named under ``sinks:`` in the config, or, when
        the config has no ``sinks:`` section, when ``default_enabled`` is true.

        With ``section``, the sink owns that top-level config section instead (as
        the alert plugin owns ``alerts:``): it is validated by ``settings`` and the
        sink runs unless the section says ``enabled: false``.
        ``requires`` names the modules it needs importable, with what to install.
        """
        entry = Entry(
            "sink", name, factory, settings, self.current_plugin,
            default_enabled=default_enabled, section=section, requires=requires,
        )  # fmt: skip
        self._add(entry)

    def add(self, kind: str, name: str, factory: Factory, *, settings: type[PluginSettings] = PluginSettings) -> None:
        """Register a factory of a kind a plugin defines itself (the alert plugin's
        ``alert_channel``); that plugin looks them up with :meth:`of_kind`."""
        if kind in ("collector", "sink"):
            raise ValueError(f"use add_{kind}() to register a {kind}")
        self._add(Entry(kind, name, factory, settings, self.current_plugin))

    def of_kind(self, kind: str) -> dict[str, Entry]:
        """Every entry of ``kind`` (``collector``, ``sink`` or a plugin's own kind), in load order."""
        return self.entries.get(kind, {})

    def collectors(self) -> dict[str, Entry]:
        return self.entries["collector"]

    def sinks(self) -> dict[str, Entry]:
        return self.entries["sink"]

    def sections(self) -> dict[str, Entry]:
        """Top-level config sections owned by plugins' sinks (``alerts`` ...), by section name."""
        return {e.section: e for e in self.entries["sink"].values() if e.section}

    def reorder(self, plugins: Sequence[str]) -> None:
        """Order every table by the plugins' load order (pluggy calls the last registered first)."""
        rank = {name: i for i, name in enumerate(plugins)}
        for kind, table in self.entries.items():
            self.entries[kind] = dict(sorted(table.items(), key=lambda kv: rank.get(kv[1].plugin, len(rank))))

    def by_plugin(self, plugin: str) -> list[Entry]:
        return [e for table in self.entries.values() for e in table.values() if e.plugin == plugin]


def bind(cls: type[Any]) -> Factory:
    """A factory for a class whose constructor takes ``(settings, context)``."""
    return lambda settings, ctx: cls(settings, ctx)


__all__ = ["Collector", "Derivation", "Entry", "Factory", "PluginContext", "Registry", "Sink", "bind"]
