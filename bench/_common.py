"""Shared helpers for the benches: CPU clocks, /proc readings, the report table, the agent's cycle.

The machine is shared and noisy, so every figure is CPU time (never wall time,
except for delivery throughput), a median over many cycles, and peers are
measured in the same run so that ratios can be compared. Importing this module
puts the repository root first on ``sys.path``, so ``python bench/NAME.py`` runs
from a checkout without ``pip install -e .``.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sysagent.agent import Agent  # noqa: E402
from sysagent.model import Batch  # noqa: E402
from sysagent.runner import CollectorRunner  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def quick() -> bool:
    """Whether ``--quick`` was given: fewer cycles, shorter runs."""
    return "--quick" in sys.argv[1:]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime: fields 14 and 15


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size (VmRSS) in MB (2**20 bytes)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_per_call(fn: Callable[[], object], calls: int, *, spacing: float = 0.0) -> list[float]:
    """CPU seconds (time.process_time: every thread of this process) of each of ``calls`` calls."""
    out: list[float] = []
    for _ in range(calls):
        if spacing:
            time.sleep(spacing)
        start = time.process_time()
        fn()
        out.append(time.process_time() - start)
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"


@dataclass
class Report:
    """Figures printed as they come; the targets again at the end, with PASS/FAIL."""

    title: str
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def figure(self, label: str, value: str) -> None:
        print(f"  {label:<66} {value}", flush=True)

    def target(self, label: str, value: float, op: str, limit: float, fmt: str = "{:.3f}") -> bool:
        ok = value <= limit if op == "<=" else value >= limit
        verdict = "PASS" if ok else "FAIL"
        text = f"{fmt.format(value)} (target {op} {fmt.format(limit)})"
        self.lines.append(f"  [{verdict}] {label:<59} {text}")
        print(f"  [{verdict}] {label:<59} {text}", flush=True)
        if not ok:
            self.failures.append(label)
        return ok

    def section(self, name: str) -> None:
        print(f"-- {name}", flush=True)

    def summary(self) -> int:
        print(f"\n==== {self.title}: targets ====")
        for line in self.lines:
            print(line)
        failed = f": {', '.join(self.failures)}" if self.failures else ""
        print(f"==== {len(self.failures)} target(s) failed{failed}")
        return 1 if self.failures else 0


# -- sysagent in this process -----------------------------------------------------------------


def default_agent(state_dir: str | None = None, **extra: Any) -> Agent:
    """The agent with every default collector and no sinks (batches are handed over by the bench)."""
    state = state_dir or tempfile.mkdtemp(prefix="sysagent-bench-")
    config = {"sinks": {}, "agent": {"state_dir": state, "log_level": "WARNING"}, "plugins": {"autoload": False}}
    return Agent.from_config({**config, **extra})


def runners_of(agent: Agent) -> list[CollectorRunner]:
    return [runner for runner, _interval, _timeout in agent.runners.values()]


@dataclass
class CycleStats:
    """CPU per full cycle and per collector, and points per cycle, over many cycles."""

    total: list[float] = field(default_factory=list)
    per_collector: dict[str, list[float]] = field(default_factory=dict)
    points: list[int] = field(default_factory=list)
    extra: list[float] = field(default_factory=list)  # CPU of what ``after`` did with the batches

    def add(self, other: CycleStats) -> None:
        self.total += other.total
        self.points += other.points
        self.extra += other.extra
        for name, values in other.per_collector.items():
            self.per_collector.setdefault(name, []).extend(values)


def run_cycles(
    runners: Iterable[CollectorRunner],
    cycles: int,
    *,
    spacing: float = 0.01,
    after: Callable[[list[Batch]], object] | None = None,
) -> CycleStats:
    """Run every runner once per cycle, handing the batches to a list (an in-memory sink).

    ``spacing`` seconds of sleep between cycles let /proc counters move, so deltas,
    rates and utilizations are computed as in a real cycle. ``after`` (e.g. an
    encoder) gets the cycle's batches; its CPU is counted in the cycle and apart.
    """
    rs = list(runners)
    stats = CycleStats(per_collector={r.name: [] for r in rs})
    clock = time.process_time
    for _ in range(cycles):
        time.sleep(spacing)
        sink: list[Batch] = []
        start = clock()
        for r in rs:
            t = clock()
            sink.append(r.run())
            stats.per_collector[r.name].append(clock() - t)
        if after is not None:
            t = clock()
            after(sink)
            stats.extra.append(clock() - t)
        stats.total.append(clock() - start)
        stats.points.append(sum(b.point_count for b in sink))
    return stats


def med(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def mean(values: Iterable[float]) -> float:
    return statistics.fmean(list(values))
