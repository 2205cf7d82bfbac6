"""The built-in alert plugin: registers the channel types and the threshold evaluator.

It loads by default, so it imports only what validating ``alerts:`` needs (the rule
and settings models); the evaluator loads when the agent starts it, a channel's
module when a channel of that type is configured.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sysagent.alerts import http as _http
from sysagent.alerts.channels.settings import (
    AlertmanagerSettings,
    DiscordSettings,
    EmailSettings,
    SlackSettings,
    WebhookSettings,
)
from sysagent.alerts.settings import AlertsSettings, ChannelSettings
from sysagent.markers import hookimpl
from sysagent.registry import Factory, PluginContext, Registry

if TYPE_CHECKING:  # the evaluator (engine, store, outbox) loads when the agent starts it, not to validate config
    from sysagent.alerts.evaluator import AlertEvaluator, Channels


def _lazy(module: str, cls: str) -> Factory:
    """A factory that imports the channel's module only when a channel of that type is configured."""

    def factory(settings: Any, ctx: PluginContext) -> Any:
        return getattr(importlib.import_module(f"sysagent.alerts.channels.{module}"), cls)(settings, ctx)

    return factory


#: Routes /api/v1/alerts[/history] and the ``alerts`` section of /status (see :mod:`sysagent.alerts.http`).
sysagent_http_routes = _http.sysagent_http_routes
sysagent_status = _http.sysagent_status


@hookimpl
def sysagent_alert_channels(registry: Registry) -> None:
    registry.add_alert_channel("slack", _lazy("slack", "SlackChannel"), settings=SlackSettings)
    registry.add_alert_channel("discord", _lazy("discord", "DiscordChannel"), settings=DiscordSettings)
    registry.add_alert_channel("webhook", _lazy("webhook", "WebhookChannel"), settings=WebhookSettings)
    registry.add_alert_channel("email", _lazy("email", "EmailChannel"), settings=EmailSettings)
    registry.add_alert_channel("alertmanager", _lazy("alertmanager", "AlertmanagerChannel"),
                               settings=AlertmanagerSettings)


@hookimpl
def sysagent_alert_evaluators(registry: Registry) -> None:
    registry.add_alert_evaluator("threshold", build, settings=AlertsSettings)


def build_channels(settings: AlertsSettings, registry: Registry | None, ctx: Any = None) -> Channels:
    """Validate each ``alerts.channels`` entry against its type's model and create it.

    Errors are one line naming the channel and field, never the value (it may be a secret).
    """
    types = registry.entries["channel"] if registry is not None else {}
    out: Channels = {}
    for name, raw in settings.channels.items():
        kind = raw["type"]
        entry = types.get(kind)
        if entry is None:
            raise ValueError(f"alerts.channels.{name}.type: unknown channel type {kind!r}"
                             f" (known: {', '.join(sorted(types)) or 'none'})")
        try:
            cs: Any = entry.settings.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors(include_url=False, include_input=False)[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise ValueError(f"alerts.channels.{name}.{loc}: {err['msg']}") from None
        if not isinstance(cs, ChannelSettings):
            raise ValueError(f"alerts.channels.{name}: channel type {kind!r} has no ChannelSettings model")
        out[name] = (entry.factory(cs, ctx), cs)
    for rule in settings.effective_rules():
        for name in rule.channels or ():
            if name not in out:
                raise ValueError(f"alerts rule {rule.name!r}: channels: unknown channel {name!r}")
    return out


def build(settings: AlertsSettings, ctx: PluginContext) -> AlertEvaluator:
    """The evaluator factory the agent calls with the validated ``alerts:`` section."""
    from sysagent.alerts.evaluator import AlertEvaluator

    return AlertEvaluator(settings, ctx.state_dir, build_channels(settings, ctx.registry, ctx))
