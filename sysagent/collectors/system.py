"""Uptime, process counts by state and processes created, from /proc/uptime and /proc/stat.

Reads ``{host_root}/proc/uptime`` and ``{host_root}/proc/stat`` once per cycle.
``system.process.count`` depends on ``process_states``:

- ``running`` (default): only ``process.state=running``, from ``procs_running`` of
  /proc/stat (free, as the file is read anyway). Like the hostmetrics receiver,
  this counts runnable tasks, i.e. threads, not processes.
- ``all``: walks ``/proc/[pid]/stat`` of every process and counts processes in
  each state: ``running`` (R), ``sleeping`` (S, D and idle kernel threads I),
  ``stopped`` (T, t) and ``defunct`` (Z). That is a file per process (about
  14 us each here, 1 ms for 80 processes): give this collector a longer interval.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from sysagent.hostfs import KernelFile
from sysagent.markers import hookimpl
from sysagent.registry import PluginContext, Registry

from ._backend import choose
from ._procfs import Obs, boot_time_ns, keyed_int, proc_path, read_text
from ._settings import SystemSettings
from ._specs import PROCESS_COUNT, PROCESS_CREATED, PROCESS_STATE_ATTRS, PROCESS_STATES, UPTIME

__all__ = ["PROCESS_STATES", "SystemCollector", "SystemSettings"]
_STATE_ATTRS = PROCESS_STATE_ATTRS
#: The state letter of /proc/[pid]/stat -> process.state (X, dead, is not counted).
_LETTERS = {"R": "running", "S": "sleeping", "D": "sleeping", "I": "sleeping", "T": "stopped", "t": "stopped",
            "Z": "defunct"}  # fmt: skip


class SystemCollector:
    """Reads /proc/uptime and /proc/stat (and /proc/[pid]/stat with ``process_states: all``)."""

    metrics = (UPTIME, PROCESS_COUNT, PROCESS_CREATED)

    def __init__(self, settings: SystemSettings, ctx: PluginContext) -> None:
        self.settings = settings
        self._proc = ctx.host.proc
        self._uptime = KernelFile(proc_path(ctx.host, "uptime"), single=True)
        self._stat = KernelFile(proc_path(ctx.host, "stat"), single=True)
        self.counter_start_ns = boot_time_ns(ctx.host)

    def collect(self) -> Iterable[Obs]:
        out: list[Obs] = [("system.uptime", float(self._uptime.read().split(None, 1)[0]), ())]
        stat = self._stat.read()
        created = keyed_int(stat, "processes")
        if created is not None:
            out.append(("system.process.created", created, ()))
        if self.settings.process_states == "all":
            counts = self._walk()
            out += [("system.process.count", n, _STATE_ATTRS[s]) for s, n in counts.items()]
        else:
            running = keyed_int(stat, "procs_running")
            if running is not None:
                out.append(("system.process.count", running, _STATE_ATTRS["running"]))
        return out

    def close(self) -> None:
        self._uptime.close()
        self._stat.close()

    def _walk(self) -> dict[str, int]:
        counts = dict.fromkeys(PROCESS_STATES, 0)
        proc = self._proc
        for name in os.listdir(proc):
            if not name.isdigit():
                continue
            try:
                text = read_text(os.path.join(proc, name, "stat"))
            except OSError:
                continue  # the process exited meanwhile
            # "pid (comm) S ...": comm may hold spaces and parentheses; the state follows the last ")".
            end = text.rfind(")")
            state = _LETTERS.get(text[end + 2 : end + 3])
            if state is not None:
                counts[state] += 1
        return counts


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("system", choose("system", SystemCollector), settings=SystemSettings, interval=5.0)
