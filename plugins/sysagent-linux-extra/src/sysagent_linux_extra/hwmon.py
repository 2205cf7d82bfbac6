"""Hardware sensors from /sys/class/hwmon as the conventions' ``hw.*`` metrics.

Per chip (``hwmonN/name``) and sensor: ``tempN_input`` (m°C) as ``hw.temperature``,
``fanN_input`` (rpm) as ``hw.fan.speed``, ``inN_input`` (mV) as ``hw.voltage``,
``powerN_input`` or ``powerN_average`` (µW) as ``hw.power``, ``energyN_input`` (µJ)
as ``hw.energy``; the ``_min/_max/_lcrit/_crit`` files as the ``.limit`` metrics
with ``hw.limit_type``. ``hw.id`` is ``<device>:<sensor>`` (the chip's device, e.g.
``coretemp.0:temp1``: hwmonN numbers change across boots), ``hw.name`` the
sensor's label or ``<chip> <sensor>``, ``hw.parent`` the device. A sensor that
reports a fault, or fails to read (EIO, ENODATA), is left out of that cycle.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from sysagent import CollectorSettings, PluginContext, counter, gauge

TEMPERATURE = gauge("hw.temperature", "Cel", "Temperature in degrees Celsius")
TEMPERATURE_LIMIT = gauge("hw.temperature.limit", "Cel", "Temperature limit in degrees Celsius")
FAN = gauge("hw.fan.speed", "rpm", "Fan speed in revolutions per minute", integer=True)
FAN_LIMIT = gauge("hw.fan.speed.limit", "rpm", "Speed limit in rpm", integer=True)
VOLTAGE = gauge("hw.voltage", "V", "Voltage measured by the sensor")
VOLTAGE_LIMIT = gauge("hw.voltage.limit", "V", "Voltage limit in Volts")
POWER = gauge("hw.power", "W", "Instantaneous power consumed by the component")
ENERGY = counter("hw.energy", "J", "Energy consumed by the component")

HWMON = ("sys", "class", "hwmon")
_SENSOR = re.compile(r"^(temp|fan|in|power|energy)(\d+)_(input|average)$")
_LIMITS = {"lcrit": "low.critical", "min": "low.degraded", "max": "high.degraded", "crit": "high.critical"}
_FAN_LIMITS = {"min": "low.degraded", "max": "max"}
#: kind -> (value metric, limit metric, scale to the metric's unit)
_KINDS = {
    "temp": (TEMPERATURE, TEMPERATURE_LIMIT, 1e-3),
    "fan": (FAN, FAN_LIMIT, 1.0),
    "in": (VOLTAGE, VOLTAGE_LIMIT, 1e-3),
    "power": (POWER, None, 1e-6),
    "energy": (ENERGY, None, 1e-6),
}
#: ``hw.type`` (required on hw.power and hw.energy) by chip driver; others are the enclosure's.
CHIP_TYPES = {
    "amdgpu": "gpu",
    "radeon": "gpu",
    "nouveau": "gpu",
    "i915": "gpu",
    "xe": "gpu",
    "coretemp": "cpu",
    "k10temp": "cpu",
    "zenpower": "cpu",
    "amd_energy": "cpu",
    "nvme": "physical_disk",
    "drivetemp": "physical_disk",
    "power_meter": "power_supply",
}

Obs = tuple[str, float, tuple[tuple[str, str], ...]]


class HwmonSettings(CollectorSettings):
    """``limits``: also report the chips' min/max/critical thresholds."""

    limits: bool = True


class HwmonCollector:
    metrics = (TEMPERATURE, TEMPERATURE_LIMIT, FAN, FAN_LIMIT, VOLTAGE, VOLTAGE_LIMIT, POWER, ENERGY)

    def __init__(self, settings: HwmonSettings, ctx: PluginContext) -> None:
        self.host = ctx.host
        self.limits = settings.limits

    def _read(self, *parts: str) -> str:
        try:
            return self.host.read(*HWMON, *parts).strip()
        except OSError:
            return ""

    def collect(self) -> list[Obs]:
        out: list[Obs] = []
        try:
            chips = sorted(os.listdir(self.host.path(*HWMON)))
        except OSError:
            return out
        for chip in chips:
            out.extend(self._chip(chip))
        return out

    def _chip(self, chip: str) -> Iterator[Obs]:
        try:
            files = set(os.listdir(self.host.path(*HWMON, chip)))
        except OSError:
            return
        driver = self._read(chip, "name") or chip
        link = self.host.path(*HWMON, chip, "device")
        device = os.path.basename(os.path.realpath(link)) if os.path.exists(link) else f"{driver}.{chip}"
        for file in sorted(files):
            m = _SENSOR.match(file)
            if m is None or (m.group(1) == "power" and m.group(3) == "average" and f"power{m.group(2)}_input" in files):
                continue
            kind, sensor = m.group(1), m.group(1) + m.group(2)
            if f"{sensor}_fault" in files and self._read(chip, f"{sensor}_fault") == "1":
                continue
            raw = self._read(chip, file)
            if not raw.lstrip("-").isdigit():
                continue
            label = self._read(chip, f"{sensor}_label") if f"{sensor}_label" in files else ""
            attrs = {"hw.id": f"{device}:{sensor}", "hw.name": label or f"{driver} {sensor}", "hw.parent": device}
            if label:
                attrs["hw.sensor_location"] = label
            if kind in ("power", "energy"):
                attrs["hw.type"] = CHIP_TYPES.get(driver, "enclosure")
            spec, limit_spec, scale = _KINDS[kind]
            value = int(raw) * scale
            yield spec.name, int(value) if spec.integer else value, tuple(sorted(attrs.items()))
            if limit_spec is None or not self.limits:
                continue
            for suffix, limit_type in (_FAN_LIMITS if kind == "fan" else _LIMITS).items():
                limit = self._read(chip, f"{sensor}_{suffix}") if f"{sensor}_{suffix}" in files else ""
                if limit.lstrip("-").isdigit():
                    scaled = int(limit) * scale
                    limit_attrs = tuple(sorted({**attrs, "hw.limit_type": limit_type}.items()))
                    yield limit_spec.name, int(scaled) if limit_spec.integer else scaled, limit_attrs
