"""Loading plugins, in a documented order, into one pluggy plugin manager.

Load order (later plugins' hooks are called first by pluggy, but registrations
are made in this order, and :func:`load` records it):

1. the built-in plugins, in the order of :data:`BUILTIN_PLUGINS`;
2. modules named in the config's ``plugins.modules``, in the order listed;
3. plugin objects passed to ``Agent(..., plugins=[...])`` by an embedding program;
4. entry points of the ``sysagent`` group, sorted by name, unless
   ``plugins.autoload`` is false or ``SYSAGENT_DISABLE_PLUGIN_AUTOLOAD`` is set.

A plugin named in ``plugins.disable`` is not registered at all. A misspelled hook
(a ``sysagent_*`` function pluggy does not know) fails start-up.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy

from sysagent import hookspecs
from sysagent._version import __version__
from sysagent.collectors import BUILTIN_COLLECTORS
from sysagent.config import PluginsSection, suggest
from sysagent.errors import ConfigError
from sysagent.markers import PROJECT
from sysagent.registry import Registry
from sysagent.sinks import BUILTIN_SINKS

#: Every built-in plugin module, in load order: the collectors, the agent's own
#: metrics, the sinks, then the alert plugin.
BUILTIN_PLUGINS: tuple[str, ...] = (
    *BUILTIN_COLLECTORS,
    "sysagent.selfmetrics",
    *BUILTIN_SINKS,
    "sysagent.alerts.plugin",
)

AUTOLOAD_ENV = "SYSAGENT_DISABLE_PLUGIN_AUTOLOAD"
_REGISTRATION_HOOKS = ("sysagent_collectors", "sysagent_sinks", "sysagent_alert_channels", "sysagent_alert_evaluators")


@dataclass(frozen=True)
class PluginInfo:
    """One loaded plugin: its name, where it came from, and its version if known."""

    name: str
    source: str  # "built-in", "module", or "entry point (dist version)"
    module: str
    version: str = ""


@dataclass
class LoadedPlugins:
    """The plugin manager, what was loaded (in order), and what it registered."""

    manager: pluggy.PluginManager
    registry: Registry
    loaded: list[PluginInfo] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)

    @property
    def hook(self) -> Any:
        return self.manager.hook

    def info(self, name: str) -> PluginInfo:
        for p in self.loaded:
            if p.name == name:
                return p
        return PluginInfo(name, "unknown", name)


def builtin_name(module: str) -> str:
    """A built-in plugin's name: the last part of its module name (``cpu``, ``otlp``)."""
    return module.rsplit(".", 1)[-1] if not module.endswith(".plugin") else module.split(".")[-2]


def autoload_enabled(section: PluginsSection) -> bool:
    return section.autoload and not os.environ.get(AUTOLOAD_ENV)


def load(
    section: PluginsSection,
    *,
    source: str = "<config>",
    builtins: tuple[str, ...] = BUILTIN_PLUGINS,
    objects: Sequence[object] = (),
) -> LoadedPlugins:
    """Create the plugin manager, register plugins in order and collect registrations."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    result = LoadedPlugins(pm, Registry())
    disabled = set(section.disable)
    candidates: list[tuple[str, str, Any, str]] = [(builtin_name(m), "built-in", m, __version__) for m in builtins]
    candidates += [(m, "module", m, "") for m in section.modules]
    candidates += [(_object_name(o), "object", o, "") for o in objects]
    if autoload_enabled(section):
        for ep in sorted(entry_points(group=PROJECT), key=lambda e: e.name):
            dist = f" ({ep.dist.name} {ep.dist.version})" if ep.dist else ""
            candidates.append((ep.name, f"entry point{dist}", ep, ep.dist.version if ep.dist else ""))
    for name, origin, target, version in candidates:
        if name in disabled:
            result.disabled.append(name)
            continue
        plugin = _import(name, target, source)
        try:
            pm.register(plugin, name=name)
        except ValueError as e:
            raise ConfigError(f"plugin {name!r} cannot be registered: {e}", source=source, field="plugins") from None
        module = target if isinstance(target, str) else getattr(target, "value", type(target).__module__)
        version = version or str(getattr(plugin, "__version__", ""))
        result.loaded.append(PluginInfo(name, origin, module, version))
    unknown = disabled - {c[0] for c in candidates}
    if unknown:
        bad = sorted(unknown)[0]
        raise ConfigError(
            f"unknown plugin {bad!r}{suggest(bad, [c[0] for c in candidates])}", source=source, field="plugins.disable"
        )
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as e:
        name = pm.get_name(e.plugin) or "?"
        raise ConfigError(f"plugin {name!r}: {e}", source=source, field="plugins") from None
    for hook_name in _REGISTRATION_HOOKS:
        _call_registration(pm, hook_name, result.registry, source)
    return result


def _object_name(plugin: object) -> str:
    return str(getattr(plugin, "name", None) or type(plugin).__name__.lower())


def _import(name: str, target: Any, source: str) -> ModuleType | Any:
    try:
        if isinstance(target, str):
            return importlib.import_module(target)
        if not isinstance(target, EntryPoint):
            return target
        return target.load()
    except Exception as e:  # a broken plugin is a start-up error, not a traceback
        raise ConfigError(f"plugin {name!r} failed to import: {type(e).__name__}: {e}", source=source) from None


def _call_registration(pm: pluggy.PluginManager, hook_name: str, registry: Registry, source: str) -> None:
    """Call one registration hook plugin by plugin, in load order, noting who registered what."""
    hook = getattr(pm.hook, hook_name)
    for impl in hook.get_hookimpls():  # registration order (pluggy calls them in reverse)
        registry.current_plugin = impl.plugin_name
        try:
            impl.function(registry=registry)
        except ValueError as e:
            raise ConfigError(str(e), source=source, field="plugins") from None
    registry.current_plugin = ""
