"""Where attached volumes show up on the host: their disks, the mounts on them, and statvfs.

A block volume attached with a consistent device path (``/dev/oracleoci/oraclevdX``)
or over iSCSI (``/dev/disk/by-path/ip-IP:PORT-iscsi-IQN-lun-1``) is a symlink to its
kernel disk; the boot volume is the disk under ``/``. A mount sits on a disk when
its device is that disk, one of its partitions (``/sys/block/DISK/PART``) or a
device-mapper volume over one (``/sys/block/dm-N/slaves``). Everything is read
under the agent's host root, like the built-in collectors.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from sysagent import HostFS
from sysagent_oci.api import Volume


@dataclass(frozen=True)
class Mount:
    device: str
    mountpoint: str
    fstype: str


def resolve(host: HostFS, path: str, depth: int = 16) -> str:
    """``path`` (a host path) with symlinks followed, the host root kept as ``/``."""
    for _ in range(depth):
        local = host.path(path.lstrip("/"))
        if not os.path.islink(local):
            return path
        target = os.readlink(local)
        path = target if target.startswith("/") else os.path.normpath(os.path.join(os.path.dirname(path), target))
    return path


class HostDisks:
    """The host's mount table and block devices, seen through ``host``."""

    def __init__(self, host: HostFS) -> None:
        self.host = host
        self.mounts_file = ("proc", "self", "mounts") if host.root == "/" else ("proc", "1", "mounts")

    def mounts(self) -> list[Mount]:
        """Mounts of block devices; a device mounted again (bind mounts) counts once, at its first mountpoint."""
        found: dict[str, Mount] = {}
        for line in self.host.read(*self.mounts_file).splitlines():
            f = line.split(" ")
            if len(f) >= 3 and f[0].startswith("/dev/"):
                point = f[1].replace("\\040", " ")
                found.pop(point, None)  # the mount on top wins
                found[point] = Mount(f[0], point, f[2])
        seen: set[str] = set()
        unique = []
        for mount in found.values():
            if mount.device not in seen:
                seen.add(mount.device)
                unique.append(mount)
        return unique

    def kernel_name(self, device_path: str) -> str | None:
        name = os.path.basename(resolve(self.host, device_path))
        return name if name and os.path.exists(self.host.path("sys", "class", "block", name)) else None

    def disks_under(self, name: str) -> set[str]:
        """The whole disks a block device ``name`` (disk, partition, dm-N) lives on."""
        block = self.host.path("sys", "block")
        if os.path.isdir(os.path.join(block, name)):
            slaves = os.path.join(block, name, "slaves")
            if os.path.isdir(slaves) and os.listdir(slaves):
                return {d for s in os.listdir(slaves) for d in self.disks_under(s)}
            return {name}
        try:
            disks = os.listdir(block)
        except OSError:
            return set()
        return {d for d in disks if os.path.exists(os.path.join(block, d, name))}

    def volume_disk(self, vol: Volume, root_disks: set[str]) -> set[str]:
        """The kernel disk(s) of an attached volume, or an empty set when the host does not show it."""
        if vol.type == "boot":
            return root_disks
        paths = [vol.device] if vol.device else []
        if vol.iscsi:
            ip, port, iqn = vol.iscsi
            paths.append(f"/dev/disk/by-path/ip-{ip}:{port}-iscsi-{iqn}-lun-1")
        for path in paths:
            name = self.kernel_name(path)
            if name:
                return {name}
        return set()

    def mount_disks(self, mounts: list[Mount]) -> dict[str, set[str]]:
        """``{mountpoint: disks}`` for every mount on a block device."""
        out: dict[str, set[str]] = {}
        for m in mounts:
            name = self.kernel_name(m.device)
            out[m.mountpoint] = self.disks_under(name) if name else set()
        return out


def used_bytes(host: HostFS, mountpoint: str, statvfs: Callable[[str], os.statvfs_result] = os.statvfs) -> int:
    """Bytes in use on a mount, as ``df`` counts them: (blocks - free blocks) x fragment size."""
    st = statvfs(host.host_path(mountpoint))
    return int((st.f_blocks - st.f_bfree) * st.f_frsize)
