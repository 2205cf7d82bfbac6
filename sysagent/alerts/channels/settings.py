"""The settings models of the built-in channel types, apart from the channels themselves.

The agent needs these models to validate ``alerts.channels`` at load; a channel's
module (its payloads, HTTP or SMTP code) is imported only when a channel of that
type is configured, so the unused ones cost no memory. Each channel module
re-exports its model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from sysagent.alerts.settings import ChannelSettings, WebhookUrlSettings
from sysagent.settings import Duration


class SlackSettings(WebhookUrlSettings):
    type: str = "slack"
    username: str | None = None
    channel: str | None = None


class DiscordSettings(WebhookUrlSettings):
    type: str = "discord"
    username: str | None = None


class WebhookSettings(WebhookUrlSettings):
    type: str = "webhook"
    format: Literal["alertmanager", "sysagent"] = "alertmanager"
    receiver: str = "sysagent"
    headers: dict[str, SecretStr] = {}  #: e.g. Authorization; kept out of logs like the URL


class AlertmanagerSettings(WebhookUrlSettings):
    """``url`` is Alertmanager's base URL, e.g. http://127.0.0.1:9093."""

    type: str = "alertmanager"
    resend_interval: Duration = 60.0
    evaluation_interval: Duration = 60.0
    resolved_resend_for: Duration = 300.0


class EmailSettings(ChannelSettings):
    model_config = ChannelSettings.model_config | {"validate_by_name": True, "validate_by_alias": True}

    type: str = "email"
    host: str
    port: int | None = None  #: default 465 for ssl, else 587 (25 with security none)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    from_: str = Field(alias="from")
    to: tuple[str, ...] = Field(min_length=1)
    ca_file: str | None = None  #: trust this CA (a private relay) instead of the system's


class LogSettings(ChannelSettings):
    """The ``log`` channel: notifications as log lines (the default when no channel is configured)."""

    type: str = "log"
