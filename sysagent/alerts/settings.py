"""The ``alerts:`` config section (validated by the agent) and the channels' common settings.

Channel entries stay raw dicts here: their fields depend on the channel type,
which another plugin may register, so :func:`sysagent.alerts.evaluator.build`
validates them against the registered type's model once the registry is known.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PrivateAttr, SecretStr, ValidationError, ValidationInfo, model_validator

from sysagent.alerts.defaults import DEFAULT_NAMES, DEFAULT_RULES
from sysagent.alerts.rules import Rule, load_rule
from sysagent.errors import ConfigError
from sysagent.settings import Duration, PluginSettings

#: The channel notifications go to when no channel is configured.
DEFAULT_CHANNEL = {"log": {"type": "log"}}


def _rules(value: Any) -> Any:
    if not isinstance(value, (list, tuple)):
        raise ValueError("must be a list of rules")
    return tuple(load_rule(raw) for raw in value)


class Defaults(PluginSettings):
    """Disable or change the shipped rules by name."""

    disable: tuple[str, ...] = ()
    override: dict[str, dict[str, Any]] = {}


class RepeatInterval(PluginSettings):
    """How often a still-firing alert is notified again, per severity (at least the dedup window)."""

    warning: Duration = 4 * 3600.0
    critical: Duration = 3600.0
    nodata: Duration = 4 * 3600.0


class Flapping(PluginSettings):
    """More than ``transitions`` changes within ``window`` is flapping; quiet for ``stable_for`` ends it."""

    transitions: int = Field(default=6, ge=2)
    window: Duration = 600.0
    stable_for: Duration = 600.0


class Stale(PluginSettings):
    """The ``collector_stale`` alert: a collector missed ``after_intervals`` of its intervals."""

    enabled: bool = True
    after_intervals: float = Field(default=3.0, gt=1)
    min_after: Duration = 30.0


class History(PluginSettings):
    retention: Duration = 30 * 86400.0


class AlertsSettings(PluginSettings):
    """The whole ``alerts:`` section."""

    enabled: bool = True
    channels: dict[str, dict[str, Any]] = {}
    rules: Annotated[tuple[Rule, ...], BeforeValidator(_rules)] = ()
    defaults: Defaults = Defaults()
    dedup_window: Duration = 300.0
    repeat_interval: RepeatInterval = RepeatInterval()
    flapping: Flapping = Flapping()
    stale: Stale = Stale()
    history: History = History()
    external_url: str = ""  #: shown as generatorURL / externalURL in payloads
    _channels: dict[str, ChannelSettings] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> AlertsSettings:
        for name in (*self.defaults.disable, *self.defaults.override):
            if name not in DEFAULT_NAMES:
                raise ValueError(f"defaults: unknown default rule {name!r} (known: {', '.join(DEFAULT_NAMES)})")
        for sev in ("warning", "critical", "nodata"):
            if getattr(self.repeat_interval, sev) < self.dedup_window:
                raise ValueError(f"repeat_interval.{sev}: must be at least dedup_window ({self.dedup_window:g}s)")
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise ValueError(f"rules: rule {rule.name!r} is defined twice")
            seen.add(rule.name)
        for name, raw in self.channels.items():
            if not isinstance(raw.get("type"), str):
                raise ValueError(f"channels.{name}.type: required (slack, discord, webhook, email, alertmanager, ...)")
        self.effective_rules()  # reject a bad override now, not at start
        registry = (info.context or {}).get("registry")
        if registry is not None:
            self._channels = _channel_settings(self, registry)
        return self

    def channel_settings(self) -> dict[str, ChannelSettings]:
        """Each channel's validated settings (the ``log`` channel when none is configured)."""
        return dict(self._channels)

    def effective_rules(self) -> tuple[Rule, ...]:
        """The defaults (minus disabled, with overrides) followed by the user's rules; same name replaces."""
        own = {r.name for r in self.rules}
        out: list[Rule] = []
        for raw in DEFAULT_RULES:
            name = raw["name"]
            if name in self.defaults.disable or name in own:
                continue
            out.append(load_rule({**raw, **self.defaults.override.get(name, {}), "name": name}, "default rule"))
        return (*out, *self.rules)


class ChannelSettings(PluginSettings):
    """What every channel has. ``max_age``: how long a notification is retried before it is dropped."""

    type: str
    timeout: Duration = 10.0
    max_age: Duration = 3600.0
    backoff_initial: Duration = 1.0
    backoff_max: Duration = 300.0
    send_resolved: bool = True
    min_severity: Literal["warning", "critical"] = "warning"


class WebhookUrlSettings(ChannelSettings):
    """A channel addressed by one secret URL (kept out of logs and history)."""

    url: SecretStr


def _channel_settings(settings: AlertsSettings, registry: Any) -> dict[str, ChannelSettings]:
    """Validate each channel against the model of its type, and each rule's channel names.

    Errors name the channel and field, never the value (it may be a secret).
    """
    from sysagent.alerts.hookspecs import KIND
    from sysagent.config import error_from_validation

    types = registry.of_kind(KIND)
    out: dict[str, ChannelSettings] = {}
    for name, raw in (settings.channels or DEFAULT_CHANNEL).items():
        where = f"alerts.channels.{name}"
        entry = types.get(raw["type"])
        if entry is None:
            known = ", ".join(sorted(types)) or "none"
            raise ConfigError(f"unknown channel type {raw['type']!r} (known: {known})", field=f"{where}.type")
        try:
            out[name] = entry.settings.model_validate(raw)
        except ValidationError as e:
            err = error_from_validation(e, entry.settings, "", where)
            raise ConfigError(err.message, field=err.field) from None
    for rule in settings.effective_rules():
        for name in rule.channels or ():
            if name not in out:
                hint = f" (configured: {', '.join(out)})"
                raise ConfigError(f"rule {rule.name!r}: unknown channel {name!r}{hint}", field="alerts.rules")
    return out
