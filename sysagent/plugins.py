"""Loading plugins, in a documented order, into one pluggy plugin manager.

Load order (registrations and batches follow it):

1. the built-in plugins, in the order of :data:`BUILTIN_PLUGINS`;
2. modules named in the config's ``plugins.modules``, in the order listed;
3. plugin objects passed to ``Agent(..., plugins=[...])`` by an embedding program;
4. entry points of the ``sysagent`` group, sorted by name, unless
   ``plugins.autoload`` is false or ``SYSAGENT_DISABLE_PLUGIN_AUTOLOAD`` is set.

Then ``sysagent_addhooks`` lets plugins add hook specifications of their own,
a misspelled hook (a ``sysagent_*`` function pluggy does not know) fails, and
every hook whose only argument is ``registry`` is called through pluggy, so
hook wrappers, ``tryfirst``/``trylast`` and implementations that take fewer
arguments behave as pluggy documents. A plugin whose hook raises is named.
"""

from __future__ import annotations

import importlib
import os
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from sysagent import hookspecs
from sysagent._version import __version__
from sysagent.collectors import BUILTIN_COLLECTORS
from sysagent.config import PluginsSection, suggest
from sysagent.errors import ConfigError, PluginError
from sysagent.markers import PROJECT
from sysagent.registry import Registry
from sysagent.sinks import BUILTIN_SINKS

#: Every built-in plugin module, in load order: the collectors, the agent's own
#: metrics, the sinks, then the plugins that own a config section of their own.
BUILTIN_PLUGINS: tuple[str, ...] = (
    *BUILTIN_COLLECTORS,
    "sysagent.selfmetrics",
    *BUILTIN_SINKS,
    "sysagent.alerts.plugin",
)

AUTOLOAD_ENV = "SYSAGENT_DISABLE_PLUGIN_AUTOLOAD"


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

    def call(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a hook through pluggy; a plugin's exception becomes a :class:`PluginError` naming it."""
        hook = getattr(self.manager.hook, hook_name)
        try:
            return list(hook(**kwargs))
        except (ConfigError, KeyboardInterrupt):
            raise
        except Exception as e:
            raise PluginError(culprit(self.manager, hook_name, e), hook_name, e) from e


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
        pm.hook.sysagent_addhooks.call_historic(kwargs={"pluginmanager": pm})
    except Exception as e:
        raise PluginError(culprit(pm, "sysagent_addhooks", e), "sysagent_addhooks", e) from None
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as e:
        name = pm.get_name(e.plugin) or "?"
        raise ConfigError(f"plugin {name!r}: {e}", source=source, field="plugins") from None
    result.registry.owners = _owners(pm)
    for hook_name in registration_hooks(pm):
        try:
            result.call(hook_name, registry=result.registry)
        except PluginError as e:
            if isinstance(e.error, ValueError):  # a clash or a bad registration: the plugin's message
                raise ConfigError(str(e.error), source=source, field="plugins") from None
            raise
    result.registry.reorder([p.name for p in result.loaded])
    return result


def registration_hooks(pm: pluggy.PluginManager) -> list[str]:
    """Every hook whose only argument is ``registry``: sysagent's own first, then plugins' own."""
    names = []
    for name in dir(pm.hook):
        caller = getattr(pm.hook, name)
        spec = getattr(caller, "spec", None)
        if name.startswith("sysagent_") and spec is not None and tuple(spec.argnames) == ("registry",):
            names.append(name)
    own = [n for n in ("sysagent_collectors", "sysagent_sinks") if n in names]
    return own + sorted(set(names) - set(own))


def _owners(pm: pluggy.PluginManager) -> dict[types.CodeType, str]:
    """Code object of every hook implementation -> its plugin's name."""
    owners: dict[types.CodeType, str] = {}
    for name in dir(pm.hook):
        caller = getattr(pm.hook, name)
        if not name.startswith("sysagent_") or not hasattr(caller, "get_hookimpls"):
            continue
        for impl in caller.get_hookimpls():
            code = getattr(impl.function, "__code__", None)
            if code is not None:
                owners[code] = impl.plugin_name
    return owners


def culprit(pm: pluggy.PluginManager, hook_name: str, error: BaseException) -> str:
    """The plugin whose implementation of ``hook_name`` raised ``error`` (innermost on the traceback)."""
    impls: dict[types.CodeType, str] = {}
    caller = getattr(pm.hook, hook_name, None)
    for impl in caller.get_hookimpls() if caller is not None else ():
        code = getattr(impl.function, "__code__", None)
        if code is not None:
            impls[code] = impl.plugin_name
    found = "?"
    tb = error.__traceback__
    while tb is not None:
        found = impls.get(tb.tb_frame.f_code, found)
        tb = tb.tb_next
    return found


def _object_name(plugin: object) -> str:
    return str(getattr(plugin, "name", None) or type(plugin).__name__.lower())


def _import(name: str, target: Any, source: str) -> types.ModuleType | Any:
    try:
        if isinstance(target, str):
            return importlib.import_module(target)
        if not isinstance(target, EntryPoint):
            return target
        return target.load()
    except Exception as e:  # a broken plugin is a start-up error, not a traceback
        raise ConfigError(f"plugin {name!r} failed to import: {type(e).__name__}: {e}", source=source) from None


__all__: list[str] = ["BUILTIN_PLUGINS", "LoadedPlugins", "PluginInfo", "load"]
