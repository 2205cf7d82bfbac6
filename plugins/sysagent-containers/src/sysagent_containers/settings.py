"""Which cgroups the containers collector reports, and the bounds on how many."""

from __future__ import annotations

from pydantic import Field

from sysagent import CollectorSettings


class ContainersSettings(CollectorSettings):
    """``containers``: every cgroup recognised as a container (docker, containerd, cri-o,
    podman, systemd-nspawn). ``slice_depth``: systemd ``*.slice`` cgroups down to this depth
    (1: ``system.slice``, ``user.slice``...; 0: none). ``paths``: more cgroups to report,
    as globs on the cgroup path (``/`` is the root; ``*`` matches within one part of
    the path, ``**`` across parts: ``"/batch/*"``, ``"/batch/**"``). ``max_depth``
    bounds the walk and ``max_cgroups`` the cgroups reported per cycle."""

    containers: bool = True
    slice_depth: int = Field(default=1, ge=0, le=16)
    paths: tuple[str, ...] = ()
    max_depth: int = Field(default=8, ge=1, le=32)
    max_cgroups: int = Field(default=1000, ge=1)
