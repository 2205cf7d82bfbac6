"""What a cgroup path says about its container: the runtime, the container id, the pod.

Recognised shapes (systemd cgroup driver, then cgroupfs):

- ``docker-<id>.scope``, ``/docker/<id>``: docker
- ``cri-containerd-<id>.scope``, ``/k8s.io/<id>``, ``/default/<id>``: containerd
- ``crio-<id>.scope``: cri-o
- ``libpod-<id>.scope``, ``/libpod_parent/libpod-<id>``: podman (not ``libpod-conmon-*``)
- ``machine-<name>.scope`` (systemd-nspawn and machined): systemd
- ``<id>`` under a ``pod<uid>`` cgroup (Kubernetes with cgroupfs): runtime unknown

The Kubernetes pod UID comes from a ``pod<uid>`` part anywhere in the path
(``kubepods-burstable-pod<uid_with_underscores>.slice`` under systemd).
"""

from __future__ import annotations

import re
from typing import NamedTuple

_HEX = r"[0-9a-f]{64}"
_SCOPES = (
    (re.compile(rf"^docker-({_HEX})\.scope$"), "docker"),
    (re.compile(rf"^cri-containerd-({_HEX})\.scope$"), "containerd"),
    (re.compile(rf"^crio-({_HEX})\.scope$"), "cri-o"),
    (re.compile(rf"^libpod-({_HEX})\.scope$"), "podman"),
)
_PARENTS = {"docker": "docker", "k8s.io": "containerd", "default": "containerd", "libpod_parent": "podman"}
_BARE = re.compile(rf"^(?:libpod-)?({_HEX})$")
_MACHINE = re.compile(r"^machine-(.+)\.scope$")
_POD = re.compile(r"pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$")


class Container(NamedTuple):
    """``runtime`` is "" when the path does not tell (Kubernetes with cgroupfs)."""

    id: str
    runtime: str


def container_of(parts: tuple[str, ...]) -> Container | None:
    """The container whose cgroup is the path ``parts`` (its last part), if it is one."""
    if not parts:
        return None
    name = parts[-1]
    for regex, runtime in _SCOPES:
        if m := regex.match(name):
            return Container(m.group(1), runtime)
    parent = parts[-2] if len(parts) > 1 else ""
    if m := _BARE.match(name):
        if parent in _PARENTS and (parent == "libpod_parent") == name.startswith("libpod-"):
            return Container(m.group(1), _PARENTS[parent])
        if _POD.search(parent):
            return Container(m.group(1), "")
        return None
    if (m := _MACHINE.match(name)) and not name.startswith("machine-libpod"):
        return Container(_unescape(m.group(1)), "systemd")
    return None


def pod_uid(parts: tuple[str, ...]) -> str:
    """The Kubernetes pod UID a path carries, with dashes, or ""."""
    for part in reversed(parts):
        if m := _POD.search(part):
            return m.group(1).replace("_", "-")
    return ""


def _unescape(name: str) -> str:
    """systemd unit-name escaping: ``\\x2d`` is ``-``."""
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), name)
