"""CPU time of one collection of every default built-in collector, through CollectorRunner.

Usage: ``python bench/collectors_profile.py [ROUNDS]``. Prints the median CPU time
(time.process_time, all threads) per collector and for all of them together (and
its 10th percentile, less disturbed by other work on a shared machine), and the
number of points. Figures are for this machine; compare runs, not machines.
"""

from __future__ import annotations

import importlib
import statistics
import sys
import time
from typing import Any

from sysagent.collectors import BUILTIN_COLLECTORS
from sysagent.hostfs import HostFS
from sysagent.model import Resource, Scope
from sysagent.registry import PluginContext, Registry
from sysagent.runner import CollectorRunner


def runners() -> list[CollectorRunner]:
    registry = Registry()
    for module in BUILTIN_COLLECTORS:
        importlib.import_module(module).sysagent_collectors(registry)
    ctx = PluginContext(config=None, host=HostFS("/"), resource=Resource(), state_dir="/tmp")  # type: ignore[arg-type]
    out = []
    for name, entry in registry.collectors().items():
        if entry.interval == 0:
            continue  # once at start: not part of a cycle
        collector: Any = entry.factory(entry.settings(), ctx)
        out.append(CollectorRunner(name, collector, Scope("sysagent"), Resource()))
    return out


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rs = runners()
    for r in rs:
        r.run()
    per: dict[str, list[float]] = {r.name: [] for r in rs}
    for _ in range(rounds):  # per collector (each timing adds a clock read)
        for r in rs:
            t = time.process_time()
            r.run()
            per[r.name].append(time.process_time() - t)
    totals: list[float] = []
    points = 0
    for _ in range(rounds):  # all together, as the scheduler would run them
        start_all = time.process_time()
        points = sum(r.run().point_count for r in rs)
        totals.append(time.process_time() - start_all)
    for name, times in per.items():
        print(f"{name:12s} {statistics.median(times) * 1e6:8.1f} us")
    totals.sort()
    print(
        f"{'all':12s} {statistics.median(totals) * 1e6:8.1f} us  (p10 {totals[len(totals) // 10] * 1e6:.1f} us,"
        f" {points} points, median of {rounds})"
    )
    for r in rs:
        close = getattr(r.collector, "close", None)
        if close:
            close()


if __name__ == "__main__":
    main()
