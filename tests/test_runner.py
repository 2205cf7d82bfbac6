"""The framework's per-series state: start times, deltas, rates, resets, utilization."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from sysagent import Observation, Resource, Scope, Utilization, counter, gauge, updowncounter
from sysagent.runner import CollectorRunner, UnknownMetricError


class Scripted:
    """Returns the next list of observations on each call."""

    metrics = (counter("c", "s"), updowncounter("u", "By"), gauge("g", "1"))
    derive = (Utilization(target=gauge("c.share", "1"), source="c", over="mode"),)

    def __init__(self, rounds: list[list[Observation]]) -> None:
        self.rounds = rounds

    def collect(self) -> Iterable[Observation]:
        return self.rounds.pop(0)


def runner(rounds: list[list[Observation]]) -> CollectorRunner:
    return CollectorRunner("t", Scripted(rounds), Scope("t"), Resource())


def test_start_times_deltas_rates_and_reset() -> None:
    r = runner(
        [
            [Observation("c", 10.0, {"mode": "a"}), Observation("u", 5, {})],
            [Observation("c", 14.0, {"mode": "a"}), Observation("u", 3, {})],
            [Observation("c", 2.0, {"mode": "a"}), Observation("u", 4, {})],
        ]
    )
    b1 = r.build(r.collector.collect(), 1_000_000_000)
    b2 = r.build(r.collector.collect(), 3_000_000_000)
    b3 = r.build(r.collector.collect(), 5_000_000_000)
    c1, c2, c3 = (b.metric("c").points[0] for b in (b1, b2, b3))  # type: ignore[union-attr]
    assert (c1.start_time_ns, c1.delta, c1.rate) == (1_000_000_000, None, None)
    assert (c2.start_time_ns, c2.delta, c2.rate) == (1_000_000_000, 4.0, 2.0)
    # the counter went down: a reset, with a new start time and no delta
    assert (c3.start_time_ns, c3.delta, c3.value) == (5_000_000_000, None, 2.0)
    u2 = b2.metric("u").points[0]  # type: ignore[union-attr]
    assert (u2.value, u2.delta) == (3, -2)
    assert b2.previous_time_ns == 1_000_000_000


def test_utilization_shares_per_group() -> None:
    first = [Observation("c", v, {"mode": m, "cpu": 0}) for m, v in (("user", 10.0), ("idle", 90.0))]
    second = [Observation("c", v, {"mode": m, "cpu": 0}) for m, v in (("user", 13.0), ("idle", 99.0))]
    r = runner([first, second])
    assert r.build(r.collector.collect(), 1).metric("c.share") is None
    shares = {dict(p.attributes)["mode"]: p.value for p in r.build(r.collector.collect(), 2).metric("c.share").points}  # type: ignore[union-attr]
    assert shares == pytest.approx({"user": 0.25, "idle": 0.75})


def test_undeclared_metric_is_an_error() -> None:
    r = runner([[Observation("nope", 1.0)]])
    with pytest.raises(UnknownMetricError, match="undeclared metric 'nope'"):
        r.run()
