"""The metrics of the containers collector.

``container.cpu.time``, ``.memory.usage``, ``.memory.working_set``, ``.disk.io`` and
``.paging.faults`` are semantic conventions v1.44.0. The conventions have no
per-cgroup process count and no pressure stall metrics (see the README for the
names chosen): ``container.process.count`` mirrors ``system.process.count``, and the
pressure counters follow the PSI proposal's ``system.{cpu,memory,io}.linux.pressure.total``
with ``container`` in place of ``system``.
"""

from __future__ import annotations

from sysagent import counter, updowncounter

CPU_TIME = counter("container.cpu.time", "s", "Total CPU time consumed")
MEMORY_USAGE = updowncounter("container.memory.usage", "By", "Memory usage of the container", integer=True)
WORKING_SET = updowncounter(
    "container.memory.working_set", "By", "Memory usage minus inactive file cache", integer=True
)
DISK_IO = counter("container.disk.io", "By", "Disk bytes for the container", integer=True)
PAGING_FAULTS = counter("container.paging.faults", "{fault}", "Container memory paging faults", integer=True)
PROCESSES = updowncounter("container.process.count", "{process}", "Processes (tasks) in the cgroup", integer=True)
PRESSURE = {
    resource: counter(
        f"container.{resource}.linux.pressure.total",
        "s",
        f"Time tasks of the cgroup were stalled on {resource} (pressure stall information)",
    )
    for resource in ("cpu", "memory", "io")
}

ALL = (CPU_TIME, MEMORY_USAGE, WORKING_SET, DISK_IO, PAGING_FAULTS, PROCESSES, *PRESSURE.values())
