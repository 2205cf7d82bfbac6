"""Both backends on one machine: the procfs collectors on ``fakehost/`` and the psutil ones on a
fake psutil answering for the same tree must emit the same series with the same values.

Where psutil lacks data, the difference is the one each psutil collector's docstring
states, and it is asserted exactly (so a new difference fails here).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import pytest
from collector_helpers import FAKEHOST, kv, make_ctx
from psutil_fake import KB, FakePsutil

from sysagent import config
from sysagent.collectors import BUILTIN_COLLECTORS, _specs
from sysagent.collectors._backend import resolve
from sysagent.hostfs import HostFS
from sysagent.model import AttrKey, Batch, MetricSpec, Resource, Scope
from sysagent.registry import PluginContext, Registry
from sysagent.runner import CollectorRunner

Series = dict[str, dict[AttrKey, float]]


def registry() -> Registry:
    reg = Registry()
    for module in BUILTIN_COLLECTORS:
        importlib.import_module(module).sysagent_collectors(reg)
    return reg


def context(backend: str) -> PluginContext:
    cfg = config.from_dict({"agent": {"backend": backend}})
    return PluginContext(config=cfg, host=HostFS(str(FAKEHOST)), resource=Resource(), state_dir="/nonexistent")


def statvfs(path: str) -> os.statvfs_result:
    return os.statvfs_result((4096, 4096, 1000, 400, 350, 500, 100, 100, 0, 255))


def build(name: str, settings: dict[str, Any], backend: str) -> Any:
    entry = registry().collectors()[name]
    kwargs: dict[str, Any] = {"statvfs": statvfs} if name == "filesystem" else {}
    if backend == "psutil":
        kwargs["psutil"] = FakePsutil()
    return entry.factory(entry.settings.model_validate(settings), context(backend), **kwargs)


def collect(collector: Any) -> tuple[Series, Batch]:
    batch = CollectorRunner("t", collector, Scope("t"), Resource()).run(time_ns=1_800_000_000 * 10**9)
    getattr(collector, "close", lambda: None)()
    return {m.spec.name: {p.attributes: p.value for p in m.points} for m in batch.metrics}, batch


CASES: list[tuple[str, dict[str, Any]]] = [
    ("host", {"memory_limit": True}),
    ("cpu", {}),
    ("cpu", {"per_cpu": True, "frequency": True}),
    ("load", {}),
    ("memory", {}),
    ("paging", {}),
    ("filesystem", {"limit": True}),
    ("filesystem", {"types": {"exclude": []}, "mountpoints": {"exclude": []}}),
    ("disk", {}),
    ("disk", {"partitions": True, "devices": {"exclude": []}}),
    ("network", {}),
    ("network", {"interfaces": {"exclude": []}}),
    ("connections", {"states": "detailed"}),
    ("system", {"process_states": "all"}),
]


@pytest.mark.parametrize(("name", "settings"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_both_backends_emit_the_same_series(name: str, settings: dict[str, Any]) -> None:
    procfs, psutil = build(name, settings, "procfs"), build(name, settings, "psutil")
    assert type(psutil).__module__ == f"sysagent.collectors.psutil.{name}"
    assert type(procfs).__module__ == f"sysagent.collectors.{name}"
    declared = {s.name: s for s in procfs.metrics}
    for spec in psutil.metrics:  # the same declaration objects: one module declares them
        assert spec is getattr(_specs, _spec_name(spec)) and spec == declared[spec.name]
    a, pa = collect(procfs)
    b, _ = collect(psutil)
    assert pa.point_count > 0
    assert [d.target for d in getattr(psutil, "derive", ())] == [d.target for d in getattr(procfs, "derive", ())]
    a, b = _documented_differences(name, a, b)
    assert b == a


def _spec_name(spec: MetricSpec) -> str:
    return next(k for k, v in vars(_specs).items() if v is spec)


def _documented_differences(name: str, a: Series, b: Series) -> tuple[Series, Series]:
    """Check and remove what each psutil collector's docstring says it reports differently."""
    if name == "memory":
        slab = a.pop("system.memory.linux.slab.usage")
        reclaimable = slab[kv(system__memory__linux__slab__state="reclaimable")]
        assert reclaimable == 250_000 * KB
        cached = kv(system__memory__state="cached")
        assert b["system.memory.usage"][cached] == a["system.memory.usage"][cached] + reclaimable
        b["system.memory.usage"][cached] -= reclaimable
        b["system.memory.utilization"][cached] = a["system.memory.utilization"][cached]
    if name == "paging":
        faults = a.pop("system.paging.faults")
        assert faults[kv(system__paging__fault__type="major")] == 123
        for metric in ("system.paging.usage", "system.paging.utilization"):
            for state in ("used", "free"):
                by_device = [v for k, v in a[metric].items() if ("system.paging.state", state) in k]
                total = b[metric].pop(kv(system__paging__state=state))
                if metric == "system.paging.usage":
                    assert total == sum(by_device)  # psutil has no devices: their sum
            a[metric], b[metric] = {}, b[metric]
            assert b[metric] == {}
    if name == "system":
        assert a.pop("system.process.created") == {(): 4242}
        assert a.pop("system.uptime") == {(): 12345.67}
        assert set(b.pop("system.uptime")) == {()}  # now - boot time: wall clock, not the fake's
    return a, b


def test_psutil_summary_modes_report_less_on_linux_by_design() -> None:
    b, _ = collect(build("connections", {}, "psutil"))
    assert b == {}  # no cheap psutil source off Windows: net_connections is not called
    s, _ = collect(build("system", {}, "psutil"))
    assert set(s) == {"system.uptime"}  # no process walk by default


def test_backend_setting_resolves_per_platform() -> None:
    assert resolve("auto", "linux") == "procfs"
    assert {resolve("auto", p) for p in ("win32", "darwin", "freebsd14", "openbsd7")} == {"psutil"}
    assert resolve("psutil", "linux") == "psutil" and resolve("procfs", "linux") == "procfs"
    assert config.load(None).agent.backend == "auto"


def test_default_context_without_config_builds_procfs() -> None:
    entry = registry().collectors()["load"]
    collector = entry.factory(entry.settings(), make_ctx(FAKEHOST))
    assert type(collector).__module__ == "sysagent.collectors.load"
