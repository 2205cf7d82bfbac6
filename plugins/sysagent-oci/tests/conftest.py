"""Fixtures for the oci plugin's tests: a key, the local API server, a fake host tree."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import ociserver as srv
from ociserver import LOGS_IQN, standard_state


@pytest.fixture(scope="session")
def oci_key(tmp_path_factory: pytest.TempPathFactory) -> srv.Key:
    return srv.Key.make(tmp_path_factory.mktemp("key") / "oci_api_key.pem")


@pytest.fixture
def oci_config(tmp_path: Path, oci_key: srv.Key) -> Path:
    return srv.write_config(tmp_path / "oci_config", oci_key.path, oci_key.fingerprint)


@pytest.fixture
def oci_server(oci_key: srv.Key) -> Iterator[srv.Server]:
    with srv.Server(standard_state(oci_key)) as server:
        yield server


@pytest.fixture
def fake_host(tmp_path: Path) -> Path:
    """A host root: the mount table, /sys/block and /dev links of an OCI VM with three volumes.

    sda (boot: / and /boot/efi), sdb (data, by its consistent device path, /data on sdb1),
    sdc (logs, over iSCSI, under LVM as dm-0 on /logs), sdd (a local disk, not a volume).
    """
    root = tmp_path / "host"
    (root / "proc" / "1").mkdir(parents=True)
    (root / "proc" / "1" / "mounts").write_text(
        "/dev/sda1 / ext4 rw,relatime 0 0\n"
        "proc /proc proc rw 0 0\n"
        "/dev/sda15 /boot/efi vfat rw 0 0\n"
        "/dev/sdb1 /data xfs rw,noatime 0 0\n"
        "/dev/mapper/vg-logs /logs ext4 rw 0 0\n"
        "/dev/sdd /scratch ext4 rw 0 0\n"
        "tmpfs /run tmpfs rw 0 0\n"
    )
    for disk, parts in {"sda": ["sda1", "sda15"], "sdb": ["sdb1"], "sdc": [], "sdd": [], "dm-0": []}.items():
        for name in [disk, *parts]:
            (root / "sys" / "class" / "block" / name).mkdir(parents=True)
            if name != disk:
                (root / "sys" / "block" / disk / name).mkdir(parents=True)
        (root / "sys" / "block" / disk).mkdir(parents=True, exist_ok=True)
    (root / "sys" / "block" / "dm-0" / "slaves" / "sdc").mkdir(parents=True)
    links = {
        "dev/oracleoci/oraclevdb": "../sdb",
        "dev/mapper/vg-logs": "../dm-0",
        f"dev/disk/by-path/ip-169.254.2.2:3260-iscsi-{LOGS_IQN}-lun-1": "../../sdc",
    }
    for link, target in links.items():
        (root / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / link)
    for point in ("boot/efi", "data", "logs", "scratch", "run"):
        (root / point).mkdir(parents=True)
    return root


def statvfs_result(blocks: int, bfree: int, frsize: int = 4096) -> os.statvfs_result:
    return os.statvfs_result((frsize, frsize, blocks, bfree, bfree, 1000, 500, 500, 0, 255))


@pytest.fixture
def fake_statvfs(fake_host: Path) -> Callable[[str], os.statvfs_result]:
    """statvfs of the fake host's mounts: used = (blocks - bfree) x 4096."""
    table = {
        "": statvfs_result(13_107_200, 9_000_000),  # / : 50 GiB, 15.67 GiB used
        "boot/efi": statvfs_result(26_000, 24_000),
        "data": statvfs_result(268_435_456, 200_000_000),  # 1 TiB, 261 GiB used
        "logs": statvfs_result(536_870_912, 536_000_000),
        "scratch": statvfs_result(1000, 10),
    }

    def statvfs(path: str) -> os.statvfs_result:
        rel = os.path.relpath(path, fake_host)
        return table["" if rel == "." else rel]

    return statvfs
