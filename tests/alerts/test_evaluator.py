"""The evaluator as the agent uses it: batches in, durable notifications out, state across restarts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alerts._helpers import Clock, wait_until
from alerts._recorder import Answer, Recorder
from sysagent.alerts.channels.webhook import WebhookChannel, WebhookSettings
from sysagent.alerts.evaluator import AlertEvaluator
from sysagent.alerts.plugin import build_channels, sysagent_alert_channels
from sysagent.alerts.settings import AlertsSettings
from sysagent.config import validate_section
from sysagent.errors import ConfigError
from sysagent.model import Batch, MetricData, Point, Resource, Scope, gauge
from sysagent.registry import PluginContext, Registry
from sysagent.testing import make_context

FS = gauge("system.filesystem.utilization", "1")
VALUE = gauge("test.value", "1")
RESOURCE = Resource((("host.name", "web1"),))


def fs_batch(t: float, usage: dict[str, float], collector: str = "filesystem", prev: float = 0.0) -> Batch:
    points = tuple(
        Point(tuple(sorted({"system.filesystem.mountpoint": mp, "system.filesystem.state": "used"}.items())), v)
        for mp, v in usage.items()
    )
    return Batch(
        Scope("sysagent.filesystem"), RESOURCE, int(t * 1e9), (MetricData(FS, points),), int(prev * 1e9), collector
    )


def value_batch(t: float, value: float, prev: float = 0.0) -> Batch:
    return Batch(
        Scope("test"), RESOURCE, int(t * 1e9), (MetricData(VALUE, (Point((), value),)),), int(prev * 1e9), "value"
    )


def make(state_dir: Path, url: str, clock: Clock, **alerts: Any) -> AlertEvaluator:
    raw = {"channels": {"hook": {"type": "webhook", "url": url, "backoff_initial": 0.05, "receiver": "ops"}}, **alerts}
    settings, ctx = validated(raw)
    ev = AlertEvaluator(settings, str(state_dir), build_channels(settings, ctx), clock=clock)
    ev.start()
    return ev


def validated(raw: dict[str, Any]) -> tuple[AlertsSettings, PluginContext]:
    """The ``alerts:`` section validated as the agent does it, against the channel types registered."""
    registry = Registry()
    sysagent_alert_channels(registry)
    settings = validate_section(AlertsSettings, raw, source="cfg.yaml", prefix="alerts", context={"registry": registry})
    ctx = make_context()
    return settings, PluginContext(ctx.config, ctx.host, ctx.resource, ctx.state_dir, registry)


def received(recorder: Recorder) -> list[tuple[str, str, str]]:
    out = []
    for r in recorder.requests:
        a = r.json["alerts"][0]
        out.append((a["status"], a["labels"]["severity"], a["labels"].get("system_filesystem_mountpoint", "")))
    return out


def test_disk_rule_fires_per_mountpoint(tmp_path: Path, recorder: Recorder) -> None:
    clock = Clock()
    ev = make(tmp_path, recorder.url, clock)
    try:
        ev.export(fs_batch(clock(), {"/": 0.5, "/var": 0.93, "/home": 0.85}))
        recorder.wait(2)
        assert sorted(received(recorder)) == [("firing", "critical", "/var"), ("firing", "warning", "/home")]
        summaries = sorted(r.json["commonAnnotations"]["summary"] for r in recorder.requests)
        assert summaries == ["/home is 85.0% full (threshold 80.0%)", "/var is 93.0% full (threshold 90.0%)"]
    finally:
        ev.shutdown()


def test_pending_timer_and_notified_state_survive_a_restart(tmp_path: Path, recorder: Recorder) -> None:
    clock = Clock()
    rules = [{"name": "hot", "metric": "test.value", "warning": {"threshold": 10, "for": "10m"}}]
    ev = make(tmp_path, recorder.url, clock, rules=rules)
    ev.export(value_batch(clock(), 11))
    ev.export(value_batch(clock.advance(300), 11, clock.now - 300))
    ev.shutdown()
    ev = make(tmp_path, recorder.url, clock, rules=rules)  # restarted: 5 of 10 minutes already pending
    ev.export(value_batch(clock.advance(300), 11, clock.now - 300))
    recorder.wait(1)
    ev.shutdown()
    ev = make(tmp_path, recorder.url, clock, rules=rules)  # restarted while firing: no second firing
    ev.export(value_batch(clock.advance(60), 12, clock.now - 60))
    ev.export(value_batch(clock.advance(60), 1, clock.now - 60))
    recorder.wait(2)
    assert ev.force_flush(5)
    ev.shutdown()
    assert [(r.json["status"], r.json["alerts"][0]["labels"]["alertname"]) for r in recorder.requests] == [
        ("firing", "hot"),
        ("resolved", "hot"),
    ]


def test_a_due_notification_survives_a_restart_in_the_outbox(tmp_path: Path, recorder: Recorder) -> None:
    clock = Clock()
    recorder.answer(*[Answer(503)] * 1000)
    ev = make(tmp_path, recorder.url, clock)
    ev.export(fs_batch(clock(), {"/var": 0.95}))
    recorder.wait(1)
    ev.shutdown()
    recorder.answers.clear()
    good = Recorder()
    try:
        ev = make(tmp_path, good.url, clock)
        good.wait(1)
        ev.shutdown()
        assert received(good) == [("firing", "critical", "/var")]
    finally:
        good.close()


def test_mutes_hold_notifications_and_history_marks_muted(tmp_path: Path, recorder: Recorder) -> None:
    clock = Clock()
    ev = make(tmp_path, recorder.url, clock)
    try:
        ev.store.add_mute(
            ["alertname=disk_full", "system.filesystem.mountpoint=~/v.*"],
            clock(),
            clock() + 600,
            "me",
            "resizing /var",
            clock(),
        )
        ev.tick()
        ev.export(fs_batch(clock(), {"/var": 0.95, "/srv": 0.95}))
        recorder.wait(1)
        rows = ev.store.query("SELECT labels, new, muted FROM transitions ORDER BY id")
        muted = {json.loads(r["labels"])["system.filesystem.mountpoint"]: r["muted"] for r in rows}
        assert muted == {"/var": 1, "/srv": 0}
        assert received(recorder) == [("firing", "critical", "/srv")]
        clock.advance(600)
        ev.tick()
        recorder.wait(2)
        assert received(recorder)[1] == ("firing", "critical", "/var")
    finally:
        ev.shutdown()


def test_stale_collector_alert_and_state_metric(tmp_path: Path, recorder: Recorder) -> None:
    clock = Clock()
    ev = make(tmp_path, recorder.url, clock, stale={"after_intervals": 3, "min_after": "1s"})
    try:
        for _ in range(3):
            ev.export(fs_batch(clock.advance(10), {"/": 0.1}, prev=clock.now - 10))
        clock.advance(29)
        ev.tick()
        assert recorder.requests == []
        clock.advance(2)
        obs = list(ev.collector.collect())  # the agent's "alerts" collector also drives the clock work
        recorder.wait(1)
        alert = recorder.requests[0].json["alerts"][0]
        assert alert["labels"] == {"alertname": "collector_stale", "collector": "filesystem", "severity": "warning"}
        assert alert["annotations"]["summary"] == "collector filesystem produced nothing for 3 of its intervals"
        states = {
            dict(o.attributes).get("collector", dict(o.attributes).get("system.filesystem.mountpoint")): (
                o.value,
                dict(o.attributes)["alert.severity"],
            )
            for o in obs
            if o.name == "sysagent.alert.state"
        }
        assert states == {"filesystem": (2.0, "warning"), "/": (0.0, "none")}
        ev.export(fs_batch(clock.advance(1), {"/": 0.1}, prev=clock.now - 41))
        recorder.wait(2)
        assert recorder.requests[1].json["status"] == "resolved"
        wait_until(lambda: ("hook", "delivered") in ev.outbox.counts and ev.outbox.counts[("hook", "delivered")] == 2)
        counts = {
            dict(o.attributes)["alert.outcome"]: o.value
            for o in ev.collector.collect()
            if o.name == "sysagent.alert.notifications"
        }
        assert counts == {"delivered": 2.0}
    finally:
        ev.shutdown()


@pytest.mark.parametrize(
    ("channels", "rules", "message"),
    [
        ({"x": {"type": "pager"}}, [], "alerts.channels.x.type: unknown channel type 'pager'"),
        ({"x": {"type": "slack"}}, [], "alerts.channels.x.url: Field required"),
        (
            {"x": {"type": "slack", "url": "https://hooks.example/SECRET", "colour": 1}},
            [],
            "alerts.channels.x.colour: unknown key 'colour'",
        ),
        (
            {"x": {"type": "email", "host": "h", "from": "a@b", "to": [], "password": "SECRET"}},
            [],
            "alerts.channels.x.to: Tuple should have at least 1 item",
        ),
        (
            {},
            [{"name": "r", "metric": "m", "warning": 1, "channels": ["nope"]}],
            "alerts.rules: rule 'r': unknown channel 'nope'",
        ),
    ],
)
def test_channel_errors_are_one_line_naming_channel_and_field(
    channels: dict[str, Any], rules: list[Any], message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        validated({"channels": channels, "rules": rules})
    assert str(err.value).startswith(f"cfg.yaml: {message}"), str(err.value)
    assert "\n" not in str(err.value) and "SECRET" not in str(err.value)


def test_webhook_settings_hide_url() -> None:
    s = WebhookSettings.model_validate({"type": "webhook", "url": "http://h/SECRET"})
    assert "SECRET" not in repr(s) and "SECRET" not in str(WebhookChannel(s).target())


def test_alertmanager_channel_resends_alerts_notified_before_a_restart(tmp_path: Path, recorder: Recorder) -> None:
    clock = Clock()
    channels = {"am": {"type": "alertmanager", "url": recorder.url, "resend_interval": 0.2}}
    ev = make(tmp_path, recorder.url, clock, channels=channels)
    ev.export(fs_batch(clock(), {"/var": 0.95}))
    recorder.wait(1)
    ev.shutdown()
    seen = len(recorder.requests)
    ev = make(tmp_path, recorder.url, clock, channels=channels)  # nothing new to notify after the restart...
    try:
        reqs = recorder.wait(seen + 1)  # ...but the firing alert is re-sent so Alertmanager keeps it active
        assert reqs[-1].path == "/api/v2/alerts"
        (alert,) = reqs[-1].json
        assert alert["labels"]["alertname"] == "disk_full" and alert["labels"]["severity"] == "critical"
        assert ev.store.query("SELECT COUNT(*) AS n FROM outbox")[0]["n"] == 0
    finally:
        ev.shutdown()


def test_downtime_of_the_agent_is_not_missing_data(tmp_path: Path, recorder: Recorder) -> None:
    clock = Clock()
    rules = [{"name": "hot", "metric": "test.value", "warning": 10, "nodata": {"policy": "alert", "after": "1m"}}]
    ev = make(tmp_path, recorder.url, clock, rules=rules)
    ev.export(value_batch(clock(), 1))
    ev.shutdown()
    clock.advance(3600)
    ev = make(tmp_path, recorder.url, clock, rules=rules)
    try:
        ev.tick()
        assert ev.store.query("SELECT new FROM transitions WHERE reason = 'nodata'") == []
        clock.advance(61)
        ev.tick()  # silent for a minute since the restart: now it is missing
        (req,) = recorder.wait(1)
        assert (req.json["status"], req.json["alerts"][0]["labels"]["severity"]) == ("firing", "nodata")
    finally:
        ev.shutdown()
