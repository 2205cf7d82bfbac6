"""The Alertmanager channel against a real Alertmanager (Debian's prometheus-alertmanager) on loopback."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from e2e._http import get_json

from alerts._helpers import deliver, deliveries, note, wait_until
from sysagent.alerts.channels.alertmanager import AlertmanagerChannel, AlertmanagerSettings
from sysagent.alerts.store import Store

pytestmark = pytest.mark.e2e  # a real Alertmanager


def am_alerts(url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = get_json(f"{url}/api/v2/alerts")
    return [a for a in found if a["labels"].get("alertname") == "disk_full"]


def queue(store: Store, n: Any) -> None:
    with store.tx() as db:
        db.execute(
            "INSERT INTO outbox (channel, notification, created, next_at) VALUES (?,?,?,?)",
            ("am", n.to_json(), time.time(), time.time()),
        )


def test_alert_listed_while_firing_and_resolved_after(tmp_path: Path, alertmanager: str) -> None:
    s = AlertmanagerSettings.model_validate({"type": "alertmanager", "url": alertmanager, "resend_interval": 0.5})
    channel = AlertmanagerChannel(s)
    store = Store(str(tmp_path / "a.sqlite"))
    now = time.time()
    firing = note(starts_at=now - 60, created_at=now, fingerprint="f00d", id="am1")
    box = deliver(store, {"am": (channel, s)}, ("am", firing))
    try:
        wait_until(lambda: len(deliveries(store)) == 1)
        assert deliveries(store) == [("am", "firing", "delivered", 200)]
        (alert,) = am_alerts(alertmanager)
        assert alert["labels"] == {
            "alertname": "disk_full",
            "host_name": "web1",
            "severity": "critical",
            "system_filesystem_mountpoint": "/var",
        }
        assert alert["annotations"] == {"summary": "/var is 93.0% full"}
        assert alert["status"]["state"] == "active"
        assert alert["generatorURL"] == "http://web1:9464/"
        first_end = alert["endsAt"]
        # The client contract: re-sent while firing, each time pushing endsAt further out.
        wait_until(lambda: am_alerts(alertmanager)[0]["endsAt"] != first_end, timeout=5)

        # A severity change is one alert for sysagent; in Alertmanager the old severity's alert ends with it.
        lower = note(severity="warning", reason="severity_changed", starts_at=now - 60, fingerprint="f00d", id="am2")
        queue(store, lower)
        box.wake()
        wait_until(lambda: [a["labels"]["severity"] for a in am_alerts(alertmanager)] == ["warning"], timeout=5)

        resolved = note(
            "resolved", severity="warning", starts_at=now - 60, ends_at=time.time(), fingerprint="f00d", id="am3"
        )
        queue(store, resolved)
        box.wake()
        wait_until(lambda: len(deliveries(store)) == 3)
        # Alertmanager leaves alerts whose endsAt has passed out of /api/v2/alerts: resolved.
        wait_until(lambda: am_alerts(alertmanager) == [], timeout=5)
        assert channel.active[("f00d", "warning")].status == "resolved"  # still re-sent for 5 minutes
    finally:
        box.stop()
