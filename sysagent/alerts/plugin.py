"""The built-in alert plugin: registers the channel types and the threshold evaluator."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from sysagent.alerts.channels.alertmanager import AlertmanagerChannel, AlertmanagerSettings
from sysagent.alerts.channels.discord import DiscordChannel, DiscordSettings
from sysagent.alerts.channels.email import EmailChannel, EmailSettings
from sysagent.alerts.channels.slack import SlackChannel, SlackSettings
from sysagent.alerts.channels.webhook import WebhookChannel, WebhookSettings
from sysagent.alerts.evaluator import AlertEvaluator, Channels
from sysagent.alerts.settings import AlertsSettings, ChannelSettings
from sysagent.markers import hookimpl
from sysagent.registry import PluginContext, Registry, bind


@hookimpl
def sysagent_alert_channels(registry: Registry) -> None:
    registry.add_alert_channel("slack", bind(SlackChannel), settings=SlackSettings)
    registry.add_alert_channel("discord", bind(DiscordChannel), settings=DiscordSettings)
    registry.add_alert_channel("webhook", bind(WebhookChannel), settings=WebhookSettings)
    registry.add_alert_channel("email", bind(EmailChannel), settings=EmailSettings)
    registry.add_alert_channel("alertmanager", bind(AlertmanagerChannel), settings=AlertmanagerSettings)


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
    return AlertEvaluator(settings, ctx.state_dir, build_channels(settings, ctx.registry, ctx))
