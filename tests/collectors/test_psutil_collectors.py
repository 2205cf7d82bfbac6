"""The psutil collectors with exact fake values, also shaped as psutil answers on Windows and macOS.

The fake is :class:`psutil_fake.FakePsutil` (the fake host's values, as psutil on
Linux returns them); tests replace single functions to mimic another OS.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import namedtuple
from typing import Any

import pytest
from collector_helpers import FAKEHOST, Harness, kv, series
from psutil_fake import KB, FakePsutil, sconn, sdiskpart

from sysagent.collectors._settings import (
    ConnectionsSettings,
    CpuSettings,
    FilesystemSettings,
    HostSettings,
    LoadSettings,
    PagingSettings,
    SystemSettings,
)
from sysagent.collectors.psutil import connections, cpu, filesystem, host, load, paging, system

ROOT = str(FAKEHOST)


def test_cpu_total_modes_add_irq_and_softirq(fake: Harness) -> None:
    times = series(fake.batch(cpu.Collector, CpuSettings(), psutil=FakePsutil()), "system.cpu.time")
    assert times[kv(cpu__mode="user")] == 10.0
    assert times[kv(cpu__mode="interrupt")] == pytest.approx(0.11)  # irq 5 + softirq 6 ticks
    assert len(times) == 7


def test_cpu_on_macos_and_windows_reports_only_the_modes_they_have(fake: Harness) -> None:
    mac = namedtuple("scputimes", "user nice system idle")
    win = namedtuple("scputimes", "user system idle interrupt dpc")
    ps = FakePsutil()
    ps.cpu_times = lambda percpu=False: [mac(1.0, 2.0, 3.0, 4.0)] * 2 if percpu else mac(1.0, 2.0, 3.0, 4.0)  # type: ignore[method-assign]
    times = series(fake.batch(cpu.Collector, CpuSettings(per_cpu=True), psutil=ps), "system.cpu.time")
    assert sorted(times) == sorted(kv(cpu__mode=m, cpu__logical_number=n) for m in ("user", "nice", "system", "idle")
                                   for n in (0, 1))  # fmt: skip
    ps.cpu_times = lambda percpu=False: win(1.0, 2.0, 3.0, 0.25, 0.5)  # type: ignore[method-assign]
    times = series(fake.batch(cpu.Collector, CpuSettings(), psutil=ps), "system.cpu.time")
    assert times == {kv(cpu__mode="user"): 1.0, kv(cpu__mode="system"): 2.0, kv(cpu__mode="idle"): 3.0,
                     kv(cpu__mode="interrupt"): 0.75}  # fmt: skip


def test_cpu_frequency_only_when_listed_per_cpu(fake: Harness) -> None:
    ps = FakePsutil()
    batch = fake.batch(cpu.Collector, CpuSettings(frequency=True), psutil=ps)
    assert series(batch, "system.cpu.frequency") == {kv(cpu__logical_number=0): 2.4e9, kv(cpu__logical_number=1): 1.8e9}
    one = FakePsutil().cpu_freq()
    ps.cpu_freq = lambda percpu=False: [one] if percpu else one  # type: ignore[method-assign]
    batch = fake.batch(cpu.Collector, CpuSettings(frequency=True), psutil=ps)
    assert batch.metric("system.cpu.frequency") is None  # one system-wide figure (macOS, Windows): no CPU number


def test_load_exact_and_absent_on_windows(fake: Harness) -> None:
    batch = fake.batch(load.Collector, LoadSettings(), psutil=FakePsutil())
    assert series(batch, "system.cpu.load_average.15m") == {(): 2.0}
    windows = load.Collector(LoadSettings(), _ctx(), psutil=FakePsutil(), windows=True)
    assert windows.metrics == () and list(windows.collect()) == []


def test_host_counts_cached_and_missing_physical_count_left_out(fake: Harness) -> None:
    ps = FakePsutil()
    runner = fake.runner(host.Collector, HostSettings(memory_limit=True), psutil=ps)
    assert series(runner.run(), "system.memory.limit") == {(): 8_000_000 * KB}
    ps.cpu_count = lambda logical=True: 99  # type: ignore[method-assign]
    assert series(runner.run(), "system.cpu.logical.count") == {(): 2}  # read once
    ps2 = FakePsutil()
    ps2.cpu_count = lambda logical=True: 4 if logical else None  # type: ignore[method-assign]
    batch = fake.batch(host.Collector, HostSettings(), psutil=ps2)
    assert [m.spec.name for m in batch.metrics] == ["system.cpu.logical.count"]


def test_paging_totals_operations_and_windows(fake: Harness) -> None:
    batch = fake.batch(paging.Collector, PagingSettings(), psutil=FakePsutil())
    assert series(batch, "system.paging.usage") == {
        kv(system__paging__state="used"): 524_288 * KB,
        kv(system__paging__state="free"): 1_573_888 * KB,
    }
    assert series(batch, "system.paging.operations") == {
        kv(system__paging__direction="in", system__paging__fault__type="major"): 33,
        kv(system__paging__direction="out", system__paging__fault__type="major"): 44,
    }
    ps = FakePsutil()
    ps.swap_memory = lambda: namedtuple("sswap", "total used free percent sin sout")(0, 0, 0, 0.0, 0, 0)  # type: ignore[method-assign]
    batch = fake.batch(paging.Collector, PagingSettings(), psutil=ps, windows=True)
    assert batch.metrics == ()  # no swap, and Windows has no swap-in/out counters


def test_connections_summary_calls_net_connections_only_on_windows(fake: Harness) -> None:
    ps = FakePsutil()
    assert fake.batch(connections.Collector, ConnectionsSettings(), psutil=ps).metrics == ()
    assert ps.calls == []  # never walks the processes' descriptors by default
    counts = series(fake.batch(connections.Collector, ConnectionsSettings(), psutil=ps, windows=True),
                    "system.network.connection.count")  # fmt: skip
    tcp = {dict(k).get("network.connection.state"): v for k, v in counts.items()}
    assert tcp == {"established": 4, "time_wait": 1, None: 7}  # ESTABLISHED 3 + CLOSE_WAIT 1, as CurrEstab counts


def test_connections_detailed_maps_psutil_states(fake: Harness) -> None:
    ps = FakePsutil()
    ps.net_connections = lambda kind="inet": [sconn(-1, 2, 1, (), (), s, None) for s in ("CLOSE", "SYN_RECV")] \
        if kind == "tcp" else []  # type: ignore[method-assign]  # fmt: skip
    counts = series(fake.batch(connections.Collector, ConnectionsSettings(states="detailed"), psutil=ps),
                    "system.network.connection.count")  # fmt: skip
    nonzero = {dict(k).get("network.connection.state") for k, v in counts.items() if v}
    assert nonzero == {"closed", "syn_received"}


def test_system_walk_counts_states(fake: Harness) -> None:
    ps = FakePsutil()
    batch = fake.batch(system.Collector, SystemSettings(process_states="all"), psutil=ps)
    assert series(batch, "system.process.count") == {
        kv(process__state="running"): 1, kv(process__state="sleeping"): 3, kv(process__state="stopped"): 1,
        kv(process__state="defunct"): 1,
    }  # fmt: skip
    assert ps.calls == ["process_iter"]


def test_filesystem_windows_drives_through_disk_usage(fake: Harness) -> None:
    ps = FakePsutil()
    usage = namedtuple("sdiskusage", "total used free percent")
    ps.disk_partitions = lambda all=False: [  # type: ignore[method-assign]
        sdiskpart("C:\\", "C:\\", "NTFS", "rw,fixed"), sdiskpart("D:\\", "D:\\", "FAT32", "ro,fixed")]  # fmt: skip
    ps.disk_usage = lambda path: usage(1000, 600, 400, 60.0)  # type: ignore[attr-defined]
    collector = filesystem.Collector(FilesystemSettings(limit=True), _ctx(root="/"), psutil=ps, windows=True)
    fake.made.append(collector)
    got = series(_run(collector), "system.filesystem.usage")
    by = {(dict(k)["system.filesystem.type"], dict(k)["system.filesystem.mode"], dict(k)["system.filesystem.state"]): v
          for k, v in got.items()}  # fmt: skip
    assert by[("ntfs", "rw", "used")] == 600 and by[("fat32", "ro", "free")] == 400
    assert by[("ntfs", "rw", "reserved")] == 0


def test_filesystem_hung_mount_is_skipped(fake: Harness, caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()

    def statvfs(path: str) -> os.statvfs_result:
        if path.endswith("/mnt/nfs"):
            release.wait(30)
        return os.statvfs_result((4096, 4096, 10, 5, 5, 0, 0, 0, 0, 255))

    runner = fake.runner(filesystem.Collector, FilesystemSettings(statvfs_timeout=0.1), statvfs=statvfs,
                         psutil=FakePsutil())  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="sysagent.collectors.filesystem"):
        batch = runner.run()
    mounts = {dict(k)["system.filesystem.mountpoint"] for k in series(batch, "system.filesystem.usage")}
    assert mounts == {"/", "/run", "/mnt/my disk", "/home"}
    assert any("/mnt/nfs" in r.getMessage() for r in caplog.records)
    release.set()


def _ctx(root: str = ROOT) -> Any:
    from collector_helpers import make_ctx

    return make_ctx(root)


def _run(collector: Any) -> Any:
    from sysagent.model import Resource, Scope
    from sysagent.runner import CollectorRunner

    return CollectorRunner("t", collector, Scope("t"), Resource()).run()
