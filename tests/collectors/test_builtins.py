"""All built-in collectors: registration, semantic-convention names, attribute keys, helpers."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pluggy
import pytest
from collector_helpers import FAKEHOST, SEMCONV, Harness

from sysagent import hookspecs
from sysagent.collectors import BUILTIN_COLLECTORS
from sysagent.collectors._filter import NameFilter
from sysagent.collectors._procfs import keyed_int, read_text, unescape
from sysagent.registry import Registry

EXPECTED = {
    "host": 60.0, "cpu": 5.0, "load": 5.0, "memory": 5.0, "paging": 5.0, "filesystem": 30.0, "disk": 5.0,
    "network": 5.0, "connections": 5.0, "system": 5.0,
}  # fmt: skip

#: Settings that make each collector emit everything it can.
FULL: dict[str, dict[str, Any]] = {
    "cpu": {"frequency": True, "per_cpu": True, "utilization": True},
    "system": {"process_states": "all"},
    "filesystem": {"limit": True},
    "host": {"memory_limit": True},
}


def registry() -> Registry:
    pm = pluggy.PluginManager("sysagent")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_COLLECTORS:
        pm.register(importlib.import_module(name), name)
    pm.check_pending()  # a misspelled hook fails here
    reg = Registry()
    pm.hook.sysagent_collectors(registry=reg)
    return reg


def test_each_module_registers_one_collector_with_its_default_interval() -> None:
    entries = registry().collectors()
    assert {n: e.interval for n, e in entries.items()} == EXPECTED
    assert len(BUILTIN_COLLECTORS) == len(entries)
    for name, entry in entries.items():
        assert getattr(entry.settings(), "interval", 0) is None  # the registered default applies
        assert entry.factory.__doc__, f"{name}: collector class without a docstring"


def declared(collector: Any) -> list[Any]:
    return [*collector.metrics, *(d.target for d in getattr(collector, "derive", ()))]


@pytest.mark.parametrize("root", [FAKEHOST, Path("/")], ids=["fakehost", "live"])
def test_names_kinds_units_and_attribute_keys_follow_semconv(root: Path) -> None:
    h = Harness(root)
    try:
        for name, entry in registry().collectors().items():
            runner = h.runner(entry.factory, entry.settings(**FULL.get(name, {})), **_fake_statvfs(name, root))
            for spec in declared(runner.collector):
                kind, unit, _ = SEMCONV[spec.name]
                assert (spec.kind, spec.unit) == (kind, unit), spec.name
            runner.run()
            batch = runner.run()
            assert batch.metrics, name
            for metric in batch.metrics:
                allowed = SEMCONV[metric.spec.name][2]
                for point in metric.points:
                    keys = [k for k, _ in point.attributes]
                    assert keys == sorted(keys), (metric.spec.name, point.attributes)
                    assert set(keys) <= allowed, (metric.spec.name, point.attributes)
    finally:
        h.close()


def _fake_statvfs(name: str, root: Path) -> dict[str, Any]:
    if name != "filesystem" or root == Path("/"):
        return {}
    import os

    return {"statvfs": lambda path: os.statvfs_result((4096, 4096, 10, 5, 4, 10, 5, 5, 0, 255))}


def test_read_text_reads_record_files_past_the_first_page(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_text("".join(f"line {i}\n" for i in range(40000)))  # > 64 KiB
    assert read_text(str(big)) == big.read_text()
    tcp = read_text("/proc/net/tcp")  # a record file: about a page per read
    assert tcp.endswith("\n") and tcp.count("\n") >= 1


def test_keyed_int_and_unescape() -> None:
    text = "nr_free_pages 5\npgfault 10\npgfault_extra 7\npgmajfault 3\n"
    assert keyed_int(text, "nr_free_pages") == 5
    assert keyed_int(text, "pgfault") == 10
    assert keyed_int(text, "pgmajfault") == 3
    assert keyed_int(text, "missing") is None
    assert keyed_int("MemTotal:  100 kB\nMemFree:  7 kB", "MemFree", ":") == 7
    assert unescape(r"/mnt/my\040disk\011tab\134x") == "/mnt/my disk\ttab\\x"
    assert unescape("/plain") == "/plain"


def test_name_filter_globs() -> None:
    match = NameFilter(include=("sd*", "nvme*"), exclude=("*1",)).matcher()
    assert [n for n in ("sda", "sda1", "nvme0n1", "nvme0n2", "vda") if match(n)] == ["sda", "nvme0n2"]
    everything = NameFilter().matcher()
    assert everything("anything") and everything("")
    mounts = NameFilter(exclude=("/sys", "/sys/*")).matcher()
    assert not mounts("/sys/fs/cgroup") and mounts("/system")
