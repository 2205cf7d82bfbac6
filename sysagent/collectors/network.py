"""Traffic, packets, errors and drops per network interface, from /proc/net/dev.

Reads ``/proc/net/dev`` of the host's network namespace (``{host_root}/proc/1/net/dev``
when a host root is set) once per cycle. The loopback interface ``lo`` is excluded
by default: its traffic never leaves the host and would double the totals of
local services; set ``interfaces: {exclude: []}`` to report it.
``system.network.packet.count`` carries ``system.device`` and the other metrics
``network.interface.name``, as the semantic conventions define them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sysagent.hostfs import KernelFile
from sysagent.markers import hookimpl
from sysagent.model import AttrKey
from sysagent.registry import PluginContext, Registry

from ._backend import choose
from ._netns import host_net_path
from ._procfs import Obs, boot_time_ns
from ._settings import NETWORK_DEFAULT_EXCLUDE as DEFAULT_EXCLUDE
from ._settings import NetworkSettings
from ._specs import NETWORK_DROPPED, NETWORK_ERRORS, NETWORK_IO, NETWORK_PACKETS, network_attrs

__all__ = ["DEFAULT_EXCLUDE", "NetworkCollector", "NetworkSettings"]
_Attrs = tuple[AttrKey, AttrKey, AttrKey, AttrKey]


class NetworkCollector:
    """Reads /proc/net/dev."""

    metrics = (NETWORK_IO, NETWORK_PACKETS, NETWORK_ERRORS, NETWORK_DROPPED)

    def __init__(self, settings: NetworkSettings, ctx: PluginContext) -> None:
        self.settings = settings
        self._file = KernelFile(host_net_path(ctx.host, "dev"))
        self._match = settings.interfaces.matcher()
        self.counter_start_ns = boot_time_ns(ctx.host)
        self._interfaces: dict[str, _Attrs] = {}

    def _attrs(self, name: str) -> _Attrs:
        attrs = self._interfaces.get(name)
        if attrs is None:
            if len(self._interfaces) > 4096:
                self._interfaces.clear()
            attrs = self._interfaces[name] = network_attrs(name)
        return attrs

    def collect(self) -> Iterable[Obs]:
        out: list[Obs] = []
        match = self._match
        interfaces = self._interfaces
        # Two header lines; then "name: 8 receive columns 8 transmit columns".
        for line in self._file.read().split("\n")[2:]:
            name, sep, rest = line.partition(":")
            if not sep:
                continue
            name = name.strip()
            if not match(name):
                continue
            f = rest.split()
            rx, tx, rx_dev, tx_dev = interfaces.get(name) or self._attrs(name)
            out += (
                ("system.network.io", int(f[0]), rx),
                ("system.network.io", int(f[8]), tx),
                ("system.network.packet.count", int(f[1]), rx_dev),
                ("system.network.packet.count", int(f[9]), tx_dev),
                ("system.network.errors", int(f[2]), rx),
                ("system.network.errors", int(f[10]), tx),
                ("system.network.packet.dropped", int(f[3]), rx),
                ("system.network.packet.dropped", int(f[11]), tx),
            )
        return out

    def close(self) -> None:
        self._file.close()


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("network", choose("network", NetworkCollector), settings=NetworkSettings, interval=5.0)
