"""Shared builders for the alert tests."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from sysagent.alerts.channels.discord import DiscordChannel, DiscordSettings
from sysagent.alerts.channels.slack import SlackChannel, SlackSettings
from sysagent.alerts.engine import Engine, Event
from sysagent.alerts.notification import Notification
from sysagent.alerts.outbox import Outbox
from sysagent.alerts.policy import PolicyConfig
from sysagent.alerts.rules import Rule, load_rule
from sysagent.alerts.store import Store


def rule(**fields: Any) -> Rule:
    raw: dict[str, Any] = {"name": "load", "metric": "test.value", "warning": {"threshold": 10}}
    raw.update(fields)
    return load_rule(raw)


class Clock:
    """An injected clock the tests move by hand."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def notes(events: list[Event]) -> list[tuple[str, str, str]]:
    """(status, severity, reason) of each notification in these events."""
    return [
        (e.notification.status, e.notification.severity, e.notification.reason)
        for e in events
        if e.notification is not None
    ]


def engine(*rules: Rule, **policy: Any) -> Engine:
    return Engine(rules, PolicyConfig(**policy))


def note(status: str = "firing", severity: str = "critical", **changes: Any) -> Notification:
    """A fixed notification (disk_full on /var) for payload tests."""
    base = Notification(
        id="n1",
        fingerprint="0123456789abcdef",
        rule="disk_full",
        status=status,
        severity=severity,
        reason="first" if status == "firing" else "resolved",
        why="" if status == "firing" else "value 0.5 past clear threshold 0.88",
        labels={
            "alertname": "disk_full",
            "host.name": "web1",
            "system.filesystem.mountpoint": "/var",
            "severity": severity,
        },
        annotations={"summary": "/var is 93.0% full"},
        value=0.93,
        threshold=0.9,
        starts_at=1_700_000_000.0,
        ends_at=None if status == "firing" else 1_700_000_600.0,
        created_at=1_700_000_000.0,
        external_url="http://web1:9464/",
    )
    return dataclasses.replace(base, **changes)


def deliver(store: Store, channels: dict[str, Any], *queued: tuple[str, Notification]) -> Outbox:
    """Queue notifications and start an outbox for these channels (stop it when done)."""
    now = time.time()
    with store.tx() as db:
        for name, n in queued:
            db.execute(
                "INSERT INTO outbox (channel, notification, created, next_at) VALUES (?,?,?,?)",
                (name, n.to_json(), now, now),
            )
    box = Outbox(store, channels)
    box.start()
    return box


def deliveries(store: Store) -> list[tuple[str, str, str, int | None]]:
    """(channel, status, outcome, code) of each delivery attempt, in order."""
    return [
        (r["channel"], r["status"], r["outcome"], r["code"])
        for r in store.query("SELECT * FROM deliveries ORDER BY id")
    ]


def wait_until(probe: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


FAST = {"backoff_initial": 0.05, "backoff_max": 0.2}


def slack(url: str, **extra: Any) -> tuple[SlackChannel, SlackSettings]:
    s = SlackSettings.model_validate({"type": "slack", "url": url, **FAST, **extra})
    return SlackChannel(s), s


def discord(url: str, **extra: Any) -> tuple[DiscordChannel, DiscordSettings]:
    s = DiscordSettings.model_validate({"type": "discord", "url": url, **FAST, **extra})
    return DiscordChannel(s), s
