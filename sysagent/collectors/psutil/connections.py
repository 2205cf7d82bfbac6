"""Connection counts by TCP state and transport from ``psutil.net_connections``, where it is cheap.

``psutil.net_connections()`` walks every process's file descriptors on Linux,
macOS and the BSDs (to find each socket's owner; about 10 ms a call on a
small host, and macOS needs root for it). So with ``states: summary`` (the
default) this collector calls it only on Windows, where it reads the system's
TCP and UDP tables in one call each, and reports what the procfs collector's
summary reports: tcp ``established`` (ESTABLISHED and CLOSE_WAIT, as Linux's
``CurrEstab`` counts), tcp ``time_wait`` and the udp socket count. On Linux,
macOS and the BSDs the summary has no cheap psutil source and reports nothing;
``states: detailed`` calls ``net_connections`` there and counts every TCP state
(zeros included) and the udp sockets, like the procfs collector's detailed mode.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sysagent.registry import PluginContext

from .._settings import ConnectionsSettings
from .._specs import CONNECTION_COUNT, TCP_ATTRS, TCP_STATES, UDP_ATTRS
from ._common import WINDOWS, Obs, load_psutil

log = logging.getLogger("sysagent.collectors.connections")

#: psutil's status constants -> network.connection.state (DELETE_TCB, Windows-only, is not counted).
PSUTIL_STATES = {
    "ESTABLISHED": "established", "SYN_SENT": "syn_sent", "SYN_RECV": "syn_received", "FIN_WAIT1": "fin_wait_1",
    "FIN_WAIT2": "fin_wait_2", "TIME_WAIT": "time_wait", "CLOSE": "closed", "CLOSE_WAIT": "close_wait",
    "LAST_ACK": "last_ack", "LISTEN": "listen", "CLOSING": "closing",
}  # fmt: skip


class Collector:
    """Calls ``psutil.net_connections`` in detailed mode, or in summary mode on Windows."""

    metrics = (CONNECTION_COUNT,)

    def __init__(
        self, settings: ConnectionsSettings, ctx: PluginContext, psutil: Any = None, windows: bool = WINDOWS
    ) -> None:
        self.settings = settings
        self._ps = load_psutil(ctx, psutil)
        self._enabled = settings.states == "detailed" or windows
        if not self._enabled:
            log.info("connections: psutil has no cheap summary here; set states: detailed to count connections")

    def collect(self) -> Iterable[Obs]:
        if not self._enabled:
            return ()
        counts = dict.fromkeys(TCP_STATES, 0)
        for c in self._ps.net_connections(kind="tcp"):
            state = PSUTIL_STATES.get(c.status)
            if state is not None:
                counts[state] += 1
        udp = len(self._ps.net_connections(kind="udp"))
        if self.settings.states == "detailed":
            out: list[Obs] = [("system.network.connection.count", n, TCP_ATTRS[s]) for s, n in counts.items()]
        else:
            out = [
                (
                    "system.network.connection.count",
                    counts["established"] + counts["close_wait"],
                    TCP_ATTRS["established"],
                ),
                ("system.network.connection.count", counts["time_wait"], TCP_ATTRS["time_wait"]),
            ]
        out.append(("system.network.connection.count", udp, UDP_ATTRS))
        return out
