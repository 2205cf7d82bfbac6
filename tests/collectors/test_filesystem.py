"""The filesystem collector: mounts, filters, statvfs values, and hung mounts."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from collector_helpers import FAKEHOST, Harness, series

from sysagent.collectors.filesystem import FilesystemCollector, FilesystemSettings

ROOT = str(FAKEHOST)


def vfs(frsize: int, blocks: int, bfree: int, bavail: int, files: int, ffree: int) -> os.statvfs_result:
    return os.statvfs_result((frsize, frsize, blocks, bfree, bavail, files, ffree, ffree, 0, 255))


#: statvfs answers of the fake host's mounts, by the path the collector must ask for.
VFS = {
    f"{ROOT}/": vfs(4096, 1000, 400, 350, 500, 100),
    f"{ROOT}/run": vfs(4096, 100, 100, 100, 0, 0),
    f"{ROOT}/mnt/my disk": vfs(1024, 2000, 1000, 1000, 10, 5),
    f"{ROOT}/mnt/nfs": vfs(4096, 0, 0, 0, 0, 0),
    f"{ROOT}/home": vfs(4096, 1000, 400, 350, 500, 100),
}


def fake_statvfs(answers: dict[str, os.statvfs_result]) -> Callable[[str], os.statvfs_result]:
    def statvfs(path: str) -> os.statvfs_result:
        if path not in answers:
            raise FileNotFoundError(path)
        return answers[path]

    return statvfs


def fs_attrs(device: str, mountpoint: str, fstype: str, mode: str = "rw", state: str | None = None) -> tuple:  # type: ignore[type-arg]
    attrs = {
        "system.device": device,
        "system.filesystem.mountpoint": mountpoint,
        "system.filesystem.type": fstype,
        "system.filesystem.mode": mode,
    }
    if state:
        attrs["system.filesystem.state"] = state
    return tuple(sorted(attrs.items()))


def test_usage_utilization_limit_inodes_per_mount(fake: Harness) -> None:
    batch = fake.batch(FilesystemCollector, FilesystemSettings(limit=True), statvfs=fake_statvfs(VFS))
    root = {s: fs_attrs("/dev/sda1", "/", "ext4", state=s) for s in ("used", "free", "reserved")}
    disk = {s: fs_attrs("/dev/sdb1", "/mnt/my disk", "xfs", "ro", state=s) for s in ("used", "free", "reserved")}
    usage = series(batch, "system.filesystem.usage")
    assert usage[root["used"]] == 600 * 4096
    assert usage[root["free"]] == 350 * 4096
    assert usage[root["reserved"]] == 50 * 4096
    assert usage[disk["used"]] == 1000 * 1024
    assert usage[disk["free"]] == 1000 * 1024
    assert usage[disk["reserved"]] == 0
    util = series(batch, "system.filesystem.utilization")
    assert (util[root["used"]], util[root["free"]], util[root["reserved"]]) == (0.6, 0.35, 0.05)
    assert (util[disk["used"]], util[disk["free"]], util[disk["reserved"]]) == (0.5, 0.5, 0.0)
    assert series(batch, "system.filesystem.limit") == {
        fs_attrs("/dev/sda1", "/", "ext4"): 4_096_000,
        fs_attrs("tmpfs", "/run", "tmpfs"): 409_600,
        fs_attrs("/dev/sdb1", "/mnt/my disk", "xfs", "ro"): 2_048_000,
        fs_attrs("/dev/sda1", "/home", "ext4"): 4_096_000,
    }  # /mnt/nfs has zero size; proc, sysfs, cgroup2, overlay and /dev/shm are excluded by default
    inodes = series(batch, "system.filesystem.inodes.usage")
    assert inodes == {
        fs_attrs("/dev/sda1", "/", "ext4", state="used"): 400,
        fs_attrs("/dev/sda1", "/", "ext4", state="free"): 100,
        fs_attrs("/dev/sdb1", "/mnt/my disk", "xfs", "ro", state="used"): 5,
        fs_attrs("/dev/sdb1", "/mnt/my disk", "xfs", "ro", state="free"): 5,
        fs_attrs("/dev/sda1", "/home", "ext4", state="used"): 400,
        fs_attrs("/dev/sda1", "/home", "ext4", state="free"): 100,
    }  # /run reports no inodes


def mountpoints(batch: object) -> set[str]:
    return {str(dict(k)["system.filesystem.mountpoint"]) for k in series(batch, "system.filesystem.limit")}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (FilesystemSettings.model_validate({"limit": True, "mountpoints": {"include": ["/mnt/*"]}}), {"/mnt/my disk"}),
        (FilesystemSettings.model_validate({"limit": True, "types": {"include": ["ext4"]}}), {"/", "/home"}),
        (
            FilesystemSettings.model_validate({"limit": True, "types": {"exclude": ["tmpfs", "nfs*"]}}),
            {"/", "/mnt/my disk", "/home"},
        ),
        (
            FilesystemSettings.model_validate({"limit": True, "devices": {"exclude": ["/dev/sda*"]}}),
            {"/run", "/mnt/my disk"},
        ),
        (
            FilesystemSettings.model_validate({"limit": True, "mountpoints": {"exclude": ["/home"]}}),
            {"/", "/run", "/mnt/my disk"},
        ),
    ],
)
def test_include_exclude(fake: Harness, settings: FilesystemSettings, expected: set[str]) -> None:
    assert mountpoints(fake.batch(FilesystemCollector, settings, statvfs=fake_statvfs(VFS))) == expected


def test_settings_exclude_replaces_default_list(fake: Harness) -> None:
    # Without the default mountpoint excludes, /dev/shm (tmpfs) is reported.
    answers = {**VFS, f"{ROOT}/dev/shm": vfs(4096, 10, 10, 10, 5, 5)}
    batch = fake.batch(
        FilesystemCollector,
        FilesystemSettings.model_validate({"limit": True, "mountpoints": {}}),
        statvfs=fake_statvfs(answers),
    )
    assert "/dev/shm" in mountpoints(batch)


def test_mount_on_top_wins_and_excluded_mount_hides(fake_copy: Harness) -> None:
    mounts = fake_copy.root / "proc" / "1" / "mounts"
    mounts.write_text(
        "/dev/sda1 / ext4 rw 0 0\n/dev/sdc1 /data ext4 rw 0 0\n/dev/sdd1 /data xfs ro 0 0\n"
        "/dev/sde1 /srv ext4 rw 0 0\noverlay /srv overlay rw 0 0\n"
    )
    root = str(fake_copy.root)
    answers = {f"{root}/": VFS[f"{ROOT}/"], f"{root}/data": VFS[f"{ROOT}/"], f"{root}/srv": VFS[f"{ROOT}/"]}
    batch = fake_copy.batch(FilesystemCollector, FilesystemSettings(limit=True), statvfs=fake_statvfs(answers))
    assert list(series(batch, "system.filesystem.limit")) == [
        fs_attrs("/dev/sda1", "/", "ext4"),
        fs_attrs("/dev/sdd1", "/data", "xfs", "ro"),
    ]


def test_hung_statvfs_is_skipped_until_it_returns(fake: Harness, caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    calls: list[str] = []

    def statvfs(path: str) -> os.statvfs_result:
        calls.append(path)
        if path.endswith("/mnt/nfs"):
            release.wait(30)
            return vfs(4096, 10, 5, 5, 0, 0)
        return VFS[path]

    collector_runner = fake.runner(
        FilesystemCollector, FilesystemSettings(limit=True, statvfs_timeout=0.1), statvfs=statvfs
    )
    collector = fake.made[-1]
    with caplog.at_level(logging.INFO, logger="sysagent.collectors.filesystem"):
        first = collector_runner.run()
        # The mounts after the hung one were still statted, by a new worker.
        assert mountpoints(first) == {"/", "/run", "/mnt/my disk", "/home"}
        assert list(collector.pool.hung) == [f"{ROOT}/mnt/nfs"]
        second = collector_runner.run()
        assert mountpoints(second) == {"/", "/run", "/mnt/my disk", "/home"}
        assert calls.count(f"{ROOT}/mnt/nfs") == 1  # skipped while hung: no second stuck thread
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "/mnt/nfs" in warnings[0].getMessage()
        workers = [t for t in threading.enumerate() if t.name == "sysagent-statvfs"]
        release.set()
        collector.pool.close()  # stops the idle worker; the stuck one exits once its call returns
        for thread in workers:
            thread.join(timeout=10)
            assert not thread.is_alive()
        assert not collector.pool.hung
        assert any("answered" in r.getMessage() for r in caplog.records)
    third = collector_runner.run()
    assert "/mnt/nfs" in mountpoints(third)
    assert calls.count(f"{ROOT}/mnt/nfs") == 2


def test_statvfs_error_leaves_the_mount_out(fake: Harness) -> None:
    answers = {k: v for k, v in VFS.items() if not k.endswith("/home")}
    batch = fake.batch(FilesystemCollector, FilesystemSettings(limit=True), statvfs=fake_statvfs(answers))
    assert mountpoints(batch) == {"/", "/run", "/mnt/my disk"}


def test_live_root_filesystem_matches_statvfs(live: Harness) -> None:
    batch = live.batch(FilesystemCollector, FilesystemSettings(limit=True))
    limits = {
        str(dict(k)["system.filesystem.mountpoint"]): v for k, v in series(batch, "system.filesystem.limit").items()
    }
    st = os.statvfs("/")
    assert limits["/"] == st.f_blocks * st.f_frsize
    usage = series(batch, "system.filesystem.usage")
    for mountpoint, limit in limits.items():
        states = {
            dict(k)["system.filesystem.state"]: v
            for k, v in usage.items()
            if ("system.filesystem.mountpoint", mountpoint) in k
        }
        assert sum(states.values()) == limit
    types = {dict(k)["system.filesystem.type"] for k in series(batch, "system.filesystem.limit")}
    assert not types & {"proc", "sysfs", "cgroup", "cgroup2", "devtmpfs", "devpts"}
    assert not any(m.startswith(("/proc", "/sys", "/dev")) for m in limits)


def test_mount_table_change_is_seen(tmp_path: Path) -> None:
    """A new mount shows up although the table is only re-read on change (in a private mount namespace)."""
    import subprocess
    import sys

    script = (
        "import subprocess, sys\n"
        "from sysagent.collectors._mounts import MountTable\n"
        "t = MountTable('/proc/self/mounts')\n"
        "assert t.changed_text() is not None\n"
        "assert t.changed_text() is None\n"
        f"subprocess.run(['mount', '-t', 'tmpfs', 'none', {str(tmp_path)!r}], check=True)\n"
        "text = t.changed_text()\n"
        f"assert text is not None and {str(tmp_path)!r} in text, text\n"
        "assert t.changed_text() is None\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        timeout=60,
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_limit_is_opt_in(fake: Harness) -> None:
    batch = fake.batch(FilesystemCollector, FilesystemSettings(), statvfs=fake_statvfs(VFS))
    assert batch.metric("system.filesystem.limit") is None
    assert series(batch, "system.filesystem.usage")


@pytest.mark.parametrize(
    ("kernel", "member"),
    [("vfat", "fat32"), ("msdos", "fat32"), ("ntfs3", "ntfs"), ("exfat", "exfat"), ("xfs", "xfs"), ("NTFS", "ntfs")],
)
def test_filesystem_type_uses_the_enum_member(fake_copy: Harness, kernel: str, member: str) -> None:
    (fake_copy.root / "proc" / "1" / "mounts").write_text(f"/dev/sdc1 /boot/efi {kernel} rw 0 0\n")
    answers = {f"{fake_copy.root}/boot/efi": vfs(4096, 100, 50, 50, 0, 0)}
    batch = fake_copy.batch(FilesystemCollector, FilesystemSettings(), statvfs=fake_statvfs(answers))
    types = {dict(k)["system.filesystem.type"] for k in series(batch, "system.filesystem.usage")}
    assert types == {member}
