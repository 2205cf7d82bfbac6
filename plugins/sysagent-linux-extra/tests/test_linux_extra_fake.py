"""Pressure, hwmon and NIC collectors on fake /proc and /sys trees."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from linux_extra_trees import hwmon_chip, nic, pressure
from sysagent_linux_extra.hwmon import HwmonCollector
from sysagent_linux_extra.nic import NicCollector
from sysagent_linux_extra.pressure import PressureCollector

from sysagent.testing import Harness

Make = Callable[..., Harness]


def test_pressure_totals_are_counters_in_seconds(sysagent_harness: Make, tmp_path: Path) -> None:
    pressure(tmp_path, irq=True)
    h = sysagent_harness(PressureCollector, host_root=str(tmp_path))
    h.collect()
    some, full = {"system.linux.pressure.stall_type": "some"}, {"system.linux.pressure.stall_type": "full"}
    h.assert_metric("system.cpu.linux.pressure.total", 5.0, some)
    h.assert_metric("system.cpu.linux.pressure.total", 0.0, full)
    h.assert_metric("system.memory.linux.pressure.total", 0.0015, some)
    h.assert_metric("system.memory.linux.pressure.total", 0.0005, full)
    h.assert_metric("system.io.linux.pressure.total", 4.525242, some)
    h.assert_metric("system.io.linux.pressure.total", 3.760751, full)
    [irq] = h.assert_metric("system.irq.linux.pressure.total", 0.000042, full, count=1)
    h.assert_all_metrics_covered()
    assert irq.start_time_ns == 1_700_000_000 * 10**9  # counters start at boot
    # the framework turns the counter into a rate: share of time stalled
    (tmp_path / "proc" / "pressure" / "cpu").write_text("some avg10=1.00 total=6000000\nfull total=0\n")
    h.collect()
    [point] = h.assert_metric("system.cpu.linux.pressure.total", 6.0, some)
    assert point.delta == pytest.approx(1.0) and point.rate is not None and point.rate > 0


def test_pressure_absent_logs_one_line_and_reports_nothing(
    sysagent_harness: Make, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="sysagent"):
        h = sysagent_harness(PressureCollector, host_root=str(tmp_path))
        batch = h.collect(times=2)
    assert batch.point_count == 0
    assert len([r for r in caplog.records if "without PSI" in r.getMessage()]) == 1


def test_hwmon_sensors_and_limits(sysagent_harness: Make, tmp_path: Path) -> None:
    hwmon_chip(
        tmp_path,
        0,
        "coretemp",
        "coretemp.0",
        {
            "temp1_input": "45000",
            "temp1_label": "Package id 0",
            "temp1_max": "80000",
            "temp1_crit": "100000",
            "temp2_input": "20000",
            "temp2_fault": "1",
            "temp3_input": "garbage",
        },
    )
    hwmon_chip(
        tmp_path,
        1,
        "nct6775",
        "nct6775.656",
        {"fan1_input": "1200", "fan1_min": "300", "in0_input": "1050", "in0_min": "900", "in0_max": "1200"},
    )
    hwmon_chip(tmp_path, 2, "amdgpu", None, {"power1_average": "35000000", "energy1_input": "1234000000"})
    h = sysagent_harness(HwmonCollector, host_root=str(tmp_path))
    h.collect()
    cpu = {"hw.id": "coretemp.0:temp1", "hw.name": "Package id 0", "hw.parent": "coretemp.0"}
    h.assert_metric("hw.temperature", 45.0, {**cpu, "hw.sensor_location": "Package id 0"}, count=1)
    h.assert_metric("hw.temperature.limit", 80.0, {**cpu, "hw.limit_type": "high.degraded"})
    h.assert_metric("hw.temperature.limit", 100.0, {**cpu, "hw.limit_type": "high.critical"})
    fan = {"hw.id": "nct6775.656:fan1", "hw.name": "nct6775 fan1", "hw.parent": "nct6775.656"}
    h.assert_metric("hw.fan.speed", 1200, fan)
    h.assert_metric("hw.fan.speed.limit", 300, {**fan, "hw.limit_type": "low.degraded"})
    h.assert_metric("hw.voltage", 1.05, {"hw.id": "nct6775.656:in0"})
    h.assert_metric("hw.voltage.limit", 0.9, {"hw.id": "nct6775.656:in0", "hw.limit_type": "low.degraded"})
    h.assert_metric("hw.voltage.limit", 1.2, {"hw.id": "nct6775.656:in0", "hw.limit_type": "high.degraded"})
    gpu = {"hw.id": "amdgpu.hwmon2:power1", "hw.type": "gpu", "hw.parent": "amdgpu.hwmon2"}
    h.assert_metric("hw.power", 35.0, gpu)
    h.assert_metric("hw.energy", 1234.0, {"hw.id": "amdgpu.hwmon2:energy1", "hw.type": "gpu"})
    h.assert_all_metrics_covered()
    assert len(h.assert_metric("hw.temperature")) == 1  # the faulty and unreadable sensors are left out


def test_hwmon_limits_can_be_turned_off(sysagent_harness: Make, tmp_path: Path) -> None:
    hwmon_chip(tmp_path, 0, "k10temp", "0000:00:18.3", {"temp1_input": "51250", "temp1_crit": "95000"})
    h = sysagent_harness(HwmonCollector, settings={"limits": False}, host_root=str(tmp_path))
    batch = h.collect()
    h.assert_metric("hw.temperature", 51.25, {"hw.id": "0000:00:18.3:temp1"})
    assert batch.metric("hw.temperature.limit") is None


def test_nic_speed_and_link_state(sysagent_harness: Make, tmp_path: Path) -> None:
    nic(tmp_path, "eth0", device=True, speed="1000", operstate="up", address="52:54:00:12:34:56")
    nic(tmp_path, "eth1", device=True, speed="-1", operstate="down", address="52:54:00:12:34:57")
    nic(tmp_path, "wlan0", device=True, speed=None, operstate="dormant", address="00:00:00:00:00:00")
    nic(tmp_path, "veth1a2b", device=False, speed="10000", operstate="up", address="aa:bb:cc:dd:ee:ff")
    nic(tmp_path, "lo", device=False, speed=None, operstate="unknown", address="00:00:00:00:00:00")
    h = sysagent_harness(NicCollector, host_root=str(tmp_path))
    h.collect()
    eth0 = {"hw.id": "eth0", "hw.name": "eth0", "hw.network.physical_address": "52:54:00:12:34:56"}
    h.assert_metric("hw.network.bandwidth.limit", 125_000_000, eth0, count=1)
    h.assert_metric("hw.network.up", 1, eth0)
    h.assert_metric("hw.network.up", 0, {"hw.id": "eth1"})
    [wlan] = h.assert_metric("hw.network.up", 0, {"hw.id": "wlan0"})
    assert "hw.network.physical_address" not in dict(wlan.attributes)
    h.assert_all_metrics_covered()
    assert {dict(p.attributes)["hw.id"] for p in h.assert_metric("hw.network.up")} == {"eth0", "eth1", "wlan0"}
    assert len(h.assert_metric("hw.network.bandwidth.limit")) == 1


def test_nic_virtual_interfaces_on_request(sysagent_harness: Make, tmp_path: Path) -> None:
    nic(tmp_path, "eth0", device=True, speed="1000", operstate="up", address="52:54:00:12:34:56")
    nic(tmp_path, "bond0", device=False, speed="20000", operstate="up", address="52:54:00:12:34:58")
    nic(tmp_path, "veth1a2b", device=False, speed="10000", operstate="up", address="aa:bb:cc:dd:ee:ff")
    settings = {"physical_only": False, "include": ["bond*", "eth*"]}
    h = sysagent_harness(NicCollector, settings=settings, host_root=str(tmp_path))
    h.collect()
    h.assert_metric("hw.network.bandwidth.limit", 2_500_000_000, {"hw.id": "bond0"})
    assert {dict(p.attributes)["hw.id"] for p in h.assert_metric("hw.network.up")} == {"eth0", "bond0"}
