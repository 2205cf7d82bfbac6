"""The disk and network collectors: /proc/diskstats and /proc/net/dev, with filters."""

from __future__ import annotations

import psutil
from collector_helpers import Harness, kv, series

from sysagent.collectors.disk import DiskCollector, DiskSettings
from sysagent.collectors.network import NetworkCollector, NetworkSettings


def devices(batch: object) -> set[str]:
    return {str(dict(k)["system.device"]) for k in series(batch, "system.disk.io_time")}  # type: ignore[arg-type]


def test_disk_values_of_a_whole_disk(fake: Harness) -> None:
    batch = fake.batch(DiskCollector, DiskSettings())
    read = kv(system__device="sda", disk__io__direction="read")
    write = kv(system__device="sda", disk__io__direction="write")
    assert series(batch, "system.disk.io")[read] == 20000 * 512
    assert series(batch, "system.disk.io")[write] == 40000 * 512
    assert series(batch, "system.disk.operations")[read] == 1000
    assert series(batch, "system.disk.operations")[write] == 2000
    assert series(batch, "system.disk.io_time")[kv(system__device="sda")] == 1.5
    assert series(batch, "system.disk.operation_time")[read] == 0.5
    assert series(batch, "system.disk.operation_time")[write] == 0.8
    assert series(batch, "system.disk.merged")[read] == 10
    assert series(batch, "system.disk.merged")[write] == 20
    assert {p.start_time_ns for p in batch.metric("system.disk.io").points} == {1_700_000_000 * 10**9}  # type: ignore[union-attr]


def test_disk_default_excludes_partitions_loop_and_ram(fake: Harness) -> None:
    # sda1/sda2 are partitions per /sys/class/block; nvme0n1p1 by its name (not in the fake sysfs).
    assert devices(fake.batch(DiskCollector, DiskSettings())) == {"sda", "dm-0", "nvme0n1"}


def test_disk_partitions_and_filters(fake: Harness) -> None:
    assert devices(fake.batch(DiskCollector, DiskSettings(partitions=True))) == {
        "sda", "sda1", "sda2", "dm-0", "nvme0n1", "nvme0n1p1",
    }  # fmt: skip
    assert devices(fake.batch(DiskCollector, DiskSettings.model_validate({"devices": {"include": ["sd*"]}}))) == {"sda"}
    assert devices(fake.batch(DiskCollector, DiskSettings.model_validate({"devices": {"exclude": ["dm-*"]}}))) == {
        "sda", "nvme0n1", "loop0",
    }  # fmt: skip


def test_disk_old_kernel_line_of_14_fields(fake: Harness) -> None:
    batch = fake.batch(DiskCollector, DiskSettings(partitions=True))
    assert series(batch, "system.disk.io_time")[kv(system__device="sda2")] == 0.1


def test_disk_live_devices_known_to_psutil(live: Harness) -> None:
    batch = live.batch(DiskCollector, DiskSettings())
    found = devices(batch)
    assert found
    assert found <= set(psutil.disk_io_counters(perdisk=True))
    assert not any(d.startswith(("loop", "ram", "zram")) for d in found)
    assert all(v >= 0 for v in series(batch, "system.disk.io").values())


def test_network_per_interface_without_loopback(fake: Harness) -> None:
    batch = fake.batch(NetworkCollector, NetworkSettings())
    rx = kv(network__interface__name="eth0", network__io__direction="receive")
    tx = kv(network__interface__name="eth0", network__io__direction="transmit")
    assert series(batch, "system.network.io") == {
        rx: 1_000_000,
        tx: 500_000,
        kv(network__interface__name="docker0", network__io__direction="receive"): 100,
        kv(network__interface__name="docker0", network__io__direction="transmit"): 200,
    }
    packets = series(batch, "system.network.packet.count")
    assert packets[kv(system__device="eth0", network__io__direction="receive")] == 2000
    assert packets[kv(system__device="eth0", network__io__direction="transmit")] == 1000
    assert series(batch, "system.network.errors")[rx] == 3
    assert series(batch, "system.network.errors")[tx] == 6
    assert series(batch, "system.network.packet.dropped")[rx] == 4
    assert series(batch, "system.network.packet.dropped")[tx] == 7


def interfaces(batch: object) -> set[str]:
    return {str(dict(k)["network.interface.name"]) for k in series(batch, "system.network.io")}  # type: ignore[arg-type]


def test_network_filters(fake: Harness) -> None:
    assert interfaces(fake.batch(NetworkCollector, NetworkSettings.model_validate({"interfaces": {}}))) == {
        "lo",
        "eth0",
        "docker0",
    }
    assert interfaces(
        fake.batch(NetworkCollector, NetworkSettings.model_validate({"interfaces": {"include": ["eth*"]}}))
    ) == {"eth0"}
    settings = NetworkSettings.model_validate({"interfaces": {"exclude": ["lo", "docker*"]}})
    assert interfaces(fake.batch(NetworkCollector, settings)) == {"eth0"}


def test_network_live_matches_psutil(live: Harness) -> None:
    batch = live.batch(NetworkCollector, NetworkSettings())
    counters = psutil.net_io_counters(pernic=True)
    found = interfaces(batch)
    assert found and found <= set(counters) and "lo" not in found
    for name in found:
        received = series(batch, "system.network.io")[
            kv(network__interface__name=name, network__io__direction="receive")
        ]
        assert received <= counters[name].bytes_recv  # psutil read afterwards: never less
