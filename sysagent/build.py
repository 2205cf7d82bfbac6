"""Building an agent: from a validated config to every component, in two steps.

:func:`plan` loads the plugins and validates every section of the config
against the settings model its plugin registered (top-level sections a plugin
owns included), checks that each configured plugin's optional dependencies
import, and touches nothing: ``sysagent config validate`` is exactly this step.
:func:`construct` then calls the factories (sinks first, so a plugin's collector
can see its own sink) without starting anything; a component whose settings did
not change is taken from the running agent instead of being built again.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sysagent import config as config_mod
from sysagent import plugins as plugins_mod
from sysagent.errors import ConfigError, PluginError
from sysagent.hostfs import HostFS
from sysagent.model import AttrValue, Resource, Scope
from sysagent.registry import Entry, PluginContext
from sysagent.runner import CollectorRunner

Resolved = dict[str, tuple[Entry, Any]]


@dataclass
class Plan:
    """A config checked against the loaded plugins; nothing built yet."""

    config: config_mod.Config
    plugins: plugins_mod.LoadedPlugins
    host: HostFS
    collectors: Resolved
    sinks: Resolved


@dataclass
class Components:
    """What the factories made: sinks and collector runners, none of them started."""

    resource: Resource
    context: PluginContext
    sinks: dict[str, Any] = field(default_factory=dict)
    #: name -> (runner, interval, timeout); once-at-start collectors are not here
    runners: dict[str, tuple[CollectorRunner, float, float]] = field(default_factory=dict)
    #: what was built here (not carried over): closed again if building fails
    new_sinks: list[str] = field(default_factory=list)
    new_collectors: list[Any] = field(default_factory=list)


def plan(config: config_mod.Config, *, builtins: tuple[str, ...], objects: Sequence[object] = ()) -> Plan:
    """Load plugins and validate every section: everything ``run`` checks, without side effects."""
    plugins = plugins_mod.load(config.plugins, source=config.source, builtins=builtins, objects=objects)
    registry = plugins.registry
    sections = registry.sections()
    for name in config.sections():
        if name not in sections:
            known = [*config_mod.Config.model_fields, *sections]
            raise ConfigError(f"unknown section {name!r}{config_mod.suggest(name, known)}", source=config.source)
    context = {"registry": registry, "host": HostFS(config.agent.host_root)}
    collectors = {
        name: (entry, _validate(config, entry, config.collectors.get(name), f"collectors.{name}", context))
        for name, entry in registry.collectors().items()
    }
    for name in config.collectors:
        if name not in collectors:
            hint = config_mod.suggest(name, list(collectors))
            raise ConfigError(f"unknown collector {name!r}{hint}", source=config.source, field=f"collectors.{name}")
    sinks = _resolve_sinks(config, plugins, context)
    for kind, resolved in (("collectors", collectors), ("sinks", sinks)):
        for name, (entry, settings) in resolved.items():
            where = entry.section or f"{kind}.{name}"
            _check_requirements(config, entry, settings, where)
    return Plan(config, plugins, HostFS(config.agent.host_root), collectors, sinks)


def _resolve_sinks(config: config_mod.Config, plugins: plugins_mod.LoadedPlugins, context: dict[str, Any]) -> Resolved:
    available = plugins.registry.sinks()
    wanted = config.sinks
    if wanted is None:
        wanted = {n: None for n, e in available.items() if e.default_enabled and not e.section}
    out: Resolved = {}
    for name, raw in wanted.items():
        entry = available.get(name)
        if entry is None:
            hint = config_mod.suggest(name, [n for n, e in available.items() if not e.section])
            raise ConfigError(f"unknown sink {name!r}{hint}", source=config.source, field=f"sinks.{name}")
        if entry.section:
            raise ConfigError(f"configure it under '{entry.section}:'", source=config.source, field=f"sinks.{name}")
        out[name] = (entry, _validate(config, entry, raw, f"sinks.{name}", context))
    sections = config.sections()
    for name, entry in available.items():
        if entry.section:
            settings = _validate(config, entry, sections.get(entry.section), entry.section, context)
            if getattr(settings, "enabled", True):
                out[name] = (entry, settings)
    return out


def _validate(
    config: config_mod.Config, entry: Entry, raw: Mapping[str, Any] | None, prefix: str, context: dict[str, Any]
) -> Any:
    return config_mod.validate_section(entry.settings, raw, source=config.source, prefix=prefix, context=context)


def _check_requirements(config: config_mod.Config, entry: Entry, settings: Any, where: str) -> None:
    try:
        needed = entry.requirements(settings)
    except ConfigError as e:
        raise e.with_source(config.source) from None
    for module, requirement in needed:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise ConfigError(f"{where} needs {module}: pip install '{requirement}'", source=config.source)


def construct(p: Plan, previous: Any = None, *, sinks: bool = True) -> Components:
    """Call the factories of everything the plan enables; start nothing.

    ``previous`` (a running Agent) lends the sinks and collectors whose entry and
    settings are unchanged. ``sinks=False`` builds the collectors only (a snapshot).
    On failure, what this call built is closed again.
    """
    resource = _resource(p)
    context = PluginContext(p.config, p.host, resource, p.config.agent.state_dir, p.plugins.registry)
    made = Components(resource, context)
    try:
        _construct(p if sinks else _without_sinks(p), previous, made)
    except BaseException:
        discard(made)
        raise
    return made


def _construct(p: Plan, previous: Any, made: Components) -> None:
    sinks: dict[str, Any] = {}
    made.context = PluginContext(
        made.context.config, made.context.host, made.resource, made.context.state_dir, made.context.registry,
        sinks=sinks,
    )  # fmt: skip
    for name, (entry, settings) in p.sinks.items():
        old = previous.sinks.get(name) if previous is not None else None
        if old is not None and _same(previous.sink_settings.get(name), (entry, settings)):
            sinks[name] = old
            continue
        sink = _make(p, entry, settings, made.context, entry.section or f"sinks.{name}")
        if sink is None:
            continue
        sinks[name] = sink
        made.new_sinks.append(name)
    made.sinks = sinks
    for name, (entry, settings) in p.collectors.items():
        interval = _interval(entry, settings)
        if interval == 0 or not getattr(settings, "enabled", True):
            continue
        before = previous.runners.get(name) if previous is not None else None
        if before is not None and _same(previous.collector_settings.get(name), (entry, settings)):
            before[0].resource = made.resource
            made.runners[name] = (before[0], interval, _timeout(p, entry, settings, interval))
            continue
        collector = _make(p, entry, settings, made.context, f"collectors.{name}")
        if collector is None:
            continue
        made.new_collectors.append(collector)
        info = p.plugins.info(entry.plugin)
        runner = CollectorRunner(name, collector, Scope(info.module, info.version), made.resource)
        made.runners[name] = (runner, interval, _timeout(p, entry, settings, interval))


def _without_sinks(p: Plan) -> Plan:
    return Plan(p.config, p.plugins, p.host, p.collectors, {})


def discard(made: Components) -> None:
    """Close what :func:`construct` built (not what it carried over)."""
    for name in made.new_sinks:
        with contextlib.suppress(Exception):  # closing a half-built agent must not hide why it failed
            made.sinks[name].shutdown(1.0)
    for collector in made.new_collectors:
        close(collector)


def _resource(p: Plan) -> Resource:
    from sysagent import resource as resource_mod

    attrs: dict[str, AttrValue] = resource_mod.detect(p.host, {})
    for extra in p.plugins.call("sysagent_resource", config=p.config):
        if extra:
            attrs.update(extra)
    attrs.update(p.config.agent.resource)
    attrs.update(_static_facts(p, Resource(tuple(sorted(attrs.items())))))
    return Resource(tuple(sorted(attrs.items())))


def _static_facts(p: Plan, resource: Resource) -> dict[str, AttrValue]:
    """Run the once-at-start collectors; their values become resource attributes."""
    ctx = PluginContext(p.config, p.host, resource, p.config.agent.state_dir, p.plugins.registry)
    facts: dict[str, AttrValue] = {}
    for name, (entry, settings) in p.collectors.items():
        if _interval(entry, settings) != 0 or not getattr(settings, "enabled", True):
            continue
        collector = _make(p, entry, settings, ctx, f"collectors.{name}")
        if collector is None:
            continue
        try:
            for obs in collector.collect():
                facts[obs[0] if isinstance(obs, tuple) else obs.name] = obs[1] if isinstance(obs, tuple) else obs.value
        except Exception as e:  # a fact that cannot be read is left out, not fatal
            import logging

            logging.getLogger("sysagent").error("collector %r failed: %s: %s", name, type(e).__name__, e)
        finally:
            close(collector)
    return facts


def _make(p: Plan, entry: Entry, settings: Any, ctx: PluginContext, field: str) -> Any:
    try:
        return entry.factory(settings, ctx)
    except ConfigError as e:
        raise e.with_source(p.config.source) from None
    except (ValueError, OSError) as e:
        raise ConfigError(str(e), source=p.config.source, field=field) from None
    except Exception as e:
        raise PluginError(entry.plugin, f"building {field}", e) from e


def _interval(entry: Entry, settings: Any) -> float:
    interval = getattr(settings, "interval", None)
    return float(entry.interval if interval is None else interval)


def _timeout(p: Plan, entry: Entry, settings: Any, interval: float) -> float:
    timeout = getattr(settings, "timeout", None) or entry.timeout or p.config.agent.collection_timeout
    return float(timeout or interval)


def _same(a: tuple[Entry, Any] | None, b: tuple[Entry, Any] | None) -> bool:
    """Same plugin entry and equal settings (pydantic models compare by value)."""
    return a is not None and b is not None and a[0].factory is b[0].factory and a[1] == b[1]


def close(component: Any) -> None:
    """Call a collector's optional ``close()``."""
    closer = getattr(component, "close", None)
    if callable(closer):
        closer()
