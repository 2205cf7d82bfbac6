"""The containers collector on fake cgroup trees of each runtime and layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from containers_trees import block_devices, v1_cgroup, v1_root, v2_cgroup, v2_root, write
from sysagent_containers.collector import ContainersCollector
from sysagent_containers.layout import detect

from sysagent import HostFS
from sysagent.testing import Harness

ID = "a" * 60 + "0001"
ID2 = "b" * 60 + "0002"
UID = "0b6c2b1e-52a1-4a7d-9d1a-2f6a3c9e8d70"


def paths(h: Harness, metric: str = "container.memory.usage") -> set[str]:
    return {str(dict(p.attributes)["linux.cgroup.path"]) for p in h.assert_metric(metric)}


def test_docker_on_cgroup_v2_every_metric(sysagent_harness: Callable[..., Harness], tmp_path: Path) -> None:
    cg = v2_root(tmp_path)
    block_devices(tmp_path, sda="8:0", nvme0n1="259:0")
    v2_cgroup(cg, "system.slice", current=99_000)
    v2_cgroup(cg, "user.slice")
    v2_cgroup(
        cg,
        f"system.slice/docker-{ID}.scope",
        user_usec=2_000_000,
        system_usec=500_000,
        current=10_000,
        inactive=3_000,
        pgfault=70,
        pgmaj=7,
        pids=3,
        io="8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n259:0 rbytes=1 wbytes=2 rios=1 wios=1\n",
        some=1_500_000,
        full=250_000,
    )
    v2_cgroup(cg, "system.slice/ssh.service")  # neither a container nor a slice: left out
    h = sysagent_harness(ContainersCollector, host_root=str(tmp_path))
    h.collect()
    c = {
        "container.id": ID,
        "container.runtime.name": "docker",
        "linux.cgroup.path": f"/system.slice/docker-{ID}.scope",
    }
    h.assert_metric("container.cpu.time", 2.0, {**c, "cpu.mode": "user"})
    h.assert_metric("container.cpu.time", 0.5, {**c, "cpu.mode": "system"})
    h.assert_metric("container.memory.usage", 10_000, c)
    h.assert_metric("container.memory.working_set", 7_000, c)
    h.assert_metric("container.paging.faults", 7, {**c, "system.paging.fault.type": "major"})
    h.assert_metric("container.paging.faults", 63, {**c, "system.paging.fault.type": "minor"})
    h.assert_metric("container.disk.io", 4096, {**c, "disk.io.direction": "read", "system.device": "sda"})
    h.assert_metric("container.disk.io", 8192, {**c, "disk.io.direction": "write", "system.device": "sda"})
    h.assert_metric("container.disk.io", 2, {**c, "disk.io.direction": "write", "system.device": "nvme0n1"})
    h.assert_metric("container.process.count", 3, c)
    for resource in ("cpu", "memory", "io"):
        h.assert_metric(
            f"container.{resource}.linux.pressure.total", 1.5, {**c, "system.linux.pressure.stall_type": "some"}
        )
        h.assert_metric(
            f"container.{resource}.linux.pressure.total", 0.25, {**c, "system.linux.pressure.stall_type": "full"}
        )
    h.assert_all_metrics_covered()
    assert paths(h) == {"/system.slice", "/user.slice", f"/system.slice/docker-{ID}.scope"}
    [slice_point] = h.assert_metric("container.memory.usage", attributes={"linux.cgroup.path": "/system.slice"})
    assert slice_point.value == 99_000 and "container.id" not in dict(slice_point.attributes)


def test_kubernetes_containerd_systemd_driver(sysagent_harness: Callable[..., Harness], tmp_path: Path) -> None:
    cg = v2_root(tmp_path)
    pod = f"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID.replace('-', '_')}.slice"
    v2_cgroup(cg, "kubepods.slice")
    v2_cgroup(cg, f"{pod}/cri-containerd-{ID}.scope", current=111)
    v2_cgroup(cg, f"{pod}/cri-containerd-{ID2}.scope", current=222)
    h = sysagent_harness(ContainersCollector, host_root=str(tmp_path))
    h.collect()
    for cid, value in ((ID, 111), (ID2, 222)):
        want = {"container.id": cid, "container.runtime.name": "containerd", "k8s.pod.uid": UID}
        h.assert_metric("container.memory.usage", value, want, count=1)
    assert paths(h) == {"/kubepods.slice", f"/{pod}/cri-containerd-{ID}.scope", f"/{pod}/cri-containerd-{ID2}.scope"}


def test_podman_and_systemd_nspawn(sysagent_harness: Callable[..., Harness], tmp_path: Path) -> None:
    cg = v2_root(tmp_path)
    v2_cgroup(cg, f"machine.slice/libpod-{ID}.scope", current=5)
    v2_cgroup(cg, f"machine.slice/libpod-{ID}.scope/container", current=4)  # inside the container: not walked
    v2_cgroup(cg, f"machine.slice/libpod-conmon-{ID}.scope", current=1)
    v2_cgroup(cg, "machine.slice/machine-web\\x2d1.scope", current=6)
    v2_cgroup(cg, f"user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{ID2}.scope", current=7)
    h = sysagent_harness(ContainersCollector, settings={"slice_depth": 0}, host_root=str(tmp_path))
    h.collect()
    h.assert_metric("container.memory.usage", 5, {"container.id": ID, "container.runtime.name": "podman"}, count=1)
    h.assert_metric("container.memory.usage", 7, {"container.id": ID2, "container.runtime.name": "podman"})
    h.assert_metric("container.memory.usage", 6, {"container.id": "web-1", "container.runtime.name": "systemd"})
    assert len(paths(h)) == 3


def test_docker_and_kubernetes_on_cgroup_v1_hybrid(sysagent_harness: Callable[..., Harness], tmp_path: Path) -> None:
    cg = v1_root(tmp_path, unified=True)
    block_devices(tmp_path, sda="8:0")
    v1_cgroup(
        cg,
        f"docker/{ID}",
        user_ns=3_000_000_000,
        sys_ns=1_000_000_000,
        usage=20_000,
        inactive=5_000,
        pgfault=90,
        pgmaj=9,
        pids=2,
        blkio="8:0 Read 4096\n8:0 Write 512\n8:0 Sync 4608\n8:0 Async 0\n8:0 Total 4608\nTotal 4608\n",
        pressure_some=2_000_000,
    )
    v1_cgroup(cg, f"kubepods/burstable/pod{UID}/{ID2}", usage=1)
    h = sysagent_harness(ContainersCollector, host_root=str(tmp_path))
    h.collect()
    c = {"container.id": ID, "container.runtime.name": "docker"}
    h.assert_metric("container.cpu.time", 3.0, {**c, "cpu.mode": "user"})
    h.assert_metric("container.cpu.time", 1.0, {**c, "cpu.mode": "system"})
    h.assert_metric("container.memory.usage", 20_000, c)
    h.assert_metric("container.memory.working_set", 15_000, c)
    h.assert_metric("container.paging.faults", 81, {**c, "system.paging.fault.type": "minor"})
    h.assert_metric("container.disk.io", 4096, {**c, "disk.io.direction": "read", "system.device": "sda"})
    h.assert_metric("container.disk.io", 512, {**c, "disk.io.direction": "write", "system.device": "sda"})
    h.assert_metric("container.process.count", 2, c)
    h.assert_metric("container.cpu.linux.pressure.total", 2.0, {**c, "system.linux.pressure.stall_type": "some"})
    [k8s] = h.assert_metric("container.memory.usage", 1, {"container.id": ID2, "k8s.pod.uid": UID})
    assert "container.runtime.name" not in dict(k8s.attributes)  # cgroupfs paths do not name the runtime


def test_cgroup_v1_without_usage_files_uses_cpuacct_stat(
    sysagent_harness: Callable[..., Harness], tmp_path: Path
) -> None:
    cg = v1_root(tmp_path, unified=False)
    write(cg / "cpu,cpuacct" / "docker" / ID / "cpuacct.stat", "user 250\nsystem 50\n")
    h = sysagent_harness(ContainersCollector, host_root=str(tmp_path))
    h.collect()
    import os

    tick = os.sysconf("SC_CLK_TCK")
    h.assert_metric("container.cpu.time", 250 / tick, {"container.id": ID, "cpu.mode": "user"})
    assert detect(HostFS(str(tmp_path))).version == "v1"


def test_layouts_detected(tmp_path: Path) -> None:
    v2 = tmp_path / "v2"
    v2_root(v2)
    hybrid = tmp_path / "hybrid"
    v1_root(hybrid, unified=True)
    assert detect(HostFS(str(v2))).version == "v2"
    layout = detect(HostFS(str(hybrid)))
    assert layout.version == "hybrid"
    assert layout.sources["memory"].parts[-1] == "memory" and layout.sources["pressure"].parts[-1] == "unified"
    assert detect(HostFS(str(tmp_path / "nothing"))).version == "none"


def test_configured_paths_bounds_and_vanished_files(sysagent_harness: Callable[..., Harness], tmp_path: Path) -> None:
    cg = v2_root(tmp_path)
    for i in range(5):
        v2_cgroup(cg, f"batch/job{i}", current=i)
    (cg / "batch" / "job3" / "memory.current").unlink()  # controller not enabled there
    settings = {"paths": ["/", "/batch/*"], "max_cgroups": 4, "slice_depth": 0}
    h = sysagent_harness(ContainersCollector, settings=settings, host_root=str(tmp_path))
    h.collect()
    assert paths(h) == {"/batch/job0", "/batch/job1", "/batch/job2"}  # "/" has no memory.current; job3 none
    assert paths(h, "container.cpu.time") == {"/", "/batch/job0", "/batch/job1", "/batch/job2"}
    h.assert_metric("container.cpu.time", 5e-6, {"linux.cgroup.path": "/", "cpu.mode": "user"})


def test_path_globs_stay_within_a_part_unless_double_star(
    sysagent_harness: Callable[..., Harness], tmp_path: Path
) -> None:
    cg = v2_root(tmp_path)
    for rel in ("batch", "batch/a", "batch/a/x", "batch/b", "other"):
        v2_cgroup(cg, rel)
    one = sysagent_harness(ContainersCollector, settings={"paths": ["/batch/*"]}, host_root=str(tmp_path))
    one.collect()
    assert paths(one) == {"/batch/a", "/batch/b"}
    every = sysagent_harness(ContainersCollector, settings={"paths": ["/batch/**"]}, host_root=str(tmp_path))
    every.collect()
    assert paths(every) == {"/batch/a", "/batch/a/x", "/batch/b"}
