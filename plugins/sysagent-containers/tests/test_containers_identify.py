"""Recognising runtimes, container ids and pod UIDs from cgroup paths."""

from __future__ import annotations

import pytest
from sysagent_containers.identify import Container, container_of, pod_uid

ID = "3f4a" + "0" * 56 + "beef"
UID = "0b6c2b1e-52a1-4a7d-9d1a-2f6a3c9e8d70"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/system.slice/docker-{ID}.scope", Container(ID, "docker")),
        (f"/docker/{ID}", Container(ID, "docker")),
        (f"/system.slice/cri-containerd-{ID}.scope", Container(ID, "containerd")),
        (f"/k8s.io/{ID}", Container(ID, "containerd")),
        (f"/kubepods.slice/kubepods-pod{UID.replace('-', '_')}.slice/crio-{ID}.scope", Container(ID, "cri-o")),
        (f"/machine.slice/libpod-{ID}.scope", Container(ID, "podman")),
        (f"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{ID}.scope", Container(ID, "podman")),
        (f"/libpod_parent/libpod-{ID}", Container(ID, "podman")),
        ("/machine.slice/machine-web\\x2d1.scope", Container("web-1", "systemd")),
        (f"/kubepods/burstable/pod{UID}/{ID}", Container(ID, "")),
        (f"/machine.slice/libpod-conmon-{ID}.scope", None),
        (f"/docker/{ID}/child", None),
        (f"/libpod_parent/{ID}", None),
        (f"/elsewhere/{ID}", None),
        ("/system.slice/ssh.service", None),
        ("/user.slice/user-1000.slice/session-3.scope", None),
        ("/", None),
    ],
)
def test_container_of(path: str, expected: Container | None) -> None:
    parts = tuple(p for p in path.split("/") if p)
    assert container_of(parts) == expected


def test_pod_uid_from_systemd_and_cgroupfs_paths() -> None:
    systemd = ("kubepods.slice", "kubepods-besteffort.slice", f"kubepods-besteffort-pod{UID.replace('-', '_')}.slice")
    assert pod_uid((*systemd, f"cri-containerd-{ID}.scope")) == UID
    assert pod_uid(("kubepods", "burstable", f"pod{UID}", ID)) == UID
    assert pod_uid(("system.slice", f"docker-{ID}.scope")) == ""
