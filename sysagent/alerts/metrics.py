"""Alert states as metrics, so backends can graph them: the evaluator's ``collector``.

The agent schedules it as collector "alerts". Each collection also runs the
evaluator's time-driven work (nodata, stale collectors, deferred notifications).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sysagent.model import Observation, counter, gauge

if TYPE_CHECKING:
    from sysagent.alerts.evaluator import AlertEvaluator

STATE = gauge("sysagent.alert.state", "1", "Alert state per rule and series: 0 inactive, 1 pending, 2 firing")
NOTIFICATIONS = counter(
    "sysagent.alert.notifications",
    "{notification}",
    "Delivery attempts per channel and outcome (delivered, retry, rejected, expired, dropped)",
    integer=True,
)
VALUES = {"inactive": 0.0, "pending": 1.0, "firing": 2.0}


class AlertStateCollector:
    metrics = (STATE, NOTIFICATIONS)

    def __init__(self, evaluator: AlertEvaluator) -> None:
        self.evaluator = evaluator

    def collect(self) -> Iterator[Observation]:
        ev = self.evaluator
        ev.tick()
        for a in list(ev.engine.alerts.values()):
            st = a.st
            series = tuple((k, v) for k, v in a.labels.items() if k != "alertname")
            attrs = tuple(sorted((("alert.rule", a.rule), ("alert.severity", st.severity or "none"), *series)))
            yield Observation(STATE.name, VALUES[st.state], attrs)
        for (channel, outcome), n in sorted(ev.outbox.counts.items()):
            yield Observation(NOTIFICATIONS.name, float(n), (("alert.channel", channel), ("alert.outcome", outcome)))
