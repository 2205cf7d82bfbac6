"""History stays bounded while the agent runs: flapping pending series, periodic retention."""

from __future__ import annotations

from pathlib import Path

from alerts._helpers import Clock
from alerts._recorder import Recorder
from alerts.test_evaluator import make, value_batch
from sysagent.alerts.evaluator import AlertEvaluator

PRUNE_EVERY = 600.0  # the evaluator prunes at least every 10 minutes
HOT = [{"name": "hot", "metric": "test.value", "warning": {"threshold": 10, "for": "5m"}}]


def transitions(ev: AlertEvaluator) -> list[tuple[float, str, str, float | None]]:
    return [
        (r["at"], r["old"], r["new"], r["value"])
        for r in ev.store.query("SELECT * FROM transitions WHERE rule = 'hot' ORDER BY id")
    ]


def crash(ev: AlertEvaluator) -> None:
    """Stop without the clean shutdown's final save of every state."""
    ev.outbox.stop(5)
    ev.store.close()


def test_a_pending_series_that_flaps_on_fast_samples_writes_no_history(tmp_path: Path, recorder: Recorder) -> None:
    clock = Clock()
    ev = make(tmp_path, recorder.url, clock, rules=HOT)
    try:
        prev = 0.0
        for i in range(2000):  # around the threshold every half second: inactive <-> pending, never firing
            ev.export(value_batch(clock.advance(0.5), 9 if i % 2 else 11, prev))
            prev = clock.now
        assert transitions(ev) == []
        assert ev.store.query("SELECT COUNT(*) AS n FROM alerts WHERE rule = 'hot'")[0]["n"] == 1
        began = clock.advance(0.5)
        for _ in range(11):  # now it holds for 5 minutes and fires
            ev.export(value_batch(clock.now, 12, prev))
            prev = clock.now
            clock.advance(30)
        recorder.wait(1)
        assert transitions(ev) == [
            (began, "inactive", "pending", 12.0),
            (began + 300, "pending", "firing:warning", 12.0),
        ]
    finally:
        ev.shutdown()


def test_a_pending_timer_survives_a_crash_and_its_start_reaches_history(tmp_path: Path, recorder: Recorder) -> None:
    clock = Clock()
    began = clock()
    ev = make(tmp_path, recorder.url, clock, rules=HOT)
    ev.export(value_batch(began, 11))
    ev.export(value_batch(clock.advance(240), 11.5, began))
    crash(ev)
    ev = make(tmp_path, recorder.url, clock, rules=HOT)  # 4 of 5 minutes already pending
    try:
        ev.export(value_batch(clock.advance(30), 12, began + 240))
        assert ev.store.query("SELECT COUNT(*) AS n FROM outbox")[0]["n"] == 0  # not due yet
        ev.export(value_batch(clock.advance(30), 13, began + 270))
        (req,) = recorder.wait(1)
        assert (req.json["status"], req.json["alerts"][0]["labels"]["alertname"]) == ("firing", "hot")
        assert transitions(ev) == [
            (began, "inactive", "pending", 11.0),
            (began + 300, "pending", "firing:warning", 13.0),
        ]
    finally:
        ev.shutdown()


def test_history_is_pruned_to_its_retention_while_running(tmp_path: Path, recorder: Recorder) -> None:
    clock = Clock()
    step = 10.0
    rules = [{"name": "hot", "metric": "test.value", "warning": 10}]
    ev = make(tmp_path, recorder.url, clock, rules=rules, history={"retention": "1h"})
    try:
        prev = 0.0
        for i in range(int(3 * 3600 / step)):  # fires and resolves on every sample for three hours
            ev.export(value_batch(clock.advance(step), 11 if i % 2 == 0 else 1, prev))
            prev = clock.now
        rows = transitions(ev)
        assert rows and clock.now - rows[0][0] <= 3600 + PRUNE_EVERY
        assert len(rows) <= (3600 + PRUNE_EVERY) / step + 1
    finally:
        ev.shutdown()
