"""The load, memory and paging collectors against the fake host and this machine."""

from __future__ import annotations

import os

import psutil
from collector_helpers import Harness, kv, series

from sysagent.collectors.host import HostCollector, HostSettings
from sysagent.collectors.load import LoadCollector, LoadSettings
from sysagent.collectors.memory import MemoryCollector, MemorySettings
from sysagent.collectors.paging import PagingCollector, PagingSettings

KIB = 1024


def test_load_averages(fake: Harness) -> None:
    batch = fake.batch(LoadCollector, LoadSettings())
    assert series(batch, "system.cpu.load_average.1m") == {(): 0.52}
    assert series(batch, "system.cpu.load_average.5m") == {(): 1.25}
    assert series(batch, "system.cpu.load_average.15m") == {(): 2.0}


def test_load_live_matches_getloadavg(live: Harness) -> None:
    batch = live.batch(LoadCollector, LoadSettings())
    one, _, fifteen = os.getloadavg()
    assert abs(series(batch, "system.cpu.load_average.1m")[()] - one) < 0.5
    assert abs(series(batch, "system.cpu.load_average.15m")[()] - fifteen) < 0.5
    assert series(batch, "system.cpu.load_average.5m")[()] >= 0


def test_memory_states_utilization_available_slab(fake: Harness) -> None:
    batch = fake.batch(MemoryCollector, MemorySettings())
    assert series(batch, "system.memory.usage") == {
        kv(system__memory__state="used"): 3_000_000 * KIB,
        kv(system__memory__state="free"): 1_000_000 * KIB,
        kv(system__memory__state="buffers"): 200_000 * KIB,
        kv(system__memory__state="cached"): 3_000_000 * KIB,
    }
    assert series(batch, "system.memory.utilization") == {
        kv(system__memory__state="used"): 0.375,
        kv(system__memory__state="free"): 0.125,
        kv(system__memory__state="buffers"): 0.025,
        kv(system__memory__state="cached"): 0.375,
    }
    assert series(batch, "system.memory.linux.available") == {(): 5_000_000 * KIB}
    assert series(batch, "system.memory.linux.slab.usage") == {
        kv(system__memory__linux__slab__state="reclaimable"): 250_000 * KIB,
        kv(system__memory__linux__slab__state="unreclaimable"): 50_000 * KIB,
    }


def test_memory_without_memavailable_estimates_it(fake_copy: Harness) -> None:
    meminfo = fake_copy.root / "proc" / "meminfo"
    meminfo.write_text("".join(line + "\n" for line in meminfo.read_text().splitlines() if "MemAvailable" not in line))
    batch = fake_copy.batch(MemoryCollector, MemorySettings())
    # available = MemFree + Buffers + Cached = 4_200_000 kB
    assert series(batch, "system.memory.linux.available") == {(): 4_200_000 * KIB}
    assert series(batch, "system.memory.usage")[kv(system__memory__state="used")] == 3_800_000 * KIB


def test_memory_live_used_within_limit(live: Harness) -> None:
    batch = live.batch(MemoryCollector, MemorySettings())
    limit = series(live.batch(HostCollector, HostSettings(memory_limit=True)), "system.memory.limit")[()]
    assert limit == psutil.virtual_memory().total
    usage = series(batch, "system.memory.usage")
    assert 0 < usage[kv(system__memory__state="used")] <= limit
    assert 0 < usage[kv(system__memory__state="free")] <= limit
    for value in series(batch, "system.memory.utilization").values():
        assert 0.0 <= value <= 1.0
    assert 0 < series(batch, "system.memory.linux.available")[()] <= limit


def test_paging_per_swap_device_faults_and_operations(fake: Harness) -> None:
    batch = fake.batch(PagingCollector, PagingSettings())
    sda2_used = kv(system__device="/dev/sda2", system__paging__state="used")
    sda2_free = kv(system__device="/dev/sda2", system__paging__state="free")
    file_used = kv(system__device="/swap file", system__paging__state="used")
    file_free = kv(system__device="/swap file", system__paging__state="free")
    assert series(batch, "system.paging.usage") == {
        sda2_used: 524_288 * KIB,
        sda2_free: 1_572_864 * KIB,
        file_used: 0,
        file_free: 1024 * KIB,
    }
    assert series(batch, "system.paging.utilization") == {
        sda2_used: 0.25,
        sda2_free: 0.75,
        file_used: 0.0,
        file_free: 1.0,
    }
    assert series(batch, "system.paging.faults") == {
        kv(system__paging__fault__type="major"): 123,
        kv(system__paging__fault__type="minor"): 9877,
    }
    assert series(batch, "system.paging.operations") == {
        kv(system__paging__fault__type="major", system__paging__direction="in"): 33,
        kv(system__paging__fault__type="major", system__paging__direction="out"): 44,
    }


def test_paging_without_swap_reports_no_usage(fake_copy: Harness) -> None:
    (fake_copy.root / "proc" / "swaps").write_text("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")
    batch = fake_copy.batch(PagingCollector, PagingSettings())
    assert batch.metric("system.paging.usage") is None
    assert batch.metric("system.paging.utilization") is None
    assert len(series(batch, "system.paging.faults")) == 2


def test_paging_live(live: Harness) -> None:
    batch = live.batch(PagingCollector, PagingSettings())
    faults = series(batch, "system.paging.faults")
    assert faults[kv(system__paging__fault__type="minor")] > 0
    assert faults[kv(system__paging__fault__type="major")] >= 0
    swap = psutil.swap_memory()
    usage = series(batch, "system.paging.usage")
    assert sum(usage.values()) == swap.total  # /proc/swaps sizes add up to SwapTotal
