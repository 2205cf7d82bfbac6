"""Live: the procfs and psutil backends agree on this host, within stated tolerances.

Every built-in collector (with its options on) is built on both backends and
collected back to back; the test prints a table (metric, series on both / only
one side, largest difference, tolerance, verdict) and asserts that the series
are the same except where a psutil collector's docstring says psutil lacks the
data, and that every value is within its metric's tolerance. Tolerances cover
what changes between two reads a few milliseconds apart (counters tick, memory
moves) and the documented definitions (psutil's ``cached`` includes SReclaimable;
its uptime is from whole-second boot time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from collector_helpers import kv
from test_backends import registry

from sysagent import config
from sysagent.hostfs import HostFS
from sysagent.model import AttrKey, Resource, Scope
from sysagent.registry import PluginContext
from sysagent.runner import CollectorRunner

SETTINGS: dict[str, dict[str, Any]] = {
    "host": {"memory_limit": True},
    "cpu": {"per_cpu": True},
    "filesystem": {"limit": True},
    "connections": {"states": "detailed"},
    "system": {"process_states": "all"},
}
#: Metrics only the procfs backend has on Linux (the psutil docstrings say why).
PROCFS_ONLY = {"system.memory.linux.slab.usage", "system.paging.faults", "system.process.created"}
MIB = 1 << 20


def meminfo(key: str) -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _tolerances(total_memory: int) -> dict[str, tuple[str, Callable[[AttrKey, float], float]]]:
    """metric -> (how it is stated, allowed |procfs - psutil| for a series of that value)."""

    def rel(share: float, floor: float) -> Callable[[AttrKey, float], float]:
        return lambda _a, v: max(floor, abs(v) * share)

    return {
        "system.cpu.time": ("0.5 s", rel(0, 0.5)),
        "system.cpu.logical.count": ("exact", rel(0, 0)),
        "system.cpu.physical.count": ("exact", rel(0, 0)),
        "system.memory.limit": ("exact", rel(0, 0)),
        "system.cpu.load_average.1m": ("0.25", rel(0, 0.25)),
        "system.cpu.load_average.5m": ("0.25", rel(0, 0.25)),
        "system.cpu.load_average.15m": ("0.25", rel(0, 0.25)),
        "system.memory.usage": ("1% of MemTotal", rel(0, total_memory * 0.01)),
        "system.memory.utilization": ("0.01", rel(0, 0.01)),
        "system.memory.linux.available": ("1% of MemTotal", rel(0, total_memory * 0.01)),
        "system.paging.usage": ("1% + 1 MiB", rel(0.01, MIB)),
        "system.paging.utilization": ("0.01", rel(0, 0.01)),
        "system.paging.operations": ("10", rel(0, 10)),
        "system.filesystem.usage": ("0.1% + 16 MiB", rel(0.001, 16 * MIB)),
        "system.filesystem.utilization": ("0.001", rel(0, 0.001)),
        "system.filesystem.limit": ("exact", rel(0, 0)),
        "system.filesystem.inodes.usage": ("0.1% + 1000", rel(0.001, 1000)),
        "system.disk.io": ("1% + 16 MiB", rel(0.01, 16 * MIB)),
        "system.disk.operations": ("1% + 200", rel(0.01, 200)),
        "system.disk.io_time": ("1% + 1 s", rel(0.01, 1)),
        "system.disk.operation_time": ("1% + 2 s", rel(0.01, 2)),
        "system.disk.merged": ("1% + 200", rel(0.01, 200)),
        "system.network.io": ("1% + 1 MiB", rel(0.01, MIB)),
        "system.network.packet.count": ("1% + 1000", rel(0.01, 1000)),
        "system.network.errors": ("10", rel(0, 10)),
        "system.network.packet.dropped": ("1% + 100", rel(0.01, 100)),
        "system.network.connection.count": ("20% + 10", rel(0.2, 10)),
        "system.process.count": ("10% + 10", rel(0.1, 10)),
        "system.uptime": ("2 s", rel(0, 2)),
    }


def collect_both() -> tuple[dict[str, dict[AttrKey, float]], dict[str, dict[AttrKey, float]]]:
    """Each collector on procfs, then at once on psutil (so little changes between the two reads)."""
    out: dict[str, dict[str, dict[AttrKey, float]]] = {"procfs": {}, "psutil": {}}
    for name, entry in registry().collectors().items():
        settings = entry.settings.model_validate(SETTINGS.get(name, {}))
        for backend in ("procfs", "psutil"):
            ctx = PluginContext(
                config=config.from_dict({"agent": {"backend": backend}}),
                host=HostFS("/"),
                resource=Resource(),
                state_dir="/nonexistent",
            )
            collector = entry.factory(settings, ctx)
            try:
                batch = CollectorRunner(name, collector, Scope(name), Resource()).run()
            finally:
                getattr(collector, "close", lambda: None)()
            for m in batch.metrics:
                out[backend][m.spec.name] = {p.attributes: p.value for p in m.points}
    return out["procfs"], out["psutil"]


def _align(procfs: dict[str, dict[AttrKey, float]], psutil: dict[str, dict[AttrKey, float]]) -> None:
    """Bring the documented differences to a common form (psutil's swap is a total; its cached has SReclaimable)."""
    usage = procfs.get("system.paging.usage")
    if usage is not None:
        summed: dict[AttrKey, float] = {}
        for attrs, v in usage.items():
            key = tuple(pair for pair in attrs if pair[0] != "system.device")
            summed[key] = summed.get(key, 0.0) + v
        procfs["system.paging.usage"] = summed
    devices = {dict(a).get("system.device") for a in usage or {}}
    if "system.paging.utilization" in procfs and len(devices) > 1:
        procfs.pop("system.paging.utilization")  # shares per device: no total to compare
        psutil.pop("system.paging.utilization", None)
    cached = kv(system__memory__state="cached")
    if cached in psutil.get("system.memory.usage", {}):
        reclaimable = meminfo("SReclaimable")
        psutil["system.memory.usage"][cached] -= reclaimable
        psutil["system.memory.utilization"][cached] -= reclaimable / meminfo("MemTotal")


def test_procfs_and_psutil_agree_on_this_host() -> None:
    procfs, psutil = collect_both()
    _align(procfs, psutil)
    tolerances = _tolerances(meminfo("MemTotal"))
    rows, failures = [], []
    for metric in sorted(set(procfs) | set(psutil)):
        a, b = procfs.get(metric, {}), psutil.get(metric, {})
        both = set(a) & set(b)
        only_a, only_b = set(a) - set(b), set(b) - set(a)
        stated, allowed = tolerances.get(metric, ("-", lambda _a, _v: 0.0))
        worst = max((abs(a[k] - b[k]) for k in both), default=0.0)
        bad = [k for k in both if abs(a[k] - b[k]) > allowed(k, a[k])]
        if metric in PROCFS_ONLY:
            verdict = "procfs only (psutil lacks it)" if not b else "UNEXPECTED psutil series"
        elif only_a or only_b:
            verdict = f"SERIES DIFFER: procfs only {sorted(only_a)[:3]}, psutil only {sorted(only_b)[:3]}"
        else:
            verdict = "agree" if not bad else f"OUT OF TOLERANCE: {bad[:3]}"
        if not verdict.startswith(("agree", "procfs only")):
            failures.append(f"{metric}: {verdict}")
        rows.append((metric, str(len(both)), str(len(only_a)), str(len(only_b)), f"{worst:.6g}", stated, verdict))
    header = ("metric", "both", "procfs only", "psutil only", "max |diff|", "tolerance", "verdict")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(6)]
    print("\n== procfs vs psutil backend on this host ==")
    for r in [header, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[6])
    assert failures == []
    assert {m for m in procfs if m not in psutil} == PROCFS_ONLY & set(procfs)
