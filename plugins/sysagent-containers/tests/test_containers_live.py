"""The containers collector on this host's real cgroup tree, and installed as an entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sysagent_containers.collector import ContainersCollector
from sysagent_containers.layout import detect

from sysagent import HostFS
from sysagent.testing import Harness


def own_cgroup(controller: str) -> str:
    """This process's cgroup path in the hierarchy of ``controller`` ("" for v2), from /proc/self/cgroup."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return next(line.split(":", 2)[2] for line in lines if line.startswith("0::"))


def test_live_tree_reports_our_own_cgroup(sysagent_harness: Callable[..., Harness]) -> None:
    layout = detect(HostFS("/"))
    assert layout.version in ("v2", "hybrid", "v1")
    memory = layout.sources["memory"]
    path = own_cgroup("memory" if memory.v1 else "")
    h = sysagent_harness(ContainersCollector, settings={"paths": [path]})
    h.collect(times=2)
    if path == "/":  # a v2 root has no memory.current
        h.assert_metric("container.cpu.time", attributes={"linux.cgroup.path": "/", "cpu.mode": "user"}, count=1)
        return
    [usage] = h.assert_metric("container.memory.usage", attributes={"linux.cgroup.path": path}, count=1)
    assert usage.value > 0  # this test process itself lives in it
    with open(Path("/", *memory.parts, path.lstrip("/"), "memory.stat")) as f:
        assert f.read()  # the same cgroup, read directly


@pytest.fixture
def docker_shaped_cgroup() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real cgroup made the way docker's cgroupfs driver makes one (``/docker/<id>``) in each
    hierarchy, holding a sleeping process. Needs root, as the agent does (CI runs as root)."""
    layout = detect(HostFS("/"))
    cid = uuid.uuid4().hex + uuid.uuid4().hex
    made: list[Path] = []
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        for hierarchy in layout.hierarchies:
            base = Path("/", *hierarchy)
            for d in (base / "docker", base / "docker" / cid):
                if not d.exists():
                    d.mkdir()
                    made.append(d)
            (base / "docker" / cid / "cgroup.procs").write_text(f"{sleeper.pid}\n")
        yield cid, sleeper
    finally:
        sleeper.kill()
        sleeper.wait()
        for d in reversed(made):
            for _ in range(50):  # the kernel frees a cgroup a moment after its last task exits
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)


def test_live_tree_recognises_a_docker_cgroup(
    sysagent_harness: Callable[..., Harness], docker_shaped_cgroup: tuple[str, subprocess.Popen[bytes]]
) -> None:
    cid, _sleeper = docker_shaped_cgroup
    h = sysagent_harness(ContainersCollector)
    h.collect()
    want = {"container.id": cid, "container.runtime.name": "docker", "linux.cgroup.path": f"/docker/{cid}"}
    h.assert_metric("container.cpu.time", attributes={**want, "cpu.mode": "user"}, count=1)
    processes = [p for p in h.sink.points("container.process.count") if dict(p.attributes) == want]
    assert all(p.value == 1 for p in processes)
    if detect(HostFS("/")).sources["pids"].v1:
        assert len(processes) == 1


def test_installed_entry_point_is_listed_and_collects(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SYSAGENT_DISABLE_PLUGIN_AUTOLOAD"}
    env["XDG_STATE_HOME"] = str(tmp_path)
    r = subprocess.run(
        [sys.executable, "-m", "sysagent", "plugins"], env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("containers "))
    assert "entry point (sysagent-containers 0.1.0)" in line and "collector containers" in line
    config = tmp_path / "sysagent.yaml"
    config.write_text('collectors:\n  containers:\n    paths: ["/"]\nsinks: {}\n')
    snap = subprocess.run(
        [sys.executable, "-m", "sysagent", "snapshot", "--format", "json", "-c", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert snap.returncode == 0, snap.stderr
    ours = [m for m in json.loads(snap.stdout)["metrics"] if m["scope"] == "sysagent_containers.plugin"]
    roots = [p for m in ours if m["name"] == "container.cpu.time" for p in m["points"]]
    assert {p["attributes"]["linux.cgroup.path"] for p in roots} >= {"/"}
