"""The state machine of one alert, driven with an injected clock."""

from __future__ import annotations

from alerts._helpers import Clock, engine, notes, rule
from sysagent.alerts import state
from sysagent.alerts.rules import Rule
from sysagent.alerts.state import AlertState, Transition

SERIES = (("host", "a"),)


def observe(r: Rule, st: AlertState, value: float, now: float) -> Transition:
    """A step that must cause a transition (``state.observe`` is used directly where none is expected)."""
    t = state.observe(r, st, value, now)
    assert t is not None
    return t


def missing(r: Rule, st: AlertState, now: float) -> Transition:
    t = state.missing(r, st, now)
    assert t is not None
    return t


def test_fires_only_after_for_and_names_the_reason() -> None:
    r = rule(warning={"threshold": 10, "for": "1m"})
    st, clock = AlertState(), Clock()
    t = observe(r, st, 11, clock())
    assert (t.old, t.new, t.reason) == ("inactive", "pending", "pending")
    assert state.observe(r, st, 12, clock.advance(59)) is None
    t = observe(r, st, 12, clock.advance(1))
    assert (t.old, t.new, t.reason, t.threshold) == ("pending", "firing:warning", "first", 10)


def test_pending_that_clears_before_for_never_fires() -> None:
    r = rule(warning={"threshold": 10, "for": "1m"})
    st, clock = AlertState(), Clock()
    observe(r, st, 11, clock())
    t = observe(r, st, 5, clock.advance(30))
    assert (t.new, t.reason) == ("inactive", "cleared")
    assert observe(r, st, 11, clock.advance(40)).new == "pending"  # the timer restarted


def test_clear_threshold_gives_hysteresis() -> None:
    r = rule(warning={"threshold": 10, "clear": 8})
    st, clock = AlertState(), Clock()
    assert observe(r, st, 11, clock()).new == "firing:warning"
    assert state.observe(r, st, 9, clock.advance(10)) is None  # below threshold, above clear: still firing
    t = observe(r, st, 7.5, clock.advance(10))
    assert (t.new, t.reason) == ("inactive", "resolved")
    assert "clear threshold 8" in t.why


def test_keep_firing_for_delays_the_resolve_and_a_new_breach_keeps_it_firing() -> None:
    r = rule(keep_firing_for="2m")
    st, clock = AlertState(), Clock()
    observe(r, st, 11, clock())
    assert state.observe(r, st, 1, clock.advance(60)) is None
    assert state.observe(r, st, 11, clock.advance(60)) is None  # back above: still the same firing alert
    assert state.observe(r, st, 1, clock.advance(60)) is None
    assert state.observe(r, st, 1, clock.advance(119)) is None
    assert observe(r, st, 1, clock.advance(1)).reason == "resolved"


def test_severity_change_is_one_alert_with_per_level_for() -> None:
    r = rule(warning={"threshold": 80, "for": "5m"}, critical={"threshold": 95, "for": "2m"})
    st, clock = AlertState(), Clock()
    observe(r, st, 99, clock())
    assert state.observe(r, st, 99, clock.advance(119)) is None
    t = observe(r, st, 99, clock.advance(1))  # critical's 2 min elapse before warning's 5
    assert (t.new, t.reason) == ("firing:critical", "first")
    started = st.started_at
    t = observe(r, st, 85, clock.advance(10))
    assert (t.old, t.new, t.reason) == ("firing:critical", "firing:warning", "severity_changed")
    assert st.started_at == started


def test_below_operator_and_clear() -> None:
    r = rule(op="<", warning={"threshold": 0.2, "clear": 0.3})
    st, clock = AlertState(), Clock()
    assert observe(r, st, 0.1, clock()).new == "firing:warning"
    assert state.observe(r, st, 0.25, clock.advance(5)) is None
    assert observe(r, st, 0.35, clock.advance(5)).new == "inactive"


def test_missing_data_keeps_the_state_by_default() -> None:
    r = rule()
    st, clock = AlertState(), Clock()
    state.observe(r, st, 11, clock())
    state.observe(r, st, 11, clock.advance(10))
    assert state.missing(r, st, clock.advance(3600)) is None
    assert st.label == "firing:warning"


def test_nodata_policy_alert_fires_nodata_and_data_back_resolves() -> None:
    r = rule(nodata={"policy": "alert", "after": "1m"})
    st, clock = AlertState(), Clock()
    state.observe(r, st, 1, clock())
    assert state.missing(r, st, clock.advance(59)) is None
    t = missing(r, st, clock.advance(1))
    assert (t.new, t.reason) == ("firing:nodata", "nodata")
    assert state.missing(r, st, clock.advance(60)) is None  # fired once
    t = observe(r, st, 1, clock.advance(1))
    assert (t.new, t.reason) == ("inactive", "resolved")


def test_nodata_policy_resolve() -> None:
    r = rule(nodata={"policy": "resolve", "after": "30s"})
    st, clock = AlertState(), Clock()
    observe(r, st, 11, clock())
    t = missing(r, st, clock.advance(31))
    assert (t.new, t.reason) == ("inactive", "resolved")
    assert "nodata policy: resolve" in t.why


def test_engine_notifies_first_severity_change_repeat_and_resolved() -> None:
    r = rule(warning=80, critical=95)
    e, clock = engine(r, repeat=(("warning", 600.0), ("critical", 600.0))), Clock()
    assert notes(e.observe(r, SERIES, 85, clock())) == [("firing", "warning", "first")]
    assert notes(e.observe(r, SERIES, 85, clock.advance(60))) == []
    assert notes(e.observe(r, SERIES, 99, clock.advance(360))) == [("firing", "critical", "severity_changed")]
    assert notes(e.observe(r, SERIES, 99, clock.advance(599))) == []
    assert notes(e.observe(r, SERIES, 99, clock.advance(1))) == [("firing", "critical", "repeat")]
    assert notes(e.observe(r, SERIES, 1, clock.advance(10))) == [("resolved", "critical", "resolved")]


def test_identical_notification_within_dedup_window_is_deferred_not_lost() -> None:
    r = rule()
    e, clock = engine(r, flap_transitions=100), Clock()
    assert notes(e.observe(r, SERIES, 11, clock())) == [("firing", "warning", "first")]
    assert notes(e.observe(r, SERIES, 1, clock.advance(10))) == [("resolved", "warning", "resolved")]
    assert notes(e.observe(r, SERIES, 11, clock.advance(10))) == []  # identical firing 20 s later: held
    assert notes(e.tick(clock.advance(200))) == []
    assert notes(e.tick(clock.advance(80))) == [("firing", "warning", "first")]  # 5 min after the first


def test_flapping_sends_one_notice_then_holds_until_stable() -> None:
    r = rule()
    e, clock = engine(r, flap_transitions=3, flap_window=600, flap_stable_for=300), Clock()
    sent = []
    for i in range(8):
        sent += notes(e.observe(r, SERIES, 11 if i % 2 == 0 else 1, clock.advance(20)))
    assert sent == [
        ("firing", "warning", "first"),
        ("resolved", "warning", "resolved"),
        ("firing", "warning", "flapping"),
    ]
    assert notes(e.tick(clock.advance(299))) == []
    assert notes(e.tick(clock.advance(1))) == [("resolved", "warning", "resolved")]  # stable: real state again


def test_muted_alert_records_transitions_but_sends_nothing_until_the_mute_ends() -> None:
    from sysagent.alerts.matchers import parse_matcher
    from sysagent.alerts.mutes import Mute

    r = rule()
    e, clock = engine(r), Clock()
    e.mutes = [Mute(1, (parse_matcher("alertname=load"),), clock.now, clock.now + 100, "me", "maintenance")]
    events = e.observe(r, SERIES, 11, clock())
    assert [(ev.transition and ev.transition.new, ev.muted) for ev in events] == [("firing:warning", True)]
    assert notes(events) == []
    assert notes(e.tick(clock.advance(100))) == [("firing", "warning", "first")]
