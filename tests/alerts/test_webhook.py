"""Generic webhook channel against a real loopback HTTP server, through the outbox."""

from __future__ import annotations

from alerts._helpers import deliver, note
from alerts._recorder import Recorder
from sysagent.alerts.channels.webhook import WebhookChannel, WebhookSettings
from sysagent.alerts.store import Store


def test_webhook_default_body_is_alertmanager_v4(store: Store, recorder: Recorder) -> None:
    settings = WebhookSettings.model_validate(
        {
            "type": "webhook",
            "url": recorder.url + "/hook",
            "receiver": "ops",
            "headers": {"Authorization": "Bearer s3cret"},
        }
    )
    box = deliver(store, {"w": (WebhookChannel(settings), settings)}, ("w", note("resolved")))
    try:
        (req,) = recorder.wait(1)
    finally:
        box.stop()
    assert req.headers["Authorization"] == "Bearer s3cret"
    labels = {
        "alertname": "disk_full",
        "host_name": "web1",
        "system_filesystem_mountpoint": "/var",
        "severity": "critical",
    }
    assert req.json == {
        "version": "4",
        "groupKey": '{}:{alertname="disk_full"}',
        "truncatedAlerts": 0,
        "status": "resolved",
        "receiver": "ops",
        "groupLabels": {"alertname": "disk_full"},
        "commonLabels": labels,
        "commonAnnotations": {"summary": "/var is 93.0% full"},
        "externalURL": "http://web1:9464/",
        "alerts": [
            {
                "status": "resolved",
                "labels": labels,
                "annotations": {"summary": "/var is 93.0% full"},
                "startsAt": "2023-11-14T22:13:20.000Z",
                "endsAt": "2023-11-14T22:23:20.000Z",
                "generatorURL": "http://web1:9464/",
                "fingerprint": "0123456789abcdef",
            }
        ],
    }
