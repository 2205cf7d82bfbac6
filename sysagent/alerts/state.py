"""The state machine of one alert (one rule, one series): inactive -> pending -> firing -> resolved.

Pure functions of (rule, state, value, now): the caller owns the clock, so tests
drive it with any sequence of times. Severity changes keep the same alert.
Times are wall-clock seconds, so pending timers survive a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sysagent.alerts.rules import COMPARE, LEVELS, Rule


@dataclass
class AlertState:
    """Everything remembered about one alert; persisted as JSON by the store."""

    state: str = "inactive"  #: inactive | pending | firing
    severity: str = ""  #: warning | critical | nodata while firing
    since: dict[str, float] = field(default_factory=dict)  #: level -> when its condition began holding
    clear_since: float | None = None
    started_at: float | None = None
    value: float | None = None
    last_seen: float = 0.0
    interval: float = 0.0  #: seconds between the last two values
    why: str = ""
    # What the notification policy has sent (see policy.py).
    notified: str = ""  #: severity of the outstanding firing notification, "" when none
    notified_at: float = 0.0
    last_sent: dict[str, float] = field(default_factory=dict)
    flips: list[float] = field(default_factory=list)
    flapping: bool = False
    #: [at, value, threshold] of the inactive -> pending change, kept out of history until it fires.
    pending_row: list[float | None] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"firing:{self.severity}" if self.state == "firing" else self.state


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of state, as history records it."""

    at: float
    old: str
    new: str
    value: float | None
    threshold: float | None
    reason: str  #: pending | cleared | first | severity_changed | resolved | nodata
    why: str


def history(st: AlertState, t: Transition | None) -> tuple[Transition, ...]:
    """The rows history keeps for a transition ``observe``/``missing`` returned.

    A pending that clears before its ``for`` is no history: a series hovering around its
    threshold would write a row per sample. Its start stays in the (persisted) state and
    is written, with its own time and value, just before the firing it leads to.
    """
    if t is None:
        return ()
    if t.new == "pending":
        st.pending_row = [t.at, t.value, t.threshold]
        return ()
    if t.old != "pending":
        return (t,)
    row, st.pending_row = st.pending_row, []
    if not t.new.startswith("firing"):
        return ()
    if len(row) != 3:  # state saved before pending rows were deferred
        return (t,)
    at, value, threshold = row
    return Transition(at if at is not None else t.at, "inactive", "pending", value, threshold, "pending", ""), t


def _threshold(rule: Rule, severity: str) -> float | None:
    levels = rule.levels()
    return levels[severity].threshold if severity in levels else None


def observe(rule: Rule, st: AlertState, value: float, now: float) -> Transition | None:
    """Feed one value taken at ``now``; returns the transition it caused, if any."""
    if st.last_seen and now > st.last_seen:
        st.interval = now - st.last_seen
    st.last_seen, st.value = now, value
    cmp = COMPARE[rule.op]
    firing = st.state == "firing"
    rank = LEVELS.index(st.severity) if firing and st.severity in LEVELS else -1
    due = ""
    for i, sev in enumerate(LEVELS):
        level = rule.levels().get(sev)
        if level is None:
            continue
        holding = sev in st.since
        holds = cmp(value, level.threshold) or (holding and cmp(value, rule.clear_of(sev)))
        if not holds:
            st.since.pop(sev, None)
            continue
        start = st.since.setdefault(sev, now)
        # While firing, levels up to the current severity need no new ``for``.
        if i <= rank or now - start >= rule.level_for(sev):
            due = sev
    old = st.label
    if due:
        st.clear_since = None
        if not firing:
            st.state, st.severity, st.started_at, st.why = "firing", due, now, ""
            return Transition(now, old, st.label, value, _threshold(rule, due), "first", "")
        if due != st.severity:
            why = f"{st.severity} -> {due}"
            st.severity = due
            return Transition(now, old, st.label, value, _threshold(rule, due), "severity_changed", why)
        return None
    if firing:
        if st.severity == "nodata":
            return resolve(rule, st, now, "data returned below thresholds")
        if st.clear_since is None:
            st.clear_since = now
        if now - st.clear_since >= rule.keep_firing_for:
            clear = rule.clear_of(st.severity)
            return resolve(rule, st, now, f"value {value:.4g} past clear threshold {clear:.4g}")
        return None
    if st.since:
        if st.state == "inactive":
            st.state = "pending"
            sev = min(st.since, key=LEVELS.index)
            return Transition(now, old, "pending", value, _threshold(rule, sev), "pending", "")
        return None
    if st.state == "pending":
        st.state = "inactive"
        return Transition(now, old, "inactive", value, None, "cleared", "condition ended before 'for'")
    return None


def resolve(rule: Rule, st: AlertState, now: float, why: str) -> Transition:
    """End a firing (or pending) alert."""
    old, threshold = st.label, _threshold(rule, st.severity)
    st.state, st.clear_since, st.why = "inactive", None, why
    st.since.clear()
    return Transition(
        now, old, "inactive", st.value, threshold, "resolved" if old.startswith("firing") else "cleared", why
    )


def nodata_after(rule: Rule, st: AlertState) -> float:
    """Seconds without a value after which the series counts as missing."""
    if rule.nodata.after is not None:
        return rule.nodata.after
    return max(3 * st.interval, 30.0) if st.interval else 300.0


def missing(rule: Rule, st: AlertState, now: float) -> Transition | None:
    """Apply the rule's nodata policy if the series has been silent long enough.

    ``keep_last`` never changes anything: missing data is never a resolve by default.
    """
    if not st.last_seen or now - st.last_seen < nodata_after(rule, st):
        return None
    policy = rule.nodata.policy
    silent = f"no data for {now - st.last_seen:.0f}s"
    if policy == "alert" and st.label != "firing:nodata":
        old = st.label
        if st.state != "firing":
            st.started_at = now
        st.state, st.severity, st.why = "firing", "nodata", silent
        st.since.clear()
        return Transition(now, old, st.label, None, None, "nodata", silent)
    if policy == "resolve" and st.state != "inactive":
        return resolve(rule, st, now, f"{silent} (nodata policy: resolve)")
    return None
