"""A fake of the psutil module for the machine that ``fakehost/`` describes (Linux, psutil 7).

Each function returns what psutil returns on Linux for that tree: the same
namedtuple fields, units and conversions (ticks to seconds, sectors to bytes,
``cached`` + ``SReclaimable``, swap pages times 4 KiB), so both backends can be
run on one machine and compared. ``fields`` lets a test drop fields to mimic
another OS (macOS has no iowait, Windows has ``dpc``...).
"""

from __future__ import annotations

import os
from collections import namedtuple
from pathlib import Path
from typing import Any

from collector_helpers import FAKEHOST

HZ = float(os.sysconf("SC_CLK_TCK"))
KB = 1024

scputimes = namedtuple(
    "scputimes", "user nice system idle iowait irq softirq steal guest guest_nice"
)  # fmt: skip
scpufreq = namedtuple("scpufreq", "current min max")
svmem = namedtuple("svmem", "total available percent used free active inactive buffers cached shared slab")
sswap = namedtuple("sswap", "total used free percent sin sout")
sdiskio = namedtuple(
    "sdiskio",
    "read_count write_count read_bytes write_bytes read_time write_time read_merged_count write_merged_count busy_time",
)
snetio = namedtuple("snetio", "bytes_sent bytes_recv packets_sent packets_recv errin errout dropin dropout")
sdiskpart = namedtuple("sdiskpart", "device mountpoint fstype opts")
sconn = namedtuple("sconn", "fd family type laddr raddr status pid")

_TCP = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
        "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN",
        "0B": "CLOSING"}  # fmt: skip
_STATUS = {"R": "running", "S": "sleeping", "D": "disk-sleep", "I": "idle", "T": "stopped", "t": "tracing-stop",
           "Z": "zombie"}  # fmt: skip


def _unescape(s: str) -> str:
    return s.replace("\\040", " ")


class FakeProcess:
    def __init__(self, status: str) -> None:
        self.info = {"status": status}


class FakePsutil:
    """The psutil functions the collectors call, answered from a fake host tree."""

    def __init__(self, root: Path = FAKEHOST) -> None:
        self.root = root
        self.calls: list[str] = []

    def _read(self, *parts: str) -> str:
        return (self.root / "proc" / Path(*parts)).read_text()

    def boot_time(self) -> float:
        for line in self._read("stat").splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
        raise AssertionError("no btime")

    def cpu_times(self, percpu: bool = False) -> Any:
        rows = [ln.split() for ln in self._read("stat").splitlines() if ln.startswith("cpu")]
        times = [scputimes(*(int(v) / HZ for v in r[1:11])) for r in rows]
        return times[1:] if percpu else times[0]

    def cpu_freq(self, percpu: bool = False) -> Any:
        base = self.root / "sys" / "devices" / "system" / "cpu"
        mhz = [int((base / f"cpu{n}" / "cpufreq" / "scaling_cur_freq").read_text()) / 1000 for n in (0, 1)]
        freqs = [scpufreq(m, 0.0, 0.0) for m in mhz]
        return freqs if percpu else freqs[0]

    def cpu_count(self, logical: bool = True) -> int:
        return 2 if logical else 1

    def getloadavg(self) -> tuple[float, float, float]:
        one, five, fifteen = self._read("loadavg").split()[:3]
        return float(one), float(five), float(fifteen)

    def _meminfo(self) -> dict[str, int]:
        return {ln.split(":")[0]: int(ln.split()[1]) * KB for ln in self._read("meminfo").splitlines()}

    def virtual_memory(self) -> Any:
        m = self._meminfo()
        cached = m["Cached"] + m["SReclaimable"]  # as psutil computes it on Linux
        used = m["MemTotal"] - m["MemFree"] - m["Buffers"] - cached
        return svmem(m["MemTotal"], m["MemAvailable"], 37.5, used, m["MemFree"], 0, 0, m["Buffers"], cached, 0,
                     m["Slab"])  # fmt: skip

    def swap_memory(self) -> Any:
        m = self._meminfo()
        vm = {ln.split()[0]: int(ln.split()[1]) for ln in self._read("vmstat").splitlines()}
        total, free = m["SwapTotal"], m["SwapFree"]
        return sswap(total, total - free, free, 25.0, vm["pswpin"] * 4096, vm["pswpout"] * 4096)

    def disk_io_counters(self, perdisk: bool = False) -> Any:
        out = {}
        for line in self._read("diskstats").splitlines():
            f = line.split()
            v = [int(x) for x in f[3:14]]
            out[f[2]] = sdiskio(v[0], v[4], v[2] * 512, v[6] * 512, v[3], v[7], v[1], v[5], v[9])
        return out

    def net_io_counters(self, pernic: bool = False) -> Any:
        out = {}
        for line in self._read("1", "net", "dev").splitlines()[2:]:
            name, _, rest = line.partition(":")
            v = [int(x) for x in rest.split()]
            out[name.strip()] = snetio(v[8], v[0], v[9], v[1], v[2], v[10], v[3], v[11])
        return out

    def disk_partitions(self, all: bool = False) -> list[Any]:
        self.calls.append("disk_partitions")
        rows = [ln.split() for ln in self._read("1", "mounts").splitlines() if ln.strip()]
        return [sdiskpart(_unescape(r[0]), _unescape(r[1]), r[2], r[3]) for r in rows]

    def net_connections(self, kind: str = "inet") -> list[Any]:
        self.calls.append(f"net_connections:{kind}")
        if kind == "udp":
            return [sconn(-1, 2, 2, (), (), "NONE", None)] * 7  # sockstat: UDP inuse 3 + UDP6 inuse 4
        out = []
        for name in ("tcp", "tcp6"):
            for line in self._read("1", "net", name).splitlines()[1:]:
                out.append(sconn(-1, 2, 1, (), (), _TCP[line.split()[3]], None))
        return out

    def process_iter(self, attrs: list[str] | None = None) -> list[FakeProcess]:
        self.calls.append("process_iter")
        out = []
        for d in sorted((self.root / "proc").iterdir()):
            if d.name.isdigit() and (d / "stat").exists():
                text = (d / "stat").read_text()
                out.append(FakeProcess(_STATUS[text[text.rfind(")") + 2]]))
        return out


sdiskusage = namedtuple("sdiskusage", "total used free percent")


def disk_usage(path: str) -> Any:
    """``psutil.disk_usage`` for any path of the fake host (what Windows' backend calls)."""
    return sdiskusage(1000 * 4096, 600 * 4096, 350 * 4096, 60.0)


FakePsutil.disk_usage = staticmethod(disk_usage)  # type: ignore[attr-defined]
