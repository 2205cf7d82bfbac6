"""Generic webhook. The default body is Alertmanager's webhook v4 JSON, so receivers
written for Alertmanager work unchanged; ``format: sysagent`` posts the notification as is.
"""

from __future__ import annotations

import json
from typing import Any

from sysagent.alerts.channels.base import Delivery, post, secret_id
from sysagent.alerts.channels.settings import WebhookSettings as WebhookSettings  # re-exported
from sysagent.alerts.notification import Notification, prometheus_labels, rfc3339
from sysagent.registry import PluginContext

ZERO_TIME = "0001-01-01T00:00:00Z"  # what Alertmanager sends as endsAt of a firing alert


def alertmanager_v4(note: Notification, receiver: str) -> dict[str, Any]:
    """The Alertmanager webhook v4 body for one notification (one alert, grouped by alertname)."""
    labels = prometheus_labels(note.labels)
    alert = {
        "status": note.status,
        "labels": labels,
        "annotations": note.annotations,
        "startsAt": rfc3339(note.starts_at),
        "endsAt": rfc3339(note.ends_at) if note.ends_at is not None else ZERO_TIME,
        "generatorURL": note.external_url,
        "fingerprint": note.fingerprint,
    }
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{note.rule}"}}',
        "truncatedAlerts": 0,
        "status": note.status,
        "receiver": receiver,
        "groupLabels": {"alertname": note.rule},
        "commonLabels": labels,
        "commonAnnotations": note.annotations,
        "externalURL": note.external_url,
        "alerts": [alert],
    }


class WebhookChannel:
    disable_on_404 = False

    def __init__(self, settings: WebhookSettings, ctx: PluginContext | None = None) -> None:
        self.settings = settings

    def target(self) -> str:
        return secret_id(self.settings.url.get_secret_value())

    def send(self, note: Notification) -> Delivery:
        s = self.settings
        body: object = alertmanager_v4(note, s.receiver) if s.format == "alertmanager" else json.loads(note.to_json())
        headers = {k: v.get_secret_value() for k, v in s.headers.items()}
        data = json.dumps(body, separators=(",", ":")).encode()
        return post(s.url.get_secret_value(), data, s.timeout, headers=headers)
