"""The evaluator the agent runs: receives every batch like a sink and turns it into alerts.

``export`` only evaluates and writes to SQLite (a few milliseconds at most);
network I/O happens on the channels' own threads (:mod:`.outbox`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sysagent.alerts.channels.base import Channel
from sysagent.alerts.engine import Engine, Event
from sysagent.alerts.metrics import AlertStateCollector
from sysagent.alerts.outbox import Outbox
from sysagent.alerts.policy import PolicyConfig
from sysagent.alerts.rules import Level, Rule
from sysagent.alerts.select import select
from sysagent.alerts.settings import AlertsSettings, ChannelSettings
from sysagent.alerts.store import Store, store_path
from sysagent.model import Batch, ExportResult

log = logging.getLogger(__name__)
_RANK = {"warning": 0, "nodata": 0, "critical": 1}
Channels = dict[str, tuple[Channel, ChannelSettings]]
#: History is pruned to its retention this often while running, or after this many new rows.
PRUNE_EVERY = 600.0
PRUNE_ROWS = 1000


def stale_rule(settings: AlertsSettings) -> Rule:
    """The built-in ``collector_stale`` rule: its value is how many intervals a collector has missed."""
    return Rule(
        name="collector_stale",
        metric="",
        warning=Level(threshold=settings.stale.after_intervals),
        annotations={
            "summary": "collector {{ labels.collector }} produced nothing for {{ value | round }} of its intervals"
        },
    )


def policy_config(s: AlertsSettings) -> PolicyConfig:
    r = s.repeat_interval
    return PolicyConfig(
        s.dedup_window,
        (("warning", r.warning), ("critical", r.critical), ("nodata", r.nodata)),
        s.flapping.transitions,
        s.flapping.window,
        s.flapping.stable_for,
    )


class AlertEvaluator:
    """Sink-like: ``export``, ``force_flush``, ``shutdown``; ``collector`` exports alert states."""

    def __init__(
        self, settings: AlertsSettings, state_dir: str, channels: Channels, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings, self.channels, self.clock = settings, channels, clock
        rules = list(settings.effective_rules()) if settings.enabled else []
        if settings.enabled and settings.stale.enabled:
            rules.append(stale_rule(settings))
        self.by_metric: dict[str, list[Rule]] = {}
        for r in rules:
            self.by_metric.setdefault(r.metric, []).append(r)
        self.routes = {r.name: r.channels if r.channels is not None else tuple(channels) for r in rules}
        self.store = Store(store_path(state_dir))
        now = clock()
        self._prune(now)
        self.engine = Engine(rules, policy_config(settings), settings.external_url)
        self.engine.restore(self.store.load_alerts())
        for a in self.engine.alerts.values():
            # The agent was down, not the series: count silence from now, or every series
            # of a collector that has not run yet would look missing at the first tick.
            if a.st.last_seen:
                a.st.last_seen = max(a.st.last_seen, now)
        self.engine.mutes = self.store.mutes(now)
        self.outbox = Outbox(self.store, channels)
        self._remember_outstanding(now)
        self.collectors: dict[str, tuple[float, float]] = {}  # name -> (last batch time, interval)
        self._lock = threading.Lock()
        self._last_tick = 0.0
        self.collector = AlertStateCollector(self)

    def start(self) -> None:
        """Start the channels' delivery threads (the agent calls it when it starts)."""
        self.outbox.start()
        rules = [r for r in self.engine.rules if r != "collector_stale"]
        log.info("alerts: %d rules; notifying: %s", len(rules), ", ".join(self.channels) or "nobody")

    def _remember_outstanding(self, now: float) -> None:
        """Channels that re-send (Alertmanager) take back the alerts notified before a restart."""
        for a in self.engine.alerts.values():
            if not a.st.notified:
                continue
            note = self.engine.notification(a, "firing", a.st.notified, "repeat", "", now)
            for name in self.routes.get(a.rule, ()):
                remember = getattr(self.channels[name][0], "remember", None)
                if remember is not None:
                    remember(note)

    def _prune(self, now: float) -> None:
        self.store.prune(self.settings.history.retention, now)
        self._pruned_at, self._written = now, 0

    def export(self, batch: Batch) -> ExportResult:
        events: list[Event] = []
        at = batch.time_ns / 1e9
        host = batch.resource.get("host.name")
        base: tuple[tuple[str, object], ...] = (("host.name", host),) if host is not None else ()
        with self._lock:
            for metric in batch.metrics:
                for rule in self.by_metric.get(metric.spec.name, ()):
                    for series, value in select(rule, metric.points):
                        events.extend(self.engine.observe(rule, base + series, value, at))
            if batch.collector and batch.collector != "alerts":
                interval = at - batch.previous_time_ns / 1e9 if batch.previous_time_ns else 0.0
                self.collectors[batch.collector] = (at, interval or self.collectors.get(batch.collector, (0, 0))[1])
            now = self.clock()
            if now - self._last_tick >= 1.0:
                events.extend(self._tick(now))
            self._commit(events, now)
        return ExportResult.SUCCESS

    def tick(self) -> None:
        """Time-driven work: nodata, stale collectors, deferred notifications, mutes."""
        with self._lock:
            now = self.clock()
            self._commit(self._tick(now), now)

    def _tick(self, now: float) -> list[Event]:
        self._last_tick = now
        self.engine.mutes = self.store.mutes(now)
        events: list[Event] = []
        stale = self.engine.rules.get("collector_stale")
        if stale is not None:
            floor = self.settings.stale.min_after / self.settings.stale.after_intervals
            for name, (last, interval) in self.collectors.items():
                if interval > 0:
                    value = (now - last) / max(interval, floor)
                    events.extend(self.engine.observe(stale, (("collector", name),), value, now))
        events.extend(self.engine.tick(now))
        if now - self._pruned_at >= PRUNE_EVERY or self._written >= PRUNE_ROWS:
            self._prune(now)
        return events

    def _commit(self, events: list[Event], now: float) -> None:
        if not events:
            return
        outbox: list[tuple[str, Event]] = []
        for e in events:
            n = e.notification
            if n is None:
                continue
            for name in self.routes.get(n.rule, ()):
                cs = self.channels[name][1]
                if n.status == "resolved" and not cs.send_resolved:
                    continue
                if _RANK.get(n.severity, 0) < _RANK.get(cs.min_severity, 0):
                    continue
                outbox.append((name, e))
        self._written += self.store.record(events, outbox, now)
        if outbox:
            self.outbox.wake()

    def force_flush(self, timeout: float = 10.0) -> bool:
        self.tick()
        return self.outbox.flush(timeout)

    def shutdown(self, timeout: float = 10.0) -> None:
        self.outbox.stop(timeout)
        with self._lock:
            self.store.save_states(self.engine.alerts.values(), self.clock())
            self.store.close()
