"""Connection counts by TCP state and transport, from /proc/net/{snmp,sockstat,sockstat6}.

Never walks processes (``psutil.net_connections()`` reads every process's fds,
about 10 ms a call). Two modes, set by ``states``:

- ``summary`` (default): reads /proc/net/snmp, sockstat and sockstat6, about
  0.1 ms in all. Gives tcp ``established`` (the kernel's ``CurrEstab``, which
  counts ESTABLISHED and CLOSE_WAIT: the ``established`` series is derived and
  includes ``close_wait``), tcp ``time_wait`` (sockstat ``tw``) and the
  udp socket count (no state). TCP figures cover IPv4 and IPv6 together.
- ``detailed``: also reads /proc/net/tcp and tcp6 and counts every TCP state
  exactly (all states are reported, zeros included). Those files list every
  socket and cost about 4 ms each even on an idle host, more with many sockets.

Files are those of the host's network namespace (``{host_root}/proc/1/net``
with a host root).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sysagent.hostfs import KernelFile
from sysagent.markers import hookimpl
from sysagent.model import AttrKey
from sysagent.registry import PluginContext, Registry

from ._backend import choose
from ._netns import host_net_path
from ._procfs import Obs, read_text
from ._settings import ConnectionsSettings
from ._specs import CONNECTION_COUNT, TCP_ATTRS, UDP_ATTRS

__all__ = ["TCP_STATES", "ConnectionsCollector", "ConnectionsSettings"]

#: The "st" column of /proc/net/tcp -> network.connection.state.
TCP_STATES = {
    "01": "established",
    "02": "syn_sent",
    "03": "syn_received",
    "04": "fin_wait_1",
    "05": "fin_wait_2",
    "06": "time_wait",
    "07": "closed",
    "08": "close_wait",
    "09": "last_ack",
    "0A": "listen",
    "0B": "closing",
}
_TCP_ATTRS: dict[str, AttrKey] = TCP_ATTRS
_UDP = UDP_ATTRS
_ST_COLUMN = re.compile(r"^\s*\d+: \S+ \S+ ([0-9A-F]{2}) ", re.MULTILINE)


def _sockstat(text: str, proto: str, field: str) -> int:
    """``field`` of the ``proto:`` line of a sockstat file (0 if missing)."""
    at = text.find(proto + ": ")
    if at < 0:
        return 0
    f = text[at : text.find("\n", at)].split()
    try:
        return int(f[f.index(field) + 1])
    except (ValueError, IndexError):
        return 0


def _curr_estab(snmp: str) -> int:
    """``Tcp: CurrEstab`` of /proc/net/snmp: a header line then a value line."""
    header_at = snmp.find("Tcp: ")
    values_at = snmp.find("Tcp: ", header_at + 1)
    header = snmp[header_at : snmp.find("\n", header_at)].split()
    values = snmp[values_at : snmp.find("\n", values_at)].split()
    return int(values[header.index("CurrEstab")])


class ConnectionsCollector:
    """Reads /proc/net/snmp and sockstat(6); /proc/net/tcp(6) in ``detailed`` mode."""

    metrics = (CONNECTION_COUNT,)

    def __init__(self, settings: ConnectionsSettings, ctx: PluginContext) -> None:
        self.settings = settings
        self._snmp = KernelFile(host_net_path(ctx.host, "snmp"), single=True)
        self._sockstat = KernelFile(host_net_path(ctx.host, "sockstat"), single=True)
        self._sockstat6 = KernelFile(host_net_path(ctx.host, "sockstat6"), single=True)
        self._tcp = (host_net_path(ctx.host, "tcp"), host_net_path(ctx.host, "tcp6"))

    def collect(self) -> Iterable[Obs]:
        sockstat = self._sockstat.read()
        try:
            sockstat6 = self._sockstat6.read()
        except FileNotFoundError:  # a kernel without IPv6
            sockstat6 = ""
        udp = _sockstat(sockstat, "UDP", "inuse") + _sockstat(sockstat6, "UDP6", "inuse")
        if self.settings.states == "detailed":
            counts = self._tcp_states()
            out: list[Obs] = [("system.network.connection.count", n, _TCP_ATTRS[s]) for s, n in counts.items()]
        else:
            established = _curr_estab(self._snmp.read())
            time_wait = _sockstat(sockstat, "TCP", "tw")
            out = [
                ("system.network.connection.count", established, _TCP_ATTRS["established"]),
                ("system.network.connection.count", time_wait, _TCP_ATTRS["time_wait"]),
            ]
        out.append(("system.network.connection.count", udp, _UDP))
        return out

    def close(self) -> None:
        self._snmp.close()
        self._sockstat.close()
        self._sockstat6.close()

    def _tcp_states(self) -> dict[str, int]:
        counts = dict.fromkeys(TCP_STATES.values(), 0)
        for path in self._tcp:
            try:
                text = read_text(path)
            except FileNotFoundError:
                continue
            for code in _ST_COLUMN.findall(text):
                state = TCP_STATES.get(code)
                if state is not None:
                    counts[state] += 1
        return counts


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector(
        "connections", choose("connections", ConnectionsCollector), settings=ConnectionsSettings, interval=5.0
    )
