"""Every hook sysagent calls: the public reference for plugin authors.

A plugin is a module or object with functions named after these hooks and
marked ``@sysagent.hookimpl``. Built-in plugins and entry-point plugins (group
``sysagent``) are loaded the same way; see :mod:`sysagent.plugins` for the order.
Hooks are called at start-up, on reload and at shutdown, never per data point.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from sysagent.agent import Agent
    from sysagent.config import Config
    from sysagent.http.routes import Routes
    from sysagent.model import AttrValue
    from sysagent.registry import Registry

hookspec = pluggy.HookspecMarker("sysagent")


@hookspec(historic=True)
def sysagent_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Add hook specifications of your own with ``pluginmanager.add_hookspecs(module)``.

    Called once, after every plugin is registered and before hooks are checked.
    A hook you add whose only argument is ``registry`` is called at registration
    time like :func:`sysagent_collectors`: the alert plugin adds
    ``sysagent_alert_channels(registry)`` this way. Returns nothing.
    """


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


@hookspec
def sysagent_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sysagent`` sub-commands with ``subparsers.add_parser(name, help=...)``.

    Called when the command line is parsed, for every plugin that loads with the
    default config (entry points included). Set ``func`` on the parser with
    ``set_defaults(func=...)``: it gets the parsed arguments and returns the exit
    status; a :class:`sysagent.ConfigError` it raises is printed as one line.
    Returns nothing.
    """


@hookspec
def sysagent_http_routes(routes: Routes) -> None:
    """Add routes to the agent's status endpoint (127.0.0.1:9465) with ``routes.add(path, handler)``.

    Called each time the endpoint starts (at start-up and after a reload). A
    handler takes a :class:`sysagent.http.Request` (its ``agent`` is the running
    agent) and returns a :class:`sysagent.http.Response`; raising
    ``sysagent.http.HttpError(400, "one line")`` answers with that reason. A path
    ending in ``/`` serves everything under it; a path already served is an
    error. Put a plugin's API under ``/api/v1/<plugin>``. Returns nothing.
    """


@hookspec
def sysagent_status(agent: Agent) -> Mapping[str, object] | None:
    """Return sections for /status and the live page, e.g. ``{"myplugin": {...}}``, or None.

    Called for each /status request and once per live update (about once per
    collection, whatever the number of viewers), from the endpoint's threads:
    keep it cheap and thread-safe. Values must be JSON-serializable. A section
    whose values are lists of flat mappings is shown as tables by the live page
    and ``sysagent status``. Health (/healthz) never depends on these sections.
    """
