"""The metric declarations both collector backends emit: names, kinds, units and attribute keys.

The procfs collectors (``sysagent/collectors/*.py``) and the psutil ones
(``sysagent/collectors/psutil/``) import every :class:`MetricSpec` and build
every attribute tuple through the functions here, so the two backends cannot
drift apart: a name, unit, kind or attribute key exists once. Attribute tuples
are sorted by key (the runner's fast path takes them as they are).
"""

from __future__ import annotations

from sysagent.derive import Utilization
from sysagent.model import AttrKey, counter, gauge, updowncounter
from sysagent.semconv.aliases import filesystem_type

# cpu
CPU_TIME = counter("system.cpu.time", "s", "Seconds each logical CPU spent in each mode")
CPU_UTILIZATION = gauge("system.cpu.utilization", "1", "Share of CPU time spent in each mode since the last cycle")
CPU_FREQUENCY = gauge("system.cpu.frequency", "Hz", "Current frequency of each logical CPU")
#: cpu.mode members, in /proc/stat's column order (irq and softirq add up to "interrupt").
CPU_MODES = ("user", "nice", "system", "idle", "iowait", "interrupt", "steal")
#: system.cpu.utilization, derived by the framework from system.cpu.time (opt-in).
UTILIZATION = Utilization(target=CPU_UTILIZATION, source="system.cpu.time", over="cpu.mode")

# host
LOGICAL_COUNT = updowncounter("system.cpu.logical.count", "{cpu}", "Logical CPUs online", integer=True)
PHYSICAL_COUNT = updowncounter("system.cpu.physical.count", "{cpu}", "Physical CPU cores", integer=True)
MEMORY_LIMIT = updowncounter("system.memory.limit", "By", "Total usable memory (MemTotal)", integer=True)

# load (not in the conventions: the hostmetrics receiver's names)
LOAD_1M = gauge("system.cpu.load_average.1m", "{thread}", "Runnable or waiting threads, averaged over 1 minute")
LOAD_5M = gauge("system.cpu.load_average.5m", "{thread}", "Runnable or waiting threads, averaged over 5 minutes")
LOAD_15M = gauge("system.cpu.load_average.15m", "{thread}", "Runnable or waiting threads, averaged over 15 minutes")

# memory
MEMORY_USAGE = updowncounter("system.memory.usage", "By", "Memory in each state", integer=True)
MEMORY_UTILIZATION = gauge("system.memory.utilization", "1", "Share of total memory in each state")
MEMORY_AVAILABLE = updowncounter(
    "system.memory.linux.available", "By", "MemAvailable: memory available without swapping", integer=True
)
SLAB_USAGE = updowncounter("system.memory.linux.slab.usage", "By", "Kernel slab memory by state", integer=True)
MEMORY_STATES = ("used", "free", "buffers", "cached")
MEMORY_STATE_ATTRS: dict[str, AttrKey] = {s: (("system.memory.state", s),) for s in MEMORY_STATES}
SLAB_RECLAIMABLE: AttrKey = (("system.memory.linux.slab.state", "reclaimable"),)
SLAB_UNRECLAIMABLE: AttrKey = (("system.memory.linux.slab.state", "unreclaimable"),)

# paging
PAGING_USAGE = updowncounter("system.paging.usage", "By", "Swap space in use and free, per device", integer=True)
PAGING_UTILIZATION = gauge("system.paging.utilization", "1", "Share of each swap device in use and free")
PAGING_FAULTS = counter("system.paging.faults", "{fault}", "Page faults by type", integer=True)
PAGING_OPERATIONS = counter("system.paging.operations", "{operation}", "Pages swapped in and out", integer=True)
FAULT_MAJOR: AttrKey = (("system.paging.fault.type", "major"),)
FAULT_MINOR: AttrKey = (("system.paging.fault.type", "minor"),)
SWAP_IN: AttrKey = (("system.paging.direction", "in"), ("system.paging.fault.type", "major"))
SWAP_OUT: AttrKey = (("system.paging.direction", "out"), ("system.paging.fault.type", "major"))

# filesystem (inodes: the hostmetrics receiver's name, with semconv attribute keys)
FS_USAGE = updowncounter("system.filesystem.usage", "By", "Space used, free and reserved", integer=True)
FS_UTILIZATION = gauge("system.filesystem.utilization", "1", "Share of the filesystem's size in each state")
FS_LIMIT = updowncounter("system.filesystem.limit", "By", "Size of the filesystem", integer=True)
FS_INODES = updowncounter("system.filesystem.inodes.usage", "{inode}", "Inodes used and free", integer=True)

# disk
DISK_IO = counter("system.disk.io", "By", "Bytes read from and written to each disk", integer=True)
DISK_OPERATIONS = counter("system.disk.operations", "{operation}", "Completed reads and writes", integer=True)
DISK_IO_TIME = counter("system.disk.io_time", "s", "Time each disk had I/O in flight")
DISK_OPERATION_TIME = counter("system.disk.operation_time", "s", "Time spent in reads and writes, summed over them")
DISK_MERGED = counter("system.disk.merged", "{operation}", "Adjacent reads and writes merged", integer=True)

# network
NETWORK_IO = counter("system.network.io", "By", "Bytes received and transmitted", integer=True)
NETWORK_PACKETS = counter("system.network.packet.count", "{packet}", "Packets received and transmitted", integer=True)
NETWORK_ERRORS = counter("system.network.errors", "{error}", "Receive and transmit errors", integer=True)
NETWORK_DROPPED = counter("system.network.packet.dropped", "{packet}", "Packets dropped", integer=True)

# connections
CONNECTION_COUNT = updowncounter(
    "system.network.connection.count", "{connection}", "Connections by state and transport", integer=True
)
TCP_STATES = ("established", "syn_sent", "syn_received", "fin_wait_1", "fin_wait_2", "time_wait", "closed",
              "close_wait", "last_ack", "listen", "closing")  # fmt: skip
TCP_ATTRS: dict[str, AttrKey] = {s: (("network.connection.state", s), ("network.transport", "tcp")) for s in TCP_STATES}
UDP_ATTRS: AttrKey = (("network.transport", "udp"),)

# system
UPTIME = gauge("system.uptime", "s", "Seconds since the host booted")
PROCESS_COUNT = updowncounter("system.process.count", "{process}", "Processes in each state", integer=True)
PROCESS_CREATED = counter("system.process.created", "{process}", "Processes created since boot", integer=True)
PROCESS_STATES = ("running", "sleeping", "stopped", "defunct")
PROCESS_STATE_ATTRS: dict[str, AttrKey] = {s: (("process.state", s),) for s in PROCESS_STATES}


def cpu_attrs(mode: str, cpu: int | None) -> AttrKey:
    """``cpu.mode`` (and ``cpu.logical_number`` for a per-CPU series)."""
    return (("cpu.mode", mode),) if cpu is None else (("cpu.logical_number", cpu), ("cpu.mode", mode))


def cpu_number_attrs(cpu: int) -> AttrKey:
    return (("cpu.logical_number", cpu),)


def paging_attrs(device: str | None) -> tuple[AttrKey, AttrKey]:
    """(used, free) attributes of a swap device, or of all swap when the platform has no devices."""
    if device is None:
        return (("system.paging.state", "used"),), (("system.paging.state", "free"),)
    return (
        (("system.device", device), ("system.paging.state", "used")),
        (("system.device", device), ("system.paging.state", "free")),
    )


#: One mount's attributes: used, free, reserved (with state), limit (without), inodes used and free.
FsAttrs = tuple[AttrKey, AttrKey, AttrKey, AttrKey, AttrKey, AttrKey]


def filesystem_attrs(device: str, fstype: str, mode: str, mountpoint: str) -> FsAttrs:
    """The attribute tuples of one mount; the type is spelled as the conventions' enum says."""
    base = (("system.device", device),)
    tail = (("system.filesystem.mode", mode), ("system.filesystem.mountpoint", mountpoint))
    fs_type = (("system.filesystem.type", filesystem_type(fstype)),)

    def state(s: str) -> AttrKey:
        return base + tail + (("system.filesystem.state", s),) + fs_type

    return (state("used"), state("free"), state("reserved"), base + tail + fs_type, state("used"), state("free"))


def disk_attrs(device: str) -> tuple[AttrKey, AttrKey, AttrKey]:
    """(read, write, device-only) attributes of a disk."""
    return (
        (("disk.io.direction", "read"), ("system.device", device)),
        (("disk.io.direction", "write"), ("system.device", device)),
        (("system.device", device),),
    )


def network_attrs(interface: str) -> tuple[AttrKey, AttrKey, AttrKey, AttrKey]:
    """(receive, transmit) by ``network.interface.name``, then by ``system.device`` (packet counts)."""
    rx, tx = ("network.io.direction", "receive"), ("network.io.direction", "transmit")
    return (
        (("network.interface.name", interface), rx),
        (("network.interface.name", interface), tx),
        (rx, ("system.device", interface)),
        (tx, ("system.device", interface)),
    )
