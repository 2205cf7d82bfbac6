"""Delivery rules of the durable outbox (429, 5xx, 4xx, max age, isolation, secrets), over real HTTP."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from alerts._helpers import deliver, deliveries, note, slack, wait_until
from alerts._recorder import Answer, Recorder
from sysagent.alerts.channels.slack import SlackSettings
from sysagent.alerts.store import Store


def test_429_waits_for_retry_after_then_delivers_in_order(store: Store, recorder: Recorder) -> None:
    recorder.answer(Answer(429, {"Retry-After": "1"}, b"rate limited"))
    box = deliver(store, {"ops": slack(recorder.url)}, ("ops", note()), ("ops", note("resolved", id="n2")))
    try:
        reqs = recorder.wait(3)
    finally:
        box.stop()
    arrivals = [r.json["blocks"][1]["fields"][0]["text"] for r in reqs]
    assert arrivals == ["*Status*\nfiring", "*Status*\nfiring", "*Status*\nresolved"]
    rows = store.query("SELECT at FROM deliveries ORDER BY id")
    assert rows[1]["at"] - rows[0]["at"] >= 0.95  # honoured Retry-After: 1
    assert deliveries(store) == [
        ("ops", "firing", "retry", 429),
        ("ops", "firing", "delivered", 200),
        ("ops", "resolved", "delivered", 200),
    ]


def test_5xx_is_retried_with_backoff_and_other_4xx_never(store: Store, recorder: Recorder) -> None:
    recorder.answer(Answer(500), Answer(503), Answer(200), Answer(400, body=b"invalid_payload"))
    box = deliver(store, {"ops": slack(recorder.url)}, ("ops", note()), ("ops", note("resolved", id="n2")))
    try:
        recorder.wait(4)
        wait_until(lambda: len(deliveries(store)) == 4)
    finally:
        box.stop()
    assert deliveries(store) == [
        ("ops", "firing", "retry", 500),
        ("ops", "firing", "retry", 503),
        ("ops", "firing", "delivered", 200),
        ("ops", "resolved", "rejected", 400),
    ]
    assert store.query("SELECT COUNT(*) AS n FROM outbox")[0]["n"] == 0


def test_retries_stop_at_max_age(store: Store, recorder: Recorder) -> None:
    recorder.answer(*[Answer(500)] * 100)
    box = deliver(store, {"ops": slack(recorder.url, max_age=0.5)}, ("ops", note()))
    try:
        wait_until(lambda: any(d[2] == "expired" for d in deliveries(store)))
    finally:
        box.stop()
    *attempts, last = deliveries(store)
    # Expired either right after a failed attempt or when next taken up; never retried after.
    assert last[2] == "expired" and {a[2:] for a in attempts} <= {("retry", 500)}
    assert attempts or last[3] == 500
    assert store.query("SELECT COUNT(*) AS n FROM outbox")[0]["n"] == 0


def test_a_failing_channel_never_delays_another(store: Store, recorder: Recorder) -> None:
    other = Recorder()
    hold = threading.Event()
    recorder.answer(Answer(500, block=hold))
    try:
        box = deliver(
            store, {"stuck": slack(recorder.url, timeout=30), "ok": slack(other.url)}, ("stuck", note()), ("ok", note())
        )
        recorder.wait(1)
        other.wait(1)  # arrives while the first channel's request is still unanswered
        wait_until(lambda: [d[0] for d in deliveries(store)] == ["ok"])
        hold.set()
        box.stop()
    finally:
        hold.set()
        other.close()


def test_secrets_never_reach_history_or_logs(store: Store, recorder: Recorder, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    dead = "http://127.0.0.1:9/hooks/TOPSECRET"  # nothing listens on port 9
    box = deliver(store, {"a": slack(dead, max_age=0.3)}, ("a", note()))
    try:
        wait_until(lambda: any(d[2] == "expired" for d in deliveries(store)))
    finally:
        box.stop()
    history = json.dumps([dict(r) for r in store.query("SELECT * FROM deliveries")])
    assert "Connection" in history or "Errno" in history
    assert "TOPSECRET" not in history and "TOPSECRET" not in caplog.text
    assert "TOPSECRET" not in repr(SlackSettings.model_validate({"type": "slack", "url": dead}))
