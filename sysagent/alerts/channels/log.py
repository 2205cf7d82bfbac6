"""The ``log`` channel: one log line per notification, where an alert is heard when nothing else is set.

Firing WARNING alerts log at WARNING, CRITICAL at ERROR, resolved ones at INFO.
It goes through the outbox like every channel, so dedup and repeat intervals
are the same; it never fails.
"""

from __future__ import annotations

import logging

from sysagent.alerts.channels.base import Delivery
from sysagent.alerts.channels.settings import LogSettings as LogSettings  # re-exported
from sysagent.alerts.notification import Notification
from sysagent.registry import PluginContext

log = logging.getLogger("sysagent.alerts")
_LEVELS = {"critical": logging.ERROR, "warning": logging.WARNING, "nodata": logging.WARNING}


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


class LogChannel:
    disable_on_404 = False

    def __init__(self, settings: LogSettings, ctx: PluginContext | None = None) -> None:
        self.settings = settings

    def target(self) -> str:
        return "log"

    def send(self, note: Notification) -> Delivery:
        level = logging.INFO if note.status == "resolved" else _LEVELS.get(note.severity, logging.WARNING)
        series = ",".join(f"{k}={v}" for k, v in note.labels.items() if k not in ("alertname", "severity"))
        log.log(
            level,
            "alert %s %s: %s {%s} value=%s threshold=%s reason=%s",
            note.rule,
            "resolved" if note.status == "resolved" else f"firing:{note.severity}",
            note.summary,
            series,
            _fmt(note.value),
            _fmt(note.threshold),
            note.reason_text,
        )
        return Delivery("delivered")
