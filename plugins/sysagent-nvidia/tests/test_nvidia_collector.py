"""The GPU collector against a fake NVML: values, units, identity, unsupported and failing queries."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from types import ModuleType

import pytest
from sysagent_nvidia.collector import GpuCollector, NvidiaSettings

from sysagent.testing import Harness

A100 = "GPU-1f0c2b9e-7a41-4c1e-9d7f-2b8f1c0e5a11"
RTX = "GPU-7c9d8e1a-0b2f-4d3e-8a6b-5c4d3e2f1a00"
A100_ID = {
    "hw.id": A100,
    "hw.name": "gpu0",
    "hw.vendor": "NVIDIA",
    "hw.model": "NVIDIA A100-SXM4-40GB",
    "hw.serial_number": "1564020012345",
    "hw.firmware_version": "92.00.45.00.03",
    "hw.driver_version": "550.54.15",
}

HarnessFactory = Callable[..., Harness]


def harness(make: HarnessFactory, nvml: ModuleType, **settings: object) -> Harness:
    return make(GpuCollector(NvidiaSettings.model_validate(settings), None, nvml=nvml))


def test_every_metric_with_units_converted(sysagent_harness: HarnessFactory, fake_nvml: ModuleType) -> None:
    h = harness(sysagent_harness, fake_nvml)
    h.collect()
    h.assert_metric("hw.gpu.utilization", 0.37, {**A100_ID, "hw.gpu.task": "general"})
    h.assert_metric("hw.gpu.utilization", 0.05, {"hw.id": A100, "hw.gpu.task": "encoder"})
    h.assert_metric("hw.gpu.utilization", 0.0, {"hw.id": A100, "hw.gpu.task": "decoder"})
    h.assert_metric("hw.gpu.utilization", 0.81, {"hw.id": RTX, "hw.gpu.task": "general"})
    h.assert_metric("hw.gpu.memory.usage", 10737418240, A100_ID)
    h.assert_metric("hw.gpu.memory.limit", 42949672960, A100_ID)
    h.assert_metric("hw.gpu.memory.utilization", 0.25, A100_ID)
    h.assert_metric("hw.gpu.memory.utilization", 0.25, {"hw.id": RTX})
    sensor = {"hw.id": f"{A100}:temperature", "hw.parent": A100, "hw.sensor_location": "gpu0"}
    h.assert_metric("hw.temperature", 54.0, sensor)
    h.assert_metric("hw.temperature.limit", 89.0, {**sensor, "hw.limit_type": "high.degraded"})
    h.assert_metric("hw.temperature.limit", 92.0, {**sensor, "hw.limit_type": "high.critical"})
    h.assert_metric("hw.power", 183.25, {"hw.id": A100, "hw.name": "gpu0", "hw.type": "gpu"})
    h.assert_metric("hw.power", 120.5, {"hw.id": RTX, "hw.type": "gpu"})
    h.assert_metric("hw.energy", 987654.321, {"hw.id": A100, "hw.type": "gpu"}, count=1)
    h.assert_all_metrics_covered()


def test_power_and_energy_carry_only_the_common_hardware_attributes(
    sysagent_harness: HarnessFactory, fake_nvml: ModuleType
) -> None:
    h = harness(sysagent_harness, fake_nvml)
    h.collect()
    for name in ("hw.power", "hw.energy"):
        for point in h.assert_metric(name):
            assert {k for k, _ in point.attributes} == {"hw.id", "hw.name", "hw.type"}


def test_unsupported_queries_are_dropped_after_the_first_try(
    sysagent_harness: HarnessFactory, fake_nvml: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness(sysagent_harness, fake_nvml)
    h.collect()
    asked = fake_nvml.calls["nvmlDeviceGetTotalEnergyConsumption"]
    encoder = fake_nvml.calls["nvmlDeviceGetEncoderUtilization"]
    h.collect(times=3)
    # the A100 is asked every cycle; the RTX (no energy counter, no NVENC stats) never again
    assert fake_nvml.calls["nvmlDeviceGetTotalEnergyConsumption"] == asked + 3
    assert fake_nvml.calls["nvmlDeviceGetEncoderUtilization"] == encoder + 3
    [rtx] = h.assert_metric("hw.gpu.memory.usage", attributes={"hw.id": RTX})
    assert "hw.serial_number" not in dict(rtx.attributes)  # GeForce boards have none
    h.assert_metric("hw.gpu.utilization", attributes={"hw.id": RTX}, count=1)  # general only
    assert not caplog.records  # "not supported" is normal, not worth a log line


def test_energy_is_a_counter_and_the_framework_derives_the_rate(
    sysagent_harness: HarnessFactory, fake_nvml: ModuleType
) -> None:
    h = harness(sysagent_harness, fake_nvml)
    h.collect()
    fake_nvml.GPUS[0]["energy_mj"] += 250_000  # 250 J more
    h.collect()
    [point] = h.assert_metric("hw.energy", 987904.321)
    assert point.delta == pytest.approx(250.0)
    assert point.rate is not None and point.rate > 0
    assert point.start_time_ns > 0


def test_a_failing_query_is_logged_once_and_the_rest_is_still_reported(
    sysagent_harness: HarnessFactory, fake_nvml: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    fake_nvml.GPUS[1]["fail"] = ["nvmlDeviceGetPowerUsage"]
    h = harness(sysagent_harness, fake_nvml)
    with caplog.at_level(logging.WARNING, logger="sysagent.nvidia"):
        h.collect(times=3)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["nvidia: nvmlDeviceGetPowerUsage on gpu1 failed: Unknown Error"]
    assert not any(r.exc_info for r in caplog.records)
    h.assert_metric("hw.power", attributes={"hw.id": A100}, count=1)
    assert not [p for p in h.assert_metric("hw.power") if dict(p.attributes)["hw.id"] == RTX]
    h.assert_metric("hw.temperature", 71.0, {"hw.parent": RTX})


def test_gpus_setting_selects_by_index(sysagent_harness: HarnessFactory, fake_nvml: ModuleType) -> None:
    h = harness(sysagent_harness, fake_nvml, gpus=[1], temperature_limits=False)
    h.collect()
    ids = {dict(p.attributes)["hw.id"] for p in h.assert_metric("hw.gpu.memory.limit")}
    assert ids == {RTX}
    assert h.collect().metric("hw.temperature.limit") is None


def test_close_shuts_nvml_down(fake_nvml: ModuleType) -> None:
    collector = GpuCollector(NvidiaSettings(), None, nvml=fake_nvml)
    assert fake_nvml._initialised == 1
    collector.close()
    assert fake_nvml._initialised == 0


def test_eight_gpus(sysagent_harness: HarnessFactory, fake_nvml: ModuleType) -> None:
    fake_nvml.GPUS[:] = [dict(copy.deepcopy(fake_nvml.GPUS[0]), uuid=f"GPU-{i}") for i in range(8)]
    h = harness(sysagent_harness, fake_nvml)
    h.collect()
    names = {dict(p.attributes)["hw.name"] for p in h.assert_metric("hw.gpu.memory.usage", count=8)}
    assert names == {f"gpu{i}" for i in range(8)}
