"""Assertions that a ``sysagent snapshot --format json`` describes the fake host of host_tree.py."""

from __future__ import annotations

import json
from typing import Any

import host_tree


def points(snap: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [p for m in snap["metrics"] if m["name"] == name for p in m["points"]]


def values(snap: dict[str, Any], name: str, key: str) -> set[Any]:
    """The values of attribute ``key`` among the points of metric ``name``."""
    return {p["attributes"].get(key) for p in points(snap, name)}


def check_fake_host(snap: dict[str, Any], *, mountpoints: set[str], data: dict[str, Any]) -> None:
    """The snapshot reports the fake host, and nothing of the machine or container it ran in.

    ``mountpoints`` are the filesystems expected; ``data`` the attributes (and
    ``limit``, if known) of the /data filesystem.
    """
    res = snap["resource"]
    assert res["host.name"] == host_tree.HOSTNAME
    assert res["host.id"] == host_tree.MACHINE_ID
    assert str(res["os.description"]).startswith(host_tree.PRETTY_NAME)
    # the counts are metrics (semconv); memory: used is MemTotal - MemAvailable, exactly
    assert [p["value"] for p in points(snap, "system.cpu.logical.count")] == [host_tree.LOGICAL_CPUS]
    assert [p["value"] for p in points(snap, "system.cpu.physical.count")] == [host_tree.PHYSICAL_CORES]
    used = [p["value"] for p in points(snap, "system.memory.usage") if p["attributes"]["system.memory.state"] == "used"]
    (available,) = [p["value"] for p in points(snap, "system.memory.linux.available")]
    assert used[0] + available == host_tree.MEM_TOTAL
    assert [p["value"] for p in points(snap, "system.cpu.load_average.1m")] == [12.5]
    assert values(snap, "system.network.io", "network.interface.name") == set(host_tree.INTERFACES)
    assert values(snap, "system.disk.io", "system.device") == {"sda", "sdb"}
    established = [
        p["value"]
        for p in points(snap, "system.network.connection.count")
        if p["attributes"].get("network.connection.state") == "established"
    ]
    assert established == [480]
    # system.filesystem.limit is opt-in: the size is the sum of usage over its states
    assert values(snap, "system.filesystem.usage", "system.filesystem.mountpoint") == mountpoints
    data_points = [
        p for p in points(snap, "system.filesystem.usage") if p["attributes"]["system.filesystem.mountpoint"] == "/data"
    ]
    expected = {k: v for k, v in data.items() if k != "limit"}
    assert {k: data_points[0]["attributes"][k] for k in expected} == expected
    if "limit" in data:
        assert sum(p["value"] for p in data_points) == data["limit"]
    assert "/hostfs" not in json.dumps(snap), "a path of the container leaked into the host's metrics"
