"""Issue 12's bench: CPU per full collection of the psutil backend beside the procfs backend.

Usage: ``python bench/psutil_backend.py [--quick]`` from the repository root.

Two agents are built in this process, one per ``agent.backend``, each with every
default collector and no sinks. Their full collections (every periodic
collector's ``CollectorRunner.run()``) are interleaved in rounds, so the shared
machine's noise hits both alike; the figure is process CPU time
(``time.process_time``: user + system of every thread, so the statvfs worker
counts) per collection, median and 10th percentile, and per collector. A second
pair runs with the options that make both walk more (``connections.states:
detailed``, ``system.process_states: all``): with the defaults the psutil
backend skips the connection counts and process states that psutil cannot get
cheaply on Linux, so the first pair is not like for like on those collectors.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from typing import Any

from _common import Report, ms, quick

from sysagent.agent import Agent
from sysagent.runner import CollectorRunner

DETAILED = {"connections": {"states": "detailed"}, "system": {"process_states": "all"}}


def agent(backend: str, collectors: dict[str, Any]) -> Agent:
    state = tempfile.mkdtemp(prefix="sysagent-bench-")
    return Agent.from_config({
        "sinks": {},
        "agent": {"state_dir": state, "log_level": "WARNING", "backend": backend},
        "plugins": {"autoload": False},
        "collectors": collectors,
    })  # fmt: skip


def rounds_of(runners: dict[str, list[CollectorRunner]], rounds: int) -> dict[str, dict[str, list[float]]]:
    """CPU seconds per collector (and ``total``) of each round, per backend, interleaved."""
    out: dict[str, dict[str, list[float]]] = {b: {"total": []} for b in runners}
    for _ in range(rounds):
        for backend, rs in runners.items():
            total = 0.0
            for r in rs:
                start = time.process_time()
                r.run()
                spent = time.process_time() - start
                total += spent
                out[backend].setdefault(r.name, []).append(spent)
            out[backend]["total"].append(total)
    return out


def p10(values: list[float]) -> float:
    return sorted(values)[len(values) // 10]


def measure(rep: Report, label: str, collectors: dict[str, Any], rounds: int) -> None:
    agents = {b: agent(b, collectors) for b in ("procfs", "psutil")}
    runners = {b: [r for r, _i, _t in a.runners.values()] for b, a in agents.items()}
    for rs in runners.values():  # first runs: descriptors opened, psutil imported, caches filled
        for r in rs:
            r.run()
            r.run()
    stats = rounds_of(runners, rounds)
    rep.section(f"{label}: {rounds} collections each, interleaved")
    for name in [n for n in stats["procfs"] if n != "total"]:
        a, b = stats["procfs"][name], stats["psutil"].get(name, [0.0])
        ratio = statistics.median(b) / statistics.median(a) if statistics.median(a) else float("nan")
        rep.figure(f"{name:<12} median procfs / psutil (psutil/procfs)",
                   f"{ms(statistics.median(a))} / {ms(statistics.median(b))} ({ratio:.2f}x)")  # fmt: skip
    a, b = stats["procfs"]["total"], stats["psutil"]["total"]
    rep.figure("whole collection, 10th percentile procfs / psutil", f"{ms(p10(a))} / {ms(p10(b))}")
    rep.figure(
        "whole collection, median procfs / psutil (ratio)",
        f"{ms(statistics.median(a))} / {ms(statistics.median(b))} ({statistics.median(b) / statistics.median(a):.2f}x)",
    )
    for a_ in agents.values():
        for r, _i, _t in a_.runners.values():
            getattr(r.collector, "close", lambda: None)()


def main() -> int:
    rounds = 100 if quick() else 1000
    rep = Report("psutil backend")
    print("== psutil backend vs procfs: process CPU time per full collection (this host) ==")
    measure(rep, "default settings", {}, rounds)
    measure(rep, "connections detailed, process_states all", DETAILED, max(rounds // 5, 20))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
