"""Alertmanager via POST /api/v2/alerts, following its client contract.

A firing alert is re-sent at least every ``resend_interval`` with
endsAt = now + 4 x max(evaluation, resend interval), so Alertmanager never
resolves it on its own while the agent runs; a resolved alert is sent with
endsAt = the resolve time and re-sent for 5 minutes. Label names are made
Prometheus-safe (dots become underscores).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from sysagent.alerts.channels.base import Delivery, post_json, secret_id
from sysagent.alerts.channels.settings import AlertmanagerSettings as AlertmanagerSettings  # re-exported
from sysagent.alerts.notification import Notification, prometheus_labels, rfc3339
from sysagent.registry import PluginContext


class AlertmanagerChannel:
    disable_on_404 = False

    def __init__(
        self, settings: AlertmanagerSettings, ctx: PluginContext | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.tick_interval = settings.resend_interval
        self._lock = threading.Lock()
        #: (fingerprint, severity) -> the last notification Alertmanager accepted, while it must be re-sent
        self.active: dict[tuple[str, str], Notification] = {}

    def target(self) -> str:
        return secret_id(self.settings.url.get_secret_value())

    def _alert(self, note: Notification, now: float) -> dict[str, object]:
        s = self.settings
        if note.status == "resolved" and note.ends_at is not None:
            ends = note.ends_at
        else:
            ends = now + 4 * max(s.evaluation_interval, s.resend_interval)
        alert: dict[str, object] = {
            "labels": prometheus_labels(note.labels),
            "annotations": note.annotations,
            "startsAt": rfc3339(note.starts_at),
            "endsAt": rfc3339(ends),
        }
        if note.external_url:
            alert["generatorURL"] = note.external_url
        return alert

    def _post(self, notes: list[Notification]) -> Delivery:
        now = self.clock()
        url = self.settings.url.get_secret_value().rstrip("/") + "/api/v2/alerts"
        return post_json(url, [self._alert(n, now) for n in notes], self.settings.timeout)

    def send(self, note: Notification) -> Delivery:
        """Post the alert; on a severity change, end the old severity's alert in the same request.

        Alertmanager identifies an alert by its labels, severity included, so the
        previous severity would otherwise stay active until its endsAt.
        """
        now = self.clock()
        with self._lock:
            ended = [
                dataclasses.replace(n, status="resolved", ends_at=now)
                for key, n in self.active.items()
                if key[0] == note.fingerprint and key[1] != note.severity and n.status == "firing"
            ]
        result = self._post([note, *ended])
        if result.outcome == "delivered":
            for n in (note, *ended):
                self.remember(n)
        return result

    def remember(self, note: Notification) -> None:
        """Keep re-sending this alert (also used at start for alerts notified before a restart)."""
        with self._lock:
            self.active[(note.fingerprint, note.severity)] = note

    def tick(self) -> Delivery | None:
        """Re-send active alerts; forget resolved ones after ``resolved_resend_for``."""
        now = self.clock()
        with self._lock:
            keep = self.settings.resolved_resend_for
            for fp, n in list(self.active.items()):
                if n.status == "resolved" and n.ends_at is not None and now - n.ends_at > keep:
                    del self.active[fp]
            notes = list(self.active.values())
        return self._post(notes) if notes else None
