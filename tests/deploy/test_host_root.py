"""Reporting the host from inside a container: each pitfall of FACTS §6 against a fake host tree.

The agent reads the host's root at ``agent.host_root`` (``SYSAGENT_HOST_ROOT``);
these tests point it at host_tree.py's fake host. The same checks run inside the
real image in test_image.py.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import host_tree
import pytest
from host_checks import check_fake_host

from sysagent import config
from sysagent.collectors import _netns
from sysagent.collectors._mounts import HostMounts
from sysagent.collectors.filesystem import FilesystemCollector, FilesystemSettings
from sysagent.collectors.network import NetworkCollector, NetworkSettings
from sysagent.hostfs import HostFS
from sysagent.resource import container_id, detect
from sysagent.testing import make_context

ROOT = Path(__file__).resolve().parents[2]
CID = "9f" * 32
#: The agent's own mounts in a container, as its /proc/self/mountinfo lists them (podman).
OWN_MOUNTS = (
    "400 300 0:50 / / ro,relatime - overlay overlay rw,lowerdir=/var/lib/containers/storage/overlay/l/X\n"
    "401 400 0:51 / /proc rw - proc proc rw\n"
    f"402 400 254:1 /var/lib/containers/storage/overlay-containers/{CID}/userdata/hostname /etc/hostname ro - ext4 "
    "/dev/vda1 rw\n"
    f"403 400 254:1 /var/lib/containers/storage/overlay-containers/{CID}/userdata/hosts /etc/hosts ro - ext4 "
    "/dev/vda1 rw\n"
    "404 400 254:1 /var/lib/containers/storage/volumes/state/_data /var/lib/sysagent rw - ext4 /dev/vda1 rw\n"
)


def statvfs_result(size: int) -> os.statvfs_result:
    return os.statvfs_result((4096, 4096, size // 4096, size // 8192, size // 8192, 1000, 500, 500, 0, 255))


class FakeStatvfs:
    """statvfs of the machine being measured: 2 TiB at any path; records the paths asked for."""

    def __init__(self, refuse: tuple[str, ...] = (), hang: tuple[str, ...] = ()) -> None:
        self.asked: list[str] = []
        self.refuse, self.hang = refuse, hang
        self.release = threading.Event()

    def __call__(self, path: str) -> os.statvfs_result:
        self.asked.append(path)
        if path.endswith(self.refuse):
            raise PermissionError(13, "Permission denied", path)
        if path.endswith(self.hang):
            self.release.wait(10)
        return statvfs_result(2 * host_tree.TIB)


def fs_collect(root: Path, statvfs: Callable[[str], os.statvfs_result], self_proc: str | None = None) -> dict:  # type: ignore[type-arg]
    """{mountpoint: attributes of its system.filesystem.limit} from one collection under host root ``root``."""
    collector = FilesystemCollector(
        FilesystemSettings.model_validate({"mountpoints": {}, "statvfs_timeout": 0.3, "limit": True}),
        make_context(str(root)),
        statvfs=statvfs,
    )
    if self_proc is not None:
        collector._table = HostMounts(HostFS(str(root)), self_proc=self_proc)
    try:
        out = [obs for obs in collector.collect() if obs[0] == "system.filesystem.limit"]
    finally:
        collector.close()
    return {dict(attrs)["system.filesystem.mountpoint"]: dict(attrs) | {"limit": v} for _, v, attrs in out}


@pytest.fixture
def host(tmp_path: Path) -> Path:
    return host_tree.make(tmp_path / "host")


def test_the_whole_snapshot_describes_the_host_named_by_sysagent_host_root(host: Path, tmp_path: Path) -> None:
    env = {**os.environ, "SYSAGENT_HOST_ROOT": str(host), "SYSAGENT_STATE_DIR": str(tmp_path / "state")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "-m", "sysagent", "snapshot", "--format", "json"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    snap = json.loads(out.stdout)
    # As root here, /boot/efi can be statted; test_image.py checks that a non-root agent skips it.
    check_fake_host(snap, mountpoints={"/", "/data", "/boot/efi"}, data={"system.device": "/dev/sdb1"})
    assert str(host) not in out.stdout


def test_the_environment_sets_the_host_root_and_a_config_file_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYSAGENT_HOST_ROOT", raising=False)
    assert config.from_dict({}).agent.host_root == "/"
    monkeypatch.setenv("SYSAGENT_HOST_ROOT", "/hostfs")
    assert config.from_dict({}).agent.host_root == "/hostfs"
    assert config.from_dict({"agent": {"host_root": "/host"}}).agent.host_root == "/host"


def test_mounts_come_from_pid1s_mountinfo_without_runtime_or_pseudo_mounts(host: Path) -> None:
    """node_exporter's table: /proc/1/mountinfo, host paths; container runtimes' mounts left out (#5879, #35043)."""
    statvfs = FakeStatvfs()
    found = fs_collect(host, statvfs)
    assert sorted(found) == ["/", "/boot/efi", "/data", "/run"]
    assert found["/data"] == {
        "system.device": "/dev/sdb1", "system.filesystem.type": "ext4", "system.filesystem.mode": "rw",
        "system.filesystem.mountpoint": "/data", "limit": 2 * host_tree.TIB,
    }  # fmt: skip
    assert sorted(statvfs.asked) == sorted(f"{host}{m}" if m != "/" else f"{host}/" for m in found)


def test_under_hidepid_the_own_mountinfo_is_read_and_the_prefix_is_taken_off_once(tmp_path: Path) -> None:
    """Pid 1 hidden: /proc/self/mountinfo, host mounts under the root only, /hostfs not doubled (PR 47083)."""
    root = host_tree.make(tmp_path / "host root", with_pid1=False)  # a space: mount tables escape it
    esc = str(root).replace(" ", "\\040")
    self_proc = tmp_path / "self"
    self_proc.mkdir()
    (self_proc / "mountinfo").write_text(
        OWN_MOUNTS
        + f"410 400 8:1 / {esc} ro,relatime - ext4 /dev/sda1 rw\n"
        + f"411 410 8:17 / {esc}/data ro,noatime - ext4 /dev/sdb1 rw\n"
        + f"412 410 0:20 / {esc}/proc rw - proc proc rw\n"
        + f"413 410 0:41 / {esc}/var/lib/docker/containers/{host_tree.OTHER_CONTAINER}/mounts/shm rw - tmpfs shm rw\n"
        + f"414 400 8:1 /srv {esc}-other ro - ext4 /dev/sda1 rw\n"
    )
    statvfs = FakeStatvfs()
    found = fs_collect(root, statvfs, self_proc=str(self_proc))
    assert sorted(found) == ["/", "/data"]  # not the container's /, /etc/hosts, volume, nor a sibling folder
    assert found["/data"]["system.device"] == "/dev/sdb1"
    assert sorted(statvfs.asked) == [f"{root}/", f"{root}/data"]


def test_permission_denied_on_a_mount_skips_it_and_keeps_the_others(host: Path) -> None:
    """A non-root agent cannot stat /hostfs/boot/efi (#37663): that mount is left out, quietly."""
    found = fs_collect(host, FakeStatvfs(refuse=("/boot/efi",)))
    assert sorted(found) == ["/", "/data", "/run"]


def test_a_hung_network_mount_under_the_host_root_does_not_stall_the_collection(host: Path) -> None:
    """A dead NFS server (#868, #1353): that mount is skipped after statvfs_timeout; the others are reported."""
    mountinfo = host / "proc" / "1" / "mountinfo"
    mountinfo.write_text(mountinfo.read_text() + "40 21 0:60 / /mnt/nfs rw - nfs4 server:/export rw\n")
    statvfs = FakeStatvfs(hang=("/mnt/nfs",))
    started = time.monotonic()
    try:
        found = fs_collect(host, statvfs)
    finally:
        statvfs.release.set()
    assert time.monotonic() - started < 3
    assert sorted(found) == ["/", "/boot/efi", "/data", "/run"]
    assert f"{host}/mnt/nfs" in statvfs.asked


def net_self(tmp_path: Path) -> Path:
    """The agent's own /proc/self, whose net/dev is the container's namespace (eth0 only)."""
    own = tmp_path / "self"
    (own / "net").mkdir(parents=True)
    (own / "net" / "dev").write_text("Inter-|\n face |\n  eth0: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0\n")
    return own


def test_network_files_are_pid1s_not_the_containers_own_namespace(host: Path, tmp_path: Path) -> None:
    """/proc/net is the container's namespace (node_exporter #581): the host's init's is read."""
    own = net_self(tmp_path)
    assert _netns.host_net_path(HostFS(str(host)), "dev", str(own)) == f"{host}/proc/1/net/dev"
    assert _netns.host_net_path(HostFS(str(host)), "tcp6", str(own)) == f"{host}/proc/1/net/tcp6"
    assert _netns.host_net_path(HostFS("/"), "dev", str(own)) == "/proc/net/dev"
    collector = NetworkCollector(NetworkSettings(), make_context(str(host)))
    try:
        names = {dict(attrs).get("network.interface.name") for _, _, attrs in collector.collect()} - {None}
    finally:
        collector.close()
    assert names == set(host_tree.INTERFACES)


def test_with_pid1_hidden_the_own_namespace_is_read_and_a_warning_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = host_tree.make(tmp_path / "host", with_pid1=False)
    own = net_self(tmp_path)
    with caplog.at_level(logging.WARNING, logger="sysagent.collectors.network"):
        assert _netns.host_net_path(HostFS(str(root)), "dev", str(own)) == f"{own}/net/dev"
        assert _netns.host_net_path(HostFS(str(root)), "snmp", str(own)) == f"{own}/net/snmp"
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "host networking" in warnings[0]


def test_host_name_id_and_os_follow_the_hosts_own_links_inside_the_root(host: Path, tmp_path: Path) -> None:
    """Absolute links (/etc/hostname -> /etc/static/hostname) lead into the host's tree, not the container's."""
    proc = tmp_path / "proc-self"
    proc.mkdir()
    (proc / "cgroup").write_text("0::/\n")
    (proc / "mountinfo").write_text("")
    attrs = detect(HostFS(str(host)), environ={}, self_proc=str(proc))
    assert (attrs["host.name"], attrs["host.id"]) == (host_tree.HOSTNAME, host_tree.MACHINE_ID)
    assert str(attrs["os.description"]).startswith(host_tree.PRETTY_NAME)
    # systemd's first boot leaves "uninitialized": not an id; Debian's D-Bus link then leads to nothing.
    (host / "etc" / "machine-id").write_text("uninitialized\n")
    assert "host.id" not in detect(HostFS(str(host)), environ={}, self_proc=str(proc))
    (host / "etc" / "machine-id").unlink()
    (host / "var" / "lib" / "dbus" / "machine-id").unlink()
    (host / "var" / "lib" / "dbus" / "machine-id").write_text(host_tree.MACHINE_ID.upper() + "\n")
    assert detect(HostFS(str(host)), environ={}, self_proc=str(proc))["host.id"] == host_tree.MACHINE_ID


def test_resolve_stays_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "up").symlink_to("../../../../..")
    (root / "a" / "abs").symlink_to("/a/b")
    (root / "loop").symlink_to("/loop")
    fs = HostFS(str(root))
    assert fs.resolve("/a/abs/f") == f"{root}/a/b/f"
    assert fs.resolve("/a/up/etc/passwd") == f"{root}/etc/passwd"
    assert fs.resolve("/loop/x").startswith(str(root))
    assert HostFS("/").resolve("/etc/hostname") == "/etc/hostname"


def proc_of(tmp_path: Path, name: str, cgroup: str, mountinfo: str = "") -> str:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "cgroup").write_text(cgroup)
    (folder / "mountinfo").write_text(mountinfo)
    return str(folder)


def test_container_id_on_cgroup_v1_and_v2(tmp_path: Path) -> None:
    """v1 and v2 with the host's cgroup namespace name it in /proc/self/cgroup."""
    v1_docker = proc_of(tmp_path, "a", f"12:memory:/docker/{CID}\n1:name=systemd:/docker/{CID}\n")
    v1_k8s = proc_of(tmp_path, "b", f"11:pids:/kubepods/burstable/pod7d3f-11/{CID}\n")
    v2_podman = proc_of(tmp_path, "c", f"0::/machine.slice/libpod-{CID}.scope/container\n")
    v2_containerd = proc_of(tmp_path, "d", f"0::/kubepods.slice/kubepods-pod7d3f.slice/cri-containerd-{CID}.scope\n")
    assert {container_id(p) for p in (v1_docker, v1_k8s, v2_podman, v2_containerd)} == {CID}
    assert container_id(proc_of(tmp_path, "e", "0::/init.scope\n")) == ""


def test_container_id_on_cgroup_v2_from_the_runtimes_bind_mounts_not_other_containers(tmp_path: Path) -> None:
    """v2 with a private cgroup namespace: "0::/" (opentelemetry-java #4757); mountinfo names it.

    With the host's / at /hostfs, mountinfo also lists other containers' folders:
    those must not be taken for the agent's own.
    """
    others = (
        f"300 299 254:1 / /hostfs/var/lib/docker/containers/{host_tree.OTHER_CONTAINER}/mounts/shm rw - tmpfs shm rw\n"
        f"301 299 0:40 / /hostfs/var/lib/containers/storage/overlay/{'e' * 64}/merged rw - overlay overlay rw\n"
    )
    podman = proc_of(tmp_path, "podman", "0::/\n", others + OWN_MOUNTS)
    assert container_id(podman) == CID
    docker_line = f"500 400 254:1 /var/lib/docker/containers/{CID}/hostname /etc/hostname rw - ext4 /dev/vda1 rw\n"
    assert container_id(proc_of(tmp_path, "docker", "0::/\n", others + docker_line)) == CID
    sandbox = f"/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/{'d' * 64}/hostname"
    k8s = f"600 400 254:1 {sandbox} /etc/hostname rw - ext4 /dev/vda1 rw\n"
    # A container's own folder wins over its pod's sandbox folder, whatever the order.
    hosts_line = docker_line.replace("/etc/hostname", "/etc/hosts")
    assert container_id(proc_of(tmp_path, "k8s", "0::/\n", k8s + hosts_line)) == CID
    assert container_id(proc_of(tmp_path, "none", "0::/\n", others)) == ""
