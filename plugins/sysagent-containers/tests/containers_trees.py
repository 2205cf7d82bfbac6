"""Fake /sys/fs/cgroup trees for the containers plugin's tests, one builder per layout."""

from __future__ import annotations

import os
from pathlib import Path

CPU_STAT = "usage_usec {total}\nuser_usec {user}\nsystem_usec {system}\nnr_periods 0\n"
MEMORY_STAT_V2 = (
    "anon 1000\nfile 5000\ninactive_file {inactive}\nactive_file 100\npgfault {pgfault}\npgmajfault {pgmaj}\n"
)
PRESSURE = "some avg10=0.00 avg60=0.00 avg300=0.00 total={some}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total={full}\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def block_devices(root: Path, **devices: str) -> None:
    """``sys/dev/block/MAJ:MIN`` symlinks, as the kernel has them (``sda="8:0"``)."""
    block = root / "sys" / "dev" / "block"
    block.mkdir(parents=True, exist_ok=True)
    for name, majmin in devices.items():
        os.symlink(f"../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/{name}", block / majmin)


def v2_root(root: Path) -> Path:
    cg = root / "sys" / "fs" / "cgroup"
    write(cg / "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
    write(cg / "cpu.stat", CPU_STAT.format(total=9, user=5, system=4))
    return cg


def v2_cgroup(
    cg: Path,
    rel: str,
    *,
    user_usec: int = 2_000_000,
    system_usec: int = 500_000,
    current: int = 10_000,
    inactive: int = 3_000,
    pgfault: int = 70,
    pgmaj: int = 7,
    pids: int = 3,
    io: str = "",
    some: int = 1_500_000,
    full: int = 250_000,
) -> Path:
    d = cg / rel
    d.mkdir(parents=True, exist_ok=True)
    write(d / "cgroup.procs", "")
    write(d / "cpu.stat", CPU_STAT.format(total=user_usec + system_usec, user=user_usec, system=system_usec))
    write(d / "memory.current", f"{current}\n")
    write(d / "memory.stat", MEMORY_STAT_V2.format(inactive=inactive, pgfault=pgfault, pgmaj=pgmaj))
    write(d / "io.stat", io)
    write(d / "pids.current", f"{pids}\n")
    for resource in ("cpu", "memory", "io"):
        write(d / f"{resource}.pressure", PRESSURE.format(some=some, full=full))
    return d


def v1_root(root: Path, *, unified: bool) -> Path:
    """A v1 host (``cpu,cpuacct`` joined, as systemd mounts it); ``unified`` adds the hybrid v2 mount."""
    cg = root / "sys" / "fs" / "cgroup"
    for ctrl in ("cpu,cpuacct", "memory", "blkio", "pids"):
        write(cg / ctrl / "cgroup.procs", "1\n")
    os.symlink("cpu,cpuacct", cg / "cpuacct")
    if unified:
        write(cg / "unified" / "cgroup.controllers", "")
    return cg


def v1_cgroup(
    cg: Path,
    rel: str,
    *,
    user_ns: int = 3_000_000_000,
    sys_ns: int = 1_000_000_000,
    usage: int = 20_000,
    inactive: int = 5_000,
    pgfault: int = 90,
    pgmaj: int = 9,
    pids: int = 2,
    blkio: str = "",
    pressure_some: int | None = None,
) -> None:
    write(cg / "cpu,cpuacct" / rel / "cpuacct.usage_user", f"{user_ns}\n")
    write(cg / "cpu,cpuacct" / rel / "cpuacct.usage_sys", f"{sys_ns}\n")
    mem = cg / "memory" / rel
    write(mem / "memory.usage_in_bytes", f"{usage}\n")
    write(
        mem / "memory.stat",
        f"cache 100\ninactive_file 1\npgfault 1\npgmajfault 0\ntotal_inactive_file {inactive}\n"
        f"total_pgfault {pgfault}\ntotal_pgmajfault {pgmaj}\n",
    )
    write(cg / "blkio" / rel / "blkio.throttle.io_service_bytes_recursive", blkio)
    write(cg / "pids" / rel / "pids.current", f"{pids}\n")
    if pressure_some is not None:
        write(cg / "unified" / rel / "cpu.pressure", f"some avg10=0.00 avg60=0.00 avg300=0.00 total={pressure_some}\n")
