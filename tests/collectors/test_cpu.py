"""The cpu collector: CPU time per mode from /proc/stat, derived utilization, frequency."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest
from collector_helpers import Harness, kv, series

from sysagent.collectors.cpu import CpuCollector, CpuSettings

MODES = ("user", "nice", "system", "idle", "iowait", "interrupt", "steal")


def test_times_per_cpu_only_from_proc_stat(fake: Harness) -> None:
    batch = fake.batch(CpuCollector, CpuSettings(per_cpu=True))
    times = series(batch, "system.cpu.time")
    assert times == {  # no all-CPU total beside the per-CPU series: a sum over series must not double-count
        kv(cpu__mode="user", cpu__logical_number=0): 6.0,
        kv(cpu__mode="nice", cpu__logical_number=0): 0.1,
        kv(cpu__mode="system", cpu__logical_number=0): 2.0,
        kv(cpu__mode="idle", cpu__logical_number=0): 20.0,
        kv(cpu__mode="iowait", cpu__logical_number=0): 0.3,
        kv(cpu__mode="interrupt", cpu__logical_number=0): 0.07,
        kv(cpu__mode="steal", cpu__logical_number=0): 0.05,
        kv(cpu__mode="user", cpu__logical_number=1): 4.0,
        kv(cpu__mode="nice", cpu__logical_number=1): 0.1,
        kv(cpu__mode="system", cpu__logical_number=1): 1.0,
        kv(cpu__mode="idle", cpu__logical_number=1): 30.0,
        kv(cpu__mode="iowait", cpu__logical_number=1): 0.1,
        kv(cpu__mode="interrupt", cpu__logical_number=1): 0.04,
        kv(cpu__mode="steal", cpu__logical_number=1): 0.02,
    }
    # Counters since boot start at btime.
    assert {p.start_time_ns for p in batch.metric("system.cpu.time").points} == {1_700_000_000 * 10**9}  # type: ignore[union-attr]
    assert batch.metric("system.cpu.frequency") is None  # off by default


def test_defaults_give_only_the_totals_and_no_utilization(fake: Harness) -> None:
    runner = fake.runner(CpuCollector, CpuSettings())
    runner.run(time_ns=1_000_000_000_000)
    batch = runner.run(time_ns=1_001_000_000_000)
    assert series(batch, "system.cpu.time") == {
        kv(cpu__mode="user"): 10.0,
        kv(cpu__mode="nice"): 0.2,
        kv(cpu__mode="system"): 3.0,
        kv(cpu__mode="idle"): 50.0,
        kv(cpu__mode="iowait"): 0.4,
        kv(cpu__mode="interrupt"): 0.11,
        kv(cpu__mode="steal"): 0.07,
    }
    assert [m.spec.name for m in batch.metrics] == ["system.cpu.time"]  # utilization is opt-in


def test_frequency_per_cpu_in_hz(fake: Harness) -> None:
    batch = fake.batch(CpuCollector, CpuSettings(frequency=True))
    assert series(batch, "system.cpu.frequency") == {
        kv(cpu__logical_number=0): 2.4e9,
        kv(cpu__logical_number=1): 1.8e9,
    }


@pytest.mark.parametrize("per_cpu", [True, False], ids=["per-cpu", "total"])
def test_utilization_is_derived_from_two_cycles(fake_copy: Harness, per_cpu: bool) -> None:
    runner = fake_copy.runner(CpuCollector, CpuSettings(per_cpu=per_cpu, utilization=True))
    first = runner.run(time_ns=1_000_000_000_000)
    assert first.metric("system.cpu.utilization") is None  # no previous cycle yet
    stat = fake_copy.root / "proc" / "stat"
    # +100 ticks on cpu0 (50 user, 50 idle) and +200 on cpu1 (all system).
    text = stat.read_text()
    text = text.replace("cpu  1000 20 300 5000", "cpu  1050 20 500 5050")
    text = text.replace("cpu0 600 10 200 2000", "cpu0 650 10 200 2050")
    text = text.replace("cpu1 400 10 100 3000", "cpu1 400 10 300 3000")
    stat.write_text(text)
    util = series(runner.run(time_ns=1_001_000_000_000), "system.cpu.utilization")
    if not per_cpu:
        assert util[kv(cpu__mode="user")] == 50 / 300
        assert util[kv(cpu__mode="system")] == 200 / 300
        assert len(util) == len(MODES)
        return
    assert util[kv(cpu__mode="user", cpu__logical_number=0)] == 0.5
    assert util[kv(cpu__mode="idle", cpu__logical_number=0)] == 0.5
    assert util[kv(cpu__mode="system", cpu__logical_number=1)] == 1.0
    assert len(util) == 2 * len(MODES)
    for cpu in (0, 1):
        assert sum(v for k, v in util.items() if ("cpu.logical_number", cpu) in k) == 1.0


def test_live_times_positive_and_utilization_sums_to_one_per_cpu(live: Harness) -> None:
    runner = live.runner(CpuCollector, CpuSettings(per_cpu=True, utilization=True))
    first = runner.run()
    times = series(first, "system.cpu.time")
    assert all(v >= 0 for v in times.values())
    assert sum(times.values()) > 0
    cpus = {dict(k).get("cpu.logical_number") for k in times} - {None}
    assert len(cpus) == len(psutil.cpu_times(percpu=True))
    assert len(times) == 7 * len(cpus)
    user = sum(v for k, v in times.items() if ("cpu.mode", "user") in k)
    assert abs(user - psutil.cpu_times().user) < 5.0
    time.sleep(0.3)  # at least a few 10 ms ticks on every CPU
    util = series(runner.run(), "system.cpu.utilization")
    groups: dict[object, float] = {}
    for attrs, value in util.items():
        assert 0.0 <= value <= 1.0
        key = dict(attrs).get("cpu.logical_number")
        groups[key] = groups.get(key, 0.0) + value
    assert None not in groups  # per-CPU series only
    for total in groups.values():
        assert abs(total - 1.0) < 1e-9


def test_frequency_absent_when_no_cpufreq(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "stat").write_text("cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nbtime 1\n")
    h = Harness(tmp_path)
    batch = h.batch(CpuCollector, CpuSettings(frequency=True))
    assert batch.metric("system.cpu.frequency") is None
    assert len(series(batch, "system.cpu.time")) == 7
