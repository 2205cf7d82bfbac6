"""The GPU collector: one NVML query of each kind per GPU per cycle.

Each GPU's identity (UUID, model, serial, VBIOS, driver) is read once at start.
A query a GPU does not support (NVML_ERROR_NOT_SUPPORTED: serials on GeForce
boards, energy before Volta, encoder use on GPUs without NVENC) is dropped for
that GPU after the first try; any other NVML error is logged once per GPU and
query, and the other values of the cycle are still reported.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from sysagent import CollectorSettings, PluginContext
from sysagent_nvidia import metrics as m
from sysagent_nvidia import nvml as nvml_mod

log = logging.getLogger("sysagent.nvidia")

Row = tuple[str, float, m.Attrs]


class NvidiaSettings(CollectorSettings):
    """Which GPUs to report (NVML indexes; empty: all) and whether to report temperature limits."""

    gpus: tuple[int, ...] = ()
    temperature_limits: bool = True


class GpuCollector:
    """Reports every GPU NVML sees; ``nvml`` is the pynvml module (or a fake of it)."""

    metrics = m.ALL

    def __init__(self, settings: NvidiaSettings, ctx: PluginContext | None = None, nvml: Any = None) -> None:
        if nvml is None:
            try:
                nvml, _ = nvml_mod.load()
            except nvml_mod.Unavailable as e:
                raise ValueError(f"cannot read NVIDIA GPUs: {e}") from None
        else:
            nvml.nvmlInit()
        self.nvml = nvml
        self.settings = settings
        self._unsupported: set[tuple[int, str]] = set()
        self._failed: set[tuple[int, str]] = set()
        driver = self._call(-1, "nvmlSystemGetDriverVersion")
        self.gpus: list[tuple[Any, m.GpuIdentity]] = []
        for index in range(int(nvml.nvmlDeviceGetCount())):
            if settings.gpus and index not in settings.gpus:
                continue
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            ident = m.GpuIdentity(
                index=index,
                uuid=nvml_mod.text(nvml.nvmlDeviceGetUUID(handle)),
                model=nvml_mod.text(nvml.nvmlDeviceGetName(handle)),
                serial=self._text(index, "nvmlDeviceGetSerial", handle),
                firmware=self._text(index, "nvmlDeviceGetVbiosVersion", handle),
                driver=nvml_mod.text(driver) if driver is not None else None,
            )
            self.gpus.append((handle, ident))

    def _call(self, index: int, fn: str, *args: Any) -> Any:
        """``nvml.fn(*args)``, or None when unsupported or failing (logged once per GPU and query)."""
        key = (index, fn)
        if key in self._unsupported:
            return None
        try:
            return getattr(self.nvml, fn)(*args)
        except self.nvml.NVMLError as e:
            if getattr(e, "value", None) == nvml_mod.NOT_SUPPORTED:
                self._unsupported.add(key)
            elif key not in self._failed:
                self._failed.add(key)
                where = "the driver" if index < 0 else f"gpu{index}"
                log.warning("nvidia: %s on %s failed: %s", fn, where, e)
            return None

    def _text(self, index: int, fn: str, *args: Any) -> str | None:
        value = self._call(index, fn, *args)
        return None if value is None else nvml_mod.text(value).strip() or None

    def collect(self) -> Iterator[Row]:
        for handle, ident in self.gpus:
            yield from self._gpu(handle, ident)

    def _gpu(self, h: Any, g: m.GpuIdentity) -> Iterator[Row]:
        call: Callable[..., Any] = lambda fn, *a: self._call(g.index, fn, h, *a)  # noqa: E731
        util = call("nvmlDeviceGetUtilizationRates")
        if util is not None:
            yield (m.GPU_UTILIZATION.name, util.gpu / 100.0, g.gpu_attrs(**{"hw.gpu.task": "general"}))
        for task in ("encoder", "decoder"):
            value = call(f"nvmlDeviceGet{task.title()}Utilization")
            if value is not None:  # [utilization %, sampling period in µs]
                yield (m.GPU_UTILIZATION.name, value[0] / 100.0, g.gpu_attrs(**{"hw.gpu.task": task}))
        mem = call("nvmlDeviceGetMemoryInfo")
        if mem is not None:
            attrs = g.gpu_attrs()
            yield (m.GPU_MEMORY_USAGE.name, int(mem.used), attrs)
            yield (m.GPU_MEMORY_LIMIT.name, int(mem.total), attrs)
            if mem.total:
                yield (m.GPU_MEMORY_UTILIZATION.name, mem.used / mem.total, attrs)
        temp = call("nvmlDeviceGetTemperature", self.nvml.NVML_TEMPERATURE_GPU)
        if temp is not None:
            yield (m.TEMPERATURE.name, float(temp), g.sensor_attrs())
        if self.settings.temperature_limits:
            yield from self._limits(call, g)
        power = call("nvmlDeviceGetPowerUsage")  # milliwatts
        if power is not None:
            yield (m.POWER.name, power / 1000.0, g.component_attrs())
        energy = call("nvmlDeviceGetTotalEnergyConsumption")  # millijoules since the driver loaded
        if energy is not None:
            yield (m.ENERGY.name, energy / 1000.0, g.component_attrs())

    def _limits(self, call: Callable[..., Any], g: m.GpuIdentity) -> Iterator[Row]:
        for limit_type, threshold in (
            ("high.degraded", self.nvml.NVML_TEMPERATURE_THRESHOLD_SLOWDOWN),
            ("high.critical", self.nvml.NVML_TEMPERATURE_THRESHOLD_SHUTDOWN),
        ):
            value = call("nvmlDeviceGetTemperatureThreshold", threshold)
            if value is not None:
                yield (m.TEMPERATURE_LIMIT.name, float(value), g.sensor_attrs(**{"hw.limit_type": limit_type}))

    def close(self) -> None:
        with contextlib.suppress(self.nvml.NVMLError):
            self.nvml.nvmlShutdown()
