"""The built-in alert plugin, made only of what any third-party plugin could use.

It adds its own hook (``sysagent_alert_channels``, :mod:`.hookspecs`) and
registers, through the ordinary registry: the channel types; the evaluator as a
sink that owns the top-level ``alerts:`` section (so ``alerts: {enabled: false}``
builds nothing); the ``alerts`` collector (alert states as metrics, and the
evaluator's time-driven work) on its own schedule; and ``sysagent alerts ...``
through ``sysagent_commands``.

It loads by default, so it imports only what validating ``alerts:`` needs; the
evaluator loads when the agent builds it, a channel's module when a channel of
that type is configured.
"""

from __future__ import annotations

import argparse
import importlib
from typing import TYPE_CHECKING, Any

import pluggy

from sysagent.alerts import hookspecs
from sysagent.alerts import http as _http
from sysagent.alerts.channels.settings import (
    AlertmanagerSettings,
    DiscordSettings,
    EmailSettings,
    LogSettings,
    SlackSettings,
    WebhookSettings,
)
from sysagent.alerts.settings import AlertsSettings
from sysagent.markers import hookimpl
from sysagent.registry import Factory, PluginContext, Registry

if TYPE_CHECKING:  # the evaluator (engine, store, outbox) loads when the agent builds it, not to validate config
    from sysagent.alerts.evaluator import AlertEvaluator, Channels

#: The sink and collector name, and the config section.
NAME = "alerts"


def _lazy(module: str, cls: str) -> Factory:
    """A factory that imports the channel's module only when a channel of that type is configured."""

    def factory(settings: Any, ctx: PluginContext) -> Any:
        return getattr(importlib.import_module(f"sysagent.alerts.channels.{module}"), cls)(settings, ctx)

    return factory


#: Routes /api/v1/alerts[/history] and the ``alerts`` section of /status (see :mod:`sysagent.alerts.http`).
sysagent_http_routes = _http.sysagent_http_routes
sysagent_status = _http.sysagent_status


@hookimpl
def sysagent_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def sysagent_alert_channels(registry: Registry) -> None:
    add = registry.add
    add(hookspecs.KIND, "log", _lazy("log", "LogChannel"), settings=LogSettings)
    add(hookspecs.KIND, "slack", _lazy("slack", "SlackChannel"), settings=SlackSettings)
    add(hookspecs.KIND, "discord", _lazy("discord", "DiscordChannel"), settings=DiscordSettings)
    add(hookspecs.KIND, "webhook", _lazy("webhook", "WebhookChannel"), settings=WebhookSettings)
    add(hookspecs.KIND, "email", _lazy("email", "EmailChannel"), settings=EmailSettings)
    add(hookspecs.KIND, "alertmanager", _lazy("alertmanager", "AlertmanagerChannel"), settings=AlertmanagerSettings)


@hookimpl
def sysagent_sinks(registry: Registry) -> None:
    registry.add_sink(NAME, build, settings=AlertsSettings, section=NAME)


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector(NAME, _state_collector, interval=5.0, timeout=5.0)


@hookimpl
def sysagent_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from sysagent.alerts.cli import add_cli

    add_cli(subparsers)


def _state_collector(settings: Any, ctx: PluginContext) -> Any:
    """The evaluator's collector, or None (not scheduled) when alerting is off."""
    evaluator = ctx.sinks.get(NAME)
    return None if evaluator is None else evaluator.collector


def build_channels(settings: AlertsSettings, ctx: PluginContext) -> Channels:
    """Create each configured channel (validated with the config) from its type's factory."""
    assert ctx.registry is not None
    types = ctx.registry.of_kind(hookspecs.KIND)
    return {name: (types[cs.type].factory(cs, ctx), cs) for name, cs in settings.channel_settings().items()}


def build(settings: AlertsSettings, ctx: PluginContext) -> AlertEvaluator:
    """The evaluator factory the agent calls with the validated ``alerts:`` section."""
    from sysagent.alerts.evaluator import AlertEvaluator

    return AlertEvaluator(settings, ctx.state_dir, build_channels(settings, ctx))
