"""CPU, memory, disk, paging, pids and pressure per container and slice, from cgroup files.

Reads under ``{host_root}/sys/fs/cgroup`` through the agent's HostFS, cgroup v2
or v1 (see :mod:`sysagent_containers.layout`). Every point carries
``linux.cgroup.path``; a container's points also carry ``container.id``,
``container.runtime.name`` (when the path tells) and ``k8s.pod.uid`` (when the
path carries one). A file a cgroup lacks (a controller not enabled for it, or a
cgroup gone mid-read) leaves that metric out for that cgroup.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from sysagent import PluginContext
from sysagent_containers import files
from sysagent_containers import metrics as m
from sysagent_containers.identify import Container, pod_uid
from sysagent_containers.layout import Layout, Parts, detect
from sysagent_containers.settings import ContainersSettings
from sysagent_containers.walk import Walker

log = logging.getLogger("sysagent.containers")
Attrs = tuple[tuple[str, Any], ...]
Obs = tuple[str, float, Attrs]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _key(base: dict[str, Any], **extra: Any) -> Attrs:
    return tuple(sorted({**base, **extra}.items()))


class ContainersCollector:
    """Walks the cgroup tree each cycle and reads each reported cgroup's files."""

    metrics = m.ALL

    def __init__(self, settings: ContainersSettings, ctx: PluginContext) -> None:
        self.host = ctx.host
        self.layout: Layout = detect(ctx.host)
        self.walker = Walker(ctx.host, self.layout, settings)
        self._attrs: dict[Parts, dict[str, Any]] = {}
        self._devices: dict[str, str] = {}
        self._warned = False

    def collect(self) -> list[Obs]:
        out: list[Obs] = []
        found = self.walker.walk()
        if self.walker.dropped and not self._warned:
            self._warned = True
            log.warning("containers: %d cgroups beyond max_cgroups are not reported", self.walker.dropped)
        attrs = {parts: self._attrs.get(parts) or _base(parts, c) for parts, c in found.items()}
        self._attrs = attrs
        for parts, base in attrs.items():
            self._cpu(parts, base, out)
            self._memory(parts, base, out)
            self._io(parts, base, out)
            self._pids(parts, base, out)
            self._pressure(parts, base, out)
        return out

    def _read(self, source: str, parts: Parts, name: str) -> str | None:
        where = self.layout.sources.get(source)
        if where is None:
            return None
        try:
            return self.host.read(*where.parts, *parts, name)
        except OSError:
            return None

    def _v1(self, source: str) -> bool:
        where = self.layout.sources.get(source)
        return where is not None and where.v1

    def _cpu(self, parts: Parts, base: dict[str, Any], out: list[Obs]) -> None:
        if self._v1("cpu"):
            user, system = self._read("cpu", parts, "cpuacct.usage_user"), self._read("cpu", parts, "cpuacct.usage_sys")
            if user is not None and system is not None:
                times = (int(user) / 1e9, int(system) / 1e9)
            elif (text := self._read("cpu", parts, "cpuacct.stat")) is not None:
                stat = files.keyed(text)
                times = (stat.get("user", 0) / CLK_TCK, stat.get("system", 0) / CLK_TCK)
            else:
                return
        else:
            if (text := self._read("cpu", parts, "cpu.stat")) is None:
                return
            stat = files.keyed(text)
            if "user_usec" not in stat:
                return
            times = (stat["user_usec"] / 1e6, stat.get("system_usec", 0) / 1e6)
        out.append((m.CPU_TIME.name, times[0], _key(base, **{"cpu.mode": "user"})))
        out.append((m.CPU_TIME.name, times[1], _key(base, **{"cpu.mode": "system"})))

    def _memory(self, parts: Parts, base: dict[str, Any], out: list[Obs]) -> None:
        v1 = self._v1("memory")
        usage_text = self._read("memory", parts, "memory.usage_in_bytes" if v1 else "memory.current")
        stat_text = self._read("memory", parts, "memory.stat")
        stat = files.keyed(stat_text) if stat_text is not None else {}
        prefix = "total_" if v1 and "total_inactive_file" in stat else ""
        key = _key(base)
        if usage_text is not None:
            usage = int(usage_text)
            out.append((m.MEMORY_USAGE.name, usage, key))
            inactive = stat.get(prefix + "inactive_file")
            if inactive is not None:
                out.append((m.WORKING_SET.name, max(0, usage - inactive), key))
        faults, major = stat.get(prefix + "pgfault"), stat.get(prefix + "pgmajfault")
        if faults is not None and major is not None:
            out.append((m.PAGING_FAULTS.name, major, _key(base, **{"system.paging.fault.type": "major"})))
            out.append((m.PAGING_FAULTS.name, faults - major, _key(base, **{"system.paging.fault.type": "minor"})))

    def _io(self, parts: Parts, base: dict[str, Any], out: list[Obs]) -> None:
        if self._v1("io"):
            text = self._read("io", parts, "blkio.throttle.io_service_bytes_recursive")
            if not text:
                text = self._read("io", parts, "blkio.throttle.io_service_bytes")
            per_device = files.blkio(text) if text else {}
        else:
            text = self._read("io", parts, "io.stat")
            per_device = files.io_stat(text) if text else {}
        for dev, (read, written) in per_device.items():
            name = self._device(dev)
            out.append((m.DISK_IO.name, read, _key(base, **{"disk.io.direction": "read", "system.device": name})))
            out.append((m.DISK_IO.name, written, _key(base, **{"disk.io.direction": "write", "system.device": name})))

    def _pids(self, parts: Parts, base: dict[str, Any], out: list[Obs]) -> None:
        text = self._read("pids", parts, "pids.current")
        if text is not None:
            out.append((m.PROCESSES.name, int(text), _key(base)))

    def _pressure(self, parts: Parts, base: dict[str, Any], out: list[Obs]) -> None:
        for resource, spec in m.PRESSURE.items():
            text = self._read("pressure", parts, f"{resource}.pressure")
            if not text:
                continue
            for kind, usec in files.pressure(text).items():
                out.append((spec.name, usec / 1e6, _key(base, **{"system.linux.pressure.stall_type": kind})))

    def _device(self, majmin: str) -> str:
        """``8:0`` as the kernel's device name (``sda``), from /sys/dev/block; cached."""
        name = self._devices.get(majmin)
        if name is None:
            try:
                name = os.path.basename(os.readlink(self.host.path("sys", "dev", "block", majmin)))
            except OSError:
                name = majmin
            self._devices[majmin] = name
        return name


def _base(parts: Parts, container: Container | None) -> dict[str, Any]:
    base: dict[str, Any] = {"linux.cgroup.path": "/" + "/".join(parts)}
    if container is not None:
        base["container.id"] = container.id
        if container.runtime:
            base["container.runtime.name"] = container.runtime
    uid = pod_uid(parts)
    if uid:
        base["k8s.pod.uid"] = uid
    return base
