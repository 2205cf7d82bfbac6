"""When to notify: reconciles what was last notified with the alert's state.

Instead of notifying on each transition, :func:`decide` compares the state with
what was last sent and sends the difference when allowed: not muted, not held
by flapping, not a repeat of an identical notification within the dedup window.
A held notification is not lost, only deferred, so every firing that was sent
is followed by exactly one resolved (the state is persisted with the outbox).
"""

from __future__ import annotations

from dataclasses import dataclass

from sysagent.alerts.state import AlertState


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    dedup_window: float = 300.0
    repeat: tuple[tuple[str, float], ...] = (("warning", 4 * 3600.0), ("critical", 3600.0), ("nodata", 4 * 3600.0))
    flap_transitions: int = 6
    flap_window: float = 600.0
    flap_stable_for: float = 600.0

    def repeat_after(self, severity: str) -> float:
        return dict(self.repeat).get(severity, 3600.0)


@dataclass(frozen=True, slots=True)
class Decision:
    """A notification to send: status firing|resolved, reason first|severity_changed|repeat|resolved|flapping."""

    status: str
    severity: str
    reason: str
    why: str

    @property
    def key(self) -> str:
        """Two notifications with the same key for one alert are identical (for dedup)."""
        kind = "flapping" if self.reason == "flapping" else self.status
        return f"{kind}:{self.severity}"


def record_flip(st: AlertState, now: float, cfg: PolicyConfig) -> None:
    """Count a notifiable transition; more than the limit within the window starts flapping."""
    st.flips = [t for t in st.flips if now - t < cfg.flap_window] + [now]
    if not st.flapping and len(st.flips) > cfg.flap_transitions:
        st.flapping = True
        st.last_sent.pop("flap_noticed", None)


def _send(st: AlertState, d: Decision, now: float) -> Decision:
    st.last_sent[d.key] = now
    if d.status == "firing":
        st.notified, st.notified_at = d.severity, now
    else:
        st.notified = ""
    return d


def _allowed(st: AlertState, key: str, now: float, cfg: PolicyConfig) -> bool:
    last = st.last_sent.get(key)
    return last is None or now - last >= cfg.dedup_window


def decide(st: AlertState, now: float, *, muted: bool, cfg: PolicyConfig) -> Decision | None:
    """The notification due now for this alert, if any; updates the bookkeeping when it returns one."""
    firing = st.state == "firing"
    if st.flapping:
        if st.flips and now - st.flips[-1] < cfg.flap_stable_for:
            if muted or "flap_noticed" in st.last_sent:
                return None
            severity = st.severity if firing else (st.notified or "warning")
            notice = Decision("firing", severity, "flapping", f"{len(st.flips)} transitions in {cfg.flap_window:g}s")
            if not _allowed(st, notice.key, now, cfg):
                return None
            st.last_sent["flap_noticed"] = now
            return _send(st, notice, now)
        st.flapping = False
        st.last_sent.pop("flap_noticed", None)
    if muted:
        return None
    if firing:
        if st.notified == st.severity:
            d = Decision("firing", st.severity, "repeat", "")
            if now - st.notified_at >= cfg.repeat_after(st.severity) and _allowed(st, d.key, now, cfg):
                return _send(st, d, now)
            return None
        if st.notified:
            d = Decision("firing", st.severity, "severity_changed", f"{st.notified} -> {st.severity}")
        else:
            d = Decision("firing", st.severity, "first", st.why)
        return _send(st, d, now) if _allowed(st, d.key, now, cfg) else None
    if st.notified:
        d = Decision("resolved", st.notified, "resolved", st.why or "resolved")
        return _send(st, d, now) if _allowed(st, d.key, now, cfg) else None
    return None
