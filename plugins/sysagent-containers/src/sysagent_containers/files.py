"""Parsers of the cgroup files the collector reads (each returns plain numbers)."""

from __future__ import annotations


def keyed(text: str) -> dict[str, int]:
    """``key value`` lines (cpu.stat, memory.stat, cpuacct.stat)."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if value:
            try:
                out[key] = int(value)
            except ValueError:
                continue
    return out


def pressure(text: str) -> dict[str, int]:
    """``some avg10=0.00 avg60=0.00 avg300=0.00 total=123`` lines: ``{"some": 123, "full": ...}``
    (microseconds)."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        for field in rest.split():
            if field.startswith("total="):
                out[kind] = int(field[6:])
    return out


def io_stat(text: str) -> dict[str, tuple[int, int]]:
    """cgroup v2 ``io.stat``: ``MAJ:MIN rbytes=.. wbytes=.. rios=..`` per device: (read, written) bytes."""
    out: dict[str, tuple[int, int]] = {}
    for line in text.splitlines():
        dev, *fields = line.split()
        values = dict(f.partition("=")[::2] for f in fields)
        out[dev] = (int(values.get("rbytes", 0)), int(values.get("wbytes", 0)))
    return out


def blkio(text: str) -> dict[str, tuple[int, int]]:
    """cgroup v1 ``blkio.throttle.io_service_bytes``: ``MAJ:MIN Read N`` / ``Write N`` lines."""
    out: dict[str, list[int]] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 3 or fields[1] not in ("Read", "Write"):
            continue
        pair = out.setdefault(fields[0], [0, 0])
        pair[fields[1] == "Write"] += int(fields[2])
    return {dev: (r, w) for dev, (r, w) in out.items()}
