"""The metrics of the process collector, as semantic conventions v1.44.0 define them.

``sysagent.processes.*`` are the collector's own bookkeeping (the conventions have
nothing for them): how many processes passed the filters, and how many could
not be read at all because the agent lacks the permission.
"""

from __future__ import annotations

from sysagent import counter, gauge, updowncounter

CPU_TIME = counter("process.cpu.time", "s", "Total CPU seconds broken down by different CPU modes")
MEMORY_USAGE = updowncounter("process.memory.usage", "By", "The amount of physical memory in use", integer=True)
MEMORY_VIRTUAL = updowncounter("process.memory.virtual", "By", "The amount of committed virtual memory", integer=True)
DISK_IO = counter("process.disk.io", "By", "Disk bytes transferred", integer=True)
THREADS = updowncounter("process.thread.count", "{thread}", "Process threads count", integer=True)
FDS = updowncounter(
    "process.unix.file_descriptor.count",
    "{file_descriptor}",
    "Number of UNIX file descriptors in use by the process",
    integer=True,
)
CONTEXT_SWITCHES = counter(
    "process.context_switches", "{context_switch}", "Times the process has been context switched", integer=True
)
UPTIME = gauge("process.uptime", "s", "The time the process has been running")
MATCHED = updowncounter(
    "sysagent.processes.matched", "{process}", "Processes that passed include/exclude, before top-N", integer=True
)
ACCESS_DENIED = updowncounter(
    "sysagent.processes.access_denied",
    "{process}",
    "Processes whose metrics (all or some) could not be read for lack of permission, this cycle",
    integer=True,
)

ALL = (
    CPU_TIME,
    MEMORY_USAGE,
    MEMORY_VIRTUAL,
    DISK_IO,
    THREADS,
    FDS,
    CONTEXT_SWITCHES,
    UPTIME,
    MATCHED,
    ACCESS_DENIED,
)
