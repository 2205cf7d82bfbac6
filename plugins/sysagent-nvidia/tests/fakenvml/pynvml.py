"""A fake of the ``pynvml`` module (nvidia-ml-py): the machine's GPUs, without a driver.

Put this directory first on ``sys.path`` (or PYTHONPATH) and ``import pynvml`` gets it.
``GPUS`` describes the machine; the environment variable ``SYSAGENT_FAKE_NVML`` may
name a JSON file with another list. A value of ``None`` for a field makes its query
raise NVML_ERROR_NOT_SUPPORTED; the key ``"fail"`` lists queries that raise
NVML_ERROR_UNKNOWN. ``calls`` counts every query, so tests can see what was asked.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from types import SimpleNamespace
from typing import Any

NVML_TEMPERATURE_GPU = 0
NVML_TEMPERATURE_THRESHOLD_SHUTDOWN = 0
NVML_TEMPERATURE_THRESHOLD_SLOWDOWN = 1
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_UNKNOWN = 999

GPUS: list[dict[str, Any]] = [
    {
        "uuid": "GPU-1f0c2b9e-7a41-4c1e-9d7f-2b8f1c0e5a11",
        "name": "NVIDIA A100-SXM4-40GB",
        "serial": "1564020012345",
        "vbios": "92.00.45.00.03",
        "util": [37, 12],
        "encoder": [5, 167000],
        "decoder": [0, 167000],
        "memory": {"total": 42949672960, "used": 10737418240, "free": 32212254720},
        "temperature": 54,
        "thresholds": {"0": 92, "1": 89},
        "power_mw": 183250,
        "energy_mj": 987654321,
    },
    {
        "uuid": "GPU-7c9d8e1a-0b2f-4d3e-8a6b-5c4d3e2f1a00",
        "name": "NVIDIA GeForce RTX 3060",
        "serial": None,
        "vbios": "94.06.2f.00.9a",
        "util": [81, 40],
        "encoder": None,
        "decoder": None,
        "memory": {"total": 12884901888, "used": 3221225472, "free": 9663676416},
        "temperature": 71,
        "thresholds": {"0": 98, "1": 95},
        "power_mw": 120500,
        "energy_mj": None,
    },
]
DRIVER = "550.54.15"
#: None: a working driver; else the NVML error code nvmlInit raises.
INIT_ERROR: int | None = None

calls: Counter[str] = Counter()
_initialised = 0

if os.environ.get("SYSAGENT_FAKE_NVML"):
    with open(os.environ["SYSAGENT_FAKE_NVML"]) as f:
        GPUS = json.load(f)


class NVMLError(Exception):
    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.value = value

    def __str__(self) -> str:
        return {3: "Not Supported", 9: "Driver Not Loaded", 12: "NVML Shared Library Not Found"}.get(
            self.value, "Unknown Error"
        )


def _get(handle: int, key: str, fn: str) -> Any:
    calls[fn] += 1
    gpu = GPUS[handle]
    if fn in gpu.get("fail", ()):
        raise NVMLError(NVML_ERROR_UNKNOWN)
    value = gpu[key]
    if value is None:
        raise NVMLError(NVML_ERROR_NOT_SUPPORTED)
    return value


def nvmlInit() -> None:
    global _initialised
    calls["nvmlInit"] += 1
    if INIT_ERROR is not None:
        raise NVMLError(INIT_ERROR)
    _initialised += 1


def nvmlShutdown() -> None:
    global _initialised
    calls["nvmlShutdown"] += 1
    _initialised -= 1


def nvmlSystemGetDriverVersion() -> str:
    return DRIVER


def nvmlDeviceGetCount() -> int:
    return len(GPUS)


def nvmlDeviceGetHandleByIndex(index: int) -> int:
    if not 0 <= index < len(GPUS):
        raise NVMLError(2)
    return index


def nvmlDeviceGetUUID(h: int) -> str:
    return str(_get(h, "uuid", "nvmlDeviceGetUUID"))


def nvmlDeviceGetName(h: int) -> bytes:
    return str(_get(h, "name", "nvmlDeviceGetName")).encode()  # old bindings return bytes


def nvmlDeviceGetSerial(h: int) -> str:
    return str(_get(h, "serial", "nvmlDeviceGetSerial"))


def nvmlDeviceGetVbiosVersion(h: int) -> str:
    return str(_get(h, "vbios", "nvmlDeviceGetVbiosVersion"))


def nvmlDeviceGetUtilizationRates(h: int) -> SimpleNamespace:
    gpu, memory = _get(h, "util", "nvmlDeviceGetUtilizationRates")
    return SimpleNamespace(gpu=gpu, memory=memory)


def nvmlDeviceGetEncoderUtilization(h: int) -> list[int]:
    return list(_get(h, "encoder", "nvmlDeviceGetEncoderUtilization"))


def nvmlDeviceGetDecoderUtilization(h: int) -> list[int]:
    return list(_get(h, "decoder", "nvmlDeviceGetDecoderUtilization"))


def nvmlDeviceGetMemoryInfo(h: int) -> SimpleNamespace:
    return SimpleNamespace(**_get(h, "memory", "nvmlDeviceGetMemoryInfo"))


def nvmlDeviceGetTemperature(h: int, sensor: int) -> int:
    assert sensor == NVML_TEMPERATURE_GPU
    return int(_get(h, "temperature", "nvmlDeviceGetTemperature"))


def nvmlDeviceGetTemperatureThreshold(h: int, threshold: int) -> int:
    return int(_get(h, "thresholds", "nvmlDeviceGetTemperatureThreshold")[str(threshold)])


def nvmlDeviceGetPowerUsage(h: int) -> int:
    return int(_get(h, "power_mw", "nvmlDeviceGetPowerUsage"))


def nvmlDeviceGetTotalEnergyConsumption(h: int) -> int:
    return int(_get(h, "energy_mj", "nvmlDeviceGetTotalEnergyConsumption"))
