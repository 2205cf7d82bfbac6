"""The console sink: one summary line per cycle, JSON lines, and when it prints at all."""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from sysagent.model import Batch, ExportResult, Observation
from sysagent.registry import Registry
from sysagent.sinks import console
from sysagent.sinks.console import ConsoleSettings, ConsoleSink

from .builders import (
    CPU_TIME,
    FS_UTIL,
    LOAD_1M,
    MEM_UTIL,
    NET_IO,
    SECOND,
    T0,
    Machine,
    context,
    cpu_machine,
    cpu_times,
    net,
)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The text line shows local time; pin the zone so the expected lines are exact."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def host() -> Machine:
    m = cpu_machine()
    m.add("memory", MEM_UTIL)
    m.add("filesystem", FS_UTIL)
    m.add("network", NET_IO)
    m.add("load", LOAD_1M)
    return m


def mem(used: float) -> list[Observation]:
    return [
        Observation("system.memory.utilization", used, {"system.memory.state": "used"}),
        Observation("system.memory.utilization", 1 - used, {"system.memory.state": "free"}),
    ]


def fs(mount: str, used: float) -> list[Observation]:
    def obs(state: str, v: float) -> Observation:
        return Observation(
            "system.filesystem.utilization",
            v,
            {"system.filesystem.mountpoint": mount, "system.filesystem.state": state},
        )

    return [obs("used", used), obs("free", 1 - used)]


def first_cycle(m: Machine) -> list[Batch]:
    return [
        m.tick("cpu", 0, cpu_times(idle=100, user=10, system=5)),
        m.tick("memory", 0, mem(0.25)),
        m.tick("filesystem", 0, fs("/", 0.5) + fs("/data", 0.9) + fs("/boot", 0.95)[1:]),
        m.tick("network", 0, net("eth0", 1000, 500) + net("lo", 0, 0)),
        m.tick("load", 0, [Observation("system.cpu.load_average.1m", 0.52)]),
    ]


def second_cycle(m: Machine) -> list[Batch]:
    return [
        m.tick("memory", 5, mem(0.4)),
        m.tick("network", 5, net("eth0", 1000 + 7680, 500 + 2560) + net("lo", 0, 0)),
        m.tick("load", 5, [Observation("system.cpu.load_average.1m", 0.61)]),
        m.tick("cpu", 5, cpu_times(idle=103, user=10.75, system=5.25)),
        m.tick("filesystem", 5, fs("/", 0.5) + fs("/data", 0.9)),  # after the CPU batch: no extra line
    ]


def sink(tmp_path: Path, out: io.StringIO, **settings: object) -> ConsoleSink:
    return ConsoleSink(
        ConsoleSettings.model_validate(settings), context(tmp_path, sinks={"console": settings}), out=out
    )


def test_text_prints_one_line_per_cycle_with_the_headline_figures(tmp_path: Path) -> None:
    m, out = host(), io.StringIO()
    s = sink(tmp_path, out)
    for b in first_cycle(m):
        assert s.export(b) is ExportResult.SUCCESS
    assert out.getvalue() == ""  # the CPU collector's first batch has no utilization yet
    for b in second_cycle(m):
        s.export(b)
    s.export(m.tick("cpu", 10, cpu_times(idle=104, user=13.0, system=6.0)))
    assert out.getvalue().splitlines() == [
        "12:00:05  cpu  25.0%  mem  40.0%  disk  90.0% /data  net rx 1.5 KiB/s tx 512 B/s  load 0.61",
        "12:00:10  cpu  75.0%  mem  40.0%  disk  90.0% /data  net rx 1.5 KiB/s tx 512 B/s  load 0.61",
    ]


def test_text_shows_only_what_some_collector_reports_and_dashes_for_unknown_rates(tmp_path: Path) -> None:
    m, out = cpu_machine(), io.StringIO()
    m.add("network", NET_IO)
    s = sink(tmp_path, out)
    s.export(m.tick("cpu", 0, cpu_times(idle=1, user=1, system=0)))
    s.export(m.tick("network", 0, net("eth0", 10, 10)))
    s.export(m.tick("cpu", 5, cpu_times(idle=2, user=1, system=0)))
    s.export(m.tick("network", 5, net("eth0", 5_242_890, 10)))
    s.export(m.tick("cpu", 10, cpu_times(idle=2, user=2, system=0)))
    assert out.getvalue().splitlines() == [
        "12:00:05  cpu   0.0%  net rx - tx -",
        "12:00:10  cpu 100.0%  net rx 1.0 MiB/s tx 0 B/s",
    ]


def test_without_a_cpu_collector_a_cycle_ends_when_a_collector_reports_again(tmp_path: Path) -> None:
    m, out = Machine(), io.StringIO()
    m.add("memory", MEM_UTIL)
    m.add("load", LOAD_1M)
    s = sink(tmp_path, out)
    s.export(m.tick("memory", 0, mem(0.5)))
    s.export(m.tick("load", 0, [Observation("system.cpu.load_average.1m", 1.0)]))
    assert out.getvalue() == ""
    s.export(m.tick("memory", 5, mem(0.125)))
    s.export(m.tick("load", 5, [Observation("system.cpu.load_average.1m", 2.0)]))
    assert out.getvalue().splitlines() == ["12:00:05  mem  12.5%  load 1.00"]


def test_per_cpu_only_uses_the_mean_busy_share(tmp_path: Path) -> None:
    m, out = cpu_machine(), io.StringIO()
    s = sink(tmp_path, out)
    s.export(
        m.tick(
            "cpu", 0, cpu_times(0, 0, 0, **{"cpu.logical_number": 0}) + cpu_times(0, 0, 0, **{"cpu.logical_number": 1})
        )
    )
    s.export(
        m.tick(
            "cpu", 5, cpu_times(1, 1, 0, **{"cpu.logical_number": 0}) + cpu_times(2, 0, 0, **{"cpu.logical_number": 1})
        )
    )
    assert out.getvalue() == "12:00:05  cpu  25.0%\n"


@pytest.mark.parametrize("per_cpu", [False, True], ids=["total", "per-cpu"])
def test_cpu_share_is_aggregated_from_cpu_time_without_utilization(tmp_path: Path, per_cpu: bool) -> None:
    m, out = Machine(), io.StringIO()
    m.add("cpu", CPU_TIME)  # the defaults: system.cpu.utilization is opt-in, so not derived
    s = sink(tmp_path, out)
    if per_cpu:
        first = cpu_times(0, 0, 0, **{"cpu.logical_number": 0}) + cpu_times(0, 0, 0, **{"cpu.logical_number": 1})
        second = cpu_times(1, 3, 0, **{"cpu.logical_number": 0}) + cpu_times(3, 0, 1, **{"cpu.logical_number": 1})
    else:
        first, second = cpu_times(0, 0, 0), cpu_times(4, 3, 1)
    s.export(m.tick("cpu", 0, first))
    assert out.getvalue() == ""
    s.export(m.tick("cpu", 5, second))
    assert out.getvalue() == "12:00:05  cpu  50.0%\n"  # idle 4 of 8 CPU-seconds, in both modes


def test_json_prints_each_batch_as_one_line(tmp_path: Path) -> None:
    m, out = host(), io.StringIO()
    s = sink(tmp_path, out, format="json")
    s.export(m.tick("network", 0, net("eth0", 1000, 500)))
    s.export(m.tick("network", 5, net("eth0", 8680, 3060)))
    s.export(m.tick("load", 5, [Observation("system.cpu.load_average.1m", 0.5)]))
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    common = {
        "resource": {"host.name": "web1", "os.type": "linux", "service.name": "sysagent"},
        "collector": "network",
        "scope": {"name": "sysagent.collectors.network", "version": "0.1.0"},
    }
    rx = {"network.interface.name": "eth0", "network.io.direction": "receive"}
    tx = {"network.interface.name": "eth0", "network.io.direction": "transmit"}
    io_metric = {"name": "system.network.io", "unit": "By", "kind": "counter"}
    assert json.loads(lines[1]) == {
        "time": "2024-05-01T12:00:05.000Z",
        "time_unix_nano": T0 + 5 * SECOND,
        **common,
        "metrics": [
            {
                **io_metric,
                "points": [
                    {"attributes": rx, "value": 8680, "start_time_unix_nano": T0, "rate": 1536.0},
                    {"attributes": tx, "value": 3060, "start_time_unix_nano": T0, "rate": 512.0},
                ],
            }
        ],
    }
    assert lines[0] == (
        '{"time":"2024-05-01T12:00:00.000Z","time_unix_nano":1714564800000000000,"collector":"network",'
        '"scope":{"name":"sysagent.collectors.network","version":"0.1.0"},'
        '"resource":{"host.name":"web1","os.type":"linux","service.name":"sysagent"},'
        '"metrics":[{"name":"system.network.io","unit":"By","kind":"counter","points":['
        '{"attributes":{"network.interface.name":"eth0","network.io.direction":"receive"},'
        '"value":1000,"start_time_unix_nano":1714564800000000000},'
        '{"attributes":{"network.interface.name":"eth0","network.io.direction":"transmit"},'
        '"value":500,"start_time_unix_nano":1714564800000000000}]}]}'
    )
    assert json.loads(lines[2])["metrics"] == [
        {
            "name": "system.cpu.load_average.1m",
            "unit": "{thread}",
            "kind": "gauge",
            "points": [{"attributes": {}, "value": 0.5}],
        }
    ]


def test_json_writes_nan_as_null(tmp_path: Path) -> None:
    m, out = Machine(), io.StringIO()
    m.add("load", LOAD_1M)
    s = sink(tmp_path, out, format="json")
    s.export(m.tick("load", 0, [Observation("system.cpu.load_average.1m", float("nan"))]))
    assert json.loads(out.getvalue())["metrics"][0]["points"] == [{"attributes": {}, "value": None}]


def _default_sink(tmp_path: Path, out: TextIO, **settings: object) -> ConsoleSink:
    """The console as the agent creates it when the config has no ``sinks:`` section."""
    return ConsoleSink(ConsoleSettings.model_validate(settings), context(tmp_path, sinks=None), out=out)


def _one_cycle(s: ConsoleSink) -> None:
    m = cpu_machine()
    s.export(m.tick("cpu", 0, cpu_times(1, 0, 0)))
    s.export(m.tick("cpu", 5, cpu_times(2, 1, 0)))


def test_by_default_it_is_silent_unless_the_stream_is_a_terminal(tmp_path: Path) -> None:
    out = io.StringIO()
    s = _default_sink(tmp_path, out)
    assert not s.enabled
    _one_cycle(s)
    assert out.getvalue() == ""

    leader, follower = os.openpty()  # a real terminal
    with open(follower, "w", encoding="utf-8", closefd=True) as tty:
        s = _default_sink(tmp_path, tty)
        assert s.enabled
        _one_cycle(s)
    assert os.read(leader, 1000).decode() == "12:00:05  cpu  50.0%\r\n"
    os.close(leader)


def test_configured_explicitly_it_prints_anyway_unless_told_tty(tmp_path: Path) -> None:
    out = io.StringIO()
    s = sink(tmp_path, out)
    assert s.enabled
    _one_cycle(s)
    assert out.getvalue() == "12:00:05  cpu  50.0%\n"
    assert not sink(tmp_path, io.StringIO(), when="tty").enabled
    assert _default_sink(tmp_path, io.StringIO(), when="always").enabled


def test_stream_setting_picks_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = ConsoleSink(ConsoleSettings(stream="stderr"), context(tmp_path, sinks={"console": {"stream": "stderr"}}))
    _one_cycle(s)
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "12:00:05  cpu  50.0%\n")


def test_a_closed_stream_fails_the_export_and_shutdown_stops_it(tmp_path: Path) -> None:
    out = io.StringIO()
    s = sink(tmp_path, out, format="json")
    m = cpu_machine()
    out.close()
    assert s.export(m.tick("cpu", 0, cpu_times(1, 0, 0))) is ExportResult.FAILURE
    s2 = sink(tmp_path, io.StringIO(), format="json")
    s2.shutdown()
    assert s2.export(m.tick("cpu", 5, cpu_times(2, 0, 0))) is ExportResult.FAILURE


def test_registers_as_a_default_sink() -> None:
    registry = Registry()
    console.sysagent_sinks(registry)
    entry = registry.sinks()["console"]
    assert (entry.default_enabled, entry.settings) == (True, ConsoleSettings)
    with pytest.raises(ValueError, match="format"):
        ConsoleSettings.model_validate({"format": "yaml"})


def test_firing_alerts_are_on_the_line_with_the_worst_severity(tmp_path: Path) -> None:
    from sysagent.model import gauge

    m, out = cpu_machine(), io.StringIO()
    m.add("alerts", gauge("sysagent.alert.state", "1"))
    s = sink(tmp_path, out)

    def states(*rows: tuple[str, str, float]) -> list[Observation]:
        return [Observation("sysagent.alert.state", v, {"alert.rule": r, "alert.severity": sev}) for r, sev, v in rows]

    s.export(m.tick("cpu", 0, cpu_times(idle=1, user=1, system=0)))
    s.export(m.tick("alerts", 0, states(("a", "none", 0.0))))
    s.export(m.tick("cpu", 5, cpu_times(idle=2, user=1, system=0)))
    s.export(m.tick("alerts", 5, states(("a", "warning", 2.0), ("b", "critical", 2.0), ("c", "warning", 1.0))))
    s.export(m.tick("cpu", 10, cpu_times(idle=2, user=2, system=0)))
    assert out.getvalue().splitlines() == [
        "12:00:05  cpu   0.0%",
        "12:00:10  cpu 100.0%  ALERTS 2 firing (critical)",
    ]
