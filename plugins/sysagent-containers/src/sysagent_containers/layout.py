"""Where each cgroup controller's files are: cgroup v2, v1, or both (the "hybrid" layout).

On a v2 host every file is under ``/sys/fs/cgroup``. On a v1 host each controller
has its own hierarchy (``cpuacct`` or ``cpu,cpuacct``, ``memory``, ``blkio``,
``pids``), and a hybrid host adds a v2 hierarchy at ``/sys/fs/cgroup/unified``
that carries the pressure files. A controller is read from its v1 hierarchy when
there is one, else from v2.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sysagent import HostFS

Parts = tuple[str, ...]
CGROUP: Parts = ("sys", "fs", "cgroup")
_V1 = {
    "cpu": ("cpuacct", "cpu,cpuacct", "cpuacct,cpu"),
    "memory": ("memory",),
    "io": ("blkio",),
    "pids": ("pids",),
}


@dataclass(frozen=True)
class Source:
    """A controller's hierarchy: its path parts under the host root, and whether it is v1."""

    parts: Parts
    v1: bool


@dataclass(frozen=True)
class Layout:
    """``version`` is "v2", "hybrid", "v1" or "none"; ``sources`` maps cpu, memory, io,
    pids and pressure to their hierarchy (a controller the host lacks is absent)."""

    version: str
    sources: dict[str, Source]

    @property
    def hierarchies(self) -> tuple[Parts, ...]:
        """Each distinct hierarchy once, to walk."""
        return tuple(dict.fromkeys(s.parts for s in self.sources.values()))


def detect(host: HostFS) -> Layout:
    """Look at the host's /sys/fs/cgroup once (at start; a host does not switch layouts)."""
    if os.path.exists(host.path(*CGROUP, "cgroup.controllers")):
        v2 = Source(CGROUP, False)
        return Layout("v2", dict.fromkeys(("cpu", "memory", "io", "pids", "pressure"), v2))
    unified = (*CGROUP, "unified")
    v2_source = Source(unified, False) if os.path.exists(host.path(*unified, "cgroup.controllers")) else None
    sources: dict[str, Source] = {}
    for controller, names in _V1.items():
        for name in names:
            if os.path.exists(host.path(*CGROUP, name, "cgroup.procs")):
                sources[controller] = Source((*CGROUP, name), True)
                break
        else:
            if v2_source is not None:
                sources[controller] = v2_source
    if v2_source is not None:
        sources["pressure"] = v2_source
    v1 = any(s.v1 for s in sources.values())
    version = ("hybrid" if v2_source else "v1") if v1 else ("v2" if v2_source else "none")
    return Layout(version, sources)
