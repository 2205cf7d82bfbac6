"""The settings of the built-in collectors, shared by both backends (procfs and psutil).

A config works unchanged with either ``agent.backend``: each collector name has
one settings model. An option a backend cannot honour on some platform is
accepted and documented in that collector's docstring.
"""

from __future__ import annotations

from typing import Literal

from sysagent.settings import CollectorSettings, Duration

from ._filter import NameFilter


class HostSettings(CollectorSettings):
    """``memory_limit``: also report ``system.memory.limit`` (opt-in in the conventions)."""

    memory_limit: bool = False


class CpuSettings(CollectorSettings):
    """``per_cpu``: a series per logical CPU instead of the total. ``utilization``: also
    ``system.cpu.utilization``. ``frequency``: read each CPU's cpufreq file."""

    per_cpu: bool = False
    utilization: bool = False
    frequency: bool = False


class LoadSettings(CollectorSettings):
    """No settings beyond ``interval`` and ``timeout``."""


class MemorySettings(CollectorSettings):
    """No settings beyond ``interval`` and ``timeout``."""


class PagingSettings(CollectorSettings):
    """No settings beyond ``interval`` and ``timeout``."""


DEFAULT_EXCLUDE_TYPES = (
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs", "efivarfs",
    "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs", "pstore", "ramfs",
    "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "erofs", "sysfs", "tracefs",
)  # fmt: skip
DEFAULT_EXCLUDE_MOUNTPOINTS = (
    "/dev", "/dev/*", "/proc", "/proc/*", "/sys", "/sys/*", "/run/credentials/*", "/run/containerd/*",
    "/run/netns/*", "/var/lib/docker/*", "/var/lib/containers/storage/*", "/var/lib/kubelet/pods/*",
)  # fmt: skip
#: Types whose statvfs never waits on another machine: called directly, not in the worker.
LOCAL_TYPES = frozenset((
    "bcachefs", "btrfs", "exfat", "ext2", "ext3", "ext4", "f2fs", "hfs", "hfsplus", "jfs", "msdos", "nilfs2",
    "ntfs", "ntfs3", "ramfs", "reiserfs", "tmpfs", "udf", "ufs", "vfat", "xfs", "zfs",
))  # fmt: skip


class FilesystemSettings(CollectorSettings):
    """Include/exclude globs on mountpoints, devices and types; the statvfs timeout per mount."""

    mountpoints: NameFilter = NameFilter(exclude=DEFAULT_EXCLUDE_MOUNTPOINTS)
    devices: NameFilter = NameFilter()
    types: NameFilter = NameFilter(exclude=DEFAULT_EXCLUDE_TYPES)
    statvfs_timeout: Duration = 2.0
    #: Also report ``system.filesystem.limit`` (opt-in in the conventions; the states add up to it).
    limit: bool = False


DISK_DEFAULT_EXCLUDE = ("loop*", "ram*", "zram*", "fd*")


class DiskSettings(CollectorSettings):
    """``devices``: include/exclude globs on device names; ``partitions``: report them too."""

    devices: NameFilter = NameFilter(exclude=DISK_DEFAULT_EXCLUDE)
    partitions: bool = False


NETWORK_DEFAULT_EXCLUDE = ("lo",)


class NetworkSettings(CollectorSettings):
    """``interfaces``: include/exclude globs on interface names (default: all but ``lo``)."""

    interfaces: NameFilter = NameFilter(exclude=NETWORK_DEFAULT_EXCLUDE)


class ConnectionsSettings(CollectorSettings):
    """``states``: ``summary`` (cheap, established/time_wait/udp) or ``detailed`` (every TCP state)."""

    states: Literal["summary", "detailed"] = "summary"


class SystemSettings(CollectorSettings):
    """``process_states``: ``running`` (cheap) or ``all`` (walks every process)."""

    process_states: Literal["running", "all"] = "running"
