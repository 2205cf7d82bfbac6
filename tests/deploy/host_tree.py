"""A fake host's root tree: the /proc, /sys and /etc a container sees at /hostfs.

The host is big and unlike this machine (64 GiB of memory, 48 logical CPUs on 24
cores, a /data filesystem, interfaces eno1/eno2), so a test that finds these
figures knows it read the fake host and not the machine it runs on. Its mount
table carries the mounts the pitfalls are about: container runtimes' mounts, an
EFI partition that only root may enter, pseudo filesystems.
"""

from __future__ import annotations

import os
from pathlib import Path

GIB = 1 << 30
TIB = 1 << 40
MEM_TOTAL = 64 * GIB
LOGICAL_CPUS = 48
PHYSICAL_CORES = 24
HOSTNAME = "db-48.fake.internal"
MACHINE_ID = "4f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f"
PRETTY_NAME = "Fakix 9 (the test host)"
INTERFACES = ("eno1", "eno2")
#: The id of another container whose mounts the agent sees under /hostfs.
OTHER_CONTAINER = "0123456789abcdef" * 4

#: /proc/1/mountinfo of the fake host: what must be reported is / and /data.
MOUNTINFO = f"""\
21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
22 21 0:20 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw
23 21 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw
24 21 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw,size=32g
25 21 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:9 - tmpfs tmpfs rw,size=6g,mode=755
26 21 8:17 / /data rw,noatime shared:10 - ext4 /dev/sdb1 rw
27 21 8:2 / /boot/efi rw,relatime shared:11 - vfat /dev/sda2 rw,fmask=0077,dmask=0077
28 21 0:40 / /var/lib/docker/overlay2/{"a" * 64}/merged rw,relatime - overlay overlay rw,lowerdir=/x
29 21 0:41 / /var/lib/docker/containers/{OTHER_CONTAINER}/mounts/shm rw,nosuid - tmpfs shm rw,size=65536k
30 21 0:42 / /var/lib/kubelet/pods/7d3f/volumes/kubernetes.io~projected/kube-api-access rw - tmpfs tmpfs rw
31 25 0:43 / /run/containerd/io.containerd.runtime.v2.task/k8s.io/{"b" * 64}/rootfs rw - overlay overlay rw
32 25 0:44 / /run/netns/cni-1234 rw - nsfs nsfs rw
33 21 0:45 / /var/lib/containers/storage/overlay-containers/{"c" * 64}/userdata/shm rw - tmpfs shm rw
"""


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def _stat() -> str:
    lines = [f"cpu  {LOGICAL_CPUS * 1000} 0 {LOGICAL_CPUS * 300} {LOGICAL_CPUS * 5000} 40 5 6 7 0 0"]
    lines += [f"cpu{n} 1000 0 300 5000 1 0 0 0 0 0" for n in range(LOGICAL_CPUS)]
    lines += ["intr 12345 0 0", "ctxt 99999", "btime 1700000000", "processes 4242", "procs_running 3",
              "procs_blocked 1", "softirq 1 2 3"]  # fmt: skip
    return "\n".join(lines) + "\n"


def _cpuinfo() -> str:
    blocks = []
    for n in range(LOGICAL_CPUS):
        socket, core = divmod(n % PHYSICAL_CORES, PHYSICAL_CORES // 2)
        blocks.append(f"processor\t: {n}\nvendor_id\t: GenuineIntel\nphysical id\t: {socket}\ncore id\t\t: {core}\n")
    return "\n".join(blocks) + "\n"


def _net_dev(interfaces: tuple[str, ...]) -> str:
    head = (
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls"
        " carrier compressed\n"
    )
    rows = [f"{'lo':>6}:    3193      29    0    0    0     0          0         0     3193      29    0    0    0"
            "     0       0          0"]  # fmt: skip
    rows += [
        f"{name:>6}: {1000000 * (i + 1)} {2000 * (i + 1)} 3 4 0 0 0 5 {500000 * (i + 1)} {1000 * (i + 1)} 6 7 0 0 0 0"
        for i, name in enumerate(interfaces)
    ]
    return head + "\n".join(rows) + "\n"


def make(root: Path, *, with_pid1: bool = True) -> Path:
    """Write the fake host under ``root``; ``with_pid1=False`` hides /proc/1 as ``hidepid`` does."""
    proc = root / "proc"
    _write(proc / "meminfo", (
        f"MemTotal:       {MEM_TOTAL // 1024} kB\nMemFree:        {8 * GIB // 1024} kB\n"
        f"MemAvailable:   {48 * GIB // 1024} kB\nBuffers:          200000 kB\nCached:         {30 * GIB // 1024} kB\n"
        "SwapCached:            0 kB\nSwapTotal:              0 kB\nSwapFree:               0 kB\n"
        "Slab:             300000 kB\nSReclaimable:     250000 kB\nSUnreclaim:        50000 kB\n"
    ))  # fmt: skip
    _write(proc / "stat", _stat())
    _write(proc / "cpuinfo", _cpuinfo())
    _write(proc / "loadavg", "12.50 10.25 8.00 3/4567 7890\n")
    _write(proc / "uptime", "8640000.00 400000000.00\n")
    _write(proc / "swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")
    _write(proc / "vmstat", "pgpgin 1\npgpgout 2\npswpin 0\npswpout 0\npgfault 100\npgmajfault 3\n")
    _write(proc / "diskstats", (
        "   8       0 sda 1000 10 20000 500 2000 20 40000 800 0 1500 1300 0 0 0 0 0 0\n"
        "   8       1 sda1 900 9 18000 450 1900 19 38000 760 0 1400 1210 0 0 0 0\n"
        "   8      16 sdb 5000 50 800000 900 9000 90 1600000 1800 0 3000 2700 0 0 0 0 0 0\n"
        "   8      17 sdb1 5000 50 800000 900 9000 90 1600000 1800 0 3000 2700 0 0 0 0 0 0\n"
    ))  # fmt: skip
    for dev, partition in (("sda", False), ("sda1", True), ("sdb", False), ("sdb1", True)):
        _write(root / "sys" / "class" / "block" / dev / "dev", "8:0\n")
        if partition:
            _write(root / "sys" / "class" / "block" / dev / "partition", "1\n")
    _write(root / "sys" / "devices" / "system" / "cpu" / "online", f"0-{LOGICAL_CPUS - 1}\n")
    if with_pid1:
        net = proc / "1" / "net"
        _write(proc / "1" / "mountinfo", MOUNTINFO)
        _write(net / "dev", _net_dev(INTERFACES))
        _write(net / "snmp", (
            "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab"
            " InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\nTcp: 1 200 120000 -1 117 2 0 0 480 1 1 1 0 10 0\n"
        ))  # fmt: skip
        _write(net / "sockstat", "sockets: used 9\nTCP: inuse 500 orphan 0 tw 70 alloc 6 mem 1\nUDP: inuse 30 mem 0\n")
        _write(net / "sockstat6", "TCP6: inuse 2\nUDP6: inuse 4\n")
    etc = root / "etc"
    # NixOS-style: absolute links, which must be followed inside the host root.
    _write(etc / "static" / "hostname", f"# set by the installer\n{HOSTNAME}\n")
    (etc / "hostname").symlink_to("/etc/static/hostname")
    _write(etc / "machine-id", MACHINE_ID + "\n")
    (root / "var" / "lib" / "dbus").mkdir(parents=True)
    (root / "var" / "lib" / "dbus" / "machine-id").symlink_to("/etc/machine-id")
    _write(root / "usr" / "lib" / "os-release", f'NAME="Fakix"\nPRETTY_NAME="{PRETTY_NAME}"\n')
    (etc / "os-release").symlink_to("/usr/lib/os-release")
    # Mountpoints: /data, and an EFI partition under a folder only root may enter.
    (root / "data").mkdir()
    (root / "boot" / "efi").mkdir(parents=True)
    os.chmod(root / "boot", 0o700)
    return root
