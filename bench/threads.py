"""Where ``sysagent run``'s CPU goes, thread by thread, at the whole-process bench's settings.

Starts a real Collector and ``sysagent run`` with the config ``bench/whole_process.py``
uses (every host collector at ``--interval``, the otlp sink, alerts off), waits
``--warmup`` seconds, then reads each thread's CPU (``/proc/<pid>/task/<tid>/schedstat``,
nanoseconds on CPU) and voluntary context switches (wake-ups) over ``--duration``
seconds. Threads are named with ``py-spy dump`` (the bench extra) when it is on
PATH; Python 3.11 does not give its threads OS names.

``--baseline DIR`` runs a second ``sysagent run`` from another checkout beside it,
measured over the same window.

    python bench/threads.py [--duration 60] [--interval 1] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _services import AgentProcess, OtelCollector
from whole_process import sysagent_config

Row = tuple[str, float, float]  # thread, ms/s on CPU, wake-ups/s
_DUMP = re.compile(r'^Thread (\d+) \(\w+\): "([^"]+)"', re.M)


def names(pid: int) -> dict[int, str]:
    """Thread id to Python thread name, from py-spy (empty without it)."""
    spy = shutil.which("py-spy")
    if spy is None:
        return {}
    out = subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True, check=False).stdout
    return {int(tid): name for tid, name in _DUMP.findall(out)}


def sample(pid: int) -> dict[int, tuple[int, int]]:
    """Per thread: (ns on CPU, voluntary context switches)."""
    out: dict[int, tuple[int, int]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            ns = int((task / "schedstat").read_text().split()[0])
            status = (task / "status").read_text()
        except OSError:  # the thread ended
            continue
        switches = int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
        out[int(task.name)] = (ns, switches)
    return out


def measure(agents: dict[str, AgentProcess], warmup: float, duration: float) -> dict[str, list[Row]]:
    """Every agent over the same window, so the machine's noise falls on all of them alike."""
    time.sleep(warmup)
    named = {label: names(a.pid) for label, a in agents.items()}
    before, start = {label: sample(a.pid) for label, a in agents.items()}, time.monotonic()
    time.sleep(duration)
    after, elapsed = {label: sample(a.pid) for label, a in agents.items()}, time.monotonic() - start
    out: dict[str, list[Row]] = {}
    for label, threads in after.items():
        rows = out[label] = []
        for tid, (ns, sw) in sorted(threads.items()):
            ns0, sw0 = before[label].get(tid, (0, 0))
            name = named[label].get(tid, f"thread {tid}")
            rows.append((name, (ns - ns0) / 1e6 / elapsed, (sw - sw0) / elapsed))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--baseline", type=Path, help="another checkout, run beside this one in the same window")
    args = parser.parse_args()
    with OtelCollector() as sink:
        config = sysagent_config(sink.endpoint, args.interval)
        agents = {"sysagent": AgentProcess(config)}
        if args.baseline:
            agents["baseline"] = AgentProcess(config, args.baseline)
        try:
            results = measure(agents, args.warmup, args.duration)
        finally:
            for agent in agents.values():
                agent.stop()
    for label, rows in results.items():
        print(f"\n{label}: sysagent run at {args.interval:g} s, {args.duration:g} s measured")
        print("| thread | CPU | wake-ups/s |\n|---|---|---|")
        for name, ms, wakes in rows:
            print(f"| {name} | {ms:.3f} ms/s | {wakes:.2f} |")
        print(f"| whole process | {sum(r[1] for r in rows):.3f} ms/s | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
