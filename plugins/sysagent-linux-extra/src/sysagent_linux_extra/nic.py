"""NIC link speed and link state from /sys/class/net, for network saturation.

``hw.network.bandwidth.limit`` (By/s, from ``speed`` in Mb/s) beside the
``system.network.io`` rate gives the saturation of a link; ``hw.name`` is the
interface name, the same value as ``network.interface.name`` on
``system.network.io``. A link whose speed the driver does not know (virtual
NICs answer -1 or EINVAL; any NIC whose link is down) has no bandwidth point.
By default only interfaces backed by a device (``/sys/class/net/IF/device``) are
reported, so veth pairs and bridges do not multiply the series.
"""

from __future__ import annotations

import fnmatch
import os

from sysagent import CollectorSettings, PluginContext, updowncounter

BANDWIDTH = updowncounter("hw.network.bandwidth.limit", "By/s", "Link speed", integer=True)
UP = updowncounter("hw.network.up", "1", "Link status: 1 (up) or 0 (down)", integer=True)
NET = ("sys", "class", "net")


class NicSettings(CollectorSettings):
    """``physical_only``: only interfaces backed by a device. ``include``/``exclude``: globs
    on the interface name (empty ``include``: all)."""

    physical_only: bool = True
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ("lo",)


class NicCollector:
    metrics = (BANDWIDTH, UP)

    def __init__(self, settings: NicSettings, ctx: PluginContext) -> None:
        self.host = ctx.host
        self.settings = settings

    def _wanted(self, name: str) -> bool:
        s = self.settings
        if s.include and not any(fnmatch.fnmatchcase(name, p) for p in s.include):
            return False
        if any(fnmatch.fnmatchcase(name, p) for p in s.exclude):
            return False
        return not s.physical_only or os.path.exists(self.host.path(*NET, name, "device"))

    def _read(self, name: str, file: str) -> str:
        try:
            return self.host.read(*NET, name, file).strip()
        except OSError:  # EINVAL: speed of a link that is down or virtual
            return ""

    def collect(self) -> list[tuple[str, float, tuple[tuple[str, str], ...]]]:
        out: list[tuple[str, float, tuple[tuple[str, str], ...]]] = []
        try:
            names = sorted(os.listdir(self.host.path(*NET)))
        except OSError:
            return out
        for name in filter(self._wanted, names):
            attrs = {"hw.id": name, "hw.name": name}
            mac = self._read(name, "address")
            if mac and mac != "00:00:00:00:00:00":
                attrs["hw.network.physical_address"] = mac
            key = tuple(sorted(attrs.items()))
            out.append((UP.name, 1 if self._read(name, "operstate") == "up" else 0, key))
            speed = self._read(name, "speed")
            if speed.lstrip("-").isdigit() and int(speed) > 0:
                out.append((BANDWIDTH.name, int(speed) * 125_000, key))  # Mb/s to bytes/s
        return out
