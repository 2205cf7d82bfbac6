"""Per-process metrics from psutil for the top N processes by CPU or memory.

Each cycle reads every process's name and CPU times (one ``/proc/PID/stat``
read under psutil's ``oneshot``; ranking by memory adds ``statm``), ranks the
candidates, and reads memory, threads, context switches, file descriptors and
I/O only for the N it reports. Ranking by CPU uses the CPU time each process used
since the previous cycle (its whole CPU time on the first cycle, or when it is
new), which is selection state, not a value the collector reports. Processes
that cannot be read for lack of permission are counted in
``sysagent.processes.access_denied`` and logged once, never one by one.
"""

from __future__ import annotations

import heapq
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

import psutil

from sysagent import PluginContext
from sysagent_process import metrics as m
from sysagent_process.select import Selector
from sysagent_process.settings import ProcessSettings

log = logging.getLogger("sysagent.process")

#: A source of psutil.Process-like objects (tests pass fakes).
Source = Callable[[], Iterable[Any]]
Obs = tuple[str, float, tuple[tuple[str, Any], ...]]
_Attrs = tuple[tuple[str, Any], ...]


def _command_line(proc: Any, name: str) -> str:
    try:
        return " ".join(proc.cmdline()) or name
    except psutil.Error:
        return name


_FIELDS = {"user": "user", "system": "system", "iowait": "iowait"}


def _or_denied(read: Callable[[], Any], pid: int, denied: set[int]) -> Any:
    """``read()``, or None (and the pid noted) when the agent may not read it."""
    try:
        return read()
    except psutil.AccessDenied:
        denied.add(pid)
        return None


class _Series:
    """The attribute keys of one process's series, built once per process lifetime."""

    __slots__ = ("base", "ctx", "io", "modes")

    def __init__(self, base: dict[str, Any], modes: tuple[str, ...]) -> None:
        def key(**extra: Any) -> _Attrs:
            return tuple(sorted({**base, **extra}.items()))

        self.base = key()
        # (psutil's field, the series of that cpu.mode)
        self.modes = tuple((_FIELDS[mode], key(**{"cpu.mode": mode})) for mode in modes)
        self.io = (key(**{"disk.io.direction": "read"}), key(**{"disk.io.direction": "write"}))
        self.ctx = (
            key(**{"process.context_switch.type": "voluntary"}),
            key(**{"process.context_switch.type": "involuntary"}),
        )


class ProcessCollector:
    """Reports the top ``settings.top`` processes that pass include/exclude."""

    metrics = m.ALL

    def __init__(
        self,
        settings: ProcessSettings,
        ctx: PluginContext,
        *,
        source: Source | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if source is None:
            if sys.platform.startswith("linux"):
                # process-wide: set it every time (/proc without a host root), or an earlier
                # agent's host root (a reload, a test) would stay in force
                psutil.PROCFS_PATH = ctx.host.path("proc")
            source = psutil.process_iter
        self._source = source
        self._clock = clock
        self._top = settings.top
        self._by_cpu = settings.by == "cpu"
        self._select = Selector(settings.include, settings.exclude)
        self._last_cpu: dict[int, float] = {}
        self._series: dict[tuple[int, float], _Series] = {}
        self._warned = False

    def collect(self) -> list[Obs]:
        denied: set[int] = set()
        candidates = list(self._candidates(denied))
        chosen = heapq.nlargest(self._top, candidates, key=lambda c: c[0])
        now = self._clock()
        out: list[Obs] = []
        series: dict[tuple[int, float], _Series] = {}
        for _score, proc, name, cpu, mem in chosen:
            try:
                self._report(proc, name, cpu, mem, now, series, out, denied)
            except psutil.AccessDenied:
                denied.add(proc.pid)
            except psutil.Error:  # exited since it was ranked
                continue
        self._series = series
        out.append((m.MATCHED.name, len(candidates), ()))
        out.append((m.ACCESS_DENIED.name, len(denied), ()))
        if denied and not self._warned:
            self._warned = True
            log.info(
                "process: %d processes could not be read (permission denied); they are counted in %s "
                "and not logged one by one",
                len(denied),
                m.ACCESS_DENIED.name,
            )
        return out

    def _candidates(self, denied: set[int]) -> Iterator[tuple[float, Any, str, Any, Any]]:
        """Every selected process with its ranking score, CPU times and memory."""
        select = None if self._select.selects_all else self._select
        last, seen = self._last_cpu, {}
        for proc in self._source():
            try:
                with proc.oneshot():
                    name = proc.name()
                    if select is not None and not select(name, partial(_command_line, proc, name)):
                        continue
                    cpu = proc.cpu_times()
                    mem = None if self._by_cpu else proc.memory_info()
            except psutil.AccessDenied:
                denied.add(proc.pid)
                continue
            except psutil.Error:  # gone, or a zombie
                continue
            if self._by_cpu:
                total = cpu.user + cpu.system
                before = last.get(proc.pid)
                seen[proc.pid] = total
                score = total - before if before is not None and total >= before else total
            else:
                score = float(mem.rss)  # type: ignore[union-attr]
            yield score, proc, name, cpu, mem
        if self._by_cpu:
            self._last_cpu = seen

    def _report(
        self,
        proc: Any,
        name: str,
        cpu: Any,
        mem: Any,
        now: float,
        series: dict[tuple[int, float], _Series],
        out: list[Obs],
        denied: set[int],
    ) -> None:
        with proc.oneshot():
            if mem is None:
                mem = proc.memory_info()
            created = proc.create_time()
            key = (proc.pid, created)
            s = self._series.get(key) or self._describe(proc, name, cpu)
            series[key] = s
            threads = proc.num_threads()
            switches = proc.num_ctx_switches()
            fds = _or_denied(proc.num_fds, proc.pid, denied)
            io = _or_denied(proc.io_counters, proc.pid, denied)
        for field, attrs in s.modes:
            out.append((m.CPU_TIME.name, getattr(cpu, field), attrs))
        base = s.base
        out.append((m.MEMORY_USAGE.name, mem.rss, base))
        out.append((m.MEMORY_VIRTUAL.name, mem.vms, base))
        out.append((m.THREADS.name, threads, base))
        out.append((m.CONTEXT_SWITCHES.name, switches.voluntary, s.ctx[0]))
        out.append((m.CONTEXT_SWITCHES.name, switches.involuntary, s.ctx[1]))
        out.append((m.UPTIME.name, max(0.0, now - created), base))
        if fds is not None:
            out.append((m.FDS.name, fds, base))
        if io is not None:
            out.append((m.DISK_IO.name, io.read_bytes, s.io[0]))
            out.append((m.DISK_IO.name, io.write_bytes, s.io[1]))

    @staticmethod
    def _describe(proc: Any, name: str, cpu: Any) -> _Series:
        try:
            argv = proc.cmdline()
        except psutil.Error:
            argv = []
        try:
            owner = proc.username()
        except (psutil.Error, KeyError):
            owner = ""
        base = {
            "process.pid": proc.pid,
            "process.executable.name": name,
            "process.command": argv[0] if argv else name,
            "process.owner": owner,
        }
        # cpu.mode's enum member for I/O wait is ``iowait`` (the metric's note says "wait",
        # which the enum lacks); psutil has it on Linux only.
        modes = ("user", "system", "iowait") if hasattr(cpu, "iowait") else ("user", "system")
        return _Series(base, modes)
