"""Where a cycle's CPU goes: per collector, collect() against the runner's build(), user against kernel.

``python bench/host_collection.py --profile`` prints this after the figures. The
kernel share is the cost of generating /proc and /sys text and of statvfs: no
Python change removes it, only reading fewer or cheaper files.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import resource
import time

from _common import Report, med, ms

from sysagent.runner import CollectorRunner


def _usage() -> tuple[float, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def split(rep: Report, runners: list[CollectorRunner], cycles: int) -> None:
    """Median CPU of each collector's collect() and of its runner's build(); user/kernel shares."""
    rep.section(f"profile: per collector, collect() vs runner.build(), {cycles} cycles")
    collect: dict[str, list[float]] = {r.name: [] for r in runners}
    build: dict[str, list[float]] = {r.name: [] for r in runners}
    usage: dict[str, list[float]] = {r.name: [0.0, 0.0] for r in runners}
    clock = time.process_time
    for _ in range(cycles):
        time.sleep(0.01)
        for r in runners:
            u0, s0 = _usage()
            t0 = clock()
            observations = list(r.collector.collect())
            t1 = clock()
            r.build(observations, time.time_ns())
            t2 = clock()
            u1, s1 = _usage()
            collect[r.name].append(t1 - t0)
            build[r.name].append(t2 - t1)
            usage[r.name][0] += u1 - u0
            usage[r.name][1] += s1 - s0
    rep.figure("collector: collect() / build() medians, kernel share", "")
    total_c = total_b = 0.0
    for r in sorted(runners, key=lambda r: -med(collect[r.name]) - med(build[r.name])):
        c, b = med(collect[r.name]), med(build[r.name])
        total_c, total_b = total_c + c, total_b + b
        u, s = usage[r.name]
        rep.figure(f"  {r.name}", f"{ms(c)} / {ms(b)}, kernel {s / (u + s) * 100 if u + s else 0:.0f}%")
    rep.figure("  sum of medians: collect() / build()", f"{ms(total_c)} / {ms(total_b)}")


def hot_functions(runners: list[CollectorRunner], cycles: int, top: int = 25) -> None:
    """cProfile over ``cycles`` full cycles: the functions with the most own time."""
    profile = cProfile.Profile()
    for _ in range(cycles):
        time.sleep(0.005)
        profile.enable()
        for r in runners:
            r.run()
        profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    print(f"-- profile: cProfile over {cycles} cycles, top {top} functions by own time (cProfile inflates calls)")
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
    for line in lines[start : start + top + 1]:
        print("  " + line.replace("/work/main/", "").replace("/root/.pyenv/versions/3.11.7/lib/python3.11/", ""))
