"""Property tests of the four notification invariants, over random value sequences, gaps and mutes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts._helpers import Clock, rule
from sysagent.alerts.engine import Engine, Event
from sysagent.alerts.matchers import parse_matcher
from sysagent.alerts.mutes import Mute
from sysagent.alerts.policy import Decision, PolicyConfig
from sysagent.alerts.rules import Rule

WINDOW = 300.0
SLOW = rule(
    warning={"threshold": 80, "clear": 75, "for": "1m"}, critical={"threshold": 95, "for": "30s"}, keep_firing_for="45s"
)
FAST = rule(warning=80, critical=95)  # no for, no hysteresis: every value can change the state
SERIES = (("host", "a"),)

step = st.tuples(
    st.floats(min_value=1, max_value=200),  # seconds since the previous step
    st.one_of(st.none(), st.floats(min_value=0, max_value=100)),  # a value, or missing data
    st.one_of(st.none(), st.floats(min_value=10, max_value=1200)),  # start a mute this long
)


def run(steps: list[tuple[float, float | None, float | None]], r: Rule) -> tuple[list[tuple[float, Event]], list[Mute]]:
    clock = Clock()
    e = Engine(
        [r],
        PolicyConfig(
            dedup_window=WINDOW,
            repeat=(("warning", 600.0), ("critical", 300.0)),
            flap_transitions=4,
            flap_window=900,
            flap_stable_for=400,
        ),
    )
    out: list[tuple[float, Event]] = []
    for dt, value, mute_for in steps:
        now = clock.advance(dt)
        if mute_for is not None:
            e.mutes.append(Mute(len(e.mutes) + 1, (parse_matcher("alertname=load"),), now, now + mute_for, "t", "c"))
        if value is None:
            events = e.tick(now)
            # Invariant 4: missing data never resolves (or changes anything) under keep_last.
            assert all(ev.transition is None for ev in events)
        else:
            events = e.observe(r, SERIES, value, now)
        out += [(now, ev) for ev in events]
    # A long quiet, unmuted stretch afterwards: everything owed must be sent by its end.
    end = max([m.ends for m in e.mutes], default=clock.now)
    while clock.now < end + 2000:
        now = clock.advance(30)
        out += [(now, ev) for ev in e.observe(r, SERIES, 0.0, now)]
    return out, e.mutes


@settings(max_examples=300, deadline=None)
@given(st.lists(step, max_size=60), st.sampled_from([SLOW, FAST]))
def test_notification_invariants(steps: list[tuple[float, float | None, float | None]], r: Rule) -> None:
    events, mutes = run(steps, r)
    sent = [(t, ev.notification) for t, ev in events if ev.notification is not None]
    # Invariant 2: nothing is delivered while muted.
    for t, note in sent:
        assert not any(m.active(t) for m in mutes), (t, note)
    # Invariant 3: no two identical notifications within the dedup window.
    last: dict[str, float] = {}
    for t, note in sent:
        key = Decision(note.status, note.severity, note.reason, note.why).key
        assert key not in last or t - last[key] >= WINDOW, (key, t, last[key])
        last[key] = t
    # Invariant 1: every firing that was sent is followed by exactly one resolved.
    outstanding = False
    for _, note in sent:
        if note.status == "firing":
            outstanding = True
        else:
            assert outstanding, "a resolved without a firing before it"
            outstanding = False
    assert not outstanding, "a firing was never resolved"
