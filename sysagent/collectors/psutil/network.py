"""Traffic, packets, errors and drops per interface from ``psutil.net_io_counters(pernic=True)``.

The same columns as the procfs collector's /proc/net/dev (psutil reads that
file on Linux), with the same interface filter (``lo`` excluded by default;
macOS calls it ``lo0`` and Windows "Loopback Pseudo-Interface 1": add those to
``interfaces.exclude`` there).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sysagent.model import AttrKey
from sysagent.registry import PluginContext

from .._settings import NetworkSettings
from .._specs import NETWORK_DROPPED, NETWORK_ERRORS, NETWORK_IO, NETWORK_PACKETS, network_attrs
from ._common import Obs, boot_time_ns, load_psutil


class Collector:
    """Calls ``psutil.net_io_counters(pernic=True)``."""

    metrics = (NETWORK_IO, NETWORK_PACKETS, NETWORK_ERRORS, NETWORK_DROPPED)

    def __init__(self, settings: NetworkSettings, ctx: PluginContext, psutil: Any = None) -> None:
        self.settings = settings
        self._ps = load_psutil(ctx, psutil)
        self._match = settings.interfaces.matcher()
        self.counter_start_ns = boot_time_ns(self._ps)
        self._interfaces: dict[str, tuple[AttrKey, AttrKey, AttrKey, AttrKey]] = {}

    def collect(self) -> Iterable[Obs]:
        out: list[Obs] = []
        for name, c in (self._ps.net_io_counters(pernic=True) or {}).items():
            if not self._match(name):
                continue
            attrs = self._interfaces.get(name)
            if attrs is None:
                if len(self._interfaces) > 4096:
                    self._interfaces.clear()
                attrs = self._interfaces[name] = network_attrs(name)
            rx, tx, rx_dev, tx_dev = attrs
            out += (
                ("system.network.io", c.bytes_recv, rx),
                ("system.network.io", c.bytes_sent, tx),
                ("system.network.packet.count", c.packets_recv, rx_dev),
                ("system.network.packet.count", c.packets_sent, tx_dev),
                ("system.network.errors", c.errin, rx),
                ("system.network.errors", c.errout, tx),
                ("system.network.packet.dropped", c.dropin, rx),
                ("system.network.packet.dropped", c.dropout, tx),
            )
        return out
