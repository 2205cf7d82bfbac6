"""Which network namespace's files the network and connections collectors read.

/proc/net is a link to /proc/self/net: the namespace of the process that reads
it. In a container with its own network namespace that is the container's eth0,
not the host's interfaces (node_exporter #581; the hostmetrics receiver's chart
leaves hostNetwork off and measures the pod). So with a host root the files are
those of the host's init, ``{host_root}/proc/1/net/NAME`` (as Datadog's agent
reads them), which is right with or without host networking. When pid 1 cannot
be read (the host's /proc mounted with ``hidepid``), the agent's own
/proc/self/net is the only one left: right with host networking, and a warning
says so once.
"""

from __future__ import annotations

import logging
import os

from sysagent.hostfs import HostFS

log = logging.getLogger("sysagent.collectors.network")
_warned: set[str] = set()


def host_net_path(host: HostFS, name: str, self_proc: str = "/proc/self") -> str:
    """The file ``name`` (``dev``, ``snmp``, ``sockstat``, ``tcp``...) of the host's network namespace."""
    if host.root == "/":
        return host.path("proc", "net", name)
    init = host.path("proc", "1", "net", name)
    # Decided once for all of a namespace's files, by the one every kernel has.
    if os.access(host.path("proc", "1", "net", "dev"), os.R_OK) or not os.access(
        os.path.join(self_proc, "net", "dev"), os.R_OK
    ):
        return init
    if host.root not in _warned:
        _warned.add(host.root)
        log.warning(
            "cannot read %s (is the host's /proc mounted with hidepid?): reporting the network of the agent's own "
            "namespace, which is the host's only with host networking",
            init,
        )
    return os.path.join(self_proc, "net", name)
