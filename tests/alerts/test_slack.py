"""Slack incoming webhook channel against a real loopback HTTP server, through the outbox."""

from __future__ import annotations

from alerts._helpers import deliver, deliveries, note, slack
from alerts._recorder import Recorder
from sysagent.alerts.store import Store


def test_slack_payload_shape(store: Store, recorder: Recorder) -> None:
    box = deliver(store, {"ops": slack(recorder.url + "/services/T0/B0/secret")}, ("ops", note()))
    try:
        (req,) = recorder.wait(1)
    finally:
        box.stop()
    assert req.path == "/services/T0/B0/secret"
    assert req.headers["Content-Type"] == "application/json"
    title = "[CRITICAL] disk_full (host.name=web1, system.filesystem.mountpoint=/var)"
    assert req.json == {
        "text": f"{title}: /var is 93.0% full",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f":red_circle: *{title}*\n/var is 93.0% full"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Status*\nfiring"},
                    {"type": "mrkdwn", "text": "*Severity*\ncritical"},
                    {"type": "mrkdwn", "text": "*Value*\n0.93"},
                    {"type": "mrkdwn", "text": "*Threshold*\n0.9"},
                    {"type": "mrkdwn", "text": "*Reason*\nfirst"},
                    {"type": "mrkdwn", "text": "*Since*\n2023-11-14T22:13:20.000Z"},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "sysagent · fingerprint 0123456789abcdef"}]},
        ],
    }
    assert deliveries(store) == [("ops", "firing", "delivered", 200)]
