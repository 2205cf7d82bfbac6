"""Every hook sysagent calls: the public reference for plugin authors.

A plugin is a module or object with functions named after these hooks and
marked ``@sysagent.hookimpl``. Built-in plugins and entry-point plugins (group
``sysagent``) are loaded the same way; see :mod:`sysagent.plugins` for the order.
Hooks are called at start-up, on reload and at shutdown, never per data point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from sysagent.agent import Agent
    from sysagent.config import Config
    from sysagent.model import AttrValue
    from sysagent.registry import Registry

hookspec = pluggy.HookspecMarker("sysagent")


@hookspec
def sysagent_collectors(registry: Registry) -> None:
    """Register collectors with ``registry.add_collector(name, factory, settings=..., interval=...)``.

    Called once when plugins are loaded, before the config is validated, so
    that ``collectors.<name>`` in the config can be checked against the settings
    model each collector brings. Returns nothing.
    """


@hookspec
def sysagent_sinks(registry: Registry) -> None:
    """Register sinks with ``registry.add_sink(name, factory, settings=...)``.

    Called once when plugins are loaded, before the config is validated. A sink
    runs when ``sinks.<name>`` is in the config (or by default, if it says so
    and the config has no ``sinks:`` section). Returns nothing.
    """


@hookspec
def sysagent_alert_channels(registry: Registry) -> None:
    """Register alert notification channel types with ``registry.add_alert_channel``.

    Called once when plugins are loaded. The alert plugin creates channels of
    these types from ``alerts.channels`` in the config. Returns nothing.
    """


@hookspec
def sysagent_alert_evaluators(registry: Registry) -> None:
    """Register alert evaluators with ``registry.add_alert_evaluator``.

    Called once when plugins are loaded. Returns nothing.
    """


@hookspec
def sysagent_resource(config: Config) -> Mapping[str, AttrValue] | None:
    """Return resource attributes to add to every batch, or None.

    Called once per start or reload, after the config is validated. Results are
    merged in load order; attributes from the config's ``agent.resource`` win.
    """


@hookspec(historic=True)
def sysagent_configured(config: Config) -> None:
    """See the final, validated config.

    Called after every successful load or reload, before collection starts. It is
    historic: a plugin registered later still receives the latest call. Returns nothing.
    """


@hookspec
def sysagent_started(agent: Agent) -> None:
    """Called once the agent's collectors and sinks run. Returns nothing."""


@hookspec
def sysagent_stopping(agent: Agent) -> None:
    """Called when the agent starts shutting down, before sinks are flushed. Returns nothing."""
