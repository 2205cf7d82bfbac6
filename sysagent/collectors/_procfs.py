"""Cheap reads of kernel files under the host root, shared by the built-in collectors.

Files are read with :mod:`sysagent.hostfs` (``read_text`` is re-exported here).
Paths are built once, in each collector's constructor, never per cycle.
"""

from __future__ import annotations

import os

from sysagent.hostfs import HostFS, read_text
from sysagent.model import AttrKey

#: What the built-in collectors return: ``(name, value, attributes)`` as a plain
#: tuple, which the runner unpacks like an Observation at a fraction of its cost.
Obs = tuple[str, float, AttrKey]

__all__ = ["USER_HZ", "Obs", "proc_path", "read_text"]

#: Clock ticks per second of the times in /proc/stat (USER_HZ, 100 on Linux).
USER_HZ: float = float(os.sysconf("SC_CLK_TCK")) if hasattr(os, "sysconf") else 100.0


def proc_path(host: HostFS, *parts: str) -> str:
    """A path under the host's /proc."""
    return host.path("proc", *parts)


def keyed_int(text: str, key: str, sep: str = " ") -> int | None:
    """The integer after ``key`` and ``sep`` at the start of a line, or None.

    For /proc/stat and /proc/vmstat (``sep`` a space) and /proc/meminfo (``sep``
    ``":"``; the value is in kB there). Finds the line with ``str.find`` instead
    of splitting the whole file: /proc/stat has a long ``intr`` line, /proc/vmstat
    some 170 lines and /proc/meminfo 55, of which a few are needed.
    """
    head = key + sep
    if text.startswith(head):
        start = len(head)
    else:
        at = text.find("\n" + head)
        if at < 0:
            return None
        start = at + len(head) + 1
    end = text.find("\n", start)
    return int(text[start : end if end >= 0 else len(text)].split()[0])


def boot_time_ns(host: HostFS) -> int:
    """When the host booted (``btime`` of /proc/stat), in ns since the epoch; 0 if unknown.

    Counters of kernel totals since boot use it as their start time.
    """
    try:
        btime = keyed_int(read_text(proc_path(host, "stat")), "btime")
    except (OSError, ValueError):
        return 0
    return btime * 1_000_000_000 if btime else 0


def unescape(field: str) -> str:
    r"""Undo the octal escapes of /proc/mounts and /proc/swaps (``\040`` is a space)."""
    if "\\" not in field:
        return field
    out: list[str] = []
    i = 0
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 3 < len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(c)
            i += 1
    return "".join(out)
