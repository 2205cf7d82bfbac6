"""The metrics this plugin emits, after the semantic conventions' ``hw.*`` model (v1.44.0).

``hw.gpu.*`` carry the GPU's identity (``metric_attributes.hw.gpu``: hw.id, hw.name,
hw.model, hw.vendor, hw.serial_number, hw.firmware_version, hw.driver_version);
``hw.power`` and ``hw.energy`` carry the common hardware attributes and ``hw.type=gpu``;
the temperature sensor is its own component (``hw.temperature``) whose ``hw.parent``
is the GPU.
"""

from __future__ import annotations

from dataclasses import dataclass

from sysagent import counter, gauge, updowncounter

GPU_UTILIZATION = gauge("hw.gpu.utilization", "1", "Fraction of time spent in a specific task")
GPU_MEMORY_USAGE = updowncounter("hw.gpu.memory.usage", "By", "GPU memory used", integer=True)
GPU_MEMORY_LIMIT = updowncounter("hw.gpu.memory.limit", "By", "Size of the GPU memory", integer=True)
GPU_MEMORY_UTILIZATION = gauge("hw.gpu.memory.utilization", "1", "Fraction of GPU memory used")
TEMPERATURE = gauge("hw.temperature", "Cel", "Temperature in degrees Celsius")
TEMPERATURE_LIMIT = gauge("hw.temperature.limit", "Cel", "Temperature limit in degrees Celsius")
POWER = gauge("hw.power", "W", "Instantaneous power consumed by the component")
ENERGY = counter("hw.energy", "J", "Energy consumed by the component")

ALL = (
    GPU_UTILIZATION,
    GPU_MEMORY_USAGE,
    GPU_MEMORY_LIMIT,
    GPU_MEMORY_UTILIZATION,
    TEMPERATURE,
    TEMPERATURE_LIMIT,
    POWER,
    ENERGY,
)

Attrs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class GpuIdentity:
    """What NVML says a GPU is; read once when the collector starts."""

    index: int
    uuid: str
    model: str
    serial: str | None = None
    firmware: str | None = None
    driver: str | None = None

    @property
    def name(self) -> str:
        return f"gpu{self.index}"

    def gpu_attrs(self, **extra: str) -> Attrs:
        """Attributes of ``hw.gpu.*`` points: the GPU's full identity (plus e.g. hw.gpu.task)."""
        attrs = {"hw.id": self.uuid, "hw.name": self.name, "hw.model": self.model, "hw.vendor": "NVIDIA", **extra}
        optional = {
            "hw.serial_number": self.serial,
            "hw.firmware_version": self.firmware,
            "hw.driver_version": self.driver,
        }
        attrs.update({k: v for k, v in optional.items() if v})
        return tuple(sorted(attrs.items()))

    def component_attrs(self) -> Attrs:
        """Attributes of ``hw.power`` / ``hw.energy``: the common hardware ones and ``hw.type``."""
        return tuple(sorted({"hw.id": self.uuid, "hw.name": self.name, "hw.type": "gpu"}.items()))

    def sensor_attrs(self, **extra: str) -> Attrs:
        """Attributes of the GPU's temperature sensor, a component whose parent is the GPU."""
        attrs = {
            "hw.id": f"{self.uuid}:temperature",
            "hw.name": f"{self.name} temperature",
            "hw.parent": self.uuid,
            "hw.sensor_location": self.name,
            **extra,
        }
        return tuple(sorted(attrs.items()))
