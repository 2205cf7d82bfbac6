"""The agent as a library: from_config, collect_once, start/stop, isolation of bad collectors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fakeplugins import hanging, sinkplug

from sysagent import Agent
from sysagent.errors import ConfigError
from sysagent.scheduler import next_aligned

MODULES = ["fakeplugins.counting", "fakeplugins.sinkplug"]


def make(tmp_path: Path, **extra: object) -> Agent:
    cfg: dict[str, object] = {
        "agent": {"state_dir": str(tmp_path)},
        "plugins": {"modules": MODULES},
        "sinks": {"memory": {}},
        **extra,
    }
    return Agent.from_config(cfg, builtins=())


def test_collect_once_returns_declared_metrics(tmp_path: Path) -> None:
    snap = make(tmp_path).collect_once()
    ticks = snap.metric("test.ticks")
    # a collector with counters is primed first, so the snapshot's counter points have rates
    assert ticks is not None and ticks.points[0].value == 10 and ticks.points[0].delta == 10
    assert ticks.points[0].rate is not None and ticks.points[0].rate > 0
    assert snap.resource.get("service.name") == "sysagent"
    obj = snap.to_json_obj()
    assert {
        "name": "test.level",
        "unit": "1",
        "kind": "gauge",
        "scope": "fakeplugins.counting",
        "points": [{"attributes": {}, "value": 0.5}],
    } in obj["metrics"]  # type: ignore[operator]


def test_plugin_settings_are_validated_with_suggestions(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"collectors.counting.stp: unknown key 'stp' \(did you mean 'step'\?\)"):
        make(tmp_path, collectors={"counting": {"stp": 3}})
    with pytest.raises(ConfigError, match=r"collectors.counting.interval: must not be negative"):
        make(tmp_path, collectors={"counting": {"interval": "-5s"}})
    with pytest.raises(
        ConfigError, match=r"collectors.countng: unknown collector 'countng' \(did you mean 'counting'\?\)"
    ):
        make(tmp_path, collectors={"countng": {}})
    with pytest.raises(ConfigError, match=r"sinks.memroy: unknown sink 'memroy' \(did you mean 'memory'\?\)"):
        make(tmp_path, sinks={"memroy": {}})


def test_context_manager_runs_in_background_and_counters_rise(tmp_path: Path) -> None:
    sinkplug.SINKS.clear()
    with make(tmp_path, collectors={"counting": {"interval": "0.2s", "step": 5}}):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(sinkplug.SINKS[0].points("test.ticks")) < 3:
            time.sleep(0.05)
    sink = sinkplug.SINKS[0]
    values = [p.value for p in sink.points("test.ticks")]
    assert values[:3] == [0, 5, 10]
    assert sink.points("test.ticks")[2].delta == 5
    assert sink.closed


def test_raising_and_hanging_collectors_do_not_stop_the_others(tmp_path: Path) -> None:
    sinkplug.SINKS.clear()
    hanging.RELEASE.clear()
    agent = make(
        tmp_path,
        plugins={"modules": [*MODULES, "fakeplugins.raising", "fakeplugins.hanging"]},
        collectors={"counting": {"interval": "0.2s"}},
    )
    agent.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(sinkplug.SINKS[0].points("test.ticks")) < 8:
            time.sleep(0.05)
        ticks = sinkplug.SINKS[0].points("test.ticks")
        assert len(ticks) >= 8
        jobs = {j.name: j for j in agent.jobs}
        assert jobs["raising"].stats.errors >= 3
        assert jobs["hanging"].stats.skipped >= 1 and jobs["hanging"].stats.timeouts == 1
        # the error was counted every time but logged once
        assert agent.errors.counts["collector 'raising'"] == jobs["raising"].stats.errors
        assert not sinkplug.SINKS[0].points("test.hanging")
    finally:
        hanging.RELEASE.set()
        agent.stop()


def test_errors_are_logged_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    agent = make(tmp_path, plugins={"modules": [*MODULES, "fakeplugins.raising"]})
    for _ in range(5):
        agent.collect_once(prime=0)
    lines = [r.getMessage() for r in caplog.records if "sensor unplugged" in r.getMessage()]
    assert len(lines) == 1
    assert agent.errors.counts["collector 'raising'"] == 5


def test_ticks_are_aligned_to_the_interval() -> None:
    assert next_aligned(100.3, 5.0) == 105.0
    assert next_aligned(105.0, 5.0) == 110.0
    assert next_aligned(7.01, 0.5) == 7.5


def test_snapshot_leaves_out_a_hanging_collector(tmp_path: Path) -> None:
    hanging.RELEASE.clear()
    agent = make(tmp_path, plugins={"modules": [*MODULES, "fakeplugins.hanging"]})
    try:
        started = time.monotonic()
        snap = agent.collect_once(prime=0)
        assert time.monotonic() - started < 10
        assert snap.metric("test.ticks") is not None
        assert snap.metric("test.hanging") is None
        assert agent.errors.counts["collector 'hanging'"] == 1
    finally:
        hanging.RELEASE.set()


def test_a_collector_can_be_turned_off_by_its_section() -> None:
    from sysagent.agent import Agent as _Agent

    agent = _Agent.from_config({"collectors": {"load": {"enabled": False}}, "sinks": {}})
    try:
        assert "load" not in agent.runners and "memory" in agent.runners
    finally:
        agent.discard()


def test_sinks_hear_each_tick_end_after_its_batches(tmp_path: Path) -> None:
    sinkplug.SINKS.clear()
    agent = make(tmp_path, collectors={"counting": {"interval": "0.2s", "step": 1}})
    sink = sinkplug.SINKS[0]
    seen: list[int] = []  # batches the sink had when each tick ended
    sink.tick_end = lambda: seen.append(len(sink.batches))  # type: ignore[attr-defined]
    with agent:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(seen) < 4:
            time.sleep(0.05)
    assert len(seen) >= 4
    # one collector: each tick end comes after that tick's batch, once per tick
    assert seen[:4] == [1, 2, 3, 4]
