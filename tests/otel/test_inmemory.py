"""The bridge on an SDK app with an InMemoryMetricReader: names, units, kinds, scopes, start times, values.

Expectations come from sysagent's own collection of the same fake host tree
(the built-in collectors' metric lists change independently of the bridge),
plus a few concrete values read by hand from the fake files.
"""

from __future__ import annotations

import fnmatch
import time
from pathlib import Path

import pytest
from helpers import wait_for

import sysagent.otel
from otel._bridgehelp import MOVING, SdkPoint, app, fake_config, points
from sysagent import Agent

USER_HZ = 100


def expected(cfg: dict[str, object]) -> set[tuple[object, ...]]:
    """sysagent's own snapshot of ``cfg`` as (scope, version, name, unit, kind, attributes, value) tuples."""
    own = Agent.from_config(
        {
            **cfg,
            "sinks": {},
            "plugins": {"disable": ["selfmetrics", "alerts"]},
            "agent": {**cfg["agent"], "status": {"enabled": False}},
        }  # type: ignore[dict-item]
    ).collect_once()
    return {
        (b.scope.name, b.scope.version, m.spec.name, m.spec.unit, m.spec.kind.value, p.attributes, p.value)
        for b in own.batches
        for m in b.metrics
        if not any(fnmatch.fnmatchcase(m.spec.name, pat) for pat in MOVING)
        for p in m.points
    }


def flat(pts: list[SdkPoint]) -> set[tuple[object, ...]]:
    return {(p.scope, p.version, p.name, p.unit, p.kind, p.attributes, p.value) for p in pts}


def one(pts: list[SdkPoint], name: str, **attributes: object) -> SdkPoint:
    found = [p for p in pts if p.name == name and dict(p.attributes) == attributes]
    assert len(found) == 1, (name, attributes, found)
    return found[0]


def test_exports_exactly_what_sysagent_collects(tmp_path: Path) -> None:
    cfg = fake_config(tmp_path / "state")
    provider, reader = app()
    before = time.time_ns()
    bridge = sysagent.otel.instrument(provider, cfg, exclude=MOVING)
    assert bridge.ready.wait(10)

    first_at = time.time_ns()
    first = points(reader.get_metrics_data())
    after_first = time.time_ns()
    assert flat(first) == expected(cfg)
    assert {p.scope for p in first} >= {"sysagent.collectors.cpu", "sysagent.collectors.memory"}
    assert not [p for p in first if p.name.startswith("system.filesystem.")]  # excluded

    # concrete values from the fake files
    assert one(first, "system.cpu.time", **{"cpu.mode": "user"}).value == pytest.approx(1000 / USER_HZ)
    assert one(first, "system.cpu.time", **{"cpu.mode": "idle"}).kind == "counter"
    used = one(first, "system.memory.usage", **{"system.memory.state": "used"})
    assert (used.value, used.unit, used.kind) == ((8_000_000 - 5_000_000) * 1024, "By", "updowncounter")
    assert one(first, "system.cpu.load_average.1m").kind == "gauge"

    # start times: sums start when the SDK first saw the series, and keep that start;
    # gauges have none; every point is stamped with the export's time
    second = points(reader.get_metrics_data())
    assert flat(second) == flat(first)
    starts = {(p.name, p.attributes): p.start_time_ns for p in first}
    for p in second:
        if p.kind == "gauge":
            assert p.start_time_ns == 0
        else:
            assert before <= first_at <= p.start_time_ns <= after_first
            assert p.start_time_ns == starts[(p.name, p.attributes)]
        assert p.time_ns > after_first


def test_callbacks_never_collect(tmp_path: Path) -> None:
    """Exports read what the scheduler collected: many exports, no extra collection."""
    cfg = fake_config(
        tmp_path / "state",
        plugins={"modules": ["fakeplugins.counting"]},
        collectors={"counting": {"interval": "1h"}},
    )
    provider, reader = app()
    bridge = sysagent.otel.instrument(provider, cfg)
    assert bridge.ready.wait(10)
    agent = bridge.agent
    assert agent is not None
    # one collection before the scheduler starts (primed, so rates and utilizations exist
    # from the first export: the counter reads 0 then 10), one when it starts (20, a
    # second later); the next is an hour away
    assert wait_for(lambda: bridge.sink.batches == 2 * len(agent.runners), timeout=10)
    values = {one(points(reader.get_metrics_data()), "test.ticks", kind="a").value for _ in range(20)}
    assert values == {20}
    time.sleep(0.3)
    assert bridge.sink.batches == 2 * len(agent.runners)
    assert all(j.stats.runs == 1 for j in agent.jobs)
    tick = one(points(reader.get_metrics_data()), "test.ticks", kind="a")
    assert (tick.scope, tick.kind, tick.unit) == ("fakeplugins.counting", "counter", "{tick}")


def test_third_party_plugin_from_an_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tmp_path / "site" / "sysagent_counting-1.2.3.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sysagent-counting\nVersion: 1.2.3\n")
    (dist / "entry_points.txt").write_text("[sysagent]\ncounting = fakeplugins.counting\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delenv("SYSAGENT_DISABLE_PLUGIN_AUTOLOAD")
    provider, reader = app()
    bridge = sysagent.otel.instrument(provider, fake_config(tmp_path / "state"), exclude=["system.*"])
    assert bridge.ready.wait(10)
    got = points(reader.get_metrics_data())
    assert {(p.scope, p.version, p.name) for p in got} == {
        ("fakeplugins.counting", "1.2.3", "test.ticks"),
        ("fakeplugins.counting", "1.2.3", "test.level"),
    }


def test_exclusion_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sysagent.otel.EXCLUDED_METRICS_ENV, "system.network.*, system.cpu.*,system.memory.usage")
    provider, reader = app()
    bridge = sysagent.otel.instrument(provider, fake_config(tmp_path / "state"))
    assert bridge.ready.wait(10)
    names = {p.name for p in points(reader.get_metrics_data())}
    assert "system.memory.linux.available" in names and "system.disk.io" in names
    assert not {n for n in names if n.startswith(("system.network.", "system.cpu.")) or n == "system.memory.usage"}


def test_uninstrument_then_instrument_again(tmp_path: Path) -> None:
    provider, reader = app()
    cfg = fake_config(tmp_path / "state")
    assert sysagent.otel.instrument(provider, cfg).ready.wait(10)
    assert points(reader.get_metrics_data())
    sysagent.otel.uninstrument()
    assert points(reader.get_metrics_data()) == []
    other = sysagent.otel.HostLease(tmp_path / "state" / "otel-host.lock")
    assert other.try_acquire()  # the host lock was given up
    other.release()
    again = sysagent.otel.instrument(provider, cfg)
    assert again.ready.wait(10)
    assert one(points(reader.get_metrics_data()), "system.cpu.time", **{"cpu.mode": "user"}).value == 10.0


def test_instrumentor_is_the_entry_point() -> None:
    from importlib.metadata import entry_points

    from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

    (ep,) = [e for e in entry_points(group="opentelemetry_instrumentor") if e.name == "sysagent"]
    cls = ep.load()
    assert cls is sysagent.otel.SysagentInstrumentor and issubclass(cls, BaseInstrumentor)


def test_instrumentor_puts_metrics_on_the_provider(tmp_path: Path) -> None:
    provider, reader = app()
    inst = sysagent.otel.SysagentInstrumentor()
    inst.instrument(meter_provider=provider, config=fake_config(tmp_path / "state"), exclude=MOVING)
    try:
        assert sysagent.otel.instrument.__module__  # the module-level bridge is the instrumentor's
        deadline = time.monotonic() + 10
        while not points(reader.get_metrics_data()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert one(points(reader.get_metrics_data()), "system.memory.linux.available").value == 5_000_000 * 1024
    finally:
        inst.uninstrument()
    assert points(reader.get_metrics_data()) == []


def test_a_bad_config_is_one_config_error(tmp_path: Path) -> None:
    from sysagent import ConfigError

    provider, _ = app()
    with pytest.raises(ConfigError, match=r"^<dict>: collectors\.cpu\.per_cpux: unknown key 'per_cpux'"):
        sysagent.otel.instrument(provider, fake_config(tmp_path, collectors={"cpu": {"per_cpux": True}}))
    bad = tmp_path / "bad.yaml"
    bad.write_text("agent: [\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: invalid YAML"):
        sysagent.otel.instrument(provider, bad)


def test_instrumentor_reports_a_bad_config_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from sysagent.otel.instrumentor import CONFIG_ENV

    bad = tmp_path / "bridge.yaml"
    bad.write_text("collectors:\n  cpu: {per_cpux: true}\n")
    monkeypatch.setenv(CONFIG_ENV, str(bad))
    provider, reader = app()
    inst = sysagent.otel.SysagentInstrumentor()
    inst.instrument(meter_provider=provider)
    try:
        errors = [r for r in caplog.records if r.levelname == "ERROR"]
        assert len(errors) == 1 and errors[0].exc_info is None
        message = errors[0].getMessage()
        assert message.startswith("sysagent: error: ") and "\n" not in message
        assert f"{bad}: collectors.cpu.per_cpux: unknown key 'per_cpux'" in message
        assert points(reader.get_metrics_data()) == []
    finally:
        inst.uninstrument()


def test_before_the_app_sets_its_provider(tmp_path: Path) -> None:
    """instrument() on the API's global proxy: the series appear once the app sets the SDK's provider."""
    from opentelemetry import metrics

    bridge = sysagent.otel.instrument(None, fake_config(tmp_path / "state"), exclude=MOVING)
    assert bridge.ready.wait(10)
    provider, reader = app()
    metrics.set_meter_provider(provider)  # once per process: no other test sets the global one
    assert metrics.get_meter_provider() is provider, "another test set the global MeterProvider"
    assert one(points(reader.get_metrics_data()), "system.memory.linux.available").value == 5_000_000 * 1024


def test_utilization_from_the_first_export(tmp_path: Path) -> None:
    """This host: the first export already has CPU utilization, shares that add up to 1 (not contrib's zeros)."""
    provider, reader = app()
    cfg = {
        "agent": {"state_dir": str(tmp_path / "state")},
        "plugins": {"disable": ["filesystem", "connections"]},
        "collectors": {"cpu": {"utilization": True}},  # opt-in in the conventions
    }
    bridge = sysagent.otel.instrument(provider, cfg)
    assert bridge.ready.wait(10)
    util = [p for p in points(reader.get_metrics_data()) if p.name == "system.cpu.utilization"]
    total = [p for p in util if "cpu.logical_number" not in dict(p.attributes)]
    assert {dict(p.attributes)["cpu.mode"] for p in total} >= {"user", "system", "idle"}
    assert sum(p.value for p in total) == pytest.approx(1.0)
    assert all(0 <= p.value <= 1 for p in util)
