"""Every metric every built-in collector can emit, checked against the conventions' model YAML.

Each collector runs twice (so derived metrics appear) on a copy of the fake host
tree (with FAT32 and NTFS mounts added) and on this host, once with its
default settings (where opt-in metrics and attributes are disagreements) and
once with every option on. The table is printed (``pytest -s``); the test
asserts 0 disagreements. The second half proves the checker reports each
disagreement issue 8 found, fed the old specs and points.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest

from sysagent import config, hookspecs, semconv
from sysagent.collectors import BUILTIN_COLLECTORS
from sysagent.hostfs import HostFS
from sysagent.model import Batch, MetricSpec, Resource, Scope, counter, gauge, updowncounter
from sysagent.registry import Entry, PluginContext, Registry
from sysagent.runner import CollectorRunner

FAKEHOST = Path(__file__).parent / "collectors" / "fakehost"
sys.path.insert(0, str(FAKEHOST.parent))
from psutil_fake import FakePsutil  # noqa: E402

#: Mounts added to the fake host's table: types the conventions spell differently.
EXTRA_MOUNTS = "/dev/sdc1 /boot/efi vfat rw 0 0\n/dev/sdd1 /mnt/win ntfs3 ro 0 0\n/dev/sde1 /mnt/usb exfat rw 0 0\n"

#: Settings that turn every option on (a test below checks that none is missed).
ALL_ON: dict[str, dict[str, Any]] = {
    "host": {"memory_limit": True},
    "cpu": {"per_cpu": True, "utilization": True, "frequency": True},
    "filesystem": {"limit": True, "types": {"exclude": []}, "mountpoints": {"exclude": []}},
    "disk": {"partitions": True, "devices": {"exclude": []}},
    "network": {"interfaces": {"exclude": []}},
    "connections": {"states": "detailed"},
    "system": {"process_states": "all"},
}


def registry() -> Registry:
    pm = pluggy.PluginManager("sysagent")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_COLLECTORS:
        pm.register(importlib.import_module(name), name)
    reg = Registry()
    pm.hook.sysagent_collectors(registry=reg)
    return reg


@pytest.fixture(scope="module")
def fakehost(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("semconv") / "host"
    shutil.copytree(FAKEHOST, root)
    with open(root / "proc" / "1" / "mounts", "a") as f:
        f.write(EXTRA_MOUNTS)
    return root


def _statvfs(path: str) -> os.statvfs_result:
    return os.statvfs_result((4096, 4096, 1000, 500, 400, 100, 50, 50, 0, 255))


def _advance_cpu(root: Path) -> None:
    """Add ticks to every /proc/stat cpu line, so the second cycle has CPU deltas."""
    stat = root / "proc" / "stat"
    lines = stat.read_text().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("cpu"):
            name, *ticks = line.split()
            lines[i] = " ".join([name, *(str(int(t) + 10) for t in ticks)])
    stat.write_text("\n".join(lines))


def run_all(
    root: Path, settings: dict[str, dict[str, Any]], backend: str = "procfs"
) -> Iterator[tuple[str, list[MetricSpec], list[Batch]]]:
    """(collector, declared specs, batches of two cycles) for every built-in collector of a backend.

    On the fake host the psutil backend gets a fake psutil answering for the same tree.
    """
    fake = root != Path("/")
    agent = config.from_dict({"agent": {"backend": backend}})
    ctx = PluginContext(config=agent, host=HostFS(str(root)), resource=Resource(), state_dir="/nonexistent")
    made: list[tuple[str, Entry, Any, CollectorRunner]] = []
    for name, entry in registry().collectors().items():
        cfg = entry.settings.model_validate(settings.get(name, {}))
        kwargs: dict[str, Any] = {"statvfs": _statvfs} if name == "filesystem" and fake else {}
        if backend == "psutil" and fake:
            kwargs["psutil"] = FakePsutil(root)
        collector = _construct(entry, cfg, ctx, kwargs)
        assert type(collector).__module__.startswith(
            "sysagent.collectors.psutil" if backend == "psutil" else "sysagent.collectors."
        ), name
        made.append((name, entry, collector, CollectorRunner(name, collector, Scope(name), Resource())))
    try:
        first = {name: runner.run(time_ns=1_000_000_000_000) for name, _, _, runner in made}
        if fake:
            _advance_cpu(root)
        else:
            import time

            time.sleep(0.2)
        for name, _, collector, runner in made:
            second = runner.run(time_ns=1_005_000_000_000 if fake else None)
            specs = [*collector.metrics, *(d.target for d in getattr(collector, "derive", ()))]
            yield name, specs, [first[name], second]
    finally:
        for _, _, collector, _ in made:
            getattr(collector, "close", lambda: None)()


def _construct(entry: Entry, cfg: Any, ctx: PluginContext, kwargs: dict[str, Any]) -> Any:
    factory = entry.factory
    return factory(cfg, ctx, **kwargs) if kwargs else factory(cfg, ctx)


@pytest.mark.parametrize("options", ["defaults", "all-on"])
@pytest.mark.parametrize("host", ["fakehost", "live"])
@pytest.mark.parametrize("backend", ["procfs", "psutil"])
def test_every_builtin_metric_agrees_with_the_model(fakehost: Path, backend: str, host: str, options: str) -> None:
    root = fakehost if host == "fakehost" else Path("/")
    if host == "fakehost":
        shutil.copy(FAKEHOST / "proc" / "stat", root / "proc" / "stat")  # each run advances it once
    specs: list[MetricSpec] = []
    batches: list[Batch] = []
    emitted: set[str] = set()
    for name, declared, got in run_all(root, {} if options == "defaults" else ALL_ON, backend):
        assert declared, name
        specs += declared
        batches += got
        emitted |= {m.spec.name for b in got for m in b.metrics if m.points}
    found = semconv.check(specs, points=batches, defaults=options == "defaults")
    print(f"\n== built-in collectors, {backend} backend, {host}, {options} ==")
    print(semconv.report(specs, batches, found))
    assert found == []
    if host == "fakehost":
        declared_names = {s.name for s in specs}
        assert declared_names - emitted <= {"system.cpu.frequency"} or options == "defaults", declared_names - emitted
        if backend == "psutil":  # the same declarations as procfs, minus what psutil lacks (see the docstrings)
            procfs = {s.name for _, d, _ in run_all(root, {} if options == "defaults" else ALL_ON) for s in d}
            lacks = {"system.memory.linux.slab.usage", "system.paging.faults", "system.process.created"}
            if options == "defaults":
                lacks.add("system.process.count")  # only with process_states: all
            assert procfs - declared_names == lacks
    if host == "fakehost" and options == "all-on":
        types = {v for b in batches for m in b.metrics for p in m.points for k, v in p.attributes
                 if k == "system.filesystem.type"}  # fmt: skip
        assert {"fat32", "ntfs", "exfat"} <= types


def test_all_on_turns_on_every_option() -> None:
    for name, entry in registry().collectors().items():
        on = ALL_ON.get(name, {})
        for field, info in entry.settings.model_fields.items():
            if info.annotation is bool and field != "enabled":  # every collector's on/off switch
                assert on.get(field) is True, f"{name}.{field} is not on in ALL_ON"
            elif typing.get_origin(info.annotation) is typing.Literal:
                assert field in on and on[field] != info.default, f"{name}.{field} is not set in ALL_ON"


TCP = "network.transport"
STATE = "network.connection.state"
FS_ATTRS = {"system.device": "/dev/sdc1", "system.filesystem.mode": "rw", "system.filesystem.mountpoint": "/boot",
            "system.filesystem.state": "used"}  # fmt: skip
CPU_TIME = counter("system.cpu.time", "s")
CPU_UTIL = gauge("system.cpu.utilization", "1")
CONN = updowncounter("system.network.connection.count", "{connection}")
FS_USAGE = updowncounter("system.filesystem.usage", "By")

#: The disagreements of issue 8 (and the other kinds the checker knows), as the old code emitted them.
OLD: dict[str, tuple[list[MetricSpec], dict[str, list[dict[str, Any]]], dict[str, Any]]] = {
    "state close": ([CONN], {CONN.name: [{STATE: "close", TCP: "tcp"}]}, {}),
    "fs type vfat": ([FS_USAGE], {FS_USAGE.name: [{**FS_ATTRS, "system.filesystem.type": "vfat"}]}, {}),
    "fs type ntfs3": ([FS_USAGE], {FS_USAGE.name: [{**FS_ATTRS, "system.filesystem.type": "ntfs3"}]}, {}),
    "static facts as resource attributes": (
        [], {}, {"resource": {"system.cpu.logical.count": 2, "system.cpu.physical.count": 1,
                              "system.memory.limit": 8 << 30}},
    ),
    "total beside per-CPU time": (
        [CPU_TIME], {CPU_TIME.name: [{"cpu.mode": "idle"}, {"cpu.mode": "idle", "cpu.logical_number": 0}]}, {},
    ),
    "total beside per-CPU utilization": (
        [CPU_UTIL], {CPU_UTIL.name: [{"cpu.mode": "idle"}, {"cpu.mode": "idle", "cpu.logical_number": 1}]},
        {"defaults": False},
    ),
    "opt-in cpu.logical_number by default": (
        [CPU_TIME], {CPU_TIME.name: [{"cpu.mode": "idle", "cpu.logical_number": 0}]}, {"defaults": True},
    ),
    "opt-in utilization by default": ([CPU_UTIL], {}, {"defaults": True}),
    "opt-in filesystem.limit by default": ([updowncounter("system.filesystem.limit", "By")], {}, {"defaults": True}),
    "opt-in memory.limit by default": ([updowncounter("system.memory.limit", "By")], {}, {"defaults": True}),
    "wrong instrument": ([gauge("system.cpu.time", "s")], {}, {}),
    "wrong unit": ([counter("system.cpu.time", "ms")], {}, {}),
    "deprecated metric name": ([updowncounter("system.network.connections", "{connection}")], {}, {}),
    "deprecated attribute": ([CPU_TIME], {CPU_TIME.name: [{"system.cpu.state": "idle"}]}, {}),
    "bare attribute key": ([CONN], {CONN.name: [{"state": "established", TCP: "tcp"}]}, {}),
    "deprecated enum member": (
        [updowncounter("system.memory.usage", "By")], {"system.memory.usage": [{"system.memory.state": "shared"}]}, {},
    ),
    "not a member": ([CPU_TIME], {CPU_TIME.name: [{"cpu.mode": "guest"}]}, {}),
    "int attribute as string": ([CPU_TIME], {CPU_TIME.name: [{"cpu.mode": "idle", "cpu.logical_number": "0"}]}, {}),
    "undeclared metric": ([], {CPU_TIME.name: [{"cpu.mode": "idle"}]}, {}),
}  # fmt: skip


#: What each case must be reported as.
WHAT = {"state close": "value", "fs type vfat": "value", "fs type ntfs3": "value",
        "static facts as resource attributes": "name", "total beside per-CPU time": "total",
        "total beside per-CPU utilization": "total", "wrong instrument": "instrument", "wrong unit": "unit",
        "deprecated metric name": "name", "deprecated attribute": "attribute", "bare attribute key": "attribute",
        "deprecated enum member": "value", "not a member": "value", "int attribute as string": "value",
        "undeclared metric": "name"}  # fmt: skip


@pytest.mark.parametrize("case", list(OLD))
def test_checker_reports_each_old_disagreement(case: str) -> None:
    specs, points, kwargs = OLD[case]
    found = semconv.check(specs, points=points, **kwargs)
    print(f"{case}: {[str(d) for d in found]}")
    assert found, case
    assert WHAT.get(case, "opt-in") in {d.what for d in found}, found
    if kwargs.get("defaults"):  # the same, with every option on, is fine
        assert semconv.check(specs, points=points) == []


def test_checker_accepts_the_fixed_forms_and_extensions() -> None:
    load = gauge("system.cpu.load_average.1m", "{thread}")
    specs = [CONN, FS_USAGE, CPU_TIME, load]
    points = {
        CONN.name: [{STATE: "closed", TCP: "tcp"}, {TCP: "udp"}],  # udp has no state: not a total of tcp's
        FS_USAGE.name: [{**FS_ATTRS, "system.filesystem.type": t} for t in ("fat32", "ntfs", "xfs", "tmpfs")],
        CPU_TIME.name: [{"cpu.mode": "idle"}, {"cpu.mode": "user"}],
        load.name: [{}],
    }
    assert semconv.check(specs, points=points, defaults=True) == []
    rows = {r.metric: r.verdict for r in semconv.rows(specs, points, [])}
    assert rows[load.name] == "extension"
    assert rows[CONN.name] == "ok"


def test_filesystem_type_spelling() -> None:
    got = {t: semconv.filesystem_type(t) for t in ("vfat", "msdos", "ntfs3", "NTFS", "FAT32", "exFAT", "xfs", "apfs")}
    assert got == {"vfat": "fat32", "msdos": "fat32", "ntfs3": "ntfs", "NTFS": "ntfs", "FAT32": "fat32",
                   "exFAT": "exfat", "xfs": "xfs", "apfs": "apfs"}  # fmt: skip
