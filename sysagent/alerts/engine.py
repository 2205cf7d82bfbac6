"""All alerts of all rules: feeds values to each alert's state machine and asks the policy what to send.

Pure: every call takes ``now``; persistence and delivery are the evaluator's job.
One alert per rule and series, so a disk rule fires per mountpoint and CRITICAL
always stands in for WARNING of the same series (one identity, the highest severity).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sysagent.alerts import policy, state, templates
from sysagent.alerts.mutes import Mute, muted
from sysagent.alerts.notification import Notification, fingerprint
from sysagent.alerts.rules import Rule

DEFAULT_SUMMARY = "{{ rule }} is {{ severity }}: value {{ value }} (threshold {{ threshold }})"


@dataclass
class Alert:
    rule: str
    labels: dict[str, str]  #: alertname, rule labels and series labels (no severity)
    st: state.AlertState = field(default_factory=state.AlertState)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule, self.labels)


@dataclass(frozen=True)
class Event:
    """What one step produced for one alert: a transition, a notification, or both.

    ``history`` is what the store records of it (see :func:`state.history`).
    """

    alert: Alert
    transition: state.Transition | None
    notification: Notification | None
    muted: bool
    history: tuple[state.Transition, ...] = ()


class Engine:
    def __init__(self, rules: Iterable[Rule], cfg: policy.PolicyConfig, external_url: str = "") -> None:
        self.rules = {r.name: r for r in rules}
        self.cfg = cfg
        self.external_url = external_url
        self.alerts: dict[str, Alert] = {}
        self.mutes: list[Mute] = []

    def restore(self, alerts: Iterable[Alert]) -> None:
        """Take back persisted alerts; those of rules that no longer exist are dropped."""
        for a in alerts:
            if a.rule in self.rules:
                self.alerts[a.fingerprint] = a

    def alert(self, rule: Rule, series: Iterable[tuple[str, object]]) -> Alert:
        labels = {"alertname": rule.name, **rule.labels, **{k: str(v) for k, v in series}}
        fp = fingerprint(rule.name, labels)
        found = self.alerts.get(fp)
        if found is None:
            found = self.alerts[fp] = Alert(rule.name, labels)
        return found

    def observe(self, rule: Rule, series: Iterable[tuple[str, object]], value: float, now: float) -> list[Event]:
        a = self.alert(rule, series)
        return self._step(a, state.observe(rule, a.st, value, now), now)

    def tick(self, now: float) -> list[Event]:
        """Apply nodata policies and send whatever became due (deferred, repeats, mute ends)."""
        events: list[Event] = []
        for a in list(self.alerts.values()):
            t = state.missing(self.rules[a.rule], a.st, now)
            events.extend(self._step(a, t, now))
        return events

    def _step(self, a: Alert, t: state.Transition | None, now: float) -> list[Event]:
        if t is not None and t.reason in ("first", "severity_changed", "resolved", "nodata"):
            policy.record_flip(a.st, now, self.cfg)
        is_muted = muted(self.mutes, {**a.labels, "severity": a.st.severity or a.st.notified}, now)
        decision = policy.decide(a.st, now, muted=is_muted, cfg=self.cfg)
        note = (
            self.notification(a, decision.status, decision.severity, decision.reason, decision.why, now)
            if decision
            else None
        )
        if t is None and note is None:
            return []
        return [Event(a, t, note, is_muted, state.history(a.st, t))]

    def notification(self, a: Alert, status: str, severity: str, reason: str, why: str, now: float) -> Notification:
        """A notification about this alert, its annotations rendered from the rule's templates."""
        rule = self.rules[a.rule]
        levels = rule.levels()
        threshold = levels[severity].threshold if severity in levels else None
        value = a.st.value
        ctx = templates.Context(rule.name, severity, value, threshold, a.labels)
        annotations = {k: templates.render(v, ctx) for k, v in rule.annotations.items()}
        annotations.setdefault("summary", templates.render(DEFAULT_SUMMARY, ctx))
        resolved = status == "resolved"
        return Notification(
            id=uuid.uuid4().hex,
            fingerprint=a.fingerprint,
            rule=rule.name,
            status=status,
            severity=severity,
            reason=reason,
            why=why,
            labels={**a.labels, "severity": severity},
            annotations=annotations,
            value=value,
            threshold=threshold,
            starts_at=a.st.started_at or now,
            ends_at=now if resolved else None,
            created_at=now,
            external_url=self.external_url,
        )
