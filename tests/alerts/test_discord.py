"""Discord webhook channel against a real loopback HTTP server, through the outbox."""

from __future__ import annotations

from alerts._helpers import deliver, deliveries, discord, note, wait_until
from alerts._recorder import Answer, Recorder
from sysagent.alerts.store import Store


def test_discord_payload_shape(store: Store, recorder: Recorder) -> None:
    box = deliver(store, {"d": discord(recorder.url + "/api/webhooks/1/tok", username="sysagent")}, ("d", note()))
    try:
        (req,) = recorder.wait(1)
    finally:
        box.stop()
    assert req.json == {
        "username": "sysagent",
        "allowed_mentions": {"parse": []},
        "embeds": [
            {
                "title": "[CRITICAL] disk_full (host.name=web1, system.filesystem.mountpoint=/var)",
                "description": "/var is 93.0% full",
                "color": 0xE01E5A,
                "fields": [
                    {"name": "Severity", "value": "critical", "inline": True},
                    {"name": "Value", "value": "0.93", "inline": True},
                    {"name": "Threshold", "value": "0.9", "inline": True},
                    {"name": "Reason", "value": "first", "inline": True},
                ],
                "timestamp": "2023-11-14T22:13:20.000Z",
                "footer": {"text": "sysagent · firing · 0123456789abcdef"},
            }
        ],
    }


def test_discord_splits_at_10_embeds_and_6000_chars_with_a_more_line(store: Store, recorder: Recorder) -> None:
    queued = [("d", note(id=f"n{i}", fingerprint=f"{i:016d}")) for i in range(12)]
    queued += [("d", note(id=f"big{i}", annotations={"summary": "x" * 2500})) for i in range(3)]
    box = deliver(store, {"d": discord(recorder.url)}, *queued)
    try:
        reqs = recorder.wait(3)
    finally:
        box.stop()
    first, second, third = (r.json for r in reqs)
    assert (len(first["embeds"]), first["content"]) == (10, "+5 more")
    # 2 small embeds + 2 of 2,500+ characters fit in 6,000; the third big one does not.
    assert (len(second["embeds"]), second["content"]) == (4, "+1 more")
    assert len(third["embeds"]) == 1 and "content" not in third
    for message in (first, second, third):
        size = sum(
            len(e["title"])
            + len(e["description"])
            + len(e["footer"]["text"])
            + sum(len(f["name"]) + len(f["value"]) for f in e["fields"])
            for e in message["embeds"]
        )
        assert size <= 6000


def test_discord_429_retry_after_in_json_body(store: Store, recorder: Recorder) -> None:
    recorder.answer(
        Answer(
            429,
            {"Content-Type": "application/json", "X-RateLimit-Remaining": "0"},
            b'{"message": "You are being rate limited.", "retry_after": 0.6, "global": false}',
        )
    )
    box = deliver(store, {"d": discord(recorder.url)}, ("d", note()))
    try:
        recorder.wait(2)
        wait_until(lambda: len(deliveries(store)) == 2)
    finally:
        box.stop()
    rows = store.query("SELECT at, outcome FROM deliveries ORDER BY id")
    assert [r["outcome"] for r in rows] == ["retry", "delivered"]
    assert rows[1]["at"] - rows[0]["at"] >= 0.55


def test_discord_webhook_answering_404_is_no_longer_used(store: Store, recorder: Recorder) -> None:
    recorder.answer(Answer(404, body=b'{"message": "Unknown Webhook", "code": 10015}'))
    box = deliver(store, {"d": discord(recorder.url)}, ("d", note()))
    try:
        wait_until(lambda: len(deliveries(store)) == 1)
    finally:
        box.stop()
    box = deliver(store, {"d": discord(recorder.url)}, ("d", note("resolved", id="n2")))
    try:
        wait_until(lambda: len(deliveries(store)) == 2)
    finally:
        box.stop()
    assert len(recorder.requests) == 1
    assert deliveries(store) == [("d", "firing", "rejected", 404), ("d", "resolved", "dropped", None)]
    assert store.query("SELECT disabled FROM channels WHERE name = 'd'")[0]["disabled"] == "answered 404"
    # A new webhook URL for the same channel name is used again.
    box = deliver(store, {"d": discord(recorder.url + "/new")}, ("d", note(id="n3")))
    try:
        recorder.wait(2)
    finally:
        box.stop()
